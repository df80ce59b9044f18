"""An independent check that a plan keeps every rule, computed from the inputs (not the optimiser's own totals)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from townhall.portfolio.optimiser import Initiative, Lock, Plan, Programme

EPS = 1e-6


def violations(programme: Programme, initiatives: Sequence[Initiative], plan: Plan | Mapping[str, int]) -> list[str]:
    by_id = {i.id: i for i in initiatives}
    starts = plan.chosen if isinstance(plan, Plan) else dict(plan)
    problems: list[str] = []
    h = programme.horizon_years
    spend = {"capital": [0.0] * h, "revenue": [0.0] * h, "staff": [0.0] * h}
    for initiative_id, start in starts.items():
        i = by_id[initiative_id]
        if start < i.earliest_start or (i.latest_start is not None and start > i.latest_start):
            problems.append(f"{i.id} starts outside its window")
        if start + i.duration - 1 > h:
            problems.append(f"{i.id} finishes after the horizon")
        capex = [c * (1 + i.capex_uplift) for c in i.capex] if programme.budgets_include_uplift else list(i.capex)
        for key, profile in (("capital", capex), ("revenue", i.opex), ("staff", i.fte)):
            for k, v in enumerate(profile):
                if start + k <= h:
                    spend[key][start + k - 1] += v
        for r in i.requires:
            lag = by_id[r].duration if programme.requires_finish else 0
            if r not in starts or starts[r] > start - lag:
                problems.append(f"{i.id} starts before {r}, which it requires")
        for e in i.excludes:
            if e in starts:
                problems.append(f"{i.id} and {e} exclude one another")
        if i.locked is Lock.OUT:
            problems.append(f"{i.id} is locked out")
    for i in initiatives:
        if i.locked is Lock.IN and i.id not in starts:
            problems.append(f"{i.id} is locked in but not chosen")
    groups: dict[str, int] = {}
    for initiative_id in starts:
        g = by_id[initiative_id].option_group
        if g:
            groups[g] = groups.get(g, 0) + 1
    problems += [f"group {g} has {n} options chosen" for g, n in groups.items() if n > 1]
    for key, limits in (
        ("capital", programme.capital_budget),
        ("revenue", programme.revenue_budget),
        ("staff", programme.fte_capacity),
    ):
        if limits is not None:
            for y in range(h):
                if spend[key][y] > limits[y] + EPS * max(1.0, limits[y]):
                    problems.append(f"{key} in year {y + 1}: {spend[key][y]} > {limits[y]}")
    return problems


def year_savings(programme: Programme, initiatives: Sequence[Initiative], plan: Plan, year: int) -> float:
    """Risk-adjusted savings in ``year``, from the inputs."""
    by_id = {i.id: i for i in initiatives}
    total = 0.0
    for initiative_id, start in plan.chosen.items():
        i = by_id[initiative_id]
        k = year - (start + i.duration)
        if 0 <= k < len(i.savings):
            total += i.savings[k] * i.probability
    return total


def value(programme: Programme, initiatives: Sequence[Initiative], starts: Mapping[str, int]) -> float:
    """NPV of the chosen starts, summed year by year from the inputs (max NPV objective)."""
    by_id = {i.id: i for i in initiatives}
    last = programme.appraisal
    total = 0.0
    for initiative_id, start in starts.items():
        i = by_id[initiative_id]
        uplift = 1 + i.capex_uplift
        for k in range(max(len(i.capex), len(i.opex), len(i.savings) + i.duration)):
            year = start + k
            if year > last:
                break
            df = (1 + programme.discount_rate) ** -(year - 1)
            capex = i.capex[k] if k < len(i.capex) else 0.0
            opex = i.opex[k] if k < len(i.opex) else 0.0
            s = k - i.duration
            saving = i.savings[s] if 0 <= s < len(i.savings) else 0.0
            total += df * (saving * i.probability - capex * uplift - opex)
    return total
