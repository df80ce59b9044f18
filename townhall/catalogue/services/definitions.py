"""Writes on service definitions: import, update a draft, check, publish, new version, adopt, retire.

Each service authorises the actor (``actor=None`` is the platform itself: set-up, demo data),
runs in one transaction, records one audit event and returns the version it wrote.
Published versions are never changed: cases and journeys already started keep using them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.core.errors import Conflict, FieldError, NotFound, TooLarge, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record


def _require(actor: Any, organisation: Organisation, permission: Permission) -> None:
    if actor is not None:
        require(actor, organisation, permission)


def _size_check(source: str | bytes) -> None:
    size = len(source.encode("utf-8")) if isinstance(source, str) else len(source)
    limit = settings.DEFINITION_MAX_BYTES
    if size > limit:
        raise TooLarge(
            f"The definition is {size:,} bytes; the most we accept is {limit:,} bytes",
            code="definition_too_large",
        )


def _parse(source: str | bytes, filename: str) -> ServiceDefinition:
    from townhall.catalogue.parsing import parse_definition

    _size_check(source)
    return parse_definition(source, filename=filename or "<definition>")


def _check_organisation(defn: ServiceDefinition, organisation: Organisation) -> None:
    if defn.organisation == organisation.code:
        return
    if not Organisation.objects.filter(code=defn.organisation).exists():
        raise ValidationFailed(
            f"No organisation on the platform has the code {defn.organisation!r}",
            code="unknown_organisation",
            errors=[
                FieldError(
                    "unknown_organisation",
                    f"No organisation on the platform has the code {defn.organisation!r}; "
                    f"use {organisation.code}, the code of {organisation.name}",
                    "organisation",
                )
            ],
        )
    raise ValidationFailed(
        f"This definition belongs to {defn.organisation}, not to {organisation.name} ({organisation.code})",
        code="organisation_mismatch",
        errors=[
            FieldError(
                "organisation_mismatch",
                f"organisation must be {organisation.code}, the code of {organisation.name}",
                "organisation",
            )
        ],
    )


def _document(defn: ServiceDefinition) -> dict[str, Any]:
    from townhall.catalogue.parsing import definition_to_document

    return definition_to_document(defn)


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _source_and_document(source: str, defn: ServiceDefinition, *, changed: bool) -> tuple[str, dict[str, Any]]:
    """The text to keep and its document. When the platform rewrote a field, the text is written afresh."""
    document = _document(defn)
    return (_dump(document) if changed else source), document


def _findings(defn: ServiceDefinition, source: str) -> list[dict[str, Any]]:
    from townhall.catalogue.checker import check_definition

    lines = _lines_of(source)
    found = check_definition(defn, lines=lines)
    return [
        {"code": f.code, "severity": f.severity, "message": f.message, "path": f.path, "line": f.line} for f in found
    ]


def _lines_of(source: str) -> dict[str, int] | None:
    """JSON path → line in the stored text, so each finding can name its line."""
    from townhall.catalogue.parsing import load_document

    try:
        return load_document(source)[1]
    except ValidationFailed:
        return None


def _next_number(service: Service) -> int:
    latest = service.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def _locked_draft(service: Service) -> DefinitionVersion | None:
    return service.versions.select_for_update().filter(status=DefinitionStatus.DRAFT).first()


def _summary(version: DefinitionVersion) -> dict[str, Any]:
    return {
        "service": version.service.slug,
        "number": version.number,
        "status": version.status,
        "origin": version.origin,
        "errors": sum(1 for f in version.findings if f.get("severity") == "error"),
        "warnings": sum(1 for f in version.findings if f.get("severity") == "warning"),
    }


def _make_published(version: DefinitionVersion, actor: Any) -> None:
    """Publish a locked draft whose findings are fresh. Raises when the checker found errors."""
    errors = [f for f in version.findings if f.get("severity") == "error"]
    if errors:
        raise ValidationFailed(
            f"The definition has {len(errors)} error{'s' if len(errors) != 1 else ''} "
            "to fix before it can be published",
            code="definition_has_errors",
            errors=[FieldError(f["code"], f["message"], f.get("path") or "", f.get("line")) for f in errors],
        )
    version.status = DefinitionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor if getattr(actor, "is_authenticated", False) else None
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    service = version.service
    defn = version.definition()
    service.title, service.title_cy, service.lgsl = defn.title.en, defn.title.cy, defn.lgsl
    service.save(update_fields=["title", "title_cy", "lgsl", "updated_at"])


def _write_draft(
    *,
    service: Service,
    defn: ServiceDefinition,
    source: str,
    filename: str,
    actor: Any,
    origin: str = "",
    rewritten: bool = False,
) -> DefinitionVersion:
    """Create the service's draft, or replace the draft it has, numbering it after the newest version.

    ``rewritten``: the caller changed ``defn`` from what ``source`` says, so the text is written afresh.
    """
    draft = _locked_draft(service)
    number = draft.number if draft is not None else _next_number(service)
    origin = origin or defn.origin or (draft.origin if draft is not None else "")
    changed = rewritten or defn.version != number or (defn.origin or "") != origin
    defn = dataclasses.replace(defn, version=number, origin=origin or None)
    text, document = _source_and_document(source, defn, changed=changed)
    if draft is None:
        draft = DefinitionVersion(service=service, number=number, created_by=_user(actor))
    draft.source, draft.document, draft.filename = text, document, filename
    draft.origin = defn.origin or ""
    draft.findings = _findings(defn, text)
    draft.checked_at = timezone.now()
    draft.save()
    if not service.versions.filter(status=DefinitionStatus.PUBLISHED).exists():
        service.title, service.title_cy, service.lgsl = defn.title.en, defn.title.cy, defn.lgsl
        service.save(update_fields=["title", "title_cy", "lgsl", "updated_at"])
    return draft


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def definition_import(
    *, actor: Any, organisation: Organisation, source: str, filename: str, publish: bool = False
) -> DefinitionVersion:
    """Upload a definition (YAML or JSON text) as the service's draft, creating the service if new.

    Refuses with every problem found and saves nothing when the text is too large, does not
    parse, or belongs to another organisation. With ``publish=True`` the draft is published too.
    """
    _require(actor, organisation, Permission.EDIT_DEFINITIONS)
    if publish:
        _require(actor, organisation, Permission.PUBLISH_DEFINITIONS)
    defn = _parse(source, filename)
    _check_organisation(defn, organisation)
    with transaction.atomic():
        service, created = Service.objects.select_for_update().get_or_create(
            organisation=organisation,
            slug=defn.id,
            defaults={"title": defn.title.en, "title_cy": defn.title.cy, "lgsl": defn.lgsl},
        )
        draft = _write_draft(service=service, defn=defn, source=source, filename=filename, actor=actor)
        if publish:
            _make_published(draft, actor)
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.published" if publish else "definition.imported",
            object_type="definition_version",
            object_id=draft.pk,
            data={**_summary(draft), "filename": filename, "service_created": created},
        )
    return draft


def _draft_of(organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """The same version, locked, checked to belong to the organisation and still be a draft."""
    locked = (
        DefinitionVersion.objects.select_for_update()
        .select_related("service__organisation")
        .filter(pk=version.pk, service__organisation=organisation)
        .first()
    )
    if locked is None:
        raise NotFound("No such definition version", code="definition_not_found")
    if locked.status != DefinitionStatus.DRAFT:
        raise Conflict(
            f"Version {locked.number} is {locked.status} and cannot change; start a new version instead",
            code="version_not_draft",
        )
    return locked


def definition_draft_update(
    *, actor: Any, organisation: Organisation, version: DefinitionVersion, source: str, filename: str = ""
) -> DefinitionVersion:
    """Replace a draft's text. The id in the text must stay the service's id."""
    _require(actor, organisation, Permission.EDIT_DEFINITIONS)
    defn = _parse(source, filename or version.filename)
    _check_organisation(defn, organisation)
    with transaction.atomic():
        draft = _draft_of(organisation, version)
        if defn.id != draft.service.slug:
            raise ValidationFailed(
                f"This draft is for {draft.service.slug}; the text is for {defn.id}",
                code="definition_id_changed",
                errors=[FieldError("definition_id_changed", f"id must stay {draft.service.slug}", "id")],
            )
        draft = _write_draft(
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
            data=_summary(draft),
        )
    return draft


def definition_check(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Run the static checks on a draft again and keep what they found on it."""
    _require(actor, organisation, Permission.EDIT_DEFINITIONS)
    with transaction.atomic():
        draft = _draft_of(organisation, version)
        draft.findings = _findings(draft.definition(), draft.source)
        draft.checked_at = timezone.now()
        draft.save(update_fields=["findings", "checked_at", "updated_at"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.checked",
            object_type="definition_version",
            object_id=draft.pk,
            data=_summary(draft),
        )
    return draft


def definition_publish(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Publish a draft: new journeys use it from now on. Older published versions stay for work already started."""
    _require(actor, organisation, Permission.PUBLISH_DEFINITIONS)
    with transaction.atomic():
        draft = _draft_of(organisation, version)
        draft.findings = _findings(draft.definition(), draft.source)
        draft.checked_at = timezone.now()
        draft.save(update_fields=["findings", "checked_at", "updated_at"])
        _make_published(draft, actor)
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.published",
            object_type="definition_version",
            object_id=draft.pk,
            data=_summary(draft),
        )
    return draft


def definition_new_draft(*, actor: Any, organisation: Organisation, service: Service) -> DefinitionVersion:
    """Start the next version of a service as a draft copied from its newest published version."""
    _require(actor, organisation, Permission.EDIT_DEFINITIONS)
    with transaction.atomic():
        locked = Service.objects.select_for_update().filter(pk=service.pk, organisation=organisation).first()
        if locked is None:
            raise NotFound("No such service", code="service_not_found")
        if _locked_draft(locked) is not None:
            raise Conflict("This service already has a draft; change that one", code="draft_exists")
        latest = locked.versions.filter(status=DefinitionStatus.PUBLISHED).order_by("-number").first()
        if latest is None:
            raise Conflict("This service has no published version to copy", code="nothing_published")
        defn = dataclasses.replace(latest.definition(), version=_next_number(locked))
        text, document = _source_and_document(latest.source, defn, changed=True)
        draft = DefinitionVersion.objects.create(
            service=locked,
            number=defn.version,
            source=text,
            document=document,
            filename=latest.filename,
            origin=latest.origin,
            findings=_findings(defn, text),
            checked_at=timezone.now(),
            created_by=_user(actor),
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.draft_started",
            object_type="definition_version",
            object_id=draft.pk,
            data={**_summary(draft), "copied_from": latest.number},
        )
    return draft


def definition_adopt(*, actor: Any, organisation: Organisation, source_version: DefinitionVersion) -> DefinitionVersion:
    """Make another organisation's published definition a draft of your own, recording where it came from."""
    _require(actor, organisation, Permission.EDIT_DEFINITIONS)
    if source_version.status != DefinitionStatus.PUBLISHED:
        raise NotFound("Only published definitions can be adopted", code="definition_not_found")
    owner = source_version.service.organisation
    if owner.pk == organisation.pk:
        raise Conflict("This definition is already yours; start a new version instead", code="already_yours")
    origin = f"{owner.code}/{source_version.service.slug}@{source_version.number}"
    defn = dataclasses.replace(source_version.definition(), organisation=organisation.code, origin=origin)
    with transaction.atomic():
        service, created = Service.objects.select_for_update().get_or_create(
            organisation=organisation,
            slug=defn.id,
            defaults={"title": defn.title.en, "title_cy": defn.title.cy, "lgsl": defn.lgsl},
        )
        if not created and _locked_draft(service) is not None:
            raise Conflict(
                f"You already have a draft of {service.slug}; publish or change that one first", code="draft_exists"
            )
        draft = _write_draft(
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
            data={**_summary(draft), "adopted_from": origin, "adopted_from_organisation": owner.slug},
        )
    return draft


def definition_retire(*, actor: Any, organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
    """Stop new journeys using a published version. Cases already started keep it; it is never deleted."""
    _require(actor, organisation, Permission.PUBLISH_DEFINITIONS)
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
        audit_record(
            organisation=organisation,
            actor=actor,
            action="definition.retired",
            object_type="definition_version",
            object_id=locked.pk,
            data=_summary(locked),
        )
    return locked
