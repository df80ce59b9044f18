"""Writes for open data: set up the standard datasets, set disclosure rules, publish (the pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.opendata import sources
from townhall.opendata.disclosure import DisclosureRules
from townhall.opendata.formats import content_hash
from townhall.opendata.models import Dataset, DatasetVersion, Schedule
from townhall.opendata.tables import DatasetKind, Row, performance_rows


@dataclass(frozen=True)
class StandardDataset:
    kind: DatasetKind
    slug: str
    title: str
    description: str
    schedule: str


STANDARD = (
    StandardDataset(
        DatasetKind.SERVICE_PERFORMANCE,
        "service-performance",
        "Service performance by month",
        "Cases received by channel, cases decided and decided in time, days to decide, online journeys and "
        "satisfaction, per service and month. Counts under the threshold are withheld, others rounded, and "
        "further counts withheld so that no withheld count can be worked out from the totals.",
        Schedule.MONTHLY,
    ),
    StandardDataset(
        DatasetKind.SHARING_AGREEMENTS,
        "data-sharing-agreements",
        "Register of data-sharing agreements",
        "The data-sharing agreements in force to which the organisation is a party: parties, purposes, "
        "lawful basis and the information shared. No personal data.",
        Schedule.WEEKLY,
    ),
    StandardDataset(
        DatasetKind.SERVICE_DIRECTORY,
        "service-directory",
        "Service directory (Open Referral UK)",
        "The organisation's published online services, shaped as Open Referral UK (HSDS) services.",
        Schedule.WEEKLY,
    ),
)

INTERVALS = {Schedule.MONTHLY: timedelta(days=28), Schedule.WEEKLY: timedelta(days=7)}


def datasets_create_standard(*, organisation: Organisation, actor: Any) -> list[Dataset]:
    """Create whichever of the three standard datasets the organisation does not have yet."""
    if actor is not None:
        require(actor, organisation, Permission.PUBLISH_DATASETS)
    created = []
    with transaction.atomic():
        for standard in STANDARD:
            dataset, new = Dataset.objects.get_or_create(
                organisation=organisation,
                slug=standard.slug,
                defaults={
                    "kind": standard.kind.value,
                    "title": standard.title,
                    "description": standard.description,
                    "schedule": standard.schedule,
                },
            )
            if new:
                created.append(dataset)
                audit_record(
                    organisation=organisation,
                    actor=actor,
                    action="opendata.dataset_created",
                    object_type="dataset",
                    object_id=dataset.pk,
                    data={"slug": dataset.slug},
                )
    return created


def dataset_rules_set(*, dataset: Dataset, actor: Any, threshold: int, rounding_base: int) -> Dataset:
    """Change a dataset's disclosure rules; they apply from its next version."""
    require(actor, dataset.organisation, Permission.PUBLISH_DATASETS)
    errors = []
    if not 0 <= threshold <= 1000:
        errors.append(FieldError("threshold_out_of_range", "Enter a threshold from 0 to 1000", "threshold"))
    if not 1 <= rounding_base <= 100:
        errors.append(FieldError("rounding_out_of_range", "Enter a rounding base from 1 to 100", "rounding_base"))
    if errors:
        raise ValidationFailed("The disclosure rules are not valid", code="invalid_rules", errors=errors)
    with transaction.atomic():
        before = {"threshold": dataset.threshold, "rounding_base": dataset.rounding_base}
        dataset.threshold, dataset.rounding_base = threshold, rounding_base
        dataset.save(update_fields=["threshold", "rounding_base", "updated_at"])
        audit_record(
            organisation=dataset.organisation,
            actor=actor,
            action="opendata.rules_set",
            object_type="dataset",
            object_id=dataset.pk,
            data={"before": before, "after": {"threshold": threshold, "rounding_base": rounding_base}},
        )
    return dataset


def dataset_rows(*, dataset: Dataset, today: date) -> list[Row]:
    """The rows the dataset would publish today, disclosure control applied."""
    organisation = dataset.organisation
    kind = DatasetKind(dataset.kind)
    if kind is DatasetKind.SERVICE_PERFORMANCE:
        rules = DisclosureRules(threshold=dataset.threshold, rounding_base=dataset.rounding_base)
        figures = sources.service_month_figures(organisation=organisation, today=today)
        return performance_rows(figures, organisation_code=organisation.code, rules=rules)
    if kind is DatasetKind.SHARING_AGREEMENTS:
        return sources.sharing_rows(organisation=organisation)
    return sources.directory_rows(organisation=organisation, base_url=settings.SITE_URL.rstrip("/"))


def _change_note(previous: DatasetVersion | None, rows: list[Row], rules_changed: bool, note: str) -> str:
    if previous is None:
        text = f"First version: {len(rows)} rows."
    else:
        old = {repr(sorted(r.items())) for r in previous.rows}
        new = {repr(sorted(r.items())) for r in rows}
        text = f"{len(new - old)} rows added or changed, {len(old - new)} removed or replaced; {len(rows)} rows."
        if rules_changed:
            text += " Disclosure rules changed."
    return f"{text} {note}".strip()


def dataset_publish(
    *, dataset: Dataset, actor: Any, today: date | None = None, note: str = "", now: datetime | None = None
) -> DatasetVersion | None:
    """Run the pipeline: build the rows, apply disclosure control, and publish a new version if anything changed.

    Returns the new version, or None when the content is the same as the newest version's.
    """
    if actor is not None:
        require(actor, dataset.organisation, Permission.PUBLISH_DATASETS)
    now = now or timezone.now()
    rows = dataset_rows(dataset=dataset, today=today or timezone.localdate(now))
    columns = dataset.columns
    digest = content_hash(columns, rows)
    rules = {"threshold": dataset.threshold, "rounding_base": dataset.rounding_base}
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        previous = locked.versions.order_by("-number").first()
        locked.last_run_at = now
        locked.save(update_fields=["last_run_at", "updated_at"])
        dataset.last_run_at = now
        if previous is not None and previous.sha256 == digest:
            return None
        version = DatasetVersion.objects.create(
            dataset=locked,
            number=(previous.number + 1) if previous else 1,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            columns=[c.as_dict() for c in columns],
            rows=rows,
            row_count=len(rows),
            sha256=digest,
            change_note=_change_note(previous, rows, previous is not None and previous.rules != rules, note),
            rules=rules,
        )
        audit_record(
            organisation=dataset.organisation,
            actor=actor,
            action="opendata.version_published",
            object_type="dataset_version",
            object_id=version.pk,
            data={"dataset": dataset.slug, "number": version.number, "sha256": digest, "rows": len(rows)},
        )
    return version


def is_due(dataset: Dataset, now: datetime) -> bool:
    last = dataset.last_run_at
    return last is None or now - last >= INTERVALS.get(Schedule(dataset.schedule), timedelta(days=7))


def datasets_publish_due(*, now: datetime | None = None) -> list[DatasetVersion]:
    """The scheduled run: publish every dataset whose schedule is due. Safe to run twice."""
    now = now or timezone.now()
    published = []
    for dataset in Dataset.objects.select_related("organisation").filter(organisation__is_active=True):
        if is_due(dataset, now):
            version = dataset_publish(dataset=dataset, actor=None, now=now)
            if version is not None:
                published.append(version)
    return published
