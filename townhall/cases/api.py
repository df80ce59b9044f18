"""Cases API, mounted at /api/v1/cases: the work queue and decisions for an organisation's API key,
and a public status lookup for residents (reference + email)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from townhall.cases.models import Case, CaseEvent
from townhall.cases.selectors.cases import SORTS, CaseFilters, case_get, case_list
from townhall.cases.selectors.detail import answer_sections, case_notifications
from townhall.cases.selectors.status import case_status_for_resident
from townhall.cases.services import case_assign, case_note_add, case_transition
from townhall.cases.workflow import available_transitions
from townhall.core.api_auth import actor_of, api_key_auth
from townhall.core.api_schemas import ProblemOut, StrictSchema
from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import ApiKey, Organisation
from townhall.core.permissions import roles_in
from townhall.notifications.api import NotificationOut

router = Router(tags=["cases"])
# Mounted at /api/v1/notifications (townhall/api.py): a case's messages, whose case must be looked up first.
messages_router = Router(tags=["notifications"])

MAX_LIMIT = 100
MAX_OFFSET = 2**31 - 1  # offset + limit must fit the databases' integers: 2**63 was a 500


def _organisation(request: HttpRequest) -> Organisation:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return key.organisation


class CaseSummaryOut(Schema):
    reference: str
    service: str
    version: int
    state: str
    state_label: str
    channel: str
    resident_name: str
    postcode: str
    team: str
    assignee: str | None
    received_at: datetime
    decided_at: datetime | None
    due_on: date | None
    overdue: bool


class AnswerOut(Schema):
    question: str
    label: str
    value: str


class EventOut(Schema):
    kind: str
    occurred_at: datetime
    actor: str
    from_state: str
    to_state: str
    transition: str
    rule: str
    text: str


class CaseOut(CaseSummaryOut):
    resident_email: str
    language: str
    answers: dict[str, Any]
    answer_labels: list[AnswerOut]
    events: list[EventOut]
    transitions_available: list[str]


class CaseListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseSummaryOut]


class CaseListQuery(Schema):
    service: str = ""
    state: str = ""
    team: str = ""
    assignee: str = Field("", description='"none", a username, or empty for anyone')
    overdue: bool = False
    received_from: date | None = None
    received_to: date | None = None
    q: str = Field("", description="A reference, part of a name, or the start of a postcode")
    sort: str = Field("newest", description=f"One of {', '.join(SORTS)}")
    limit: int = Field(25, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TransitionIn(StrictSchema):
    transition: str
    reason: str = ""


class NoteIn(StrictSchema):
    text: str


class NoteOut(Schema):
    reference: str
    occurred_at: datetime
    text: str


class AssignIn(StrictSchema):
    assignee: str | None = Field(None, description="A username, or null to unassign; left out, it stays as it is")
    team: str | None = Field(None, description="The team; left out, it stays as it is")


class StatusIn(StrictSchema):
    reference: str = Field(..., max_length=20)
    email: str = Field(..., max_length=320)
    language: str = Field("en", pattern="^(en|cy)$")


class StatusOut(Schema):
    reference: str
    service: str
    organisation: str
    state: str
    what_happens_next: str
    received_on: date
    decided: bool
    decided_on: date | None
    waiting_for_you: bool
    due_on: date | None


def _summary(case: Case) -> dict[str, Any]:
    definition = case.version.definition()
    state = definition.workflow.state(case.state)
    today = timezone.localdate()
    return {
        "reference": case.reference,
        "service": case.version.service.slug,
        "version": case.version.number,
        "state": case.state,
        "state_label": state.label.en,
        "channel": case.channel,
        "resident_name": case.resident_name,
        "postcode": case.postcode,
        "team": case.team,
        "assignee": case.assignee.get_username() if case.assignee else None,
        "received_at": case.received_at,
        "decided_at": case.decided_at,
        "due_on": case.due_on,
        "overdue": bool(case.due_on and case.due_on < today and not state.final and case.paused_since is None),
    }


def _detail(case: Case, actor: Any) -> dict[str, Any]:
    definition = case.version.definition()
    roles = {r.value for r in roles_in(actor, case.organisation)}
    return {
        **_summary(case),
        "resident_email": case.resident_email,
        "language": case.language,
        "answers": case.answers,
        "answer_labels": [
            {"question": row.question_id, "label": row.label, "value": row.value}
            for section in answer_sections(definition, case.answers)
            for row in section.rows
        ],
        "events": [
            {
                "kind": e.kind,
                "occurred_at": e.occurred_at,
                "actor": e.actor_label,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "transition": e.transition,
                "rule": e.rule,
                "text": e.text,
            }
            for e in CaseEvent.objects.filter(case=case).order_by("occurred_at", "pk")
        ],
        "transitions_available": [t.id for t in available_transitions(definition.workflow, case.state, roles)],
    }


@router.get("", response=CaseListOut, auth=api_key_auth, summary="The organisation's cases, filtered and paged")
def list_cases(request: HttpRequest, query: Query[CaseListQuery]) -> dict[str, Any]:
    filters = CaseFilters(
        service=query.service,
        state=query.state,
        team=query.team,
        assignee=query.assignee if query.assignee != "me" else "",
        overdue=query.overdue,
        received_from=query.received_from,
        received_to=query.received_to,
        q=query.q,
        sort=query.sort if query.sort in SORTS else "newest",
    )
    cases = case_list(organisation=_organisation(request), actor=actor_of(request), filters=filters)
    page = list(cases[query.offset : query.offset + query.limit])
    return {
        "count": cases.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": [_summary(c) for c in page],
    }


@router.post("/status", response=StatusOut, auth=None, summary="A resident's case status, by reference and email")
def resident_status(request: HttpRequest, data: StatusIn) -> Any:
    """Public. A reference that does not exist and a wrong email give the same 404 problem."""
    return case_status_for_resident(reference=data.reference, email=data.email, language=data.language)


@router.get("/{reference}", response=CaseOut, auth=api_key_auth, summary="One case with its answers and timeline")
def get_case(request: HttpRequest, reference: str) -> dict[str, Any]:
    case = case_get(organisation=_organisation(request), actor=actor_of(request), reference=reference)
    return _detail(case, actor_of(request))


@router.post(
    "/{reference}/transitions", response={200: CaseOut, 409: ProblemOut}, auth=api_key_auth, summary="Take a decision"
)
def transition(request: HttpRequest, reference: str, data: TransitionIn) -> dict[str, Any]:
    actor = actor_of(request)
    case = case_get(organisation=_organisation(request), actor=actor, reference=reference)
    return _detail(case_transition(case=case, transition_id=data.transition, actor=actor, reason=data.reason), actor)


@router.post("/{reference}/notes", response={201: NoteOut}, auth=api_key_auth, summary="Add a note")
def add_note(request: HttpRequest, reference: str, data: NoteIn) -> Status:
    actor = actor_of(request)
    case = case_get(organisation=_organisation(request), actor=actor, reference=reference)
    event = case_note_add(case=case, text=data.text, actor=actor)
    return Status(201, {"reference": case.reference, "occurred_at": event.occurred_at, "text": event.text})


@router.post("/{reference}/assignment", response=CaseOut, auth=api_key_auth, summary="Assign or unassign")
def assign(request: HttpRequest, reference: str, data: AssignIn) -> dict[str, Any]:
    actor = actor_of(request)
    organisation = _organisation(request)
    case = case_get(organisation=organisation, actor=actor, reference=reference)
    if not data.model_fields_set:
        raise ValidationFailed(
            "Send an assignee, a team or both",
            code="assignment_empty",
            errors=[FieldError("assignment_empty", "Send an assignee (null to unassign), a team or both", "assignee")],
        )
    if "assignee" not in data.model_fields_set:  # a move to another team only: whoever has the case keeps it
        return _detail(case_assign(case=case, assignee=case.assignee, actor=actor, team=data.team), actor)
    assignee = None
    if data.assignee:
        assignee = (
            get_user_model().objects.filter(username=data.assignee, memberships__organisation=organisation).first()
        )
        if assignee is None:
            raise ValidationFailed("No such member of staff here", code="assignee_not_found")
    return _detail(case_assign(case=case, assignee=assignee, actor=actor, team=data.team), actor)


@messages_router.get(
    "/cases/{case_reference}",
    response=list[NotificationOut],
    auth=api_key_auth,
    summary="Messages sent about one case, with their status history",
    description="An unknown reference and another organisation's case are the same 404 `case_not_found`.",
    operation_id="townhall_notifications_api_case_notifications",  # its id from before it moved here
)
def case_messages(request: HttpRequest, case_reference: str) -> list[Any]:
    return list(
        case_notifications(organisation=_organisation(request), actor=actor_of(request), reference=case_reference)
    )
