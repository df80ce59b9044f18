"""Public pages: the service directory and the definition format's JSON Schema."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from townhall.catalogue import selectors

SCHEMA_V1 = Path(__file__).resolve().parent.parent / "schema" / "v1.json"


@require_GET
def service_directory(request: HttpRequest) -> HttpResponse:
    """Every published service, by organisation, with its Local Government Service List code."""
    versions = selectors.published_services()
    by_organisation = [(org, list(vs)) for org, vs in groupby(versions, key=lambda v: v.organisation)]
    return render(request, "catalogue/directory.html", {"by_organisation": by_organisation})


@require_GET
@cache_control(public=True, max_age=3600)
def schema_v1(request: HttpRequest) -> HttpResponse:
    try:
        body = SCHEMA_V1.read_bytes()
    except FileNotFoundError as exc:
        raise Http404("The schema is not available") from exc
    response = HttpResponse(body, content_type="application/schema+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response
