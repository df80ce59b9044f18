"""Partner systems query shared data under /api/v1/sharing/ with their API keys; answers follow the agreement."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.cases.services import case_open
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.sharing.models import AccessDecisionLog


@pytest.fixture
def trust_key(trust, trust_admin):
    _, secret = api_key_create(
        actor=trust_admin, organisation=trust, name="Discharge system", scopes=[Role.PARTNER_OFFICER]
    )
    return secret


@pytest.fixture
def caseworker_key(trust, trust_admin):
    _, secret = api_key_create(actor=trust_admin, organisation=trust, name="Read only", scopes=[Role.CASEWORKER])
    return secret


def ask(client, secret, body, request_id="req-000000001"):
    return client.post(
        "/api/v1/sharing/requests",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}", "Request-Id": request_id},
    )


def body(agreement, case, **overrides):
    values = {
        "agreement": agreement.code,
        "purpose": "hospital-discharge",
        "case_reference": case.reference,
        "fields": ["full_name", "postcode", "case.resident_email", "age"],
    }
    values.update(overrides)
    return values


def test_a_data_request_returns_only_agreed_fields(client, agreement, resident_case, trust_key):
    response = ask(client, trust_key, body(agreement, resident_case))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["fields"] == {
        "full_name": "Gwen Jones",
        "postcode": "DN1 2AB",
        "case.resident_email": "gwen@example.test",
    }
    assert data["refused_fields"] == ["age"]


def test_a_wrong_purpose_is_a_problem_with_a_stable_code(client, agreement, resident_case, trust_key):
    response = ask(client, trust_key, body(agreement, resident_case, purpose="fraud-prevention"))
    assert response.status_code == 403
    assert response.json()["code"] == "access_denied"
    assert "purpose_not_agreed" in response.json()["detail"]


def test_a_replayed_request_is_refused(client, agreement, resident_case, trust_key):
    assert ask(client, trust_key, body(agreement, resident_case), "req-replay-1").status_code == 200
    replay = ask(client, trust_key, body(agreement, resident_case), "req-replay-1")
    assert replay.status_code == 409
    assert replay.json()["code"] == "replayed_request"


def test_an_unknown_case_and_a_non_party_look_the_same(client, agreement, resident_case, district, make_staff):
    admin = make_staff(district, Role.ORGANISATION_ADMIN)
    _, outsider = api_key_create(actor=admin, organisation=district, name="Outsider", scopes=[Role.PARTNER_OFFICER])
    unknown = ask(client, outsider, body(agreement, resident_case, case_reference="HX7K-9M3T"), "req-outsider-1")
    not_party = ask(client, outsider, body(agreement, resident_case), "req-outsider-2")
    assert unknown.status_code == not_party.status_code == 403
    assert unknown.json()["detail"] == not_party.json()["detail"]


@pytest.mark.parametrize("agreement_ref", ["", "NO-SUCH-AGREEMENT"], ids=["not-a-party", "no-agreement"])
def test_a_replayed_request_id_does_not_tell_an_outsider_that_a_case_exists(
    client, agreement, resident_case, district, make_staff, agreement_ref
):
    """A real case's refusal is logged with its Request-Id, and a 409 on the second try once told an outsider the
    case exists. An unknown reference is logged with its id as well now, and both replays get the first answer."""
    admin = make_staff(district, Role.ORGANISATION_ADMIN)
    _, outsider = api_key_create(actor=admin, organisation=district, name="Outsider", scopes=[Role.PARTNER_OFFICER])
    real = {**body(agreement, resident_case), **({"agreement": agreement_ref} if agreement_ref else {})}
    unknown = {**real, "case_reference": "HX7K-9M3T"}
    answers = [
        ask(client, outsider, b, request_id) for b, request_id in ((real, "req-probe-1"), (unknown, "req-probe-2"))
    ]
    answers += [
        ask(client, outsider, b, request_id) for b, request_id in ((real, "req-probe-1"), (unknown, "req-probe-2"))
    ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert len({(a.json()["code"], a.json()["detail"]) for a in answers}) == 1


def test_a_key_without_the_sharing_scope_is_refused(client, agreement, resident_case, caseworker_key):
    response = ask(client, caseworker_key, body(agreement, resident_case))
    assert response.status_code == 403


def test_requests_need_a_key_and_a_request_id(client, agreement, resident_case, trust_key):
    assert ask(client, "th_nope", body(agreement, resident_case)).status_code == 401
    missing = client.post(
        "/api/v1/sharing/requests",
        body(agreement, resident_case),
        content_type="application/json",
        headers={"Authorization": f"Bearer {trust_key}"},
    )
    assert missing.status_code == 422
    assert missing.json()["code"] == "validation_failed"


def test_the_public_register_has_agreements_in_force_and_no_personal_data(client, agreement, resident_case):
    response = client.get("/api/v1/sharing/register")
    assert response.status_code == 200
    (entry,) = response.json()
    assert entry["id"] == agreement.code
    assert entry["purposes"] == ["hospital-discharge"]
    assert {p["code"] for p in entry["parties"]} == {"E10000901", "R9X"}
    assert "Gwen" not in response.content.decode()
    assert resident_case.reference not in response.content.decode()


def agreement_body(**overrides):
    values = {
        "title": "Hospital discharge",
        "purposes": ["hospital-discharge"],
        "lawful_basis": "public_task",
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
        "review_on": "2027-06-30",
        "retention_days_at_recipient": 365,
        "parties": [{"organisation": "R9X", "role": "joint_controller", "receives": True}],
        "items": [{"holder": "E10000901", "service": "blue-badge", "fields": ["full_name", "postcode"]}],
    }
    values.update(overrides)
    return values


@pytest.fixture
def county_key(county, county_admin):
    _, secret = api_key_create(
        actor=county_admin, organisation=county, name="DSA tool", scopes=[Role.ORGANISATION_ADMIN]
    )
    return secret


def draft(client, secret, payload):
    return client.post(
        "/api/v1/sharing/agreements",
        payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_an_agreement_is_drafted_through_the_api_and_stays_a_draft(client, county_key, trust, blue_badge):
    from townhall.sharing.models import Agreement, AgreementStatus

    response = draft(client, county_key, agreement_body())
    assert response.status_code == 201, response.content
    assert {p["code"] for p in response.json()["parties"]} == {"E10000901", "R9X"}
    assert Agreement.objects.get().status == AgreementStatus.DRAFT  # people approve it in the back office


def test_a_bad_draft_is_refused_whole_with_stable_codes(client, county_key, trust, blue_badge):
    from townhall.sharing.models import Agreement

    unknown_org = draft(client, county_key, agreement_body(parties=[{"organisation": "ZZZ", "role": "controller"}]))
    assert unknown_org.status_code == 422 and unknown_org.json()["code"] == "unknown_organisation"
    bad_field = draft(
        client,
        county_key,
        agreement_body(items=[{"holder": "E10000901", "service": "blue-badge", "fields": ["income"]}]),
    )
    assert bad_field.status_code == 422 and bad_field.json()["code"] == "unknown_field"
    bad_purpose = draft(client, county_key, agreement_body(purposes=["marketing"]))
    assert bad_purpose.json()["code"] == "agreement_invalid"
    assert not Agreement.objects.exists()  # nothing half-saved


def test_drafting_needs_the_agreements_scope(client, trust, trust_admin, county, blue_badge):
    _, caseworker = api_key_create(actor=trust_admin, organisation=trust, name="cw", scopes=[Role.CASEWORKER])
    assert draft(client, caseworker, agreement_body()).status_code == 403


@pytest.mark.parametrize("field", ["agreement", "purpose", "case_reference"])
def test_values_longer_than_the_access_log_keeps_are_refused(client, agreement, resident_case, trust_key, field):
    """Each request is logged (AccessDecisionLog): a longer agreement or purpose was a 500 on PostgreSQL."""
    response = ask(client, trust_key, {**body(agreement, resident_case), field: "x" * 41})
    assert response.status_code == 422 and response.json()["errors"][0]["path"].endswith(field)


def test_a_request_for_more_fields_than_any_agreement_names_is_refused_at_once(
    client, agreement, resident_case, trust_key
):
    too_many = {**body(agreement, resident_case), "fields": [f"field_{i}" for i in range(201)]}
    response = ask(client, trust_key, too_many)
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "too_long"
    assert not AccessDecisionLog.objects.exists()


def _work(client, secret, request_body, request_id, monkeypatch):
    """The answer to a data request, and the work behind it: each statement's verb and the table it names first,
    and how many fields Cedar was asked about. The decision points are dropped first (a cold start)."""
    from townhall.sharing import policy
    from townhall.sharing.services import access

    access._cache.clear()
    asked = []
    batch = policy.cedarpy.is_authorized_batch

    def counted(requests, *args):
        asked.append(len(requests))
        return batch(requests, *args)

    monkeypatch.setattr(policy.cedarpy, "is_authorized_batch", counted)
    with CaptureQueriesContext(connection) as queries:
        answer = ask(client, secret, request_body, request_id)
    monkeypatch.undo()
    statements = []
    for query in queries:
        verb = query["sql"].split(None, 1)[0].upper()
        table = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)', query["sql"], re.I)
        statements.append((verb, table.group(1) if table else ""))
    return answer, (statements, asked)


PROBES = {
    "agreed purpose and fields": {},
    "wrong purpose": {"purpose": "fraud-prevention"},
    "no fields": {"fields": []},
    "200 fields": {"fields": [f"field_{i}" for i in range(200)]},
}


@pytest.mark.parametrize("probe", PROBES, ids=list(PROBES))
@pytest.mark.parametrize("requester_name", ["district", "trust"], ids=["outsider", "party"])
def test_an_unknown_reference_costs_the_same_work_as_a_real_case_refused(
    client, request, monkeypatch, agreement, resident_case, trust, discharge, make_staff, requester_name, probe
):
    """The time an answer takes must not tell a requester whether a case exists (issue 6): an unknown reference
    is decided, logged and audited as a real case's refusal is, statement for statement, and neither asks Cedar.
    For the district, outside the agreement, the real case is the county's; for the trust, a party, it is one
    whose service the agreement does not cover (its own)."""
    requester = request.getfixturevalue(requester_name)
    admin = make_staff(requester, Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=requester, name="Prober", scopes=[Role.PARTNER_OFFICER])
    real_case = (
        resident_case
        if requester_name == "district"
        else case_open(
            organisation=trust, version=discharge, answers={"full_name": "Ifan Rees"}, channel="online", actor=None
        )
    )
    for warm_up in ("req-warm-0001", "req-warm-0002"):  # the key read, its last use written, and read again
        ask(client, secret, body(agreement, real_case, case_reference="ZZZZ-ZZZZ"), warm_up)
    real_body = body(agreement, real_case, **PROBES[probe])
    unknown_body = {**real_body, "case_reference": "HX7K-9M3T"}
    real, real_work = _work(client, secret, real_body, "req-timing-01", monkeypatch)
    unknown, unknown_work = _work(client, secret, unknown_body, "req-timing-02", monkeypatch)
    assert real.status_code == unknown.status_code == 403
    assert real.json() == unknown.json()
    assert real_work == unknown_work
    # and what the requester's own audit trail says of each (its admins can read it)
    trail = AuditEvent.objects.filter(organisation=requester, action="sharing.access_denied").order_by("-id")
    assert trail[0].data == trail[1].data
    assert ("INSERT", "sharing_accessdecisionlog") in unknown_work[0] and unknown_work[1] == []
    replays = [ask(client, secret, real_body, "req-timing-01"), ask(client, secret, unknown_body, "req-timing-02")]
    assert [r.status_code for r in replays] == [403, 403]
    assert replays[0].json() == replays[1].json() == real.json()


def test_an_outsider_learns_nothing_from_a_suspended_agreement(
    client, agreement, resident_case, county, county_admin, district, make_staff
):
    from townhall.sharing.services.agreements import agreement_suspend

    agreement_suspend(actor=county_admin, agreement=agreement, organisation=county, reason="Data breach")
    admin = make_staff(district, Role.ORGANISATION_ADMIN)
    _, outsider = api_key_create(actor=admin, organisation=district, name="Outsider", scopes=[Role.PARTNER_OFFICER])
    real = ask(client, outsider, body(agreement, resident_case), "req-suspended-1")
    unknown = ask(client, outsider, body(agreement, resident_case, case_reference="HX7K-9M3T"), "req-suspended-2")
    assert real.status_code == unknown.status_code == 403
    assert real.json() == unknown.json()
