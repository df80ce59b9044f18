"""Steps shared by the case services. Each runs inside the calling service's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from townhall.cases import clocks
from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.workflow import RuleFired, run_rules
from townhall.catalogue.model import ServiceDefinition
from townhall.core.inserts import new_row
from townhall.core.services.audit import actor_label


def new_event(case: Case, kind: str, *, actor: Any = None, when: datetime | None = None, **fields: Any) -> CaseEvent:
    """A timeline entry, not yet saved (a service writing several saves them together)."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return new_row(
        CaseEvent,
        organisation_id=case.organisation_id,
        case=case,
        kind=kind,
        occurred_at=when or timezone.now(),
        actor=user,
        actor_label=actor_label(actor, "Townhall"),
        **fields,
    )


def record_event(case: Case, kind: str, *, actor: Any = None, when: datetime | None = None, **fields: Any) -> CaseEvent:
    event = new_event(case, kind, actor=actor, when=when, **fields)
    event.save(force_insert=True)
    return event


def case_map(case: Case, definition: ServiceDefinition) -> dict[str, Any]:
    """The ``case`` variable every CEL rule sees."""
    return {
        "state": case.state,
        "channel": case.channel,
        "received_on": timezone.localdate(case.received_at).isoformat(),
        "service": definition.id,
    }


def enter_state(case: Case, definition: ServiceDefinition, target: str, now: datetime) -> None:
    """Move the case to ``target`` and keep its clock right: pause while waiting for the resident."""
    workflow = definition.workflow
    was_waiting = case.paused_since is not None
    state = workflow.state(target)
    case.state = target
    if was_waiting and not state.waiting_for_resident:
        assert case.paused_since is not None
        case.paused_working_days += clocks.working_days_between(
            timezone.localdate(case.paused_since), timezone.localdate(now)
        )
        case.paused_since = None
        set_due_date(case, definition)
    elif state.waiting_for_resident and not was_waiting:
        case.paused_since = now
    if state.final:
        case.decided_at = now
        case.paused_since = None


def set_due_date(case: Case, definition: ServiceDefinition) -> None:
    days = definition.workflow.service_level_days
    if days is None:
        case.due_on = None
        return
    case.due_on = clocks.due_date(timezone.localdate(case.received_at), days, case.paused_working_days)


def run_case_rules(
    case: Case, definition: ServiceDefinition, event: str, now: datetime
) -> tuple[list[RuleFired], list[CaseEvent]]:
    """Run the automatic rules for ``event`` on the case in memory: the firings and their unsaved timeline events."""
    fired = run_rules(definition.workflow, event, case.state, case.answers, case_map(case, definition))
    events = []
    for firing in fired:
        if firing.target != firing.source:
            enter_state(case, definition, firing.target, now)
        if firing.assign_team:
            case.team = firing.assign_team
        events.append(
            new_event(
                case,
                CaseEventKind.RULE,
                when=now,
                from_state=firing.source,
                to_state=firing.target,
                transition=firing.transition_id or "",
                rule=firing.rule_id,
                data={"on": firing.on, "assign_team": firing.assign_team or ""},
            )
        )
    return fired, events


def apply_rules(case: Case, definition: ServiceDefinition, event: str, now: datetime) -> list[RuleFired]:
    """Run the automatic rules for ``event`` and record each one that fired on the timeline."""
    fired, events = run_case_rules(case, definition, event, now)
    CaseEvent.objects.bulk_create(events)
    return fired


def notification_events(fired: list[RuleFired]) -> list[str]:
    """The notification triggers a list of rule firings sets off, in order."""
    events: list[str] = []
    for firing in fired:
        if firing.transition_id:
            events.append(f"transition:{firing.transition_id}")
        if firing.target != firing.source:
            events.append(f"entered:{firing.target}")
    return events
