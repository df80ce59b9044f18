"""Delivery receipts: Notify's status callbacks and SMTP bounces move a notification to its final status."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from townhall.core.errors import FieldError, NotFound, ValidationFailed
from townhall.core.services.audit import audit_record
from townhall.notifications.models import Notification, NotificationEvent, Status

# Notify's callback statuses → ours. Notify's temporary-failure (inbox full, phone off for days) is final
# for that message; we record it as a technical failure so staff can choose to send again.
NOTIFY_STATUSES = {
    "delivered": Status.DELIVERED,
    "permanent-failure": Status.PERMANENT_FAILURE,
    "temporary-failure": Status.TECHNICAL_FAILURE,
    "technical-failure": Status.TECHNICAL_FAILURE,
}
NOTIFY_PENDING = {"created", "sending", "pending", "sent", "accepted", "received"}
# Notify's notification ids are UUIDs, written as 36 characters (8-4-4-4-12 hexadecimal digits).
NOTIFY_ID = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z", re.IGNORECASE)


def _allowed(current: str, new: str, provider: str) -> bool:
    if current == new:
        return False
    if current in (Status.CREATED, Status.SENDING):
        return True
    # An SMTP relay takes an email (we record delivered) and may bounce it later; Notify's receipts are final.
    return provider == "smtp" and current == Status.DELIVERED and new == Status.PERMANENT_FAILURE


def delivery_receipt_record(
    *,
    provider: str,
    reference: str,
    status: str,
    provider_id: str = "",
    detail: str = "",
    completed_at: datetime | None = None,
) -> Notification:
    """Apply one receipt. Unknown references are NotFound; repeated or stale receipts change nothing."""
    if status not in (Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE):
        raise ValidationFailed(f"Unknown delivery status {status!r}", code="unknown_delivery_status")
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("organisation").filter(reference=reference).first()
        )
        if notification is None or (provider_id and notification.provider_id not in ("", provider_id)):
            raise NotFound("No notification with that reference", code="notification_not_found")
        if not _allowed(notification.status, status, provider):
            return notification
        now = timezone.now()
        notification.status = status
        notification.completed_at = completed_at or now
        if provider_id and not notification.provider_id:
            notification.provider_id = provider_id
        if status != Status.DELIVERED:
            notification.last_error = detail or f"{provider} reported {status}"
        notification.save(update_fields=["status", "completed_at", "provider_id", "last_error", "updated_at"])
        NotificationEvent.objects.create(
            notification=notification,
            occurred_at=now,
            status=status,
            attempt=notification.attempts,
            detail=detail or f"Receipt from {provider}",
        )
        if status != Status.DELIVERED:
            audit_record(
                organisation=notification.organisation,
                actor=None,
                action=f"notification.{status.replace('-', '_')}",
                object_type="notification",
                object_id=notification.pk,
                data={
                    "reference": reference,
                    "channel": notification.channel,
                    "case_reference": notification.case_reference,
                    "source": f"{provider} receipt",
                    "error": notification.last_error,
                },
                actor_fallback="notifications",
            )
    return notification


def notify_callback_record(*, payload: dict[str, object]) -> Notification | None:
    """One GOV.UK Notify delivery-status callback (documented fields: id, reference, status, completed_at …).
    Interim statuses are acknowledged and ignored. An ``id`` that is not a UUID, as Notify's always are, is refused
    before anything is looked up (``invalid_notify_id``)."""
    notify_id = payload.get("id")
    if not isinstance(notify_id, str) or not NOTIFY_ID.match(notify_id):
        raise ValidationFailed(
            "id is not a GOV.UK Notify notification id",
            code="invalid_notify_id",
            errors=[FieldError("invalid_notify_id", "Send the notification's id: a UUID", "id")],
        )
    status = str(payload.get("status", ""))
    reference = str(payload.get("reference") or "")
    if not reference:
        raise ValidationFailed("The callback has no reference", code="callback_without_reference")
    if status in NOTIFY_PENDING:
        return None
    if status not in NOTIFY_STATUSES:
        raise ValidationFailed(f"Unknown Notify status {status!r}", code="unknown_delivery_status")
    completed = payload.get("completed_at")
    completed_at = None
    if isinstance(completed, str) and completed:
        try:
            completed_at = datetime.fromisoformat(completed.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(
                "completed_at is not a date and time",
                code="invalid_completed_at",
                errors=[FieldError("invalid_completed_at", "Send an ISO 8601 date and time", "completed_at")],
            ) from None
        if timezone.is_naive(completed_at):
            completed_at = completed_at.replace(tzinfo=UTC)
    return delivery_receipt_record(
        provider="notify",
        reference=reference,
        status=NOTIFY_STATUSES[status],
        provider_id=notify_id.lower(),
        detail=f"Notify: {status}",
        completed_at=completed_at,
    )
