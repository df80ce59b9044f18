"""Named, immutable scenarios side by side, and seeded sensitivity analysis."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from townhall.portfolio.optimiser import (
    STANDARD_SCENARIOS,
    Programme,
    SavingsTarget,
    Scenario,
    apply_scenario,
    compare_scenarios,
    sensitivity,
)

from .factories import initiative

PROGRAMME = Programme(
    horizon_years=5,
    discount_rate=0.0,
    capital_budget=(300.0,) * 5,
    target=SavingsTarget(baseline=1000.0, fraction=0.1, year=4),
)
ITEMS = [initiative(f"i{n}", capex=(100.0 + 10 * n,), savings=(40.0 + 5 * n,) * 5) for n in range(6)]


def test_scenarios_are_immutable_and_change_copies_only() -> None:
    cut = Scenario("Budgets cut by a third", budget_cut=1 / 3, savings_change=-0.3, target_change=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cut.budget_cut = 0.5  # type: ignore[misc]
    programme, items = apply_scenario(cut, PROGRAMME, ITEMS)
    assert programme.capital_budget == pytest.approx((200.0,) * 5)
    assert programme.target is not None and programme.target.amount == pytest.approx(150.0)
    assert items[0].savings == pytest.approx((28.0,) * 5)
    assert PROGRAMME.capital_budget == (300.0,) * 5 and ITEMS[0].savings == (40.0,) * 5


def test_the_standard_scenarios_compare_side_by_side() -> None:
    results = compare_scenarios(PROGRAMME, ITEMS)
    assert [r.scenario.name for r in results] == [s.name for s in STANDARD_SCENARIOS]
    baseline, cut, higher, lower = (r.plan for r in results)
    assert baseline.status == "optimal"
    assert cut.npv <= baseline.npv + 1e-9
    assert lower.npv < baseline.npv
    for plan in (cut, higher, lower):
        assert plan.status in ("optimal", "target_missed")


def test_scenario_names_must_differ() -> None:
    with pytest.raises(ValueError):
        compare_scenarios(PROGRAMME, ITEMS, [Scenario("A"), Scenario("A", budget_cut=0.1)])


def test_sensitivity_is_seeded_and_counts_how_often_each_initiative_stays_in() -> None:
    programme = replace(PROGRAMME, target=None)
    first = sensitivity(programme, ITEMS, runs=12, seed=42)
    again = sensitivity(programme, ITEMS, runs=12, seed=42)
    other = sensitivity(programme, ITEMS, runs=12, seed=43)
    assert first == again
    assert first.selected_share != other.selected_share or first.npv_mean != other.npv_mean
    assert set(first.selected_share) == {i.id for i in ITEMS}
    assert all(0.0 <= share <= 1.0 for share in first.selected_share.values())
    assert first.npv_p10 <= first.npv_mean <= first.npv_p90
    assert sum(first.statuses.values()) == 12
    # With no spread every run is the same plan.
    fixed = sensitivity(programme, ITEMS, runs=3, savings_spread=0.0, cost_spread=0.0)
    assert set(fixed.selected_share.values()) <= {0.0, 1.0}
