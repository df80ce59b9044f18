"""Every access across organisations is decided by the agreement, logged and audited, allowed or not."""

from __future__ import annotations

from datetime import date

import pytest

from townhall.cases.models import Case, Channel
from townhall.core.errors import Conflict, PermissionDenied
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.core.selectors.audit import audit_chains_verify
from townhall.notifications.models import Notification
from townhall.sharing import policy
from townhall.sharing.models import AccessDecisionLog
from townhall.sharing.selectors import access_log_for_case, referrals_for_case
from townhall.sharing.services.access import access_decide
from townhall.sharing.services.agreements import agreement_suspend
from townhall.sharing.services.referrals import referral_create


@pytest.fixture
def partner_officer(trust, make_staff):
    return make_staff(trust, Role.PARTNER_OFFICER)


def decide(agreement, trust, case, actor, **overrides):
    values = {
        "actor": actor,
        "requester": trust,
        "agreement_ref": agreement.code,
        "purpose": "hospital-discharge",
        "action": policy.AccessAction.DATA_REQUEST,
        "case": case,
        "fields": ["full_name", "postcode", "age"],
    }
    values.update(overrides)
    return access_decide(**values)


def test_only_agreed_fields_are_allowed_and_both_sides_are_audited(
    agreement, trust, county, resident_case, partner_officer
):
    decision = decide(agreement, trust, resident_case, partner_officer)
    assert decision.allowed
    assert decision.fields == ("full_name", "postcode")
    assert decision.refused_fields == ("age",)
    log = AccessDecisionLog.objects.get(case_reference=resident_case.reference)
    assert log.fields_allowed == ["full_name", "postcode"] and log.allowed
    for organisation in (county, trust):
        assert AuditEvent.objects.filter(organisation=organisation, action="sharing.access_allowed").exists()


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"purpose": "fraud-prevention"}, policy.REASON_WRONG_PURPOSE),
        ({"agreement_ref": "DSA-99999"}, policy.REASON_NO_AGREEMENT),
        ({"on": date(2029, 1, 1)}, policy.REASON_OUTSIDE_DATES),
        ({"fields": ["age", "receives_pip"]}, policy.REASON_FIELD),
    ],
)
def test_refusals_are_logged_and_audited_with_their_reason(
    agreement, trust, resident_case, partner_officer, overrides, reason
):
    decision = decide(agreement, trust, resident_case, partner_officer, **overrides)
    assert not decision.allowed
    assert reason in decision.reasons
    assert AccessDecisionLog.objects.filter(allowed=False, case_reference=resident_case.reference).count() == 1
    assert AuditEvent.objects.filter(action="sharing.access_denied").exists()


def test_a_wrong_organisation_is_refused(agreement, district, resident_case, make_staff):
    officer = make_staff(district, Role.PARTNER_OFFICER)
    decision = decide(agreement, district, resident_case, officer)
    assert not decision.allowed and policy.REASON_NOT_PARTY in decision.reasons


@pytest.mark.parametrize("requester_name", ["trust", "district"], ids=["party", "outsider"])
def test_a_refusal_is_audited_in_the_requesters_chain_and_shown_to_the_holder_in_the_access_log(
    request, agreement, county, resident_case, make_staff, requester_name
):
    requester = request.getfixturevalue(requester_name)
    officer = make_staff(requester, Role.PARTNER_OFFICER)
    assert not decide(agreement, requester, resident_case, officer, purpose="fraud-prevention").allowed
    denied = AuditEvent.objects.filter(action="sharing.access_denied")
    assert list(denied.values_list("organisation", flat=True)) == [requester.pk]
    caseworker = make_staff(county, Role.CASEWORKER)
    (seen,) = access_log_for_case(organisation=county, actor=caseworker, case_reference=resident_case.reference)
    assert seen.requester == requester and not seen.allowed


@pytest.mark.parametrize("requester_name", ["trust", "district"], ids=["party", "outsider"])
def test_a_reference_no_organisation_holds_is_refused_logged_and_audited(
    request, agreement, resident_case, make_staff, requester_name
):
    requester = request.getfixturevalue(requester_name)
    officer = make_staff(requester, Role.PARTNER_OFFICER)
    decision = decide(agreement, requester, None, officer, case_reference="HX7K-9M3T", request_id="req-unknown-1")
    assert not decision.allowed and decision.fields == ()
    assert decision.reasons[0] == policy.REASON_CASE_NOT_FOUND
    log = AccessDecisionLog.objects.get(case_reference="HX7K-9M3T")
    assert log.holder is None and log.requester == requester and not log.allowed
    denied = AuditEvent.objects.filter(action="sharing.access_denied", object_id="HX7K-9M3T")
    assert list(denied.values_list("organisation", flat=True)) == [requester.pk]
    # the requester's own trail holds what it was told, which says nothing of whether the case exists
    assert policy.REASON_CASE_NOT_FOUND not in denied.get().data["reasons"]
    with pytest.raises(PermissionDenied):  # a replay is refused as the first try was, not with a 409
        decide(agreement, requester, None, officer, case_reference="HX7K-9M3T", request_id="req-unknown-1")


def test_staff_without_the_share_permission_are_refused(agreement, trust, resident_case, make_staff):
    caseworker = make_staff(trust, Role.CASEWORKER)
    decision = decide(agreement, trust, resident_case, caseworker)
    assert not decision.allowed and decision.reasons == ("actor_lacks_share_permission",)


def test_suspending_stops_access_at_once(agreement, trust, trust_admin, resident_case, partner_officer):
    assert decide(agreement, trust, resident_case, partner_officer).allowed
    agreement_suspend(actor=trust_admin, agreement=agreement, organisation=trust, reason="Data breach")
    decision = decide(agreement, trust, resident_case, partner_officer)
    assert not decision.allowed and policy.REASON_NOT_ACTIVE in decision.reasons


def test_a_replayed_request_is_refused(agreement, trust, resident_case, partner_officer):
    decide(agreement, trust, resident_case, partner_officer, request_id="req-0001-abc")
    with pytest.raises(Conflict) as caught:
        decide(agreement, trust, resident_case, partner_officer, request_id="req-0001-abc")
    assert caught.value.code == "replayed_request"
    assert AuditEvent.objects.filter(action="sharing.replay_refused").exists()


def test_a_tampered_audit_trail_is_caught_after_sharing(agreement, trust, resident_case, partner_officer):
    from django.db import connection

    decide(agreement, trust, resident_case, partner_officer)
    assert all(broken is None for broken in audit_chains_verify().values())
    event = AuditEvent.objects.filter(action="sharing.access_allowed").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET data = %s WHERE id = %s", ['{"fields": []}', event.pk])
    assert audit_chains_verify()[event.chain] is not None


def test_a_referral_opens_a_partner_case_with_only_agreed_fields(
    agreement, county, trust, resident_case, make_staff, discharge
):
    caseworker = make_staff(county, Role.CASEWORKER)
    referral = referral_create(
        actor=caseworker,
        case=resident_case,
        agreement_ref=agreement.code,
        purpose="hospital-discharge",
        partner=trust,
        partner_service="hospital-discharge-support",
    )
    partner_case = Case.objects.get(pk=referral.target_case_id)
    assert partner_case.organisation == trust
    assert partner_case.channel == Channel.REFERRAL
    assert partner_case.answers == {"full_name": "Gwen Jones", "postcode": "DN1 2AB"}
    assert partner_case.resident_email == "gwen@example.test"
    assert set(referral.fields_shared) == {"full_name", "postcode", "case.resident_email"}
    # the resident is told, and the status flows back to the referring case
    told = Notification.objects.filter(case_reference=resident_case.reference, kind="referral").get()
    assert partner_case.reference in told.body
    (seen,) = referrals_for_case(organisation=county, actor=caseworker, case=resident_case)
    assert seen.target_case.state == "referred"
    assert (
        access_log_for_case(organisation=county, actor=caseworker, case_reference=resident_case.reference).count() == 1
    )


def test_a_referral_outside_the_agreement_is_refused(agreement, county, trust, resident_case, make_staff, discharge):
    caseworker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(PermissionDenied) as caught:
        referral_create(
            actor=caseworker,
            case=resident_case,
            agreement_ref=agreement.code,
            purpose="fraud-prevention",
            partner=trust,
            partner_service="hospital-discharge-support",
        )
    assert caught.value.code == "referral_refused"
    assert "purpose_not_agreed" in caught.value.detail
    assert not Case.objects.filter(channel=Channel.REFERRAL).exists()
    assert AccessDecisionLog.objects.filter(allowed=False, action="referral").count() == 1
    # the holder's own staff made it: refused, it is still in the holder's chain as well as the partner's
    denied = AuditEvent.objects.filter(action="sharing.access_denied")
    assert set(denied.values_list("organisation", flat=True)) == {county.pk, trust.pk}


def test_a_referral_needs_a_caseworker_of_the_holder(agreement, trust, resident_case, partner_officer, discharge):
    with pytest.raises(PermissionDenied):
        referral_create(
            actor=partner_officer,
            case=resident_case,
            agreement_ref=agreement.code,
            purpose="hospital-discharge",
            partner=trust,
            partner_service="hospital-discharge-support",
        )
