"""Queueing a message: a row in the caller's transaction, the outbox that delivery workers drain.

The row is the whole hand-off. ``manage.py deliver_notifications`` loops claim due rows (ADR 0010); no task
is enqueued per message, so a message is offered to one delivery path, not two, and queueing one costs the
caller two INSERTs inside a transaction it already has.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.inserts import insert, new_row
from townhall.core.models import Organisation
from townhall.notifications import config, templates
from townhall.notifications.models import Channel, Notification, NotificationEvent, Status
from townhall.notifications.scheduling import first_attempt_at

CHANNELS = frozenset(Channel.values)  # (Channel.values builds a new list each time it is read)
_UK_MOBILE = re.compile(r"^(?:\+?44|0)7\d{9}$")
_PHONE_JUNK = re.compile(r"[\s().\-]")


def render_template(text: str, personalisation: dict[str, object]) -> str:
    """Fill ((placeholders)); a placeholder with no value is a ValidationFailed naming it."""
    try:
        return templates.render(text, personalisation)
    except templates.MissingPersonalisation as exc:
        raise ValidationFailed(
            f"The template needs a value for {', '.join(exc.missing)}",
            code="missing_personalisation",
            errors=[FieldError("missing_personalisation", f"No value for (({name}))", name) for name in exc.missing],
        ) from exc


def normalise_recipient(channel: str, to: str) -> str:
    to = to.strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(to)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                f"{to!r} is not an email address",
                code="invalid_recipient",
                errors=[FieldError("invalid", str(exc), "to")],
            ) from exc
        return to
    phone = _PHONE_JUNK.sub("", to)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if _UK_MOBILE.match(phone):
        return "+44" + phone[-10:]
    if phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16:
        return phone  # international numbers: Notify accepts them when the service allows it
    raise ValidationFailed(
        f"{to!r} is not a mobile phone number",
        code="invalid_recipient",
        errors=[FieldError("invalid", "Enter a UK mobile number like 07700 900123", "to")],
    )


def notification_queue(
    *,
    organisation: Organisation,
    channel: str,
    to: str,
    subject: str = "",
    body: str,
    language: str = "en",
    case_reference: str = "",
    kind: str = "",
    send_after: datetime | None = None,
) -> Notification:
    """Queue one message inside the caller's transaction; it is delivered after commit (never if rolled back).

    A delivery worker sends it once the transaction has committed and ``next_attempt_at`` has come.

    Text messages are held through quiet hours (``NOTIFICATIONS_SMS_QUIET_HOURS``, default 21:00–08:00
    Europe/London); ``send_after`` schedules either channel for later. No audit event: the write that
    caused the message records its own, and failures are audited when they happen.
    """
    if channel not in CHANNELS:
        raise ValidationFailed(f"Unknown channel {channel!r}", code="invalid_channel")
    if not body.strip():
        raise ValidationFailed("A message needs a body", code="empty_message")
    if channel == Channel.EMAIL and not subject.strip():
        raise ValidationFailed("An email needs a subject", code="empty_subject")
    recipient = normalise_recipient(channel, to)
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # joins the caller's transaction; no savepoint to pay for
        notification = insert(
            new_row(
                Notification,
                organisation=organisation,
                channel=channel,
                to=recipient,
                subject=subject.strip() if channel == Channel.EMAIL else "",
                body=body,
                language=language,
                case_reference=case_reference,
                kind=kind,
                status=Status.CREATED,
                send_after=send_after,
                next_attempt_at=first_attempt_at(
                    now=now, channel=channel, send_after=send_after, quiet=config.quiet_hours()
                ),
                reference=f"th-{uuid.uuid4().hex}",
            )
        )
        insert(
            new_row(
                NotificationEvent,
                notification=notification,
                occurred_at=now,
                status=Status.CREATED,
                detail=_created_detail(notification, now),
            )
        )
    return notification


def _created_detail(notification: Notification, now: datetime) -> str:
    if notification.next_attempt_at > now:
        return f"Scheduled for {notification.next_attempt_at.isoformat()}"
    return ""
