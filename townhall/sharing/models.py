"""Data-sharing agreements between organisations, and every access made under them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"


class PartyRole(models.TextChoices):
    CONTROLLER = "controller", "Controller"
    JOINT_CONTROLLER = "joint_controller", "Joint controller"
    PROCESSOR = "processor", "Processor"


class Agreement(TimestampedModel):
    """A data-sharing agreement, following the ICO data sharing code's checklist."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    purposes = models.JSONField(default=list)  # codes from sharing.purposes.PURPOSES
    lawful_basis = models.CharField(max_length=32)  # Article 6
    special_category_condition = models.CharField(max_length=40, blank=True)  # Article 9, if special category
    statutory_power = models.CharField(max_length=300, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    review_on = models.DateField()
    retention_days_at_recipient = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    lead = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreements_led")

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def code(self) -> str:
        return f"DSA-{self.pk:05d}"


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="agreement_parties")
    role = models.CharField(max_length=20, choices=PartyRole.choices)
    receives = models.BooleanField(default=False)  # may receive data under the agreement
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "organisation"], name="agreement_party_once")]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role})"


class AgreementItem(models.Model):
    """Fields of one service's cases that one party (the holder) shares under the agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="items")
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    service_slug = models.CharField(max_length=100)  # a definition id of the holder's
    fields = models.JSONField(default=list)  # question ids and "case.<field>" names
    special_category = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.holder.code}/{self.service_slug}: {', '.join(self.fields)}"


class AccessDecisionLog(models.Model):
    """Every access decided under an agreement, allowed or refused: the "who looked at my data" log."""

    occurred_at = models.DateTimeField(db_index=True)
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, related_name="accesses")
    agreement_ref = models.CharField(max_length=40)  # as the request named it
    requester = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # None: no organisation holds a case with that reference (logged all the same: see access_decide)
    holder = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=20)
    purpose = models.CharField(max_length=40)
    case_reference = models.CharField(max_length=12, db_index=True)
    fields_requested = models.JSONField(default=list)
    fields_allowed = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    allowed = models.BooleanField()
    request_id = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "request_id"],
                condition=~models.Q(request_id=""),
                name="access_request_id_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.requester.code} {self.action} {self.case_reference}"


class Referral(TimestampedModel):
    """A case referred to a partner's service: the partner's case holds only the agreed fields."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="referrals")
    purpose = models.CharField(max_length=40)
    source_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_made")
    source_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals_made")
    target_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_received")
    target_case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="referral_received")
    fields_shared = models.JSONField(default=list)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.source_case_id} → {self.target_case_id}"


class RightsRequestKind(models.TextChoices):
    SUBJECT_ACCESS = "subject_access", "Subject access"
    ERASURE = "erasure", "Erasure"
    RECTIFICATION = "rectification", "Rectification"


class RightsRequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    GATHERED = "gathered", "Gathered"
    WAITING_ON_RECIPIENTS = "waiting_on_recipients", "Waiting on recipients"
    COMPLETED = "completed", "Completed"


class RightsRequest(TimestampedModel):
    """A resident's request under UK GDPR: subject access (Art. 15), erasure (Art. 17) or rectification (Art. 16).

    The statutory clock is one calendar month from receipt (``due_on``).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rights_requests")
    kind = models.CharField(max_length=20, choices=RightsRequestKind.choices)
    reference = models.CharField(max_length=12, unique=True)
    resident_email = models.EmailField()
    resident_name = models.CharField(max_length=200, blank=True)
    case_references = models.JSONField(default=list)  # the cases it concerns (erasure, rectification)
    details = models.TextField(blank=True)  # what to correct, for rectification
    received_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=24, choices=RightsRequestStatus.choices, default=RightsRequestStatus.RECEIVED)
    bundle = models.JSONField(null=True, blank=True)  # the machine-readable answer to a subject access request
    completed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The case that tracks it in the casework queue (the platform's data protection request service).
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="rights_request"
    )

    def __str__(self) -> str:
        return f"{self.reference} ({self.kind})"


class RecipientNotice(models.Model):
    """An erasure or rectification passed on to an organisation that received the data; tracked to completion."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rights_notices")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="+")
    case_reference = models.CharField(max_length=12)  # the recipient's own case
    sent_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    outcome = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "recipient", "case_reference"], name="rights_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} → {self.recipient.code}"
