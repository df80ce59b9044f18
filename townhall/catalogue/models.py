"""Services an organisation publishes and the versions of their definitions.

A ``DefinitionVersion`` is one version of one service's definition document. Drafts change;
published versions never do (``townhall.catalogue.services`` refuses), because cases and
journeys already started point at them. A published version is retired, never deleted.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel

if TYPE_CHECKING:
    from townhall.catalogue.model import ServiceDefinition


class DefinitionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class Service(TimestampedModel):
    """One service an organisation runs, such as reporting a missed bin. ``slug`` is the definition's id."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="services")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    title_cy = models.CharField(max_length=200, blank=True)
    lgsl = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "title"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="catalogue_service_slug")]

    def __str__(self) -> str:
        return f"{self.title} ({self.organisation.code}/{self.slug})"


# (id, published_at) → parsed definition. published_at is set once, when the version is published,
# so the key can never name two different documents (even where a test database reuses ids).
_CACHE: dict[tuple[int, object], ServiceDefinition] = {}
_CACHE_LOCK = threading.Lock()


class DefinitionVersion(TimestampedModel):
    """One numbered version of a service's definition: its source text and the parsed document."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=DefinitionStatus.choices, default=DefinitionStatus.DRAFT)
    source = models.TextField()
    filename = models.CharField(max_length=200, blank=True)
    document = models.JSONField()
    origin = models.CharField(max_length=200, blank=True)
    findings = models.JSONField(default=list, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            # One version per number: so one published version per (service, number).
            models.UniqueConstraint(fields=["service", "number"], name="catalogue_version_number"),
            # At most one draft per service at a time.
            models.UniqueConstraint(
                fields=["service"], condition=models.Q(status="draft"), name="catalogue_one_draft_per_service"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(published_at__isnull=False),
                name="catalogue_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "service"])]

    def __str__(self) -> str:
        return f"{self.service.slug} v{self.number} ({self.status})"

    @property
    def organisation(self) -> Organisation:
        return self.service.organisation

    @property
    def is_draft(self) -> bool:
        return self.status == DefinitionStatus.DRAFT

    @property
    def has_errors(self) -> bool:
        return any(f.get("severity") == "error" for f in self.findings or [])

    def definition(self) -> ServiceDefinition:
        """The parsed definition. Published and retired versions never change, so each is parsed once per process."""
        from townhall.catalogue.parsing import definition_from_document

        if self.status == DefinitionStatus.DRAFT or self.pk is None:
            return definition_from_document(self.document)
        key = (self.pk, self.published_at)
        cached = _CACHE.get(key)
        if cached is None:
            cached = definition_from_document(self.document)
            with _CACHE_LOCK:
                _CACHE[key] = cached
        return cached
