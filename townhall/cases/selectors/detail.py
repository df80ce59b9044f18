"""Everything the case page shows: answers with labels, documents, timeline, notes, decisions, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from townhall.cases import clocks
from townhall.cases.models import Case, CaseEvent, CaseEventKind, Document
from townhall.cases.selectors.cases import assignable_staff, case_get, linked_cases
from townhall.cases.workflow import available_transitions
from townhall.catalogue.model import CHOICE_TYPES, Question, QuestionType, ServiceDefinition, Transition
from townhall.catalogue.platform import is_staff_only
from townhall.core.models import Organisation
from townhall.core.permissions import can, is_platform_admin, roles_in
from townhall.core.roles import Permission, Role

if TYPE_CHECKING:
    from townhall.notifications.models import Notification


@dataclass(frozen=True)
class AnswerRow:
    question_id: str
    label: str
    value: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    rows: list[AnswerRow]


@dataclass(frozen=True)
class TimelineItem:
    when: datetime
    kind: str
    title: str
    detail: str = ""
    who: str = ""


@dataclass
class CasePage:
    case: Case
    definition: ServiceDefinition
    state_label: str
    final: bool
    clock: clocks.ClockReading
    answers: list[AnswerSection]
    documents: list[Document]
    timeline: list[TimelineItem]
    notes: list[CaseEvent]
    transitions: list[Transition]
    linked: list[Case]
    can_work: bool
    can_assign: bool
    assignable: list[Any] = field(default_factory=list)


def _format(question: Question, value: Any, language: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    if question.type == QuestionType.YES_NO or isinstance(value, bool):
        return "Yes" if value else "No"
    if question.type in CHOICE_TYPES:
        labels = {o.value: o.label.get(language) for o in question.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in values)
    if question.type == QuestionType.GROUP and isinstance(value, list):
        return f"{len(value)} added"
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v not in (None, ""))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if question.type == QuestionType.MONEY:
        return f"£{value}"
    if question.unit:
        return f"{value} {question.unit}"
    return str(value)


def answer_sections(
    definition: ServiceDefinition, answers: dict[str, Any], language: str = "en"
) -> list[AnswerSection]:
    """The answers in the definition's page order, with each question's label; unanswered ones left out."""
    sections = []
    for page in definition.pages:
        rows = [
            AnswerRow(q.id, q.label.get(language), _format(q, answers.get(q.id), language))
            for q in page.questions
            if q.id in answers
        ]
        rows = [r for r in rows if r.value]
        if rows:
            sections.append(AnswerSection(page.title.get(language), rows))
    return sections


def _state_label(definition: ServiceDefinition, state_id: str) -> str:
    state = next((s for s in definition.workflow.states if s.id == state_id), None)
    return state.label.en if state else state_id


def _event_item(event: CaseEvent, definition: ServiceDefinition) -> TimelineItem:
    label = _state_label
    titles: dict[str, str] = {
        CaseEventKind.OPENED: f"Case opened ({event.data.get('channel', '')})",
        CaseEventKind.TRANSITION: f"{label(definition, event.from_state)} → {label(definition, event.to_state)}",
        CaseEventKind.RULE: f"Automatic rule {event.rule}"
        + (
            f": {label(definition, event.from_state)} → {label(definition, event.to_state)}"
            if event.to_state != event.from_state
            else ""
        ),
        CaseEventKind.ASSIGNED: f"Assigned to {event.data.get('to') or 'nobody'}",
        CaseEventKind.NOTE: "Note",
        CaseEventKind.LINKED: f"Linked to {event.data.get('reference', '')}",
        CaseEventKind.DOCUMENT_ADDED: f"Document added: {event.data.get('name', '')}",
        CaseEventKind.DOCUMENT_VIEWED: "Document viewed",
        CaseEventKind.ESCALATED: "Escalated: overdue",
        CaseEventKind.ANONYMISED: "Personal data removed (retention)",
        CaseEventKind.MESSAGE: f"Email to resident: {event.data.get('subject', '')}",
    }
    detail = event.text
    if event.data.get("overrides_rule"):
        detail = f"Overrode automatic rule {event.data['overrides_rule']}. {detail}".strip()
    return TimelineItem(event.occurred_at, event.kind, titles.get(event.kind, event.kind), detail, event.actor_label)


def _notification_items(case: Case, actor: Any) -> list[TimelineItem]:
    from townhall.notifications.selectors import notification_list_for_case

    items = []
    for note in notification_list_for_case(organisation=case.organisation, actor=actor, case_reference=case.reference):
        channel = "Email" if note.channel == "email" else "Text message"
        title = f"{channel} to resident: {note.get_status_display().lower()}"
        items.append(TimelineItem(note.created_at, "notification", title, note.subject or note.body[:80], "Townhall"))
    return items


def case_notifications(*, organisation: Organisation, actor: Any, reference: str) -> QuerySet[Notification]:
    """The messages sent about one of the organisation's cases, oldest first, each with its events.

    An unknown reference and another organisation's are the same ``case_not_found``: both are looked up
    the same way (``case_get``), so neither the answer nor the work done says which it was."""
    from townhall.notifications.selectors import notification_list_for_case

    case = case_get(organisation=organisation, actor=actor, reference=reference)
    return notification_list_for_case(organisation=organisation, actor=actor, case_reference=case.reference)


def case_page(*, organisation: Organisation, actor: Any, reference: str) -> CasePage:
    case = case_get(organisation=organisation, actor=actor, reference=reference)
    definition = case.version.definition()
    state = definition.workflow.state(case.state)
    events = list(CaseEvent.objects.filter(case=case).order_by("occurred_at", "pk"))
    timeline = [_event_item(e, definition) for e in events] + _notification_items(case, actor)
    timeline.sort(key=lambda item: item.when)
    held = {r.value for r in Role} if is_platform_admin(actor) else {r.value for r in roles_in(actor, organisation)}
    can_work = can(actor, organisation, Permission.WORK_CASES)
    can_assign = can(actor, organisation, Permission.ASSIGN_CASES)
    return CasePage(
        case=case,
        definition=definition,
        state_label=state.label.en,
        final=state.final,
        clock=clocks.read_clock(
            due_on=case.due_on, today=timezone.localdate(), paused=case.paused_since is not None, final=state.final
        ),
        answers=answer_sections(definition, case.answers),
        documents=list(Document.objects.filter(case=case)),
        timeline=timeline,
        notes=[e for e in events if e.kind == CaseEventKind.NOTE],
        # A platform service's decisions are taken where its owning app works it (data protection requests).
        transitions=(
            available_transitions(definition.workflow, case.state, held)
            if can_work and not is_staff_only(definition.id)
            else []
        ),
        linked=linked_cases(case=case, actor=actor),
        can_work=can_work,
        can_assign=can_assign,
        assignable=assignable_staff(organisation=organisation, actor=actor) if can_assign else [],
    )
