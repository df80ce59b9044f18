"""Open data API: published datasets, their versions and rows. Public and read-only."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from townhall.opendata import documents
from townhall.opendata.models import Dataset, DatasetVersion
from townhall.opendata.selectors import published_dataset, published_datasets, published_version

router = Router(tags=["open data"])


class ColumnOut(Schema):
    name: str
    title: str
    datatype: str
    description: str


class VersionOut(Schema):
    number: int
    created_at: datetime
    row_count: int
    sha256: str
    change_note: str
    csv: str
    json_url: str
    csvw_metadata: str
    datapackage: str


class DatasetOut(Schema):
    organisation: str
    organisation_code: str
    slug: str
    kind: str
    title: str
    description: str
    licence: str
    schedule: str
    page: str
    newest: VersionOut


class DatasetDetailOut(DatasetOut):
    columns: list[ColumnOut]
    versions: list[VersionOut]


class RowsOut(Schema):
    dataset: str
    version: int
    columns: list[str]
    rows: list[dict[str, object]]


def _version_out(request: HttpRequest, v: DatasetVersion) -> VersionOut:
    def url(fmt: str) -> str:
        return request.build_absolute_uri(documents.version_url(v, fmt))

    return VersionOut(
        number=v.number,
        created_at=v.created_at,
        row_count=v.row_count,
        sha256=v.sha256,
        change_note=v.change_note,
        csv=url("csv"),
        json_url=url("json"),
        csvw_metadata=url("metadata"),
        datapackage=url("datapackage"),
    )


def _dataset_fields(request: HttpRequest, d: Dataset, newest: DatasetVersion) -> dict[str, object]:
    return {
        "organisation": d.organisation.slug,
        "organisation_code": d.organisation.code,
        "slug": d.slug,
        "kind": d.kind,
        "title": d.title,
        "description": d.description,
        "licence": d.licence,
        "schedule": d.schedule,
        "page": request.build_absolute_uri(documents.dataset_url(d)),
        "newest": _version_out(request, newest),
    }


@router.get("/datasets", response=list[DatasetOut], auth=None, summary="Every published dataset, newest version")
def datasets(request: HttpRequest) -> list[DatasetOut]:
    return [DatasetOut(**_dataset_fields(request, d, d.newest)) for d in published_datasets()]  # type: ignore[attr-defined,arg-type]


@router.get(
    "/datasets/{organisation}/{dataset}",
    response=DatasetDetailOut,
    auth=None,
    summary="One dataset with its columns and every version (the change log)",
)
def dataset(request: HttpRequest, organisation: str, dataset: str) -> DatasetDetailOut:
    d = published_dataset(organisation_slug=organisation, dataset_slug=dataset)
    versions = list(d.versions.all())
    return DatasetDetailOut(
        **_dataset_fields(request, d, versions[0]),  # type: ignore[arg-type]
        columns=[ColumnOut(**c) for c in versions[0].columns],
        versions=[_version_out(request, v) for v in versions],
    )


@router.get(
    "/datasets/{organisation}/{dataset}/versions/{number}/rows",
    response=RowsOut,
    auth=None,
    summary="The rows of one version; an empty value is withheld or not available",
)
def rows(request: HttpRequest, organisation: str, dataset: str, number: int) -> RowsOut:
    v = published_version(organisation_slug=organisation, dataset_slug=dataset, number=number)
    return RowsOut(
        dataset=f"{organisation}/{dataset}", version=v.number, columns=[c["name"] for c in v.columns], rows=v.rows
    )
