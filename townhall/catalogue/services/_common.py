"""What the definition services share: parsing and checking text, numbering and writing drafts, publishing.

Private to ``townhall.catalogue.services``: none of these authorise, open a transaction or audit.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml
from django.conf import settings
from django.utils import timezone

from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.catalogue.platform import is_staff_only
from townhall.core.errors import Conflict, FieldError, NotFound, TooLarge, ValidationFailed
from townhall.core.local_cache import forget_all
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission


def authorise(actor: Any, organisation: Organisation, permission: Permission) -> None:
    if actor is not None:
        require(actor, organisation, permission)


def size_check(source: str | bytes) -> None:
    size = len(source.encode("utf-8")) if isinstance(source, str) else len(source)
    limit = settings.DEFINITION_MAX_BYTES
    if size > limit:
        raise TooLarge(
            f"The definition is {size:,} bytes; the most we accept is {limit:,} bytes",
            code="definition_too_large",
        )


def parse(source: str | bytes, filename: str) -> ServiceDefinition:
    from townhall.catalogue.parsing import parse_definition

    size_check(source)
    return parse_definition(source, filename=filename or "<definition>")


def check_not_reserved(defn: ServiceDefinition, actor: Any) -> None:
    """Only the platform itself (``actor=None``) writes its back-office services; staff may change their drafts."""
    if actor is not None and is_staff_only(defn.id):
        message = f"{defn.id!r} is a service the platform provides; choose another id"
        raise ValidationFailed(
            message, code="service_id_reserved", errors=[FieldError("service_id_reserved", message, "id")]
        )


def check_organisation(defn: ServiceDefinition, organisation: Organisation) -> None:
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


def document_of(defn: ServiceDefinition) -> dict[str, Any]:
    from townhall.catalogue.parsing import definition_to_document

    return definition_to_document(defn)


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def source_and_document(source: str, defn: ServiceDefinition, *, changed: bool) -> tuple[str, dict[str, Any]]:
    """The text to keep and its document. When the platform rewrote a field, the text is written afresh."""
    document = document_of(defn)
    return (dump(document) if changed else source), document


def check_findings(defn: ServiceDefinition, source: str) -> list[dict[str, Any]]:
    from townhall.catalogue.checker import check_definition

    lines = lines_of(source)
    found = check_definition(defn, lines=lines)
    return [
        {"code": f.code, "severity": f.severity, "message": f.message, "path": f.path, "line": f.line} for f in found
    ]


def lines_of(source: str) -> dict[str, int] | None:
    """JSON path → line in the stored text, so each finding can name its line."""
    from townhall.catalogue.parsing import load_document

    try:
        return load_document(source)[1]
    except ValidationFailed:
        return None


def next_number(service: Service) -> int:
    latest = service.versions.order_by("-number").values_list("number", flat=True).first()
    return (latest or 0) + 1


def locked_draft(service: Service) -> DefinitionVersion | None:
    return service.versions.select_for_update().filter(status=DefinitionStatus.DRAFT).first()


def audit_summary(version: DefinitionVersion) -> dict[str, Any]:
    return {
        "service": version.service.slug,
        "number": version.number,
        "status": version.status,
        "origin": version.origin,
        "errors": sum(1 for f in version.findings if f.get("severity") == "error"),
        "warnings": sum(1 for f in version.findings if f.get("severity") == "warning"),
    }


def make_published(version: DefinitionVersion, actor: Any) -> None:
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
    forget_all()  # the web processes' remembered "newest published version"
    service = version.service
    defn = version.definition()
    service.title, service.title_cy, service.lgsl = defn.title.en, defn.title.cy, defn.lgsl
    service.save(update_fields=["title", "title_cy", "lgsl", "updated_at"])


def write_draft(
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
    draft = locked_draft(service)
    number = draft.number if draft is not None else next_number(service)
    origin = origin or defn.origin or (draft.origin if draft is not None else "")
    changed = rewritten or defn.version != number or (defn.origin or "") != origin
    defn = dataclasses.replace(defn, version=number, origin=origin or None)
    text, document = source_and_document(source, defn, changed=changed)
    if draft is None:
        draft = DefinitionVersion(service=service, number=number, created_by=user_or_none(actor))
    draft.source, draft.document, draft.filename = text, document, filename
    draft.origin = defn.origin or ""
    draft.findings = check_findings(defn, text)
    draft.checked_at = timezone.now()
    draft.save()
    if not service.versions.filter(status=DefinitionStatus.PUBLISHED).exists():
        service.title, service.title_cy, service.lgsl = defn.title.en, defn.title.cy, defn.lgsl
        service.save(update_fields=["title", "title_cy", "lgsl", "updated_at"])
    return draft


def user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def draft_of(organisation: Organisation, version: DefinitionVersion) -> DefinitionVersion:
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
