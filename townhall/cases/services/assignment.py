"""Who works on a case: assigning one case, or many from the work queue at once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.cases.models import Case, CaseEventKind
from townhall.cases.services._steps import record_event
from townhall.core.errors import NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import can, require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record

MAX_BULK = 200
MAX_TEAM = 100  # Case.team


def _check(actor: Any, organisation: Organisation, assignee: Any) -> None:
    """Managers assign anyone; a caseworker may only take a case themselves."""
    if assignee is not None and assignee == actor and can(actor, organisation, Permission.WORK_CASES):
        pass
    else:
        require(actor, organisation, Permission.ASSIGN_CASES)
    if assignee is not None and not can(assignee, organisation, Permission.WORK_CASES):
        raise ValidationFailed(
            f"{assignee.get_username()} cannot work cases in {organisation.name}", code="assignee_cannot_work_cases"
        )


def _assign(case: Case, assignee: Any, actor: Any, team: str | None) -> dict[str, Any]:
    before = case.assignee.get_username() if case.assignee else ""
    case.assignee = assignee
    if team is not None:
        case.team = team
    case.save(update_fields=["assignee", "team", "updated_at"])
    after = assignee.get_username() if assignee is not None else ""
    record_event(case, CaseEventKind.ASSIGNED, actor=actor, data={"from": before, "to": after, "team": case.team})
    return {"reference": case.reference, "from": before, "to": after}


def case_assign(*, case: Case, assignee: Any, actor: Any, team: str | None = None) -> Case:
    """Give a case to a member of staff (or to nobody, with ``assignee=None``)."""
    _check(actor, case.organisation, assignee)
    if team is not None and len(team) > MAX_TEAM:
        raise ValidationFailed(f"A team's name has at most {MAX_TEAM} characters", code="team_too_long")
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("organisation", "assignee").get(pk=case.pk)
        change = _assign(case, assignee, actor, team)
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.assigned",
            object_type="case",
            object_id=case.reference,
            data={**change, "team": case.team},
        )
    return case


def case_assign_bulk(*, organisation: Organisation, references: list[str], assignee: Any, actor: Any) -> list[Case]:
    """Give many cases of one organisation to one person in one go. Any reference not found refuses them all."""
    require(actor, organisation, Permission.ASSIGN_CASES)
    _check(actor, organisation, assignee)
    wanted = sorted(set(references))
    if not wanted:
        raise ValidationFailed("Select at least one case", code="no_cases_selected")
    if len(wanted) > MAX_BULK:
        raise ValidationFailed(f"Select at most {MAX_BULK} cases at once", code="too_many_cases_selected")
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("organisation", "assignee")
            .filter(organisation=organisation, reference__in=wanted)
            .order_by("reference")
        )
        if len(cases) != len(wanted):
            raise NotFound("One or more of the selected cases could not be found", code="case_not_found")
        changes = [_assign(case, assignee, actor, None) for case in cases]
        audit_record(
            organisation=organisation,
            actor=actor,
            action="case.assigned_bulk",
            object_type="case",
            object_id=",".join(wanted)[:100],
            data={"to": assignee.get_username() if assignee else "", "cases": changes, "at": timezone.now()},
        )
    return cases
