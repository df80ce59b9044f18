from __future__ import annotations

from typing import Any

import pytest

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.references import ALPHABET, is_reference, new_reference
from townhall.cases.selectors import case_status_for_resident
from townhall.cases.services import case_open
from townhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.notifications.models import Notification


def test_references_avoid_look_alike_characters() -> None:
    for _ in range(500):
        reference = new_reference()
        assert is_reference(reference)
        assert len(reference.replace("-", "")) == 8
        assert not set(reference) & set("0O1IL5S2Z")
    assert set(ALPHABET).isdisjoint("0O1IL5S2Z")


def test_a_new_reference_another_case_has_is_replaced_and_the_write_goes_on(
    county, blue_badge, answers, monkeypatch
) -> None:
    from townhall.cases.services import opening

    first = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    offered = iter([first.reference, first.reference, "HX7K-9M3T"])
    monkeypatch.setattr(opening, "new_reference", lambda: next(offered))
    second = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    assert second.reference == "HX7K-9M3T"
    assert Case.objects.filter(reference=first.reference).count() == 1
    # The refused tries left nothing behind: one opening event, audit event and message for each case.
    assert CaseEvent.objects.filter(case=second, kind=CaseEventKind.OPENED).count() == 1
    assert AuditEvent.objects.filter(action="case.opened").count() == 2
    assert Notification.objects.filter(case_reference="HX7K-9M3T").count() == 1


def test_online_submission_opens_a_case(county, blue_badge, answers, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks():
        case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    case.refresh_from_db()
    assert is_reference(case.reference)
    assert case.state == "received"
    assert case.team == "badges"
    assert case.resident_email == "gwen@example.test"
    assert case.resident_name == "Gwen Jones"
    assert case.postcode == "DN1 2AB"
    assert case.postcode_search == "DN12AB"
    assert case.due_on is not None and case.due_on > case.received_at.date()
    assert [e.kind for e in case.events.all()] == [CaseEventKind.OPENED]
    assert AuditEvent.objects.filter(action="case.opened", object_id=case.reference).count() == 1
    notes = list(Notification.objects.filter(case_reference=case.reference))
    assert len(notes) == 1
    assert notes[0].to == "gwen@example.test"
    assert "Dear Gwen Jones" in notes[0].body and case.reference in notes[0].body


def test_submitted_rule_fires_and_chains(county, blue_badge, answers) -> None:
    answers |= {"receives_pip": True, "age": 70}
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    assert case.state == "approved"
    assert case.decided_at is not None
    rules = list(CaseEvent.objects.filter(case=case, kind=CaseEventKind.RULE).values_list("rule", "to_state"))
    assert rules == [("pip_automatic", "assessing"), ("pip_fast_track", "approved")]
    kinds = set(Notification.objects.filter(case_reference=case.reference).values_list("kind", flat=True))
    assert {"submitted", "entered:approved"} <= kinds


def test_rule_that_does_not_hold_does_not_fire(county, blue_badge, answers) -> None:
    answers |= {"receives_pip": True, "age": 30}
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    assert case.state == "assessing"


def test_welsh_submission_gets_welsh_words(county, blue_badge, answers) -> None:
    case = case_open(
        organisation=county, version=blue_badge, answers=answers, channel="online", actor=None, language="cy"
    )
    note = Notification.objects.get(case_reference=case.reference)
    assert note.body.startswith("Annwyl Gwen Jones")
    status = case_status_for_resident(reference=case.reference, email="gwen@example.test")
    assert status.state == "Wedi dod i law"


def test_phone_channel_needs_assisted_digital(county, district, blue_badge, answers, make_staff) -> None:
    analyst = make_staff(county, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        case_open(organisation=county, version=blue_badge, answers=answers, channel="phone", actor=analyst)
    caseworker = make_staff(county, Role.CASEWORKER)
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="phone", actor=caseworker)
    assert case.channel == "phone"
    outsider = make_staff(district, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        case_open(organisation=county, version=blue_badge, answers=answers, channel="phone", actor=outsider)


def test_version_must_belong_to_the_organisation(district, blue_badge, answers) -> None:
    with pytest.raises(NotFound):
        case_open(organisation=district, version=blue_badge, answers=answers, channel="online", actor=None)


def test_given_reference_is_checked(county, blue_badge, answers) -> None:
    case = case_open(
        organisation=county, version=blue_badge, answers=answers, channel="post", actor=None, reference="HX7K-9M3T"
    )
    assert case.reference == "HX7K-9M3T"
    with pytest.raises(Conflict):
        case_open(
            organisation=county, version=blue_badge, answers=answers, channel="post", actor=None, reference="HX7K-9M3T"
        )
    with pytest.raises(ValidationFailed):
        case_open(
            organisation=county, version=blue_badge, answers=answers, channel="post", actor=None, reference="OOOO-0000"
        )
    with pytest.raises(ValidationFailed):
        case_open(organisation=county, version=blue_badge, answers=answers, channel="pigeon", actor=None)


def test_resident_status_is_the_same_for_unknown_and_wrong_email(county, blue_badge, answers: dict[str, Any]) -> None:
    case = case_open(organisation=county, version=blue_badge, answers=answers, channel="online", actor=None)
    status = case_status_for_resident(reference=case.reference.lower().replace("-", " "), email=" GWEN@example.test ")
    assert status.reference == case.reference
    assert status.state == "Received"
    assert "10 working days" in status.what_happens_next
    assert not status.decided
    errors = []
    for reference, email in [(case.reference, "someone@example.test"), ("HX7K-9M3T", "gwen@example.test"), ("", "")]:
        with pytest.raises(NotFound) as caught:
            case_status_for_resident(reference=reference, email=email)
        errors.append((caught.value.code, caught.value.detail))
    assert len(set(errors)) == 1
    assert Case.objects.count() == 1


def test_a_name_longer_than_the_case_column_is_kept_whole_in_the_answers(open_case) -> None:
    """The case's name columns are copies for the work queue: a longer name was a 500 on PostgreSQL."""
    case = open_case(full_name="A" * 5000)
    assert case.resident_name == "A" * 200 and len(case.name_search) <= 200
    assert Case.objects.get(pk=case.pk).answers["full_name"] == "A" * 5000


def test_an_email_longer_than_an_address_can_be_is_refused(open_case) -> None:
    with pytest.raises(ValidationFailed) as refused:
        open_case(email="a@" + "b" * 300 + ".test")
    assert refused.value.code == "resident_email_invalid"
