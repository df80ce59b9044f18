"""Catalogue API: list, get and export service definitions; upload and publish with an API key.

Published definitions are public. Drafts are seen only with a key of their own organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema, Status

from townhall.catalogue import selectors, services
from townhall.catalogue.models import DefinitionVersion
from townhall.core.api_auth import actor_of, api_key_auth
from townhall.core.api_schemas import ProblemOut, StrictSchema
from townhall.core.errors import NotFound
from townhall.core.models import ApiKey, Organisation

router = Router(tags=["definitions"])


def _anonymous(request: HttpRequest) -> bool:
    """Lets a public endpoint be called without a key; a valid key still identifies the caller."""
    return True


public_or_key = [api_key_auth, _anonymous]


# Added to the key's own requirement: the empty one says a key is optional here.
OPTIONAL_KEY: dict[str, Any] = {"security": [{}]}


class FindingOut(Schema):
    code: str
    severity: str
    message: str
    path: str = ""
    line: int | None = None


class DefinitionSummaryOut(Schema):
    organisation: str
    organisation_name: str
    id: str
    version: int
    status: str
    title: str
    title_cy: str
    lgsl: int | None
    origin: str
    published_at: datetime | None
    url: str
    export_url: str


class DefinitionOut(DefinitionSummaryOut):
    findings: list[FindingOut]
    document: dict[str, Any]


class DefinitionUploadIn(StrictSchema):
    source: str
    filename: str = "definition.yaml"
    publish: bool = False


def _summary(version: DefinitionVersion) -> dict[str, Any]:
    code, slug = version.organisation.code, version.service.slug
    url = reverse("api:definition_get", kwargs={"organisation_code": code, "service_slug": slug})
    export_url = reverse("api:definition_export", kwargs={"organisation_code": code, "service_slug": slug})
    return {
        "organisation": code,
        "organisation_name": version.organisation.name,
        "id": slug,
        "version": version.number,
        "status": version.status,
        "title": version.document.get("title", {}).get("en", version.service.title),
        "title_cy": version.document.get("title", {}).get("cy", ""),
        "lgsl": version.document.get("lgsl", version.service.lgsl),
        "origin": version.origin,
        "published_at": version.published_at,
        "url": f"{url}?version={version.number}",
        "export_url": f"{export_url}?version={version.number}",
    }


def _full(version: DefinitionVersion) -> dict[str, Any]:
    return {**_summary(version), "findings": version.findings, "document": version.document}


def _organisation(code: str) -> Organisation:
    organisation = Organisation.objects.filter(code=code, is_active=True).first()
    if organisation is None:
        raise NotFound(f"No organisation with code {code!r}", code="organisation_not_found")
    return organisation


def _version(request: HttpRequest, organisation_code: str, service_slug: str, version: int | None) -> DefinitionVersion:
    if version is None:
        return selectors.published_version(organisation_code=organisation_code, service_slug=service_slug)
    return selectors.version_get(
        organisation=_organisation(organisation_code),
        actor=actor_of(request),
        service_slug=service_slug,
        number=version,
    )


@router.get(
    "/",
    response={200: list[DefinitionSummaryOut], 422: ProblemOut},
    auth=None,
    summary="Published service definitions",
)
def definition_list(request: HttpRequest, organisation: str | None = None, lgsl: int | None = None) -> list[Any]:
    """The public directory: each service's newest published definition. Filter by organisation code or LGSL code."""
    return [_summary(v) for v in selectors.published_services(organisation_code=organisation, lgsl=lgsl)]


@router.post(
    "/",
    response={201: DefinitionOut, 401: ProblemOut, 403: ProblemOut, 409: ProblemOut, 413: ProblemOut, 422: ProblemOut},
    auth=api_key_auth,
    summary="Upload a definition as a draft (or publish it)",
)
def definition_upload(request: HttpRequest, payload: DefinitionUploadIn) -> Status[dict[str, Any]]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    version = services.definition_import(
        actor=actor_of(request),
        organisation=key.organisation,
        source=payload.source,
        filename=payload.filename,
        publish=payload.publish,
    )
    return Status(201, _full(version))


@router.get(
    "/{organisation_code}/{service_slug}",
    response={200: DefinitionOut, 404: ProblemOut, 422: ProblemOut},
    auth=public_or_key,
    openapi_extra=OPTIONAL_KEY,
    url_name="definition_get",
    summary="One definition: the newest published, or a version by number",
)
def definition_get(
    request: HttpRequest, organisation_code: str, service_slug: str, version: int | None = None
) -> dict[str, Any]:
    return _full(_version(request, organisation_code, service_slug, version))


@router.get(
    "/{organisation_code}/{service_slug}/export",
    auth=public_or_key,
    url_name="definition_export",
    summary="A definition's YAML document",
    response={404: ProblemOut, 422: ProblemOut},
    openapi_extra={
        **OPTIONAL_KEY,
        "responses": {
            200: {"description": "The YAML document", "content": {"application/yaml": {"schema": {"type": "string"}}}}
        },
    },
)
def definition_export(
    request: HttpRequest, organisation_code: str, service_slug: str, version: int | None = None
) -> HttpResponse:
    found = _version(request, organisation_code, service_slug, version)
    text = services.definition_export(actor=actor_of(request), version=found)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{selectors.export_filename(found)}"'
    return response


@router.post(
    "/{organisation_code}/{service_slug}/versions/{number}/publish",
    response={200: DefinitionOut, 401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut},
    auth=api_key_auth,
    summary="Publish a draft",
)
def definition_publish(request: HttpRequest, organisation_code: str, service_slug: str, number: int) -> dict[str, Any]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    if key.organisation.code != organisation_code:
        raise NotFound(f"No version {number} of {service_slug!r}", code="definition_not_found")
    actor = actor_of(request)
    version = selectors.version_get(
        organisation=key.organisation, actor=actor, service_slug=service_slug, number=number
    )
    return _full(services.definition_publish(actor=actor, organisation=key.organisation, version=version))
