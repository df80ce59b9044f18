"""Properties over random small programmes: every plan keeps every rule, it is truly optimal (checked by
enumerating every schedule), and more budget never lowers the optimum."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from townhall.portfolio.optimiser import Category, Initiative, Lock, Programme, solve

from .checks import value, violations

amounts = st.integers(min_value=0, max_value=60).map(float)
gains = st.integers(min_value=0, max_value=150).map(float)


@st.composite
def programmes(draw: st.DrawFn) -> tuple[Programme, list[Initiative]]:
    h = draw(st.integers(min_value=1, max_value=4) | st.just(4))
    n = draw(st.integers(min_value=1, max_value=5))
    items: list[Initiative] = []
    for k in range(n):
        duration = draw(st.integers(min_value=1, max_value=h))
        earlier = [f"i{j}" for j in range(k)]
        items.append(
            Initiative(
                id=f"i{k}",
                name=f"Initiative {k}",
                category=draw(st.sampled_from(list(Category))),
                duration=duration,
                capex=tuple(draw(st.lists(amounts, min_size=1, max_size=duration))),
                opex=tuple(draw(st.lists(amounts, max_size=duration + 1))),
                savings=tuple(draw(st.lists(gains, min_size=2, max_size=5))),
                fte=tuple(draw(st.lists(st.integers(0, 3).map(float), max_size=duration))),
                earliest_start=draw(st.integers(min_value=1, max_value=h)),
                probability=draw(st.sampled_from([0.5, 0.8, 1.0])),
                mitigation=draw(st.sampled_from([0.5, 0.9])),
                optimism_bias_upper=draw(st.sampled_from([0.0, 0.0, 2.0])),
                requires=tuple(draw(st.lists(st.sampled_from(earlier), max_size=1, unique=True))) if earlier else (),
                excludes=tuple(draw(st.lists(st.sampled_from(earlier), max_size=1, unique=True))) if earlier else (),
                option_group=draw(st.sampled_from(["", "", "a", "b"])),
                locked=draw(st.sampled_from([None] * 8 + [Lock.IN, Lock.OUT])),
            )
        )
    budget = st.integers(min_value=0, max_value=200).map(float) | st.integers(min_value=60, max_value=200).map(float)
    programme = Programme(
        horizon_years=h,
        capital_budget=tuple(draw(st.lists(budget, min_size=h, max_size=h))),
        revenue_budget=draw(st.none() | st.lists(budget, min_size=h, max_size=h).map(tuple)),
        fte_capacity=draw(st.none() | st.lists(st.integers(0, 6).map(float), min_size=h, max_size=h).map(tuple)),
        discount_rate=draw(st.sampled_from([0.0, 0.035])),
        appraisal_years=draw(st.sampled_from([None, 8, 8, 8])),
        requires_finish=draw(st.booleans()),
        mip_rel_gap=0.0,
    )
    return programme, items


def _windows(programme: Programme, i: Initiative) -> list[int | None]:
    last = programme.horizon_years - i.duration + 1
    return [None, *range(max(1, i.earliest_start), last + 1)]


def _brute_force(programme: Programme, items: list[Initiative]) -> float | None:
    """The best NPV over every schedule that keeps every rule, or None when none does."""
    best: float | None = None
    for choice in itertools.product(*(_windows(programme, i) for i in items)):
        starts = {i.id: t for i, t in zip(items, choice, strict=True) if t is not None}
        if violations(programme, items, starts) == []:
            v = value(programme, items, starts)
            best = v if best is None else max(best, v)
    return best


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(programmes())
def test_every_plan_keeps_every_rule_and_is_the_true_optimum(case: tuple[Programme, list[Initiative]]) -> None:
    programme, items = case
    plan = solve(programme, items)
    best = _brute_force(programme, items)
    event(f"status: {plan.status}, chosen: {len(plan.chosen)}")
    if best is None:
        assert plan.status == "infeasible"
        assert plan.message.startswith("No plan satisfies every limit")
        return
    assert plan.status == "optimal"
    assert violations(programme, items, plan) == []
    assert abs(value(programme, items, plan.chosen) - plan.npv) <= 1e-6 * max(1.0, abs(best))
    assert abs(plan.npv - best) <= 1e-6 * max(1.0, abs(best))


@SETTINGS
@given(programmes(), st.lists(st.integers(min_value=0, max_value=80).map(float), min_size=4, max_size=4))
def test_more_budget_never_lowers_the_optimum(case: tuple[Programme, list[Initiative]], extra: list[float]) -> None:
    programme, items = case
    assert programme.capital_budget is not None
    richer = replace(
        programme,
        capital_budget=tuple(b + e for b, e in zip(programme.capital_budget, extra, strict=False)),
        fte_capacity=(
            None
            if programme.fte_capacity is None
            else tuple(c + e // 20 for c, e in zip(programme.fte_capacity, extra, strict=False))
        ),
    )
    before, after = solve(programme, items), solve(richer, items)
    if before.status == "optimal":
        assert after.status == "optimal"
        assert after.objective_value is not None and before.objective_value is not None
        assert after.objective_value >= before.objective_value - 1e-6
        assert violations(richer, items, after) == []


@SETTINGS
@given(programmes(), st.integers(min_value=1, max_value=40).map(float) | st.integers(1, 300).map(float), st.data())
def test_a_target_is_met_when_it_can_be_and_otherwise_the_shortfall_is_the_least_possible(
    case: tuple[Programme, list[Initiative]], amount: float, data: st.DataObject
) -> None:
    from townhall.portfolio.optimiser import SavingsTarget

    from .checks import year_savings

    programme, items = case
    year = data.draw(st.just(programme.horizon_years) | st.integers(min_value=1, max_value=programme.horizon_years))
    programme = replace(programme, target=SavingsTarget(baseline=amount, fraction=1.0, year=year))
    feasible: list[dict[str, int]] = []
    for choice in itertools.product(*(_windows(programme, i) for i in items)):
        starts = {i.id: t for i, t in zip(items, choice, strict=True) if t is not None}
        if violations(programme, items, starts) == []:
            feasible.append(starts)
    plan = solve(programme, items)
    if not feasible:
        assert plan.status == "infeasible"
        return
    achievable = max(_savings_in(programme, items, s, year) for s in feasible)
    assert violations(programme, items, plan) == []
    if achievable >= amount - 1e-9:
        event("target met")
        assert plan.status == "optimal"
        assert year_savings(programme, items, plan, year) >= amount - 1e-6
        best = max(value(programme, items, s) for s in feasible if _savings_in(programme, items, s, year) >= amount)
        assert abs(plan.npv - best) <= 1e-6 * max(1.0, abs(best))
    else:
        event("target missed")
        assert plan.status == "target_missed" and plan.shortfall is not None
        assert abs(plan.shortfall.amount - (amount - achievable)) <= 1e-6 * amount
        assert abs(year_savings(programme, items, plan, year) - achievable) <= 1e-6 * amount


def _savings_in(programme: Programme, items: list[Initiative], starts: dict[str, int], year: int) -> float:
    by_id = {i.id: i for i in items}
    total = 0.0
    for initiative_id, start in starts.items():
        i = by_id[initiative_id]
        k = year - (start + i.duration)
        if 0 <= k < len(i.savings):
            total += i.savings[k] * i.probability
    return total
