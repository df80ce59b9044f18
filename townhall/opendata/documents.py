"""A version's downloads and the catalogue, with their public addresses. Shared by the pages and the API."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.urls import reverse

from townhall.opendata import dcat
from townhall.opendata.formats import VersionInfo, csvw_metadata, data_package, to_csv, to_hsds_json, to_json
from townhall.opendata.models import Dataset, DatasetVersion
from townhall.opendata.tables import DatasetKind

Absolute = Callable[[str], str]  # turns a path into an absolute address (request.build_absolute_uri)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "metadata": "application/csvm+json",
    "datapackage": "application/json",
}


def version_url(version: DatasetVersion, fmt: str) -> str:
    dataset = version.dataset
    name = {"csv": "download-csv", "json": "download-json", "metadata": "download-csvw", "datapackage": "datapackage"}
    return reverse(
        f"opendata:{name[fmt]}",
        kwargs={"organisation_slug": dataset.organisation.slug, "dataset_slug": dataset.slug, "number": version.number},
    )


def dataset_url(dataset: Dataset) -> str:
    return reverse(
        "opendata:dataset", kwargs={"organisation_slug": dataset.organisation.slug, "dataset_slug": dataset.slug}
    )


def version_info(version: DatasetVersion, absolute: Absolute) -> VersionInfo:
    dataset = version.dataset
    return VersionInfo(
        title=dataset.title,
        description=dataset.description,
        name=f"{dataset.organisation.slug}-{dataset.slug}",
        version=version.number,
        created=version.created_at.isoformat(),
        publisher=dataset.organisation.name,
        csv_url=absolute(version_url(version, "csv")),
        licence_url=dataset.licence,
    )


def render(version: DatasetVersion, fmt: str, absolute: Absolute) -> str:
    """One download of a version, as text."""
    columns = version.column_list
    info = version_info(version, absolute)
    if fmt == "csv":
        return to_csv(columns, version.rows)
    if fmt == "json":
        if version.dataset.kind == DatasetKind.SERVICE_DIRECTORY:
            return to_hsds_json(info, version.rows)
        return to_json(info, columns, version.rows)
    if fmt == "metadata":
        return json.dumps(csvw_metadata(info, columns), ensure_ascii=False, indent=1)
    if fmt == "datapackage":
        return json.dumps(data_package(info, columns), ensure_ascii=False, indent=1)
    raise ValueError(fmt)


DISTRIBUTIONS = (
    ("csv", "CSV", "text/csv", "CSV"),
    ("json", "JSON", "application/json", "JSON"),
    ("metadata", "CSVW metadata", "application/csvm+json", "JSON_LD"),
    ("datapackage", "Frictionless data package", "application/json", "JSON"),
)


def catalogue_graph(datasets: list[Dataset], absolute: Absolute) -> dcat.Graph:
    """The DCAT catalogue of published datasets; each ``dataset.newest`` is its newest version."""
    entries = []
    for d in datasets:
        newest: DatasetVersion = d.newest  # type: ignore[attr-defined]
        first = getattr(d, "first_published_at", None) or newest.created_at
        entries.append(
            dcat.DatasetEntry(
                url=absolute(dataset_url(d)),
                identifier=f"{d.organisation.slug}/{d.slug}",
                title=f"{d.title}: {d.organisation.name}",
                description=d.description,
                publisher_url=absolute(reverse("open-data") + f"#{d.organisation.slug}"),
                publisher_name=d.organisation.name,
                issued=first.isoformat(),
                modified=newest.created_at.isoformat(),
                version=newest.number,
                frequency=d.schedule,
                keywords=(d.kind, "local government", "public services"),
                distributions=tuple(
                    dcat.DistributionEntry(absolute(version_url(newest, fmt)), title, media, file_type)
                    for fmt, title, media, file_type in DISTRIBUTIONS
                ),
                licence=d.licence,
            )
        )
    info = dcat.CatalogueInfo(
        url=absolute(reverse("opendata:catalog")),
        title="Townhall open data",
        description="Datasets published by the councils and partners that run their services on Townhall.",
        homepage=absolute(reverse("open-data")),
        publisher_url=absolute(reverse("open-data")),
        publisher_name="Townhall",
    )
    return dcat.catalogue_graph(info, entries)
