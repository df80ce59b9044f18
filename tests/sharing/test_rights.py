"""Residents' rights: subject access gathers everything across organisations; erasure reaches every recipient."""

from __future__ import annotations

from datetime import date

import pytest

from townhall.core.errors import ValidationFailed
from townhall.core.roles import Role
from townhall.sharing import policy
from townhall.sharing.models import RightsRequestStatus
from townhall.sharing.services.access import access_decide
from townhall.sharing.services.referrals import referral_create
from townhall.sharing.services.rights import (
    one_calendar_month_after,
    recipient_notice_complete,
    rights_request_pass_on,
    rights_request_record,
    subject_access_gather,
)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 1, 31)),
    ],
)
def test_the_statutory_clock_is_one_calendar_month(received, due):
    assert one_calendar_month_after(received) == due


@pytest.fixture
def referred(agreement, county, trust, resident_case, make_staff, discharge):
    caseworker = make_staff(county, Role.CASEWORKER)
    return referral_create(
        actor=caseworker,
        case=resident_case,
        agreement_ref=agreement.code,
        purpose="hospital-discharge",
        partner=trust,
        partner_service="hospital-discharge-support",
    )


def ask_for_full_name(officer, requester, agreement, **case):
    access_decide(
        actor=officer,
        requester=requester,
        agreement_ref=agreement.code,
        purpose="hospital-discharge",
        action=policy.AccessAction.DATA_REQUEST,
        fields=["full_name"],
        **case,
    )


def gwens_subject_access(county, county_admin):
    return rights_request_record(
        actor=county_admin,
        organisation=county,
        kind="subject_access",
        resident_email="Gwen@Example.test",
        received_on=date(2026, 11, 23),
    )


def test_a_subject_access_request_gathers_across_organisations_with_the_access_log(
    county, county_admin, trust, resident_case, referred, make_staff, agreement
):
    ask_for_full_name(make_staff(trust, Role.PARTNER_OFFICER), trust, agreement, case=resident_case)
    request = gwens_subject_access(county, county_admin)
    assert request.due_on == date(2026, 12, 23)
    request = subject_access_gather(actor=county_admin, request=request)
    bundle = request.bundle
    assert request.status == RightsRequestStatus.GATHERED
    organisations = {c["organisation"]["code"] for c in bundle["cases"]}
    assert organisations == {"E10000901", "R9X"}  # the county's case and the trust's referred case
    assert bundle["referrals"][0]["to_case"] == referred.target_case.reference
    assert {a["action"] for a in bundle["access_log"]} == {"referral", "data_request"}
    assert any(m["case"] == resident_case.reference for m in bundle["messages_sent"])


def test_erasure_is_passed_to_every_recipient_and_tracked_to_completion(
    county, county_admin, trust, trust_admin, resident_case, referred
):
    request = rights_request_record(
        actor=county_admin,
        organisation=county,
        kind="erasure",
        resident_email="gwen@example.test",
        case_references=[resident_case.reference],
    )
    (notice,) = rights_request_pass_on(actor=county_admin, request=request)
    assert notice.recipient == trust and notice.case_reference == referred.target_case.reference
    request.refresh_from_db()
    assert request.status == RightsRequestStatus.WAITING_ON_RECIPIENTS
    recipient_notice_complete(actor=trust_admin, organisation=trust, notice_id=notice.pk, outcome="Erased")
    request.refresh_from_db()
    assert request.status == RightsRequestStatus.COMPLETED


def test_rights_requests_name_real_cases_and_say_what_to_correct(county, county_admin):
    with pytest.raises(ValidationFailed) as caught:
        rights_request_record(
            actor=county_admin,
            organisation=county,
            kind="erasure",
            resident_email="gwen@example.test",
            case_references=["HX7K-9M3T"],
        )
    assert caught.value.code == "case_not_found"
    with pytest.raises(ValidationFailed) as caught:
        rights_request_record(
            actor=county_admin,
            organisation=county,
            kind="rectification",
            resident_email="gwen@example.test",
            case_references=[],
        )
    assert caught.value.code == "case_not_found"


def test_another_organisation_cannot_complete_a_notice(
    county, county_admin, district, make_staff, resident_case, referred
):
    from townhall.core.errors import NotFound

    request = rights_request_record(
        actor=county_admin,
        organisation=county,
        kind="erasure",
        resident_email="gwen@example.test",
        case_references=[resident_case.reference],
    )
    (notice,) = rights_request_pass_on(actor=county_admin, request=request)
    outsider = make_staff(district, Role.ORGANISATION_ADMIN)
    with pytest.raises(NotFound):
        recipient_notice_complete(actor=outsider, organisation=district, notice_id=notice.pk, outcome="x")


def test_a_request_for_a_reference_before_any_case_had_it_is_not_in_the_bundle(
    county, county_admin, district, resident_case, make_staff, agreement
):
    """A reference asked for when no case held it is logged without a holder; it was no access to this resident."""
    officer = make_staff(district, Role.PARTNER_OFFICER)
    ask_for_full_name(officer, district, agreement, case=None, case_reference=resident_case.reference)
    bundle = subject_access_gather(actor=county_admin, request=gwens_subject_access(county, county_admin)).bundle
    assert resident_case.reference in {c["reference"] for c in bundle["cases"]}
    assert bundle["access_log"] == []
