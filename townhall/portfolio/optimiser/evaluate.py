"""Cash flows of an initiative at a start year, and the totals and value of a set of chosen starts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from townhall.portfolio.optimiser.model import Initiative, Objective, Programme, Scheduled, YearTotals


@dataclass(frozen=True)
class Flows:
    """Amounts by programme year (1-based) for one initiative started in a given year."""

    capex: dict[int, float]
    uplifted_capex: dict[int, float]
    opex: dict[int, float]
    savings: dict[int, float]
    fte: dict[int, float]


def start_window(programme: Programme, initiative: Initiative) -> range:
    """The years an initiative may start in: from its earliest start, finishing delivery within the horizon."""
    last = programme.horizon_years - initiative.duration + 1
    if initiative.latest_start is not None:
        last = min(last, initiative.latest_start)
    return range(max(1, initiative.earliest_start), last + 1)


def flows(initiative: Initiative, start: int) -> Flows:
    def shift(values: Sequence[float], offset: int) -> dict[int, float]:
        return {offset + k: float(v) for k, v in enumerate(values) if v}

    return Flows(
        capex=shift(initiative.capex, start),
        uplifted_capex=shift(initiative.uplifted_capex(), start),
        opex=shift(initiative.opex, start),
        savings=shift(initiative.savings, start + initiative.duration),
        fte=shift(initiative.fte, start),
    )


def discount_factor(programme: Programme, year: int) -> float:
    """Green Book convention: the first year is year 0 and is not discounted."""
    return float(1.0 / (1.0 + programme.discount_rate) ** (year - 1))


def value_terms(programme: Programme, initiative: Initiative, start: int) -> tuple[float, float]:
    """Discounted expected savings and discounted uplifted costs within the appraisal period."""
    f = flows(initiative, start)
    last = programme.appraisal
    benefit = sum(v * discount_factor(programme, y) for y, v in f.savings.items() if y <= last)
    cost = sum(v * discount_factor(programme, y) for y, v in f.uplifted_capex.items() if y <= last)
    cost += sum(v * discount_factor(programme, y) for y, v in f.opex.items() if y <= last)
    return benefit * initiative.probability, cost


def objective_coefficient(programme: Programme, initiative: Initiative, start: int) -> float:
    benefit, cost = value_terms(programme, initiative, start)
    if programme.objective is Objective.MAX_NPV:
        return benefit - cost
    if programme.objective is Objective.MIN_COST:
        return cost
    return benefit


@dataclass(frozen=True)
class Evaluation:
    scheduled: tuple[Scheduled, ...]
    years: tuple[YearTotals, ...]
    npv: float
    cost: float
    expected_savings: float
    objective_value: float


def evaluate(programme: Programme, initiatives: Sequence[Initiative], starts: Mapping[str, int]) -> Evaluation:
    """Totals by year and the value of the chosen starts (independent of how they were chosen)."""
    by_id = {i.id: i for i in initiatives}
    h = programme.horizon_years
    capex = [0.0] * (h + 1)
    opex = [0.0] * (h + 1)
    savings = [0.0] * (h + 1)
    expected = [0.0] * (h + 1)
    fte = [0.0] * (h + 1)
    npv = cost = benefit_total = objective = 0.0
    scheduled = []
    for initiative_id, start in sorted(starts.items(), key=lambda kv: (kv[1], kv[0])):
        initiative = by_id[initiative_id]
        f = flows(initiative, start)
        budget_capex = f.uplifted_capex if programme.budgets_include_uplift else f.capex
        for y, v in budget_capex.items():
            if y <= h:
                capex[y] += v
        for target, source in ((opex, f.opex), (fte, f.fte)):
            for y, v in source.items():
                if y <= h:
                    target[y] += v
        for y, v in f.savings.items():
            if y <= h:
                savings[y] += v
                expected[y] += v * initiative.probability
        benefit, c = value_terms(programme, initiative, start)
        npv += benefit - c
        cost += c
        benefit_total += benefit
        objective += objective_coefficient(programme, initiative, start)
        scheduled.append(Scheduled(initiative.id, initiative.name, start, start + initiative.duration - 1))

    def budget(values: tuple[float, ...] | None, y: int) -> float | None:
        return None if values is None else float(values[y - 1])

    years = tuple(
        YearTotals(
            year=y,
            capex=capex[y],
            opex=opex[y],
            savings=savings[y],
            expected_savings=expected[y],
            fte=fte[y],
            capital_budget=budget(programme.capital_budget, y),
            revenue_budget=budget(programme.revenue_budget, y),
            fte_capacity=budget(programme.fte_capacity, y),
        )
        for y in range(1, h + 1)
    )
    return Evaluation(tuple(scheduled), years, npv, cost, benefit_total, objective)


def target_savings(programme: Programme, evaluation: Evaluation) -> float:
    """The savings the target counts in its year (risk-adjusted unless the target says otherwise)."""
    target = programme.target
    if target is None:
        return 0.0
    row = evaluation.years[target.year - 1]
    return row.expected_savings if target.risk_adjusted else row.savings
