"""Mail received from residents: replies matched to cases, or held for triage."""

from __future__ import annotations

from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class InboundStatus(models.TextChoices):
    MATCHED = "matched", "Matched to a case"
    TRIAGE = "triage", "Needs triage"
    BOUNCE = "bounce", "Delivery failure report"
    CLOSED = "closed", "Closed without filing"


class InboundMessage(TimestampedModel):
    """One email received. Never dropped: what cannot be matched or looks unsafe waits in ``triage``."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="inbound_messages"
    )
    status = models.CharField(max_length=10, choices=InboundStatus.choices)
    case_reference = models.CharField(max_length=32, blank=True, db_index=True)
    matched_by = models.CharField(max_length=20, blank=True)
    triage_reasons = models.JSONField(default=list)
    message_id = models.CharField(max_length=998, blank=True)
    mail_from = models.CharField(max_length=320, blank=True)
    rcpt_to = models.JSONField(default=list)
    from_header = models.CharField(max_length=998, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body_text = models.TextField(blank=True)
    raw_size = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=20, default="smtp")
    handled_at = models.DateTimeField(null=True, blank=True)
    handler_error = models.TextField(blank=True)
    closed_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status"], name="inbound_org_status")]

    def __str__(self) -> str:
        return f"{self.subject!r} from {self.mail_from} ({self.status})"


class InboundAttachment(models.Model):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255, blank=True)
    declared_type = models.CharField(max_length=255, blank=True)
    sniffed_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(null=True, blank=True)
    verdict = models.CharField(max_length=20)  # clean | infected | refused | too_large
    verdict_detail = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.filename} ({self.verdict})"
