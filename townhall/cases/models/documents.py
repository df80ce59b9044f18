"""Documents attached to a case: stored through Django's storage, checked by content, scanned."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.cases.models.cases import Case
from townhall.core.models import Organisation


class ScanStatus(models.TextChoices):
    CLEAN = "clean", "No virus found"
    INFECTED = "infected", "Virus found"


class Document(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    question_id = models.CharField(max_length=64, blank=True)
    file = models.FileField(upload_to="cases/%Y/%m/", max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=16, choices=ScanStatus.choices)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
