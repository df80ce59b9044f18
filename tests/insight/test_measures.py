"""The measures, on small hand-made data: volumes, decisions, failure demand, journeys, satisfaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.cases.conftest import BLUE_BADGE, publish
from tests.insight.conftest import at
from townhall.cases.models import CaseEvent, CaseEventKind
from townhall.core.models import Organisation
from townhall.insight.measures import channel_volumes, service_months, unit_costs
from townhall.insight.models import UnitCostSetting
from townhall.journeys.models import JourneySession, SatisfactionResponse, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(county: Organisation, district: Organisation, blue_badge: Any, place_case: Any) -> dict[str, Any]:
    c1 = place_case(
        blue_badge, received="2026-01-05", email="a@x.test", decided="2026-01-10", state="refused", due="2026-01-19"
    )
    c2 = place_case(
        blue_badge, received="2026-01-20", channel="phone", email="a@x.test", decided="2026-02-20", due="2026-02-03"
    )
    c3 = place_case(blue_badge, received="2026-02-01", channel="post", email="b@x.test")
    place_case(blue_badge, received="2026-02-03", channel="face_to_face", email="a@x.test")
    place_case(blue_badge, received="2026-02-02", email="c@x.test", decided="2026-02-03", due="2026-02-16")
    place_case(blue_badge, received="2026-02-02", email="d@x.test", decided="2026-02-05")
    # Another organisation's case, the same service and resident: never counted for the county.
    other = publish(district, BLUE_BADGE.replace("E10000901", "E07000901"))
    place_case(other, received="2026-01-06", email="a@x.test")
    # Replies: one on a case still open (chasing progress), one after the decision (not chasing).
    for case, when in ((c3, "2026-02-10"), (c1, "2026-01-15")):
        CaseEvent.objects.create(organisation=county, case=case, kind=CaseEventKind.REPLY, occurred_at=at(when))
    # Online journeys: three started in January, one submitted; and one by phone, not counted.
    for n, (status, channel) in enumerate(
        [("submitted", "online"), ("in_progress", "online"), ("in_progress", "online"), ("submitted", "phone")]
    ):
        s = JourneySession.objects.create(
            token=f"t{n}", organisation=county, version=blue_badge, status=status, channel=channel
        )
        JourneySession.objects.filter(pk=s.pk).update(created_at=at("2026-01-07"))
    for n, (case, rating) in enumerate(((c1, "very_satisfied"), (c2, "dissatisfied"))):
        sub = Submission.objects.create(
            organisation=county, version=blue_badge, case=case, reference=case.reference, channel="online"
        )
        r = SatisfactionResponse.objects.create(organisation=county, submission=sub, rating=rating)
        SatisfactionResponse.objects.filter(pk=r.pk).update(created_at=at("2026-01-2" + str(n)))
    return {"county": county, "district": district}


def test_service_months_on_hand_made_data(history: dict[str, Any]) -> None:
    county = history["county"]
    months = service_months(organisation_ids=[county.pk], start=date(2026, 1, 1), end=date(2026, 2, 28))
    assert [(m.service_slug, m.month) for m in months] == [
        ("blue-badge", date(2026, 1, 1)),
        ("blue-badge", date(2026, 2, 1)),
    ]
    jan, feb = months
    assert jan.organisation_id == county.pk and jan.lgsl == "1088"
    assert jan.volumes == {"online": 1, "phone": 1, "face_to_face": 0, "post": 0, "referral": 0}
    assert feb.volumes == {"online": 2, "phone": 0, "face_to_face": 1, "post": 1, "referral": 0}
    assert (jan.decided, jan.decided_in_time, jan.decided_with_target) == (1, 1, 1)
    assert jan.median_days_to_decide == pytest.approx(5.0) and jan.p90_days_to_decide == pytest.approx(5.0)
    # February's decisions took 31, 1 and 3 days; one had no due date, one was late.
    assert (feb.decided, feb.decided_in_time, feb.decided_with_target) == (3, 1, 2)
    assert feb.median_days_to_decide == pytest.approx(3.0)
    assert feb.p90_days_to_decide == pytest.approx(25.4)
    assert (jan.repeat_contacts, jan.resubmissions, jan.progress_chasers) == (1, 1, 0)
    assert (feb.repeat_contacts, feb.resubmissions, feb.progress_chasers) == (1, 1, 1)
    assert (jan.journeys_started, jan.journeys_submitted) == (3, 1)
    assert (jan.satisfaction_responses, jan.satisfied) == (2, 1)
    assert (feb.journeys_started, feb.satisfaction_responses) == (0, 0)


def test_period_is_inclusive_of_whole_months(history: dict[str, Any]) -> None:
    county = history["county"]
    only_feb = service_months(organisation_ids=[county.pk], start=date(2026, 2, 14), end=date(2026, 2, 14))
    assert [m.month for m in only_feb] == [date(2026, 2, 1)]
    # January's cases, outside the period, still make February's a repeat and a resubmission.
    assert (only_feb[0].repeat_contacts, only_feb[0].resubmissions) == (1, 1)


def test_every_organisation_and_tenancy(history: dict[str, Any]) -> None:
    county, district = history["county"], history["district"]
    everyone = service_months(organisation_ids=None, start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert {m.organisation_id for m in everyone} == {county.pk, district.pk}
    theirs = service_months(organisation_ids=[district.pk], start=date(2026, 1, 1), end=date(2026, 2, 1))
    assert [(m.volumes["online"], m.repeat_contacts) for m in theirs] == [(1, 0)]


def test_channel_volumes(history: dict[str, Any]) -> None:
    county = history["county"]
    volumes = channel_volumes(
        organisation_id=county.pk, service_slug=None, start=date(2026, 1, 1), end=date(2026, 2, 1)
    )
    assert volumes == {"online": 3, "phone": 1, "face_to_face": 1, "post": 1, "referral": 0}
    none = channel_volumes(
        organisation_id=county.pk, service_slug="no-such", start=date(2026, 1, 1), end=date(2026, 2, 1)
    )
    assert sum(none.values()) == 0


def test_unit_costs_default_to_socitm_and_can_be_overridden(county: Organisation) -> None:
    costs = unit_costs(county)
    assert (costs["online"], costs["phone"], costs["face_to_face"]) == (
        Decimal("0.15"),
        Decimal("2.83"),
        Decimal("8.62"),
    )
    UnitCostSetting.objects.create(organisation=county, phone=Decimal("4.10"))
    costs = unit_costs(county)
    assert costs["phone"] == Decimal("4.10") and costs["online"] == Decimal("0.15")
