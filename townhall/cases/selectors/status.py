"""What a resident may learn about their case from its reference and their email address."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from townhall.cases.models import Case
from townhall.cases.references import normalise_reference
from townhall.core.errors import NotFound

NOT_FOUND_MESSAGE = "We could not find a case with that reference and email address"


@dataclass(frozen=True)
class CaseStatus:
    """Plain words about where a case is and what happens next, in the case's language."""

    reference: str
    service: str
    organisation: str
    state: str  # the state's label
    what_happens_next: str
    received_on: date
    decided: bool
    decided_on: date | None
    waiting_for_you: bool
    due_on: date | None


def case_status_for_resident(*, reference: str, email: str, language: str | None = None) -> CaseStatus:
    """The status of a case for the resident who made it.

    A reference that does not exist and an email address that does not match raise the same
    ``NotFound`` (code ``case_not_found``), so the answer never tells anyone a reference exists.
    """
    wanted = normalise_reference(reference)
    case = Case.objects.select_related("organisation", "version").filter(reference=wanted).first() if wanted else None
    given = (email or "").strip().lower().encode()
    stored = (case.resident_email if case is not None else "\0").encode()
    if case is None or not case.resident_email or not hmac.compare_digest(given, stored) or case.anonymised_at:
        raise NotFound(NOT_FOUND_MESSAGE, code="case_not_found")
    definition = case.version.definition()
    lang = language or case.language
    state = definition.workflow.state(case.state)
    if state.description:
        next_words = state.description.get(lang)
    elif definition.what_happens_next and not state.final:
        next_words = definition.what_happens_next.get(lang)
    else:
        next_words = ""
    organisation = case.organisation
    return CaseStatus(
        reference=case.reference,
        service=definition.title.get(lang),
        organisation=(organisation.name_cy or organisation.name) if lang == "cy" else organisation.name,
        state=state.label.get(lang),
        what_happens_next=next_words,
        received_on=timezone.localdate(case.received_at),
        decided=state.final,
        decided_on=timezone.localdate(case.decided_at) if case.decided_at else None,
        waiting_for_you=state.waiting_for_resident,
        due_on=None if state.final else case.due_on,
    )
