"""Escalating overdue cases to their team's managers. Safe to run twice: a case is escalated once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from townhall.cases.models import Case, CaseEventKind
from townhall.cases.services._steps import record_event
from townhall.core.roles import Role
from townhall.core.services.audit import audit_record


def _overdue(today: date) -> QuerySet[Case]:
    """Open, running (not paused) cases past their due date and not yet escalated."""
    return Case.objects.filter(
        due_on__lt=today,
        decided_at__isnull=True,
        paused_since__isnull=True,
        escalated_at__isnull=True,
        anonymised_at__isnull=True,
    )


def overdue_cases(today: date) -> list[int]:
    return list(_overdue(today).order_by("due_on", "pk").values_list("pk", flat=True))


def _managers(case: Case) -> list[Any]:
    User = get_user_model()
    managers = User.objects.filter(
        memberships__organisation=case.organisation, memberships__role=Role.TEAM_MANAGER.value, is_active=True
    ).exclude(email="")
    in_team = list(managers.filter(memberships__team=case.team).distinct()) if case.team else []
    return in_team or list(managers.distinct())


def case_escalate(*, case_id: int, today: date | None = None) -> Case | None:
    """Escalate one overdue case (the platform acts). Returns None when it no longer needs escalating."""
    from townhall.notifications.services import notification_queue

    today = today or timezone.localdate()
    with transaction.atomic():
        case = _overdue(today).select_for_update().select_related("organisation").filter(pk=case_id).first()
        if case is None:
            return None
        now = timezone.now()
        case.escalated_at = now
        case.save(update_fields=["escalated_at", "updated_at"])
        managers = _managers(case)
        for manager in managers:
            notification_queue(
                organisation=case.organisation,
                channel="email",
                to=manager.email,
                subject=f"Case {case.reference} is overdue",
                body=(
                    f"Case {case.reference} was due on {case.due_on:%d %B %Y} and has not been decided. "
                    f"Team: {case.team or 'none'}."
                ),
                case_reference=case.reference,
                kind="case.escalated",
            )
        record_event(
            case,
            CaseEventKind.ESCALATED,
            when=now,
            data={
                "due_on": case.due_on.isoformat() if case.due_on else "",
                "managers": [m.get_username() for m in managers],
            },
        )
        audit_record(
            organisation=case.organisation,
            actor=None,
            action="case.escalated",
            object_type="case",
            object_id=case.reference,
            data={
                "due_on": case.due_on.isoformat() if case.due_on else "",
                "managers": [m.get_username() for m in managers],
            },
        )
    return case


def cases_escalate_overdue(*, today: date | None = None) -> list[Case]:
    today = today or timezone.localdate()
    return [case for pk in overdue_cases(today) if (case := case_escalate(case_id=pk, today=today)) is not None]
