"""Plan a programme: solve, and when the savings target cannot be met say by how much and what binds."""

from __future__ import annotations

from collections.abc import Sequence

from townhall.portfolio.optimiser.evaluate import evaluate
from townhall.portfolio.optimiser.milp import FAMILIES, Outcome, Progress, ProgressCallback, solve_model
from townhall.portfolio.optimiser.model import Initiative, Plan, Programme, Shortfall, validate

# A shortfall smaller than this (in money) is rounding, not a shortfall.
TOLERANCE = 1e-6

_PLAIN = {
    "capital budget": "the yearly capital budgets",
    "revenue budget": "the yearly revenue budgets",
    "staff": "the yearly delivery staff (FTE) capacity",
    "requires": "the dependencies between initiatives (one requires another)",
    "excludes": "the initiatives that exclude one another",
    "option groups": "the option groups (at most one option from each)",
    "locks": "the initiatives locked in or out",
}


def solve(
    programme: Programme,
    initiatives: Sequence[Initiative],
    *,
    progress: ProgressCallback | None = None,
    diagnose: bool = True,
) -> Plan:
    """Choose and schedule initiatives. Raises ValidationFailed for malformed input; never for infeasibility."""
    validate(programme, initiatives)
    outcome = solve_model(programme, initiatives, progress=progress)
    if outcome.status in ("optimal", "feasible"):
        return _plan(programme, initiatives, outcome)
    if outcome.status == "error":
        return _plan(programme, initiatives, outcome, message=f"The solver stopped: {outcome.message}")
    if programme.target is None or not diagnose:
        return _infeasible(programme, initiatives, outcome, _without_target_reason(programme, initiatives))
    # Elastic target: minimise the shortfall, then plan for the best objective at that shortfall.
    _stage(progress, "The savings target cannot be met: finding the smallest shortfall")
    limit = programme.diagnosis_time_limit
    elastic = solve_model(programme, initiatives, elastic=True, time_limit=limit)
    if elastic.status not in ("optimal", "feasible"):
        return _infeasible(programme, initiatives, elastic, _without_target_reason(programme, initiatives))
    target = programme.target.amount
    amount = elastic.shortfall
    proven = min(amount, max(0.0, elastic.dual_bound or 0.0))
    achievable = target - amount
    second = solve_model(
        programme,
        initiatives,
        target_amount=achievable - TOLERANCE * max(1.0, target),
        warm_start=elastic.starts,
        time_limit=limit,
    )
    best = second if second.status in ("optimal", "feasible") else elastic
    _stage(progress, "Finding which limits stop the target being met")
    binding, explanation = _binding(programme, initiatives, proven)
    shortfall = Shortfall(
        amount=amount,
        proven_minimum=proven,
        target=target,
        achievable=achievable,
        binding=binding,
        explanation=explanation,
    )
    proof = "" if amount - proven <= TOLERANCE * max(1.0, target) else f" (proved to be at least {proven:,.0f})"
    message = (
        f"The savings target of {target:,.0f} in year {programme.target.year} cannot be met: "
        f"the best plan found saves {achievable:,.0f}, a shortfall of {amount:,.0f}{proof}. {explanation}"
    )
    return _plan(programme, initiatives, best, status="target_missed", message=message, shortfall=shortfall)


def _stage(progress: ProgressCallback | None, message: str) -> None:
    if progress is not None:
        progress(Progress("stage", 0.0, None, None, None, message))


def _binding(programme: Programme, initiatives: Sequence[Initiative], proven: float) -> tuple[tuple[str, ...], str]:
    """Relax each constraint family in turn. A family binds when, without it, a plan falls short by less than
    the shortfall HiGHS proved unavoidable with it."""
    limit = programme.diagnosis_time_limit
    margin = TOLERANCE * max(1.0, proven)
    reductions: list[tuple[str, float]] = []
    for family in _present_families(programme, initiatives):
        relaxed = solve_model(programme, initiatives, relax=frozenset({family}), elastic=True, time_limit=limit)
        if relaxed.status in ("optimal", "feasible") and relaxed.shortfall < proven - margin:
            reductions.append((family, relaxed.shortfall))
    if not reductions:
        together = solve_model(programme, initiatives, relax=frozenset(FAMILIES), elastic=True, time_limit=limit)
        if together.status in ("optimal", "feasible") and together.shortfall < proven - margin:
            return tuple(FAMILIES), (
                "No single limit is to blame: the limits together hold savings back "
                f"(with none of them the shortfall would be {together.shortfall:,.0f})."
            )
        return (), (
            "No budget, staff or dependency limit is to blame: the initiatives on offer cannot save enough "
            "by the target year."
        )
    reductions.sort(key=lambda item: item[1])
    parts = []
    for family, remaining in reductions:
        if remaining <= margin:
            parts.append(f"without {_PLAIN[family]} the target would be met")
        else:
            parts.append(f"without {_PLAIN[family]} the shortfall would fall to {remaining:,.0f}")
    text = "; ".join(parts)
    return tuple(f for f, _ in reductions), f"What binds: {text[0].upper()}{text[1:]}."


def _present_families(programme: Programme, initiatives: Sequence[Initiative]) -> list[str]:
    present = {
        "capital budget": programme.capital_budget is not None,
        "revenue budget": programme.revenue_budget is not None,
        "staff": programme.fte_capacity is not None,
        "requires": any(i.requires for i in initiatives),
        "excludes": any(i.excludes for i in initiatives),
        "option groups": any(i.option_group for i in initiatives),
        "locks": any(i.locked is not None for i in initiatives),
    }
    return [f for f in FAMILIES if present[f]]


def _without_target_reason(programme: Programme, initiatives: Sequence[Initiative]) -> str:
    """The programme is infeasible even before the target: name the families that restore feasibility."""
    fixes = []
    for family in _present_families(programme, initiatives):
        outcome = solve_model(
            programme,
            initiatives,
            relax=frozenset({family}),
            elastic=programme.target is not None,
            time_limit=programme.diagnosis_time_limit,
        )
        if outcome.status in ("optimal", "feasible"):
            fixes.append(_PLAIN[family])
    if fixes:
        return "No plan satisfies every limit. It could be planned without " + " or without ".join(fixes) + "."
    return "No plan satisfies every limit, and relaxing any one kind of limit is not enough."


def _infeasible(programme: Programme, initiatives: Sequence[Initiative], outcome: Outcome, reason: str) -> Plan:
    return _plan(programme, initiatives, outcome, status="infeasible", message=reason)


def _plan(
    programme: Programme,
    initiatives: Sequence[Initiative],
    outcome: Outcome,
    *,
    status: str | None = None,
    message: str = "",
    shortfall: Shortfall | None = None,
) -> Plan:
    evaluation = evaluate(programme, initiatives, outcome.starts)
    return Plan(
        status=status or outcome.status,
        objective=programme.objective,
        objective_value=outcome.objective_value if status != "target_missed" else evaluation.objective_value,
        mip_gap=outcome.mip_gap,
        dual_bound=outcome.dual_bound,
        scheduled=evaluation.scheduled,
        years=evaluation.years,
        npv=evaluation.npv,
        cost=evaluation.cost,
        expected_savings=evaluation.expected_savings,
        solve_seconds=outcome.seconds,
        message=message or outcome.message,
        shortfall=shortfall,
    )
