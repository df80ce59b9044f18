"""Every data protection request is a case in the casework queue, with the one-calendar-month clock,
moved on by the rights services and never offered to residents online or to other councils to adopt."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from townhall import sharing
from townhall.cases.models import Case, CaseEventKind
from townhall.cases.selectors.cases import case_list
from townhall.cases.selectors.detail import case_page
from townhall.cases.services.decisions import case_transition
from townhall.catalogue.platform import DATA_PROTECTION_REQUEST
from townhall.catalogue.selectors.definitions import published_services
from townhall.catalogue.services.definitions import definition_import
from townhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.journeys.selectors.journeys import public_service
from townhall.notifications.models import Notification
from townhall.sharing.models import RightsRequestStatus
from townhall.sharing.services.referrals import referral_create
from townhall.sharing.services.rights import (
    recipient_notice_complete,
    rights_request_pass_on,
    rights_request_record,
    subject_access_gather,
    subject_access_send,
)


def _subject_access(county, county_admin, **extra):
    return rights_request_record(
        actor=county_admin,
        organisation=county,
        kind="subject_access",
        resident_email="gwen@example.test",
        resident_name="Gwen Jones",
        **extra,
    )


def test_a_request_is_a_case_in_the_queue_due_one_calendar_month_from_receipt(county, county_admin, make_staff):
    request = _subject_access(county, county_admin, received_on=date(2026, 1, 31), channel="post")
    case = request.case
    assert case is not None and case.organisation == county
    assert case.version.service.slug == DATA_PROTECTION_REQUEST
    assert (case.state, case.channel, case.team) == ("received", "post", "information-governance")
    assert case.due_on == date(2026, 2, 28) == request.due_on  # calendar time, not working days
    assert case.answers == {"kind": "subject_access", "name": "Gwen Jones", "email": "gwen@example.test"}
    caseworker = make_staff(county, Role.CASEWORKER)
    assert case in case_list(organisation=county, actor=caseworker)
    assert Notification.objects.filter(case_reference=case.reference, to="gwen@example.test").exists()
    recorded = AuditEvent.objects.get(action="rights.subject_access_received", object_id=request.reference)
    assert recorded.data["tracking_case"] == case.reference


def test_the_case_follows_a_subject_access_request_to_completion(county, county_admin, resident_case):
    request = _subject_access(county, county_admin)
    request = subject_access_gather(actor=county_admin, request=request)
    assert [c["reference"] for c in request.bundle["cases"]] == [resident_case.reference]  # not the request itself
    assert Case.objects.get(pk=request.case_id).state == "gathered"
    not_yet = rights_request_record(
        actor=county_admin, organisation=county, kind="subject_access", resident_email="other@example.test"
    )
    with pytest.raises(Conflict) as caught:
        subject_access_send(actor=county_admin, request=not_yet)
    assert caught.value.code == "not_gathered"
    request = subject_access_send(actor=county_admin, request=request)
    assert request.status == RightsRequestStatus.COMPLETED
    case = Case.objects.get(pk=request.case_id)
    assert case.state == "completed" and case.decided_at is not None
    moves = list(case.events.filter(kind=CaseEventKind.TRANSITION).values_list("transition", "actor"))
    assert moves == [("gather", county_admin.pk), ("complete", county_admin.pk)]
    assert Notification.objects.filter(case_reference=case.reference).count() == 2  # received, then completed


def test_an_erasure_case_completes_when_the_last_recipient_answers(
    county, county_admin, trust, trust_admin, resident_case, agreement, discharge, make_staff
):
    referral_create(
        actor=make_staff(county, Role.CASEWORKER),
        case=resident_case,
        agreement_ref=agreement.code,
        purpose="hospital-discharge",
        partner=trust,
        partner_service="hospital-discharge-support",
    )
    request = rights_request_record(
        actor=county_admin,
        organisation=county,
        kind="erasure",
        resident_email="gwen@example.test",
        case_references=[resident_case.reference],
    )
    (notice,) = rights_request_pass_on(actor=county_admin, request=request)
    assert Case.objects.get(pk=request.case_id).state == "waiting_on_recipients"
    recipient_notice_complete(actor=trust_admin, organisation=trust, notice_id=notice.pk, outcome="Erased")
    case = Case.objects.get(pk=request.case_id)
    assert case.state == "completed"
    assert case.events.get(transition="complete").actor is None  # the platform moved it on the trust's answer


def test_caseworkers_see_the_case_but_only_the_rights_pages_move_it(county, county_admin, make_staff):
    request = _subject_access(county, county_admin)
    worker = make_staff(county, Role.CASEWORKER, Role.ORGANISATION_ADMIN)
    page = case_page(organisation=county, actor=worker, reference=request.case.reference)
    assert page.transitions == []
    caseworker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        case_transition(case=request.case, transition_id="gather", actor=caseworker)
    with pytest.raises(PermissionDenied):
        case_transition(case=request.case, transition_id="gather", actor=caseworker, permission=None)


def test_the_service_is_not_offered_online_nor_for_adoption(county, county_admin, make_staff):
    _subject_access(county, county_admin)
    assert DATA_PROTECTION_REQUEST not in {v.service.slug for v in published_services()}
    with pytest.raises(NotFound):
        public_service(organisation_slug=county.slug, service_slug=DATA_PROTECTION_REQUEST)
    designer = make_staff(county, Role.SERVICE_DESIGNER)
    source = (Path(sharing.__file__).parent / "definitions" / f"{DATA_PROTECTION_REQUEST}.yaml").read_text()
    source = source.replace("organisation: PLATFORM", f"organisation: {county.code}")
    with pytest.raises(ValidationFailed) as caught:
        definition_import(actor=designer, organisation=county, source=source, filename="mine.yaml")
    assert caught.value.code == "service_id_reserved"


def test_a_request_says_how_it_reached_us(county, county_admin):
    with pytest.raises(ValidationFailed) as caught:
        _subject_access(county, county_admin, channel="referral")
    assert caught.value.code == "unknown_channel"
