"""Named, immutable scenarios compared side by side, and sensitivity to uncertain savings and costs."""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from townhall.portfolio.optimiser.milp import ProgressCallback
from townhall.portfolio.optimiser.model import Initiative, Plan, Programme
from townhall.portfolio.optimiser.planner import solve


@dataclass(frozen=True)
class Scenario:
    """Changes to a programme, as fractions: budget_cut=0.2 takes 20% off every yearly budget;
    target_change=0.1 raises the savings target by 10%; savings_change=-0.3 delivers 30% less than planned."""

    name: str
    budget_cut: float = 0.0
    target_change: float = 0.0
    savings_change: float = 0.0
    cost_change: float = 0.0
    staff_cut: float = 0.0


BASELINE = Scenario("As planned")
STANDARD_SCENARIOS = (
    BASELINE,
    Scenario("Budgets cut by 20%", budget_cut=0.2),
    Scenario("Target 10% higher", target_change=0.1),
    Scenario("Savings 30% lower than planned", savings_change=-0.3),
)


def apply_scenario(
    scenario: Scenario, programme: Programme, initiatives: Sequence[Initiative]
) -> tuple[Programme, list[Initiative]]:
    def scaled(values: tuple[float, ...] | None, factor: float) -> tuple[float, ...] | None:
        return None if values is None else tuple(v * factor for v in values)

    budget = 1.0 - scenario.budget_cut
    changed = replace(
        programme,
        capital_budget=scaled(programme.capital_budget, budget),
        revenue_budget=scaled(programme.revenue_budget, budget),
        fte_capacity=scaled(programme.fte_capacity, 1.0 - scenario.staff_cut),
        target=(
            replace(programme.target, fraction=programme.target.fraction * (1.0 + scenario.target_change))
            if programme.target is not None
            else None
        ),
    )
    savings, costs = 1.0 + scenario.savings_change, 1.0 + scenario.cost_change
    return changed, [
        replace(
            i,
            savings=tuple(v * savings for v in i.savings),
            capex=tuple(v * costs for v in i.capex),
            opex=tuple(v * costs for v in i.opex),
        )
        for i in initiatives
    ]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    plan: Plan


def compare_scenarios(
    programme: Programme,
    initiatives: Sequence[Initiative],
    scenarios: Sequence[Scenario] = STANDARD_SCENARIOS,
    *,
    progress: ProgressCallback | None = None,
) -> list[ScenarioResult]:
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError("Each scenario needs its own name")
    return [ScenarioResult(s, solve(*apply_scenario(s, programme, initiatives), progress=progress)) for s in scenarios]


@dataclass(frozen=True)
class Sensitivity:
    runs: int
    seed: int
    selected_share: dict[str, float]  # initiative id → share of runs in which it was chosen
    npv_mean: float
    npv_p10: float
    npv_p90: float
    statuses: dict[str, int]


def sensitivity(
    programme: Programme,
    initiatives: Sequence[Initiative],
    *,
    runs: int = 50,
    seed: int = 0,
    savings_spread: float = 0.2,
    cost_spread: float = 0.2,
) -> Sensitivity:
    """Re-solve ``runs`` times with each initiative's savings and costs scaled by independent uniform factors
    in [1 − spread, 1 + spread] from a seeded generator, and count how often each initiative stays in."""
    if runs < 1:
        raise ValueError("Run at least once")
    rng = random.Random(seed)
    counts = {i.id: 0 for i in initiatives}
    npvs: list[float] = []
    statuses: dict[str, int] = {}
    for _ in range(runs):
        perturbed = []
        for i in initiatives:
            s = rng.uniform(1 - savings_spread, 1 + savings_spread)
            c = rng.uniform(1 - cost_spread, 1 + cost_spread)
            perturbed.append(
                replace(
                    i,
                    savings=tuple(v * s for v in i.savings),
                    capex=tuple(v * c for v in i.capex),
                    opex=tuple(v * c for v in i.opex),
                )
            )
        plan = solve(programme, perturbed, diagnose=False)
        statuses[plan.status] = statuses.get(plan.status, 0) + 1
        for initiative_id in plan.chosen:
            counts[initiative_id] += 1
        npvs.append(plan.npv)
    deciles = statistics.quantiles(npvs, n=10, method="inclusive") if len(npvs) > 1 else [npvs[0]] * 9
    return Sensitivity(
        runs=runs,
        seed=seed,
        selected_share={k: v / runs for k, v in counts.items()},
        npv_mean=statistics.fmean(npvs),
        npv_p10=deciles[0],
        npv_p90=deciles[-1],
        statuses=statuses,
    )
