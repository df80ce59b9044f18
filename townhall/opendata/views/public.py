"""Public open-data pages and downloads. Thin: a selector, then a template or a document."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from townhall.core.errors import NotFound
from townhall.opendata import dcat, documents
from townhall.opendata.selectors import published_dataset, published_datasets, published_version

PREVIEW_ROWS = 5


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    datasets = published_datasets()
    return render(request, "opendata/index.html", {"datasets": datasets, "preview_rows": PREVIEW_ROWS})


@require_GET
def dataset(request: HttpRequest, organisation_slug: str, dataset_slug: str) -> HttpResponse:
    try:
        found = published_dataset(organisation_slug=organisation_slug, dataset_slug=dataset_slug)
    except NotFound as error:
        raise Http404(error.detail) from None
    versions = list(found.versions.all())
    return render(
        request,
        "opendata/dataset.html",
        {"dataset": found, "versions": versions, "newest": versions[0], "preview_rows": 20},
    )


def _download(request: HttpRequest, organisation_slug: str, dataset_slug: str, number: int, fmt: str) -> HttpResponse:
    try:
        version = published_version(organisation_slug=organisation_slug, dataset_slug=dataset_slug, number=number)
    except NotFound as error:
        raise Http404(error.detail) from None
    response = HttpResponse(
        documents.render(version, fmt, request.build_absolute_uri), content_type=documents.FORMATS[fmt]
    )
    if fmt == "csv":
        response["Content-Disposition"] = f'inline; filename="{organisation_slug}-{dataset_slug}-{number}.csv"'
    response["Cache-Control"] = "public, max-age=86400, immutable"  # a version never changes
    response["Access-Control-Allow-Origin"] = "*"
    response["ETag"] = f'"{version.sha256}-{fmt}"'
    return response


@require_GET
def download_csv(request: HttpRequest, organisation_slug: str, dataset_slug: str, number: int) -> HttpResponse:
    return _download(request, organisation_slug, dataset_slug, number, "csv")


@require_GET
def download_json(request: HttpRequest, organisation_slug: str, dataset_slug: str, number: int) -> HttpResponse:
    return _download(request, organisation_slug, dataset_slug, number, "json")


@require_GET
def download_csvw(request: HttpRequest, organisation_slug: str, dataset_slug: str, number: int) -> HttpResponse:
    return _download(request, organisation_slug, dataset_slug, number, "metadata")


@require_GET
def datapackage(request: HttpRequest, organisation_slug: str, dataset_slug: str, number: int) -> HttpResponse:
    return _download(request, organisation_slug, dataset_slug, number, "datapackage")


TURTLE = "text/turtle"
JSONLD = "application/ld+json"


def _catalogue(request: HttpRequest, media_type: str) -> HttpResponse:
    graph = documents.catalogue_graph(published_datasets(), request.build_absolute_uri)
    body = dcat.as_turtle(graph) if media_type == TURTLE else dcat.as_jsonld(graph)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    """The DCAT catalogue: Turtle when asked for, JSON-LD otherwise."""
    accept = request.headers.get("Accept", "")
    response = _catalogue(request, TURTLE if TURTLE in accept and JSONLD not in accept else JSONLD)
    response["Vary"] = "Accept"
    return response


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return _catalogue(request, JSONLD)


@require_GET
def catalog_turtle(request: HttpRequest) -> HttpResponse:
    return _catalogue(request, TURTLE)
