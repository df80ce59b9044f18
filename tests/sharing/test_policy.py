"""The sharing policy core: Cedar decides, field by field, and refuses anything outside an agreement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from unittest import mock

from hypothesis import assume, find, given, settings
from hypothesis import strategies as st

from townhall.sharing import policy
from townhall.sharing.policy import (
    OUTSIDER_REASONS,
    REASON_FIELD,
    REASON_NO_AGREEMENT,
    REASON_NO_CASE,
    REASON_NOT_ACTIVE,
    REASON_NOT_COVERED,
    REASON_NOT_PARTY,
    REASON_OUTSIDE_DATES,
    REASON_WRONG_PURPOSE,
    AccessAction,
    AccessRequest,
    AgreementStatus,
    AgreementTerms,
    DataItem,
    PartyRole,
    PolicyDecisionPoint,
    compile_agreement,
)

COUNCIL, TRUST, POLICE = "E07000901", "R9X", "POL01"


def discharge_agreement(**overrides: object) -> AgreementTerms:
    terms = {
        "id": "dsa-1",
        "parties": {COUNCIL: PartyRole.JOINT_CONTROLLER, TRUST: PartyRole.JOINT_CONTROLLER},
        "recipients": frozenset({TRUST}),
        "purposes": frozenset({"hospital-discharge"}),
        "items": (DataItem(COUNCIL, "housing-support", frozenset({"full_name", "address", "needs"})),),
        "status": AgreementStatus.ACTIVE,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2027, 12, 31),
    }
    terms.update(overrides)
    return AgreementTerms(**terms)  # type: ignore[arg-type]


def request(**overrides: object) -> AccessRequest:
    values = {
        "requester": TRUST,
        "agreement_id": "dsa-1",
        "purpose": "hospital-discharge",
        "action": AccessAction.REFERRAL,
        "holder": COUNCIL,
        "definition": "housing-support",
        "fields": ("full_name", "address"),
        "case_reference": "HX7K-9M3T",
        "on": date(2026, 11, 23),
    }
    values.update(overrides)
    return AccessRequest(**values)  # type: ignore[arg-type]


def test_an_agreed_request_gets_exactly_the_agreed_fields():
    pdp = PolicyDecisionPoint([discharge_agreement()])
    decision = pdp.decide(request(fields=("full_name", "address", "income")))
    assert decision.allowed
    assert decision.fields == ("full_name", "address")
    assert decision.refused_fields == ("income",)
    assert decision.reasons == (REASON_FIELD,)
    assert decision.policies == ("permit",)


def test_each_threat_is_refused_with_its_reason():
    pdp = PolicyDecisionPoint([discharge_agreement()])
    cases = [
        (request(requester=POLICE), REASON_NOT_PARTY),
        (request(requester=COUNCIL), REASON_NOT_PARTY),  # a holder is not a recipient here
        (request(purpose="marketing"), REASON_WRONG_PURPOSE),
        (request(on=date(2028, 1, 1)), REASON_OUTSIDE_DATES),
        (request(on=date(2025, 12, 31)), REASON_OUTSIDE_DATES),
        (request(case_reference=""), REASON_NO_CASE),
        (request(agreement_id="dsa-unknown"), REASON_NO_AGREEMENT),
        (request(definition="council-tax"), REASON_NOT_COVERED),  # a party cannot probe other services' references
        (request(holder=TRUST), REASON_NOT_COVERED),
    ]
    for req, reason in cases:
        decision = pdp.decide(req)
        assert not decision.allowed, req
        assert decision.fields == ()
        assert reason in decision.reasons, (req, decision.reasons)


def test_suspending_an_agreement_stops_access_at_once():
    pdp = PolicyDecisionPoint([discharge_agreement()])
    assert pdp.decide(request()).allowed
    pdp.load(discharge_agreement(status=AgreementStatus.SUSPENDED))
    decision = pdp.decide(request())
    assert not decision.allowed
    assert REASON_NOT_ACTIVE in decision.reasons
    pdp.load(discharge_agreement(status=AgreementStatus.EXPIRED))
    assert not pdp.decide(request()).allowed


def test_actions_outside_the_agreement_are_refused():
    pdp = PolicyDecisionPoint([discharge_agreement(actions=frozenset({AccessAction.REFERRAL}))])
    assert pdp.decide(request(action=AccessAction.REFERRAL)).allowed
    assert not pdp.decide(request(action=AccessAction.DATA_REQUEST)).allowed


def test_compiled_policy_is_readable_cedar():
    text, meanings = compile_agreement(discharge_agreement())
    assert text.startswith("permit(")
    assert meanings[0] == "permit"
    assert 'Field::"E07000901/housing-support/full_name"' in text


codes = st.sampled_from([COUNCIL, TRUST, POLICE, "L9901"])
names = st.sampled_from(["full_name", "address", "needs", "income", "nhs_number"])
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))


@st.composite
def agreements(draw: st.DrawFn) -> AgreementTerms:
    start = draw(days)
    return AgreementTerms(
        id="a",
        parties=dict.fromkeys(draw(st.sets(codes, min_size=1)), PartyRole.CONTROLLER),
        recipients=frozenset(draw(st.sets(codes, max_size=2))),
        purposes=frozenset(draw(st.sets(st.sampled_from(["care", "safeguarding", "housing"]), min_size=1))),
        items=(DataItem(draw(codes), draw(st.sampled_from(["svc-a", "svc-b"])), frozenset(draw(st.sets(names)))),),
        status=draw(st.sampled_from(list(AgreementStatus))),
        starts_on=start,
        ends_on=draw(st.dates(min_value=start, max_value=date(2029, 12, 31))),
        actions=frozenset(draw(st.sets(st.sampled_from(list(AccessAction)), min_size=1))),
    )


@st.composite
def requests(draw: st.DrawFn) -> AccessRequest:
    return AccessRequest(
        requester=draw(codes),
        agreement_id=draw(st.sampled_from(["a", "b"])),
        purpose=draw(st.sampled_from(["care", "safeguarding", "housing", "marketing"])),
        action=draw(st.sampled_from(list(AccessAction))),
        holder=draw(codes),
        definition=draw(st.sampled_from(["svc-a", "svc-b"])),
        fields=tuple(draw(st.lists(names, min_size=1, max_size=5, unique=True))),
        case_reference=draw(st.sampled_from(["", "HX7K-9M3T"])),
        on=draw(days),
    )


@settings(max_examples=300, deadline=None)
@given(agreements(), requests())
def test_any_request_outside_an_agreement_is_denied(terms: AgreementTerms, req: AccessRequest):
    gets_exactly_what_the_agreement_allows(terms, req)


def gets_exactly_what_the_agreement_allows(terms: AgreementTerms, req: AccessRequest) -> None:
    """Outside the agreement nothing, with a reason; inside it exactly the agreed fields asked for."""
    decision = PolicyDecisionPoint([terms]).decide(req)
    within = (
        req.agreement_id == terms.id
        and terms.status == AgreementStatus.ACTIVE
        and req.requester in terms.recipients
        and req.action in terms.actions
        and req.purpose in terms.purposes
        and terms.starts_on <= req.on <= terms.ends_on
        and req.case_reference != ""
    )
    agreed = {
        f for item in terms.items if (item.holder, item.definition) == (req.holder, req.definition) for f in item.fields
    }
    if not within:
        assert decision.fields == ()
        assert not decision.allowed
        assert decision.reasons
    else:
        assert set(decision.fields) == set(req.fields) & agreed
    assert set(decision.fields) | set(decision.refused_fields) == set(req.fields)


@st.composite
def requests_near(draw: st.DrawFn) -> tuple[AgreementTerms, AccessRequest]:
    """An agreement and a request that, value by value, mostly takes the agreement's own: so that requests
    inside it are drawn as often as those outside (independent draws almost never fall inside)."""
    terms = draw(agreements())
    (item,) = terms.items

    def own_or_any(own: list[object], anything: st.SearchStrategy[object]) -> object:
        return draw(st.sampled_from(own) if own and draw(st.integers(0, 3)) else anything)

    request = AccessRequest(
        requester=str(own_or_any(sorted(terms.recipients), codes)),
        agreement_id=str(own_or_any([terms.id], st.just("b"))),
        purpose=str(own_or_any(sorted(terms.purposes), st.just("marketing"))),
        action=draw(
            st.sampled_from(sorted(terms.actions)) if draw(st.integers(0, 3)) else st.sampled_from(list(AccessAction))
        ),
        holder=str(own_or_any([item.holder], codes)),
        definition=str(own_or_any([item.definition], st.sampled_from(["svc-a", "svc-b"]))),
        fields=tuple(draw(st.lists(names, min_size=1, max_size=5, unique=True))),
        case_reference="HX7K-9M3T" if draw(st.integers(0, 3)) else "",
        on=draw(st.dates(min_value=terms.starts_on, max_value=terms.ends_on))
        if draw(st.integers(0, 3))
        else draw(days),
    )
    return terms, request


@settings(max_examples=300, deadline=None)
@given(requests_near())
def test_any_request_near_an_agreement_gets_exactly_what_it_allows(drawn: tuple[AgreementTerms, AccessRequest]):
    gets_exactly_what_the_agreement_allows(*drawn)


def test_requests_near_an_agreement_include_allowed_ones():
    """The property above is worth something only if its draws reach the allowed path."""
    find(requests_near(), lambda drawn: PolicyDecisionPoint([drawn[0]]).decide(drawn[1]).allowed)


@settings(max_examples=300, deadline=None)
@given(requests_near())
def test_a_refusal_that_must_tell_nothing_is_the_same_for_any_case_and_asks_cedar_nothing(
    drawn: tuple[AgreementTerms, AccessRequest],
):
    """Outside the agreement (no such agreement, not a recipient, a case of a service it does not cover) the
    decision is the same for the case asked about and for no case at all (an unknown reference), names only
    reasons that tell nothing, and is made without Cedar, so its cost does not depend on the case either."""
    terms, request = drawn
    covered = (request.holder, request.definition) in {(i.holder, i.definition) for i in terms.items}
    assume(request.agreement_id != terms.id or request.requester not in terms.recipients or not covered)
    pdp = PolicyDecisionPoint([terms])
    with mock.patch.object(policy.cedarpy, "is_authorized_batch", side_effect=AssertionError("Cedar was asked")):
        decision = pdp.decide(request)
        unknown = pdp.decide(replace(request, holder="", definition=""))
    assert not decision.allowed and decision.fields == ()
    assert decision == unknown
    assert set(decision.reasons) <= OUTSIDER_REASONS
