"""Reads for open data. Published datasets are public; the staff list is scoped by organisation and actor."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.opendata.models import Dataset, DatasetVersion


def _with_newest(datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    newest = DatasetVersion.objects.filter(dataset=OuterRef("pk")).order_by("-number")
    return datasets.select_related("organisation").annotate(
        newest_pk=Subquery(newest.values("pk")[:1]),
        newest_number=Subquery(newest.values("number")[:1]),
        first_published_at=Subquery(newest.order_by("number").values("created_at")[:1]),
    )


def published_datasets() -> list[Dataset]:
    """Every dataset with at least one version, of active organisations, each with ``newest`` (its latest version)."""
    active = _with_newest(Dataset.objects.filter(organisation__is_active=True))
    datasets = list(active.filter(newest_pk__isnull=False))  # type: ignore[misc]
    versions = DatasetVersion.objects.in_bulk([d.newest_pk for d in datasets])  # type: ignore[attr-defined]
    for d in datasets:
        newest = versions[d.newest_pk]  # type: ignore[attr-defined]
        newest.dataset = d  # already loaded, with its organisation
        d.newest = newest  # type: ignore[attr-defined]
    return datasets


def published_dataset(*, organisation_slug: str, dataset_slug: str) -> Dataset:
    """One published dataset with its versions, newest first (``d.versions.all()``)."""
    dataset = (
        Dataset.objects.filter(
            organisation__slug=organisation_slug,
            organisation__is_active=True,
            slug=dataset_slug,
            versions__isnull=False,
        )
        .select_related("organisation")
        .prefetch_related(Prefetch("versions", queryset=DatasetVersion.objects.order_by("-number")))
        .distinct()
        .first()
    )
    if dataset is None:
        raise NotFound(f"No published dataset {organisation_slug}/{dataset_slug}", code="dataset_not_found")
    return dataset


def published_version(*, organisation_slug: str, dataset_slug: str, number: int | None = None) -> DatasetVersion:
    """One version of a published dataset; the newest when ``number`` is None."""
    versions = DatasetVersion.objects.select_related("dataset__organisation").filter(
        dataset__organisation__slug=organisation_slug,
        dataset__organisation__is_active=True,
        dataset__slug=dataset_slug,
    )
    version = versions.order_by("-number").first() if number is None else versions.filter(number=number).first()
    if version is None:
        if not versions.exists():
            raise NotFound(f"No published dataset {organisation_slug}/{dataset_slug}", code="dataset_not_found")
        raise NotFound(f"No version {number} of {organisation_slug}/{dataset_slug}", code="version_not_found")
    return version


def dataset_list(*, organisation: Organisation, actor: Any) -> list[Dataset]:
    """The organisation's datasets for staff who publish them, published or not."""
    require(actor, organisation, Permission.PUBLISH_DATASETS)
    return list(_with_newest(Dataset.objects.filter(organisation=organisation)).order_by("title"))


def dataset_get(*, organisation: Organisation, actor: Any, dataset_slug: str) -> Dataset:
    require(actor, organisation, Permission.PUBLISH_DATASETS)
    dataset = (
        Dataset.objects.select_related("organisation").filter(organisation=organisation, slug=dataset_slug).first()
    )
    if dataset is None:
        raise NotFound("No such dataset", code="dataset_not_found")
    return dataset
