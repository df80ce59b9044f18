"""Assignment, notes and links."""

from __future__ import annotations

import pytest

from townhall.cases.models import CaseEvent, CaseEventKind, CaseLink
from townhall.cases.selectors.cases import linked_cases
from townhall.cases.services import case_assign, case_assign_bulk, case_link, case_note_add, case_open
from townhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role


@pytest.fixture
def cases(county, blue_badge, answers):
    return [
        case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
        for _ in range(3)
    ]


def test_manager_assigns_and_caseworker_takes_their_own(county, cases, make_staff) -> None:
    manager = make_staff(county, Role.TEAM_MANAGER)
    worker = make_staff(county, Role.CASEWORKER)
    other = make_staff(county, Role.CASEWORKER)
    case = case_assign(case=cases[0], assignee=worker, actor=manager)
    assert case.assignee == worker
    assert CaseEvent.objects.get(case=case, kind=CaseEventKind.ASSIGNED).data["to"] == worker.username
    assert AuditEvent.objects.filter(action="case.assigned", object_id=case.reference).count() == 1
    case_assign(case=cases[1], assignee=worker, actor=worker)  # taking it yourself
    with pytest.raises(PermissionDenied):
        case_assign(case=cases[1], assignee=other, actor=worker)
    analyst = make_staff(county, Role.ANALYST)
    with pytest.raises(ValidationFailed) as invalid:
        case_assign(case=cases[2], assignee=analyst, actor=manager)
    assert invalid.value.code == "assignee_cannot_work_cases"
    case = case_assign(case=cases[0], assignee=None, actor=manager)
    assert case.assignee is None


def test_bulk_assign_is_all_or_nothing(county, district, cases, make_staff, blue_badge) -> None:
    manager = make_staff(county, Role.TEAM_MANAGER)
    worker = make_staff(county, Role.CASEWORKER)
    done = case_assign_bulk(
        organisation=county, references=[c.reference for c in cases], assignee=worker, actor=manager
    )
    assert {c.assignee for c in done} == {worker}
    assert AuditEvent.objects.filter(action="case.assigned_bulk").count() == 1
    with pytest.raises(NotFound):
        case_assign_bulk(
            organisation=county, references=[cases[0].reference, "HX7K-9M3T"], assignee=None, actor=manager
        )
    # Another organisation's manager cannot reach these cases.
    outsider = make_staff(district, Role.TEAM_MANAGER)
    with pytest.raises(PermissionDenied):
        case_assign_bulk(organisation=county, references=[cases[0].reference], assignee=None, actor=outsider)
    with pytest.raises(NotFound):
        case_assign_bulk(organisation=district, references=[cases[0].reference], assignee=None, actor=outsider)
    for case in cases:
        case.refresh_from_db()
        assert case.assignee == worker


def test_notes_are_recorded(county, cases, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    event = case_note_add(case=cases[0], text="  Rang the resident  ", actor=worker)
    assert event.text == "Rang the resident" and event.kind == CaseEventKind.NOTE
    with pytest.raises(ValidationFailed):
        case_note_add(case=cases[0], text="   ", actor=worker)
    with pytest.raises(PermissionDenied):
        case_note_add(case=cases[0], text="Hello", actor=make_staff(county, Role.ANALYST))


def test_cases_link_once_within_one_organisation(county, district, cases, make_staff, answers) -> None:
    from tests.cases.conftest import BLUE_BADGE, publish

    worker = make_staff(county, Role.CASEWORKER)
    link = case_link(case=cases[0], other_reference=cases[1].reference.lower(), actor=worker)
    assert [c.reference for c in linked_cases(case=cases[1], actor=worker)] == [cases[0].reference]
    assert CaseLink.objects.count() == 1 and link.other == cases[1]
    with pytest.raises(Conflict):
        case_link(case=cases[1], other_reference=cases[0].reference, actor=worker)
    with pytest.raises(ValidationFailed):
        case_link(case=cases[0], other_reference=cases[0].reference, actor=worker)
    elsewhere = case_open(
        organisation=district,
        version=publish(district, BLUE_BADGE),
        answers=answers,
        channel="online",
        actor=None,
    )
    with pytest.raises(NotFound):
        case_link(case=cases[0], other_reference=elsewhere.reference, actor=worker)
