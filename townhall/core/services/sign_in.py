"""Staff sign-in: checking the second factor and recording each sign-in on the platform's audit chain."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.services.audit import audit_record


def second_factor_check(*, user: Any, token: str) -> Device:
    """The confirmed device (authenticator app or a backup code) that accepts ``token``.

    Wrong codes count against each device's throttle (django-otp's exponential back-off), so
    guessing is slowed down; a used backup code is spent.
    """
    token = "".join(token.split())
    if not token:
        raise ValidationFailed(
            "Enter a code",
            code="code_missing",
            errors=[FieldError("code_missing", "Enter the code from your authenticator app", "token")],
        )
    throttled = False
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                return device
    if throttled:
        raise ValidationFailed(
            "Too many wrong codes",
            code="code_throttled",
            errors=[
                FieldError(
                    "code_throttled", "You have entered too many wrong codes. Wait a minute, then try again", "token"
                )
            ],
        )
    raise ValidationFailed(
        "The code is not right",
        code="code_invalid",
        errors=[FieldError("code_invalid", "The code is not right. Enter the code shown in your app now", "token")],
    )


def staff_sign_in_record(*, user: Any, method: str) -> None:
    """Record that a member of staff signed in (``method``: password_totp, backup_code or oidc)."""
    with transaction.atomic():
        audit_record(
            organisation=None,
            actor=user,
            action="staff.signed_in",
            object_type="user",
            object_id=user.pk,
            data={"method": method},
        )
