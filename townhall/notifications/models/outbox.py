"""The outbox: one row per message to a resident, its delivery events, and each organisation's sender."""

from __future__ import annotations

from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class Status(models.TextChoices):
    CREATED = "created", "Created"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    PERMANENT_FAILURE = "permanent-failure", "Permanent failure"
    TECHNICAL_FAILURE = "technical-failure", "Technical failure"


FINAL_STATUSES = frozenset({Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE})


class SenderKind(models.TextChoices):
    LOCAL = "local", "Local outbox (nothing leaves the platform)"
    SMTP = "smtp", "Email through an SMTP relay"
    NOTIFY = "notify", "GOV.UK Notify"


class Notification(TimestampedModel):
    """One email or text message to a resident, queued inside the write that caused it.

    Lifecycle: created → sending → delivered | permanent-failure | technical-failure.
    A row waiting for a retry is back in ``created`` with ``next_attempt_at`` in the future.
    ``sending`` with ``accepted_at`` empty means a worker holds it until ``lease_expires_at``;
    ``sending`` with ``accepted_at`` set means the provider took it and a receipt is awaited.
    ``reference`` is our idempotency key: Notify gets it as ``reference``, SMTP as the Message-ID.
    """

    organisation = models.ForeignKey(  # indexed with the case reference, in Meta
        Organisation, on_delete=models.PROTECT, related_name="notifications", db_index=False
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    language = models.CharField(max_length=8, default="en")
    case_reference = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    send_after = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=64, unique=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["organisation", "case_reference"], name="notification_case"),
            # Exact lookups only (a reply naming a case, a provider's receipt): Meta indexes, because a
            # field's db_index also makes a LIKE-pattern copy on PostgreSQL, written with every message.
            models.Index(fields=["case_reference"], name="notification_case_reference"),
            models.Index(fields=["provider_id"], name="notification_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.reference} ({self.status})"


class NotificationEvent(models.Model):
    """A status change of one notification, shown on the case timeline."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    attempt = models.PositiveIntegerField(default=0)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.status}"


class SenderSetting(TimestampedModel):
    """How one organisation's notifications leave the platform. No row: the platform default (local outbox).

    Secrets are never stored here: ``notify_api_key_env`` names the environment variable that holds the key.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="sender_setting")
    sender = models.CharField(max_length=10, choices=SenderKind.choices, default=SenderKind.LOCAL)
    notify_api_key_env = models.CharField(max_length=100, blank=True)
    notify_key_type = models.CharField(
        max_length=8, choices=[("test", "Test"), ("team", "Team and guest list"), ("live", "Live")], default="test"
    )
    notify_base_url = models.URLField(blank=True)
    notify_email_template_id = models.CharField(max_length=36, blank=True)
    notify_sms_template_id = models.CharField(max_length=36, blank=True)
    email_from = models.CharField(max_length=320, blank=True)

    def __str__(self) -> str:
        return f"{self.organisation} via {self.sender}"


class OutboxMessage(models.Model):
    """What the local sender 'sent': kept for developers and the demo instead of leaving the platform."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="outbox_message")
    sent_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField()

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}"
