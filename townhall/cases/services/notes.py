"""Notes on a case and links between cases."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from townhall.cases.models import Case, CaseEvent, CaseEventKind, CaseLink
from townhall.cases.references import normalise_reference
from townhall.cases.services._steps import record_event
from townhall.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record

MAX_NOTE = 5000


def case_note_add(*, case: Case, text: str, actor: Any) -> CaseEvent:
    """Add a note to a case's timeline. Notes are for staff; residents never see them."""
    require(actor, case.organisation, Permission.WORK_CASES)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(
            "Enter a note", code="note_required", errors=[FieldError("note_required", "Enter a note", "text")]
        )
    if len(text) > MAX_NOTE:
        message = f"A note must be {MAX_NOTE} characters or fewer"
        raise ValidationFailed(message, code="note_too_long", errors=[FieldError("note_too_long", message, "text")])
    with transaction.atomic():
        event = record_event(case, CaseEventKind.NOTE, actor=actor, text=text)
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.note_added",
            object_type="case",
            object_id=case.reference,
            data={"event": event.pk, "length": len(text)},
        )
    return event


def case_link(*, case: Case, other_reference: str, actor: Any) -> CaseLink:
    """Link two cases of the same organisation, such as two reports about the same missed bin."""
    require(actor, case.organisation, Permission.WORK_CASES)
    reference = normalise_reference(other_reference)
    other = Case.objects.filter(organisation=case.organisation, reference=reference).first() if reference else None
    if other is None:
        message = "There is no case with that reference"
        raise NotFound(message, code="case_not_found", errors=[FieldError("case_not_found", message, "reference")])
    if other.pk == case.pk:
        raise ValidationFailed("A case cannot be linked to itself", code="case_link_self")
    with transaction.atomic():
        if CaseLink.objects.filter(case__in=[case, other], other__in=[case, other]).exists():
            raise Conflict(f"{case.reference} and {other.reference} are already linked", code="case_already_linked")
        link = CaseLink.objects.create(
            organisation_id=case.organisation_id,
            case=case,
            other=other,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for one, two in ((case, other), (other, case)):
            record_event(one, CaseEventKind.LINKED, actor=actor, data={"reference": two.reference})
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.linked",
            object_type="case",
            object_id=case.reference,
            data={"other": other.reference},
        )
    return link
