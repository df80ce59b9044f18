"""Versions over time and between organisations: start a new version, adopt another's, retire an old one.

Each service authorises the actor (``actor=None`` is the platform itself), runs in one transaction,
records one audit event and returns the version it wrote. Published versions are never changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.catalogue.services._common import (
    audit_summary,
    authorise,
    check_findings,
    check_not_reserved,
    locked_draft,
    next_number,
    source_and_document,
    user_or_none,
    write_draft,
)
from townhall.core.errors import Conflict, NotFound
from townhall.core.local_cache import forget_all
from townhall.core.models import Organisation
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record


def definition_new_draft(*, actor: Any, organisation: Organisation, service: Service) -> DefinitionVersion:
    """Start the next version of a service as a draft copied from its newest published version."""
    authorise(actor, organisation, Permission.EDIT_DEFINITIONS)
    with transaction.atomic():
        locked = Service.objects.select_for_update().filter(pk=service.pk, organisation=organisation).first()
        if locked is None:
            raise NotFound("No such service", code="service_not_found")
        if locked_draft(locked) is not None:
            raise Conflict("This service already has a draft; change that one", code="draft_exists")
        latest = locked.versions.filter(status=DefinitionStatus.PUBLISHED).order_by("-number").first()
        if latest is None:
            raise Conflict("This service has no published version to copy", code="nothing_published")
        defn = dataclasses.replace(latest.definition(), version=next_number(locked))
        text, document = source_and_document(latest.source, defn, changed=True)
        draft = DefinitionVersion.objects.create(
            service=locked,
            number=defn.version,
            source=text,
            document=document,
            filename=latest.filename,
            origin=latest.origin,
            findings=check_findings(defn, text),
            checked_at=timezone.now(),
            created_by=user_or_none(actor),
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.draft_started",
            object_type="definition_version",
            object_id=draft.pk,
            data={**audit_summary(draft), "copied_from": latest.number},
        )
    return draft


def definition_adopt(*, actor: Any, organisation: Organisation, source_version: DefinitionVersion) -> DefinitionVersion:
    """Make another organisation's published definition a draft of your own, recording where it came from."""
    authorise(actor, organisation, Permission.EDIT_DEFINITIONS)
    if source_version.status != DefinitionStatus.PUBLISHED:
        raise NotFound("Only published definitions can be adopted", code="definition_not_found")
    owner = source_version.service.organisation
    if owner.pk == organisation.pk:
        raise Conflict("This definition is already yours; start a new version instead", code="already_yours")
    origin = f"{owner.code}/{source_version.service.slug}@{source_version.number}"
    defn = dataclasses.replace(source_version.definition(), organisation=organisation.code, origin=origin)
    check_not_reserved(defn, actor)
    with transaction.atomic():
        service, created = Service.objects.select_for_update().get_or_create(
            organisation=organisation,
            slug=defn.id,
            defaults={"title": defn.title.en, "title_cy": defn.title.cy, "lgsl": defn.lgsl},
        )
        if not created and locked_draft(service) is not None:
            raise Conflict(
                f"You already have a draft of {service.slug}; publish or change that one first", code="draft_exists"
            )
        draft = write_draft(
            service=service,
            defn=defn,
            source=source_version.source,
            filename="",
            actor=actor,
            origin=origin,
            rewritten=True,
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.adopted",
            object_type="definition_version",
            object_id=draft.pk,
            data={**audit_summary(draft), "adopted_from": origin, "adopted_from_organisation": owner.slug},
        )
    return draft


def definition_retire(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Stop new journeys using a published version. Cases already started keep it; it is never deleted."""
    authorise(actor, organisation, Permission.PUBLISH_DEFINITIONS)
    with transaction.atomic():
        locked = (
            DefinitionVersion.objects.select_for_update()
            .select_related("service")
            .filter(pk=version.pk, service__organisation=organisation)
            .first()
        )
        if locked is None:
            raise NotFound("No such definition version", code="definition_not_found")
        if locked.status != DefinitionStatus.PUBLISHED:
            raise Conflict(f"Version {locked.number} is {locked.status}, not published", code="version_not_published")
        locked.status = DefinitionStatus.RETIRED
        locked.retired_at = timezone.now()
        locked.save(update_fields=["status", "retired_at", "updated_at"])
        forget_all()  # the web processes' remembered "newest published version"
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.retired",
            object_type="definition_version",
            object_id=locked.pk,
            data=audit_summary(locked),
        )
    return locked
