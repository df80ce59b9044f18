"""Decisions on a case: a person takes a transition; the definition's automatic rules may follow."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.services._steps import apply_rules, enter_state, notification_events, record_event
from townhall.cases.services.notify import queue_notifications
from townhall.cases.workflow import Refused, take_transition
from townhall.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from townhall.core.permissions import is_platform_admin, require, roles_in
from townhall.core.roles import Permission, Role
from townhall.core.services.audit import audit_record

MAX_REASON = 2000


def actor_roles(actor: Any, case: Case) -> set[str]:
    """The role values an actor holds where the case lives (a platform admin holds them all)."""
    if is_platform_admin(actor):
        return {r.value for r in Role}
    return {r.value for r in roles_in(actor, case.organisation)}


def last_state_change(case: Case) -> CaseEvent | None:
    """The event that put the case in its current state (the opening, a person's decision or a rule)."""
    return (
        CaseEvent.objects.filter(
            case=case, kind__in=[CaseEventKind.OPENED, CaseEventKind.TRANSITION, CaseEventKind.RULE]
        )
        .exclude(to_state="")
        .exclude(kind=CaseEventKind.RULE, from_state=F("to_state"))
        .order_by("-occurred_at", "-pk")
        .first()
    )


def _refusal_error(refusal: Refused) -> Exception:
    if refusal.code == "role_not_allowed":
        return PermissionDenied(refusal.message, code=refusal.code)
    if refusal.code == "reason_required":
        return ValidationFailed(
            refusal.message, code=refusal.code, errors=[FieldError(refusal.code, refusal.message, "reason")]
        )
    return Conflict(refusal.message, code=refusal.code)


def case_transition(
    *,
    case: Case,
    transition_id: str,
    actor: Any,
    reason: str = "",
    permission: Permission | None = Permission.WORK_CASES,
) -> Case:
    """Take a decision on a case. Overriding an automatic decision needs a reason, which is kept.

    ``permission``: what the actor needs besides a role the transition allows. Caseworkers work cases;
    the app that owns a platform service may ask for its own (data protection requests: manage agreements),
    or pass ``None`` when the platform itself moves the case on (``actor=None``; a partner's answer completed it).
    """
    if permission is not None:
        require(actor, case.organisation, permission)
    elif actor is not None:
        raise PermissionDenied("Only the platform itself moves a case without a permission", code="forbidden")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            f"The reason must be {MAX_REASON} characters or fewer",
            code="reason_too_long",
            errors=[FieldError("reason_too_long", "Reason too long", "reason")],
        )
    now = timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("organisation", "version").get(pk=case.pk)
        definition = case.version.definition()
        roles = actor_roles(actor, case) if permission is not None else {r.value for r in Role}
        outcome = take_transition(definition.workflow, case.state, transition_id, roles, reason=reason)
        if isinstance(outcome, Refused):
            raise _refusal_error(outcome)
        previous = last_state_change(case)
        overrides = previous.rule if previous is not None and previous.kind == CaseEventKind.RULE else ""
        if overrides and not reason:
            message = "Give a reason for overriding the automatic decision"
            raise ValidationFailed(
                message,
                code="override_reason_required",
                errors=[FieldError("override_reason_required", message, "reason")],
            )
        source = case.state
        enter_state(case, definition, outcome.target, now)
        record_event(
            case,
            CaseEventKind.TRANSITION,
            actor=actor,
            when=now,
            from_state=source,
            to_state=outcome.target,
            transition=transition_id,
            text=reason,
            data={"overrides_rule": overrides} if overrides else {},
        )
        fired = apply_rules(case, definition, f"entered:{outcome.target}", now)
        case.save()
        queue_notifications(
            case,
            definition,
            [f"transition:{transition_id}", f"entered:{outcome.target}", *notification_events(fired)],
        )
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.transitioned",
            object_type="case",
            object_id=case.reference,
            data={
                "from": source,
                "transition": transition_id,
                "to": case.state,
                "reason": reason,
                "overrides_rule": overrides,
                "rules_fired": [f.rule_id for f in fired],
            },
        )
    return case
