"""Published datasets and their immutable versions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from townhall.core.models import Organisation, TimestampedModel
from townhall.opendata.tables import COLUMNS, Column, DatasetKind


class Schedule(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    WEEKLY = "weekly", "Weekly"


class Dataset(TimestampedModel):
    """One dataset an organisation publishes, with its disclosure rules. Its content lives in versions."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="datasets")
    kind = models.CharField(max_length=40, choices=[(k.value, k.value) for k in DatasetKind])
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField()
    licence = models.URLField(default="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.MONTHLY)
    threshold = models.PositiveIntegerField(default=10)
    rounding_base = models.PositiveIntegerField(default=5)
    last_run_at = models.DateTimeField(null=True, blank=True)  # the pipeline's last run, changed or not

    class Meta:
        ordering = ["organisation__name", "title"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="opendata_dataset_slug")]

    def __str__(self) -> str:
        return f"{self.organisation.slug}/{self.slug}"

    @property
    def columns(self) -> tuple[Column, ...]:
        return COLUMNS[DatasetKind(self.kind)]


class ImmutableVersion(Exception):
    pass


class VersionQuerySet(models.QuerySet["DatasetVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableVersion("A published dataset version never changes; publish a new version")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableVersion("A published dataset version is never deleted")


class DatasetVersion(models.Model):
    """One published version. Never changed once written: a change makes a new version."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    columns = models.JSONField()  # the schema as published: [{name, title, datatype, description, required}]
    rows = models.JSONField()  # after disclosure control
    row_count = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    change_note = models.TextField()
    rules = models.JSONField(default=dict)  # {"threshold": 10, "rounding_base": 5}

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="opendata_version_number")]

    def __str__(self) -> str:
        return f"{self.dataset} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise ImmutableVersion("A published dataset version never changes; publish a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableVersion("A published dataset version is never deleted")

    @property
    def column_list(self) -> list[Column]:
        return [Column.from_dict(c) for c in self.columns]
