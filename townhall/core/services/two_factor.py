"""Second factor for staff: authenticator-app (TOTP) enrolment and backup codes."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.core.errors import Conflict, FieldError, ValidationFailed
from townhall.core.services.audit import audit_record

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


def has_confirmed_totp(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_start(*, user: Any) -> TOTPDevice:
    """The member of staff's unconfirmed authenticator device, created on first call and reused after."""
    if has_confirmed_totp(user):
        raise Conflict("You have already set up an authenticator app", code="totp_already_enrolled")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
            audit_record(
                organisation=None,
                actor=user,
                action="staff.totp_enrolment_started",
                object_type="user",
                object_id=user.pk,
            )
    return device


def totp_enrolment_confirm(*, user: Any, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device with a code from the app. Returns the device and newly issued backup codes."""
    token = "".join(token.split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            raise Conflict("Start setting up your authenticator app again", code="totp_enrolment_missing")
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            raise ValidationFailed(
                "You have entered too many wrong codes. Wait a minute, then try again",
                code="totp_throttled",
                errors=[FieldError("totp_throttled", "Wait a minute, then enter a new code", "token")],
            )
        if not token.isdigit() or len(token) != device.digits or not device.verify_token(token):
            raise ValidationFailed(
                "The code is not right",
                code="totp_invalid",
                errors=[FieldError("totp_invalid", "Enter the 6-digit code shown in your authenticator app", "token")],
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _issue_backup_codes(user)
        audit_record(
            organisation=None,
            actor=user,
            action="staff.totp_enrolled",
            object_type="user",
            object_id=user.pk,
            data={"device_id": device.pk, "backup_codes": len(codes)},
        )
    return device, codes


def _issue_backup_codes(user: Any) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def qr_code_svg(data: str) -> str:
    """An inline SVG QR code (no external request, no image file) for an otpauth:// URI."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    if svg.startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    return svg
