"""Answers in progress, submissions, uploads and the local payment server's records."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel


class JourneyStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class JourneySession(TimestampedModel):
    """One resident's answers in progress on one version of a service, held on the server.

    The browser holds only ``token`` (in its Django session); a save-and-return link carries it signed.
    """

    token = models.CharField(max_length=64, unique=True)
    organisation = models.ForeignKey(  # indexed with the status, in Meta
        Organisation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    version = models.ForeignKey("catalogue.DefinitionVersion", on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=2, default="en")
    answers = models.JSONField(default=dict, blank=True)
    completed_pages = models.JSONField(default=list, blank=True)
    last_page = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=JourneyStatus.choices, default=JourneyStatus.IN_PROGRESS)
    channel = models.CharField(max_length=16, default="online")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    return_email = models.EmailField(blank=True)
    payment_id = models.CharField(max_length=64, blank=True)
    payment_status = models.CharField(max_length=16, blank=True)
    reference = models.CharField(max_length=9, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"journey {self.pk} ({self.status})"


class Submission(TimestampedModel):
    """An acknowledged submission: what the resident was shown, and the case it opened."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("catalogue.DefinitionVersion", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="submission")
    reference = models.CharField(max_length=9, unique=True)
    session = models.OneToOneField(
        JourneySession, on_delete=models.SET_NULL, null=True, blank=True, related_name="submission"
    )
    channel = models.CharField(max_length=16)
    language = models.CharField(max_length=2, default="en")
    resident_email = models.EmailField(blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    response = models.JSONField(default=dict, blank=True)
    payment_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="journeys_submission_idempotency",
            )
        ]
        indexes = [models.Index(fields=["resident_email"])]

    def __str__(self) -> str:
        return self.reference


class SatisfactionRating(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", "Very satisfied"
    SATISFIED = "satisfied", "Satisfied"
    NEITHER = "neither", "Neither satisfied or dissatisfied"
    DISSATISFIED = "dissatisfied", "Dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied", "Very dissatisfied"


class SatisfactionResponse(TimestampedModel):
    """The GOV.UK satisfaction question, answered on the confirmation page (insight counts these)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="satisfaction")
    rating = models.CharField(max_length=20, choices=SatisfactionRating.choices)
    comment = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.rating


class Upload(TimestampedModel):
    """A file a resident uploaded to answer a question; kept only when it passed the virus scan."""

    token = models.CharField(max_length=64, unique=True)
    session = models.ForeignKey(JourneySession, on_delete=models.CASCADE, related_name="uploads")
    question_id = models.CharField(max_length=100)
    file = models.FileField(upload_to="journeys/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.name


class LocalPayment(TimestampedModel):
    """A payment held by the local server that speaks GOV.UK Pay's API (demo and tests only)."""

    payment_id = models.CharField(max_length=32, unique=True)
    amount = models.PositiveIntegerField()
    reference = models.CharField(max_length=255)
    description = models.CharField(max_length=255)
    return_url = models.CharField(max_length=2000)
    language = models.CharField(max_length=2, default="en")
    status = models.CharField(max_length=16, default="created")

    def __str__(self) -> str:
        return self.payment_id
