"""Reads of service definitions.

Published definitions are public (open standards: any council may read and adopt them).
Drafts are read only by staff of their own organisation with the view definitions permission;
to anyone else a draft does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.catalogue.platform import STAFF_ONLY_SERVICES
from townhall.core.errors import NotFound, ValidationFailed
from townhall.core.local_cache import remembered
from townhall.core.models import Organisation
from townhall.core.permissions import can, require
from townhall.core.roles import Permission

PUBLIC_STATUSES = (DefinitionStatus.PUBLISHED, DefinitionStatus.RETIRED)


def _versions() -> QuerySet[DefinitionVersion]:
    return DefinitionVersion.objects.select_related("service__organisation")


def published_version(
    *,
    organisation_code: str | None = None,
    organisation_slug: str | None = None,
    service_slug: str,
    version: int | None = None,
) -> DefinitionVersion:
    """A published definition: the newest one new journeys use, or (by number) any version ever published.

    The organisation is named by its code or by the slug in its addresses; without either the service's
    slug must name one organisation's service. Each process remembers the answer for a few seconds
    (core/local_cache.py): publishing or retiring a version forgets it.
    """
    return remembered(
        "published-version",
        (organisation_code, organisation_slug, service_slug, version),
        lambda: _published_version(organisation_code, organisation_slug, service_slug, version),
    )


def _published_version(
    organisation_code: str | None, organisation_slug: str | None, service_slug: str, version: int | None
) -> DefinitionVersion:
    versions = _versions().filter(service__slug=service_slug, service__organisation__is_active=True)
    if organisation_code is not None:
        versions = versions.filter(service__organisation__code=organisation_code)
    if organisation_slug is not None:
        versions = versions.filter(service__organisation__slug=organisation_slug)
    if version is None:
        versions = versions.filter(status=DefinitionStatus.PUBLISHED)
    else:
        versions = versions.filter(status__in=PUBLIC_STATUSES, number=version)
    # The large columns are read only when needed: the document once per process (DefinitionVersion.definition).
    found = list(versions.defer("source", "document", "findings").order_by("-number")[:50])
    if not found:
        raise NotFound(f"No published definition {service_slug!r}", code="definition_not_found")
    owners = {v.service.organisation_id for v in found}
    if len(owners) > 1:
        raise ValidationFailed(
            f"More than one organisation publishes {service_slug!r}; say which",
            code="organisation_required",
        )
    return found[0]


def published_services(*, organisation_code: str | None = None, lgsl: int | None = None) -> list[DefinitionVersion]:
    """The public directory: each service's newest published version, by organisation then title.

    The platform's own back-office services (``catalogue.platform``) are not in it.
    """
    newest = (
        DefinitionVersion.objects.filter(service=OuterRef("service"), status=DefinitionStatus.PUBLISHED)
        .order_by("-number")
        .values("pk")[:1]
    )
    versions = (
        _versions()
        .filter(status=DefinitionStatus.PUBLISHED, service__organisation__is_active=True, pk=Subquery(newest))
        .exclude(service__slug__in=STAFF_ONLY_SERVICES)
    )
    if organisation_code is not None:
        versions = versions.filter(service__organisation__code=organisation_code)
    if lgsl is not None:
        versions = versions.filter(service__lgsl=lgsl)
    return list(versions.order_by("service__organisation__name", "service__title"))


def definition_list(*, organisation: Organisation, actor: Any) -> list[Service]:
    """An organisation's services with every version, newest first, for its service designers."""
    require(actor, organisation, Permission.VIEW_DEFINITIONS)
    return list(
        Service.objects.filter(organisation=organisation)
        .select_related("organisation")
        .prefetch_related(Prefetch("versions", queryset=DefinitionVersion.objects.order_by("-number")))
        .order_by("title")
    )


def service_get(*, organisation: Organisation, actor: Any, service_slug: str) -> Service:
    require(actor, organisation, Permission.VIEW_DEFINITIONS)
    service = (
        Service.objects.select_related("organisation").filter(organisation=organisation, slug=service_slug).first()
    )
    if service is None:
        raise NotFound(f"No service {service_slug!r}", code="service_not_found")
    return service


def version_get(*, organisation: Organisation, actor: Any, service_slug: str, number: int) -> DefinitionVersion:
    """One version of one of the organisation's services. A draft is found only by those who may view drafts."""
    version = _versions().filter(service__organisation=organisation, service__slug=service_slug, number=number).first()
    if version is None or (
        version.status == DefinitionStatus.DRAFT and not can(actor, organisation, Permission.VIEW_DEFINITIONS)
    ):
        raise NotFound(f"No version {number} of {service_slug!r}", code="definition_not_found")
    return version


def version_by_id(*, version_id: int) -> DefinitionVersion:
    """A published version by its id, for adopting from the directory."""
    version = _versions().filter(pk=version_id, status=DefinitionStatus.PUBLISHED).first()
    if version is None:
        raise NotFound("No such published definition", code="definition_not_found")
    return version


def definition_export(*, actor: Any, version: DefinitionVersion) -> str:
    """The YAML document of a version: public when published, otherwise for those who may view drafts."""
    if version.status == DefinitionStatus.DRAFT and not can(actor, version.organisation, Permission.VIEW_DEFINITIONS):
        raise NotFound("No such definition version", code="definition_not_found")
    return version.source


def export_filename(version: DefinitionVersion) -> str:
    return f"{version.organisation.code}-{version.service.slug}-v{version.number}.yaml"
