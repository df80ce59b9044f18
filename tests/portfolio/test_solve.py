"""The optimiser's rules, one at a time, on programmes small enough to check by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from townhall.core.errors import ValidationFailed
from townhall.portfolio.optimiser import (
    Category,
    Lock,
    Objective,
    Programme,
    Progress,
    SavingsTarget,
    channel_shift_saving,
    solve,
)

from .checks import violations, year_savings
from .factories import initiative

# Value is counted over the five years of the horizon, undiscounted: easy sums, and earlier is better.
NO_DISCOUNT = Programme(horizon_years=5, discount_rate=0.0)


def test_it_chooses_what_pays_and_leaves_what_does_not() -> None:
    good = initiative("good", capex=(100.0,), savings=(50.0,) * 5)  # years 2-5 count: 200 − 100
    bad = initiative("bad", capex=(300.0,), savings=(50.0,) * 5)  # 200 − 300
    plan = solve(NO_DISCOUNT, [good, bad])
    assert plan.status == "optimal"
    assert plan.chosen == {"good": 1}
    assert plan.npv == pytest.approx(100.0)
    assert plan.objective_value == pytest.approx(100.0)
    assert plan.mip_gap == pytest.approx(0.0, abs=1e-9)


def test_savings_start_after_delivery_and_are_discounted_at_the_green_book_rate() -> None:
    programme = Programme(horizon_years=3)  # 3.5% by default, appraisal over the horizon
    assert programme.discount_rate == 0.035
    item = initiative("a", duration=2, capex=(100.0, 100.0), savings=(1000.0,))
    plan = solve(programme, [item])
    # Costs in years 1 and 2, the saving in year 3, discounted from year 1.
    expected = 1000 / 1.035**2 - 100 - 100 / 1.035
    assert plan.npv == pytest.approx(expected)
    assert plan.years[2].savings == pytest.approx(1000.0)
    assert plan.scheduled[0].finish_year == 2


def test_probability_and_optimism_bias_weigh_on_value() -> None:
    item = initiative("a", capex=(100.0,), savings=(100.0,) * 4, probability=0.5, optimism_bias_upper=2.0)
    assert item.capex_uplift == pytest.approx(2.0)  # Green Book IT upper bound, unmitigated
    assert replace(item, mitigation=0.75).capex_uplift == pytest.approx(0.5)
    plan = solve(NO_DISCOUNT, [item])
    assert plan.chosen == {}  # 0.5 × 400 = 200 < 300 uplifted
    plan = solve(NO_DISCOUNT, [replace(item, mitigation=0.75)])
    assert plan.npv == pytest.approx(200 - 150)


def test_budgets_bind_on_planned_costs_and_staff_on_fte() -> None:
    items = [initiative(f"i{n}", capex=(100.0,), fte=(2.0,)) for n in range(4)]
    programme = replace(NO_DISCOUNT, capital_budget=(250.0,) * 5, fte_capacity=(4.0,) * 5)
    plan = solve(programme, items)
    assert len(plan.chosen) == 4
    assert violations(programme, items, plan) == []
    assert all(row.capex <= 250 and row.fte <= 4 for row in plan.years)
    # Two a year at most: the later ones earn less, but still pay.
    assert sorted(plan.chosen.values()) == [1, 1, 2, 2]


def test_earliest_and_latest_start_and_delivery_inside_the_horizon() -> None:
    late = initiative("late", earliest_start=3, duration=2, savings=(500.0,))
    fixed = initiative("fixed", earliest_start=2, latest_start=2)
    too_long = initiative("long", duration=6)
    plan = solve(NO_DISCOUNT, [late, fixed, too_long])
    assert plan.chosen == {"late": 3, "fixed": 2}


def test_requires_excludes_option_groups_and_locks() -> None:
    base = initiative("platform", capex=(200.0,), savings=(10.0,) * 5)  # loses money on its own
    app = initiative("app", requires=("platform",), capex=(10.0,), savings=(100.0,) * 5)
    a = initiative("crm-a", option_group="crm", savings=(60.0,) * 5)
    b = initiative("crm-b", option_group="crm", savings=(70.0,) * 5)
    x = initiative("x", excludes=("y",), savings=(90.0,) * 5)
    y = initiative("y", savings=(95.0,) * 5)
    keep = initiative("keep", locked=Lock.IN, capex=(500.0,), savings=())
    drop = initiative("drop", locked=Lock.OUT, savings=(500.0,) * 5)
    items = [base, app, a, b, x, y, keep, drop]
    plan = solve(replace(NO_DISCOUNT, requires_finish=True), items)
    assert violations(replace(NO_DISCOUNT, requires_finish=True), items, plan) == []
    chosen = plan.chosen
    assert chosen["platform"] < chosen["app"]  # finish-to-start: the platform is delivered first
    assert "crm-b" in chosen and "crm-a" not in chosen
    assert "y" in chosen and "x" not in chosen
    assert "keep" in chosen and "drop" not in chosen
    start_to_start = solve(NO_DISCOUNT, items)
    assert start_to_start.chosen["platform"] == start_to_start.chosen["app"] == 1


def test_the_target_is_a_constraint_and_min_cost_meets_it_at_least_cost() -> None:
    cheap = initiative("cheap", capex=(100.0,), savings=(50.0,) * 5)
    dear = initiative("dear", capex=(400.0,), savings=(60.0,) * 5)
    both = initiative("both", capex=(250.0,), savings=(110.0,) * 5, probability=0.5)
    target = SavingsTarget(baseline=1000.0, fraction=0.055, year=3)  # 55 a year by year 3
    programme = replace(NO_DISCOUNT, target=target, objective=Objective.MIN_COST)
    plan = solve(programme, [cheap, dear, both])
    assert plan.status == "optimal"
    # cheap alone saves 50; "both" saves 110 × 0.5 = 55 risk-adjusted for 250, less than dear's 400.
    assert plan.chosen.keys() == {"both"}
    assert year_savings(programme, [cheap, dear, both], plan, 3) >= 55


def test_a_missed_target_reports_the_shortfall_and_the_budget_that_binds() -> None:
    items = [initiative(f"i{n}", capex=(100.0,), savings=(40.0,) * 5) for n in range(5)]
    target = SavingsTarget(baseline=1000.0, fraction=0.2, year=3)  # 200 a year: all five are needed
    programme = replace(NO_DISCOUNT, capital_budget=(150.0, 150.0, 0, 0, 0), target=target)
    plan = solve(programme, items)
    assert plan.status == "target_missed"
    assert plan.shortfall is not None
    assert plan.shortfall.amount == pytest.approx(120.0)  # two fit (one a year) → 80 a year
    assert plan.shortfall.proven_minimum == pytest.approx(120.0)
    assert plan.shortfall.binding == ("capital budget",)
    assert "shortfall of 120" in plan.message and "capital budgets the target would be met" in plan.message
    assert len(plan.chosen) == 2
    assert violations(programme, items, plan) == []
    stages: list[str] = []
    solve(programme, items, progress=lambda p: stages.append(p.message) if p.event == "stage" else None)
    assert stages == [
        "The savings target cannot be met: finding the smallest shortfall",
        "Finding which limits stop the target being met",
    ]


def test_when_no_single_limit_is_to_blame_it_says_so() -> None:
    items = [initiative("only", savings=(10.0,) * 5)]
    programme = replace(NO_DISCOUNT, target=SavingsTarget(baseline=100.0, fraction=0.5, year=4))
    plan = solve(programme, items)
    assert plan.status == "target_missed"
    assert plan.shortfall is not None and plan.shortfall.amount == pytest.approx(40.0)
    assert plan.shortfall.binding == ()
    assert "cannot save enough" in plan.shortfall.explanation


def test_a_locked_in_initiative_over_budget_is_infeasible_and_says_why() -> None:
    items = [initiative("big", capex=(500.0,), locked=Lock.IN), initiative("small")]
    programme = replace(NO_DISCOUNT, capital_budget=(200.0,) * 5)
    plan = solve(programme, items)
    assert plan.status == "infeasible"
    assert plan.chosen == {}
    assert "yearly capital budgets" in plan.message and "locked in or out" in plan.message


def test_progress_is_reported_while_it_solves() -> None:
    items = [initiative(f"i{n}", capex=(float(10 + n),), savings=(float(5 + n % 7),) * 5) for n in range(30)]
    programme = replace(NO_DISCOUNT, capital_budget=(60.0,) * 5)
    events: list[Progress] = []
    plan = solve(programme, items, progress=events.append)
    assert plan.status == "optimal"
    improved = [e for e in events if e.event == "improved"]
    assert improved and improved[-1].objective == pytest.approx(plan.objective_value)


def test_bad_input_is_refused_with_every_problem_listed() -> None:
    items = [initiative("a", requires=("ghost",), probability=1.5), initiative("a", duration=0)]
    with pytest.raises(ValidationFailed) as caught:
        solve(Programme(horizon_years=11, capital_budget=(1.0,)), items)
    codes = {e.code for e in caught.value.errors}
    with pytest.raises(ValidationFailed) as circle:
        solve(NO_DISCOUNT, [initiative("a", requires=("b",)), initiative("b", requires=("a",)), initiative("c")])
    assert [e.code for e in circle.value.errors] == ["dependency_cycle"]
    assert "a, b" in circle.value.errors[0].message
    assert {
        "invalid_horizon",
        "invalid_profile",
        "duplicate_initiative",
        "unknown_initiative",
        "invalid_probability",
        "invalid_duration",
    } <= codes


def test_channel_shift_savings_come_from_volumes_and_unit_costs() -> None:
    # 120,000 phone calls at £4.90 against £0.15 online, a quarter of them shifted.
    saving = channel_shift_saving(volume=120_000, unit_cost_from=4.90, unit_cost_to=0.15, shift=0.25)
    assert saving == pytest.approx(142_500.0)
    item = initiative("webforms", category=Category.CHANNEL_SHIFT, savings=(saving,) * 5)
    assert solve(NO_DISCOUNT, [item]).chosen == {"webforms": 1}
