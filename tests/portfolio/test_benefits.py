"""Channel-shift savings and benefits realisation from insight's measures, and the critical path on a diamond."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.insight import measures
from townhall.portfolio import benefits
from townhall.portfolio.optimiser import critical_path
from townhall.portfolio.optimiser.benefits import (
    actual_saving,
    channel_shift_from_measures,
    cost_per_transaction,
    months_covered,
    year_bounds,
)
from townhall.portfolio.runs import run_request

from .factories import initiative

COSTS = {"online": Decimal("0.50"), "phone": Decimal("8.00"), "face_to_face": Decimal("14.00")}


def test_channel_shift_is_volume_times_cost_difference_times_shift() -> None:
    volumes = {"phone": 12_000, "online": 30_000}
    saving = channel_shift_from_measures(
        volumes=volumes, unit_costs=COSTS, from_channel="phone", to_channel="online", shift=0.3
    )
    assert saving == pytest.approx(12_000 * (8.00 - 0.50) * 0.3)  # 27,000 a year
    half_year = channel_shift_from_measures(
        volumes=volumes, unit_costs=COSTS, from_channel="phone", to_channel="online", shift=0.3, months=6
    )
    assert half_year == pytest.approx(2 * saving)  # six months measured: annualised
    with pytest.raises(ValueError):
        channel_shift_from_measures(
            volumes=volumes, unit_costs=COSTS, from_channel="phone", to_channel="online", shift=1.5
        )
    assert months_covered(date(2026, 1, 1), date(2026, 12, 31)) == 12


def test_actual_saving_is_the_fall_in_cost_per_transaction_times_volume() -> None:
    before = {"phone": 800, "online": 200}  # (800 × 8 + 200 × 0.5) / 1000 = 6.50 a transaction
    after = {"phone": 500, "online": 500}  # (500 × 8 + 500 × 0.5) / 1000 = 4.25 a transaction
    assert cost_per_transaction(before, COSTS) == pytest.approx(6.5)
    assert actual_saving(baseline_volumes=before, actual_volumes=after, unit_costs=COSTS) == pytest.approx(2250.0)
    assert actual_saving(baseline_volumes={}, actual_volumes=after, unit_costs=COSTS) is None
    assert year_bounds(date(2027, 4, 1), 1) == (date(2027, 4, 1), date(2028, 3, 31))
    assert year_bounds(date(2027, 4, 1), 0) == (date(2026, 4, 1), date(2027, 3, 31))


def test_critical_path_on_a_diamond() -> None:
    # a (2 years) → b (1 year) → d;  a → c (3 years) → d (1 year). Longest chain: a, c, d = 6 years.
    items = [
        initiative("a", duration=2),
        initiative("b", duration=1, requires=("a",)),
        initiative("c", duration=3, requires=("a",)),
        initiative("d", duration=1, requires=("b", "c")),
    ]
    cp = critical_path(items)
    assert cp.path == ("a", "c", "d") and cp.finish_year == 6
    assert cp.early_start == {"a": 1, "b": 3, "c": 3, "d": 6}
    assert cp.slack == {"a": 0, "b": 2, "c": 0, "d": 0}


def test_channel_shift_from_insight_sets_savings_and_is_audited(
    district: Any, analyst: Any, make_programme: Any, monkeypatch: Any
) -> None:
    programme = make_programme()
    seen: dict[str, Any] = {}

    def volumes(*, organisation_id: int, service_slug: str | None, start: date, end: date) -> dict[str, int]:
        seen.update(organisation_id=organisation_id, service_slug=service_slug, start=start, end=end)
        return {"online": 4_000, "phone": 6_000, "face_to_face": 0, "post": 0, "referral": 0}

    monkeypatch.setattr(measures, "channel_volumes", volumes)
    costs = measures.unit_costs(district)  # insight's figures (the Socitm defaults here)
    estimate = benefits.channel_shift_estimate(
        programme=programme,
        actor=analyst,
        service_slug="report-missed-bin",
        from_channel="phone",
        to_channel="online",
        shift=0.25,
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
    )
    expected = 6_000 * 12 / 6 * (float(costs["phone"]) - float(costs["online"])) * 0.25
    assert estimate.annual_saving == pytest.approx(expected, abs=0.01)
    assert seen == {
        "organisation_id": district.pk,
        "service_slug": "report-missed-bin",
        "start": date(2026, 1, 1),
        "end": date(2026, 6, 30),
    }
    kiosk = programme.initiatives.get(code="kiosk")
    benefits.initiative_savings_from_channel_shift(actor=analyst, initiative=kiosk, estimate=estimate)
    kiosk.refresh_from_db()
    assert kiosk.savings == [estimate.annual_saving] * 4 and "report-missed-bin" in kiosk.services
    event = AuditEvent.objects.get(action="portfolio.initiative_savings_derived")
    assert event.data["volume"] == 6_000 and event.data["annual_saving"] == estimate.annual_saving


def test_benefits_realisation_compares_planned_with_actual_from_insight(
    district: Any, analyst: Any, make_programme: Any, monkeypatch: Any
) -> None:
    programme = make_programme()
    programme.starts_on = date(2024, 4, 1)
    programme.save()
    run = run_request(actor=analyst, programme=programme)
    assert run.result is not None
    crm = next(s for s in run.result["scheduled"] if s["initiative_id"] == "crm")

    def volumes(*, organisation_id: int, service_slug: str | None, start: date, end: date) -> dict[str, int]:
        assert service_slug == "report-missed-bin"
        baseline_start = year_bounds(date(2024, 4, 1), crm["start_year"] - 1)[0]
        return {"phone": 800, "online": 200} if start == baseline_start else {"phone": 500, "online": 500}

    monkeypatch.setattr(measures, "channel_volumes", volumes)
    monkeypatch.setattr(measures, "unit_costs", lambda organisation: COSTS)
    rows = {
        r.code: r for r in benefits.benefits_realisation(programme=programme, actor=analyst, today=date(2030, 1, 1))
    }
    assert set(rows) == {s["initiative_id"] for s in run.result["scheduled"]}
    crm_row = rows["crm"]
    assert [y.year for y in crm_row.years] == list(range(crm["finish_year"] + 1, 5))
    assert all(y.planned == 90.0 and y.actual == pytest.approx(2250.0) for y in crm_row.years)
    assert all(y.actual is None for r in rows.values() if not r.services for y in r.years)  # not linked: not measured
    early = benefits.benefits_realisation(programme=programme, actor=analyst, today=date(2025, 1, 1))
    assert all(y.actual is None for r in early for y in r.years)  # no year has ended yet


def test_channel_shift_api_refuses_bad_channels_with_stable_codes(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    make_programme()
    headers = key_for(district, Role.ANALYST)
    answer = client.post(
        "/api/v1/portfolio/programmes/ict-2027/initiatives/kiosk/channel-shift",
        {
            "service": "report-missed-bin",
            "from_channel": "pigeon",
            "to_channel": "online",
            "shift": 2,
            "start": "2026-01-01",
            "end": "2026-12-31",
        },
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 422
    assert {e["code"] for e in answer.json()["errors"]} == {"invalid_channel", "invalid_shift"}
