from __future__ import annotations

import pytest

from townhall.cases.models import CaseEvent, CaseEventKind
from townhall.cases.services import case_open, case_transition
from townhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.models import Notification


@pytest.fixture
def case(county, blue_badge, answers):
    return case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)


def test_caseworker_moves_a_case_and_it_is_recorded(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    case = case_transition(case=case, transition_id="start_assessment", actor=worker)
    assert case.state == "assessing"
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.TRANSITION)
    assert (event.from_state, event.to_state, event.transition, event.actor) == (
        "received",
        "assessing",
        "start_assessment",
        worker,
    )
    audit = AuditEvent.objects.get(action="case.transitioned", object_id=case.reference)
    assert audit.actor == worker and audit.data["to"] == "assessing"


def test_roles_and_reasons_are_enforced(county, case, make_staff) -> None:
    worker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(PermissionDenied) as denied:
        case_transition(case=case, transition_id="approve", actor=worker)  # managers only
    assert denied.value.code == "role_not_allowed"
    with pytest.raises(ValidationFailed) as invalid:
        case_transition(case=case, transition_id="refuse", actor=worker)
    assert invalid.value.code == "reason_required"
    with pytest.raises(Conflict) as conflict:
        case_transition(case=case, transition_id="information_received", actor=worker)
    assert conflict.value.code == "transition_not_from_state"
    case = case_transition(case=case, transition_id="refuse", actor=worker, reason="Not eligible")
    assert case.state == "refused" and case.decided_at is not None
    sms = Notification.objects.get(case_reference=case.reference, kind="transition:refuse")
    assert sms.channel == "sms"
    with pytest.raises(Conflict) as final:
        case_transition(case=case, transition_id="start_assessment", actor=worker)
    assert final.value.code == "state_final"


def test_staff_without_work_permission_or_elsewhere_are_refused(county, district, case, make_staff) -> None:
    for actor in (make_staff(county, Role.ANALYST), make_staff(district, Role.TEAM_MANAGER), None):
        with pytest.raises(PermissionDenied):
            case_transition(case=case, transition_id="start_assessment", actor=actor)
    case.refresh_from_db()
    assert case.state == "received"


def test_overriding_an_automatic_decision_needs_a_reason(county, blue_badge, answers, make_staff) -> None:
    answers |= {"receives_pip": True, "age": 30}
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    assert case.state == "assessing"  # the rule pip_automatic moved it
    manager = make_staff(county, Role.TEAM_MANAGER)
    with pytest.raises(ValidationFailed) as invalid:
        case_transition(case=case, transition_id="approve", actor=manager)
    assert invalid.value.code == "override_reason_required"
    case = case_transition(case=case, transition_id="approve", actor=manager, reason="Checked the PIP letter")
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.TRANSITION)
    assert event.data == {"overrides_rule": "pip_automatic"}
    assert event.text == "Checked the PIP letter"


def test_entering_a_state_runs_its_rules(county, blue_badge, answers, make_staff) -> None:
    answers |= {"receives_pip": True, "age": 80}
    # Without PIP on submission the submitted rule does not fire; a person starts the assessment.
    answers["receives_pip"] = False
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    case.answers["receives_pip"] = True
    case.save()
    worker = make_staff(county, Role.CASEWORKER)
    case = case_transition(case=case, transition_id="start_assessment", actor=worker)
    assert case.state == "approved"
    rule = CaseEvent.objects.get(case=case, kind=CaseEventKind.RULE)
    assert rule.rule == "pip_fast_track"
    assert Notification.objects.filter(case_reference=case.reference, kind="entered:approved").count() == 1


def test_waiting_for_the_resident_pauses_the_clock(county, case, make_staff, monkeypatch) -> None:
    import datetime as dt

    from django.utils import timezone

    worker = make_staff(county, Role.CASEWORKER)
    due = case.due_on
    case = case_transition(case=case, transition_id="ask_for_information", actor=worker)
    assert case.paused_since is not None
    later = timezone.now() + dt.timedelta(days=14)
    monkeypatch.setattr(timezone, "now", lambda: later)
    case = case_transition(case=case, transition_id="information_received", actor=worker)
    assert case.paused_since is None
    assert case.paused_working_days >= 9
    assert case.due_on > due
