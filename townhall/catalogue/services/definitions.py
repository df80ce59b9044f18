"""Writes on a service's draft: import (upload), update, check and publish it.

Each service authorises the actor (``actor=None`` is the platform itself: set-up, demo data),
runs in one transaction, records one audit event and returns the version it wrote.
Published versions are never changed: cases and journeys already started keep using them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.catalogue.models import DefinitionVersion, Service
from townhall.catalogue.services._common import (
    audit_summary,
    authorise,
    check_findings,
    check_not_reserved,
    check_organisation,
    draft_of,
    make_published,
    parse,
    write_draft,
)
from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record


def definition_import(
    *, actor: Any, organisation: Organisation, source: str, filename: str, publish: bool = False
) -> DefinitionVersion:
    """Upload a definition (YAML or JSON text) as the service's draft, creating the service if new.

    Refuses with every problem found and saves nothing when the text is too large, does not
    parse, or belongs to another organisation. With ``publish=True`` the draft is published too.
    """
    authorise(actor, organisation, Permission.EDIT_DEFINITIONS)
    if publish:
        authorise(actor, organisation, Permission.PUBLISH_DEFINITIONS)
    defn = parse(source, filename)
    check_not_reserved(defn, actor)
    check_organisation(defn, organisation)
    with transaction.atomic():
        service, created = Service.objects.select_for_update().get_or_create(
            organisation=organisation,
            slug=defn.id,
            defaults={"title": defn.title.en, "title_cy": defn.title.cy, "lgsl": defn.lgsl},
        )
        draft = write_draft(service=service, defn=defn, source=source, filename=filename, actor=actor)
        if publish:
            make_published(draft, actor)
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.published" if publish else "definition.imported",
            object_type="definition_version",
            object_id=draft.pk,
            data={**audit_summary(draft), "filename": filename, "service_created": created},
        )
    return draft


def definition_draft_update(
    *, actor: Any, organisation: Organisation, version: DefinitionVersion, source: str, filename: str = ""
) -> DefinitionVersion:
    """Replace a draft's text. The id in the text must stay the service's id."""
    authorise(actor, organisation, Permission.EDIT_DEFINITIONS)
    defn = parse(source, filename or version.filename)
    check_organisation(defn, organisation)
    with transaction.atomic():
        draft = draft_of(organisation, version)
        if defn.id != draft.service.slug:
            raise ValidationFailed(
                f"This draft is for {draft.service.slug}; the text is for {defn.id}",
                code="definition_id_changed",
                errors=[FieldError("definition_id_changed", f"id must stay {draft.service.slug}", "id")],
            )
        draft = write_draft(
            service=draft.service,
            defn=defn,
            source=source,
            filename=filename or draft.filename,
            actor=actor,
            origin=draft.origin,
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.draft_updated",
            object_type="definition_version",
            object_id=draft.pk,
            data=audit_summary(draft),
        )
    return draft


def definition_check(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Run the static checks on a draft again and keep what they found on it."""
    authorise(actor, organisation, Permission.EDIT_DEFINITIONS)
    with transaction.atomic():
        draft = draft_of(organisation, version)
        draft.findings = check_findings(draft.definition(), draft.source)
        draft.checked_at = timezone.now()
        draft.save(update_fields=["findings", "checked_at", "updated_at"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.checked",
            object_type="definition_version",
            object_id=draft.pk,
            data=audit_summary(draft),
        )
    return draft


def definition_publish(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Publish a draft: new journeys use it from now on. Older published versions stay for work already started."""
    authorise(actor, organisation, Permission.PUBLISH_DEFINITIONS)
    with transaction.atomic():
        draft = draft_of(organisation, version)
        draft.findings = check_findings(draft.definition(), draft.source)
        draft.checked_at = timezone.now()
        draft.save(update_fields=["findings", "checked_at", "updated_at"])
        make_published(draft, actor)
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.published",
            object_type="definition_version",
            object_id=draft.pk,
            data=audit_summary(draft),
        )
    return draft
