"""Queueing the notifications a definition asks for when something happens to a case."""

from __future__ import annotations

from typing import Any

from townhall.cases.models import Case
from townhall.catalogue.model import QuestionType, ServiceDefinition


def _phone_number(case: Case, definition: ServiceDefinition) -> str:
    for question in definition.all_questions():
        if question.pii_role == "phone" or question.type == QuestionType.PHONE:
            value = case.answers.get(question.id)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def personalisation(case: Case, definition: ServiceDefinition, reason: str | None = None) -> dict[str, Any]:
    """The ((placeholder)) values for a case. ``reason`` is the last decision's, looked up when None."""
    language = case.language
    data: dict[str, Any] = {
        key: value for key, value in case.answers.items() if isinstance(value, str | int | float | bool)
    }
    state = definition.workflow.state(case.state)
    data.update(
        {
            "reference": case.reference,
            "name": case.resident_name,
            "service": definition.title.get(language),
            "state": state.label.get(language),
            "what_happens_next": state.description.get(language) if state.description else "",
            "due_on": case.due_on.isoformat() if case.due_on else "",
        }
    )
    data.update(_definition_case_fields(case, definition, reason))
    return data


def _last_reason(case: Case) -> str:
    if not case.pk:
        return ""
    decided = case.events.filter(kind="transition").exclude(text="").order_by("-occurred_at", "-pk").first()
    return decided.text if decided else ""


def _definition_case_fields(case: Case, definition: ServiceDefinition, reason: str | None) -> dict[str, Any]:
    """The case fields the definition format names for ((placeholders)) (docs/definitions.md)."""
    fee = definition.fee
    return {
        "resident_name": case.resident_name,
        "service_name": definition.title.get(case.language),
        "organisation_name": case.organisation.name,
        "due_date": f"{case.due_on.day} {case.due_on:%B %Y}" if case.due_on else "",
        "received_on": f"{case.received_at.day} {case.received_at:%B %Y}" if case.received_at else "",
        "reason": _last_reason(case) if reason is None else reason,
        "fee": f"£{fee.amount_pence / 100:,.2f}" if fee else "",
    }


def queue_notifications(
    case: Case, definition: ServiceDefinition, events: list[str], *, reason: str | None = None
) -> int:
    """Queue every notification the definition sets for these events. Returns how many were queued.

    Runs inside the caller's transaction: the outbox row commits with the change that caused it.
    ``reason`` is the last decision's reason when the caller knows it ("" for a case just opened).
    """
    from townhall.notifications.services import notification_queue, render_template

    templates = {t.id: t for t in definition.templates}
    values: dict[str, Any] | None = None  # worked out once, when the first message needs it
    queued = 0
    for event in events:
        for trigger in definition.notifications:
            if trigger.on != event or trigger.template not in templates:
                continue
            to = case.resident_email if trigger.channel == "email" else _phone_number(case, definition)
            if not to:
                continue
            template = templates[trigger.template]
            values = values if values is not None else personalisation(case, definition, reason)
            language = case.language if case.language in definition.languages else "en"
            notification_queue(
                organisation=case.organisation,
                channel=trigger.channel,  # type: ignore[arg-type]
                to=to,
                subject=render_template(template.subject.get(language), values) if template.subject else "",
                body=render_template(template.body.get(language), values),
                language=language,
                case_reference=case.reference,
                kind=event,
            )
            queued += 1
    return queued
