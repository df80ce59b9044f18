"""Documents on a case: checked by content (not by name), scanned for viruses, and every view audited."""

from __future__ import annotations

import hashlib
from typing import IO, Any

import filetype
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from townhall.cases.models import Case, CaseEventKind, Document, ScanStatus
from townhall.cases.services._steps import record_event
from townhall.core.errors import Conflict, FieldError, NotFound, TooLarge, ValidationFailed
from townhall.core.filenames import safe_filename
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.core.storage import StoreUnavailable, store_file
from townhall.notifications.inbound.scanning import ScannerUnavailable, VirusScanner, scanner_from

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_ACCEPT = ("application/pdf", "image/jpeg", "image/png", "image/heic")


def default_scanner() -> VirusScanner:
    """ClamAV when CLAMAV_SOCKET is set, else the local scanner (notifications' VirusScanner Protocol)."""
    return scanner_from(getattr(settings, "CLAMAV_SOCKET", ""))


def _limits(case: Case, question_id: str) -> tuple[int, tuple[str, ...]]:
    if not question_id:
        return DEFAULT_MAX_BYTES, DEFAULT_ACCEPT
    definition = case.version.definition()
    question = next((q for q in definition.all_questions() if q.id == question_id), None)
    if question is None:
        raise ValidationFailed(f"This service has no question {question_id}", code="unknown_question")
    return question.max_bytes or DEFAULT_MAX_BYTES, question.accept or DEFAULT_ACCEPT


def document_upload(
    *,
    case: Case,
    file: IO[bytes],
    filename: str,
    actor: Any,
    question_id: str = "",
    scanner: VirusScanner | None = None,
) -> Document:
    """Store a document on a case. ``actor=None`` is the resident's own upload during their journey."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        require(actor, case.organisation, Permission.WORK_CASES)
    max_bytes, accept = _limits(case, question_id)
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"The file must be smaller than {max_bytes // (1024 * 1024) or 1} MB", code="document_too_large")
    if not data:
        raise ValidationFailed("The selected file is empty", code="document_empty")
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else "application/octet-stream"
    if mime not in accept:
        message = "The selected file must be a " + ", ".join(a.split("/")[-1].upper() for a in accept)
        raise ValidationFailed(
            message, code="document_type_not_allowed", errors=[FieldError("document_type_not_allowed", message, "file")]
        )
    try:
        result = (scanner or default_scanner()).scan(data)
    except ScannerUnavailable as exc:
        raise Conflict(
            "Documents cannot be checked for viruses just now. Try again later", code="scanner_unavailable"
        ) from exc
    if not result.clean:
        message = "The selected file contains a virus"
        raise ValidationFailed(
            message, code="document_infected", errors=[FieldError("document_infected", message, "file")]
        )
    digest = hashlib.sha256(data).hexdigest()
    safe_name = safe_filename(filename, "document")
    document = Document(
        organisation_id=case.organisation_id,
        case=case,
        question_id=question_id,
        original_name=safe_name,
        content_type=mime,
        size=len(data),
        sha256=digest,
        scan_status=ScanStatus.CLEAN,
        uploaded_at=timezone.now(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    extension = f".{kind.extension}" if kind is not None else ""
    try:
        store_file(document.file, f"{digest[:32]}{extension}", data)
    except StoreUnavailable as exc:
        message = "The file could not be saved just now. Try again in a few minutes"
        raise ValidationFailed(
            message,
            code="document_store_unavailable",
            errors=[FieldError("document_store_unavailable", message, "file")],
        ) from exc
    try:
        with transaction.atomic():
            document.save()
            record_event(
                case, CaseEventKind.DOCUMENT_ADDED, actor=actor, data={"document": document.pk, "name": safe_name}
            )
            audit_record(
                organisation=case.organisation,
                actor=actor,
                action="case.document_added",
                object_type="case",
                object_id=case.reference,
                data={"document": document.pk, "sha256": digest, "content_type": mime, "size": len(data)},
                actor_fallback="resident",
            )
    except Exception:
        document.file.delete(save=False)  # the row was not written: leave no file behind
        raise
    return document


def document_open(*, case: Case, document_id: int, actor: Any) -> Document:
    """Open a document for an authorised member of staff. Every view is on the timeline and in the audit trail."""
    require(actor, case.organisation, Permission.VIEW_CASES)
    document = Document.objects.filter(pk=document_id, case=case, organisation_id=case.organisation_id).first()
    if document is None:
        raise NotFound("No such document", code="document_not_found")
    with transaction.atomic():
        record_event(case, CaseEventKind.DOCUMENT_VIEWED, actor=actor, data={"document": document.pk})
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.document_viewed",
            object_type="case",
            object_id=case.reference,
            data={"document": document.pk, "name": document.original_name},
        )
    return document
