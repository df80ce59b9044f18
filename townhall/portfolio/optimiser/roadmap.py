"""The roadmap's critical path through dependencies, and a greedy benefit/cost ranking to compare against."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from townhall.portfolio.optimiser.evaluate import (
    evaluate,
    flows,
    objective_coefficient,
    start_window,
    target_savings,
    value_terms,
)
from townhall.portfolio.optimiser.model import Initiative, Lock, Objective, Plan, Programme, validate


@dataclass(frozen=True)
class CriticalPath:
    path: tuple[str, ...]  # initiative ids, first to last
    finish_year: int  # the last year of delivery of the whole roadmap
    early_start: dict[str, int]
    slack: dict[str, int]  # years an initiative can slip without delaying the finish


def critical_path(
    initiatives: Sequence[Initiative],
    *,
    starts: Mapping[str, int] | None = None,
    requires_finish: bool = True,
) -> CriticalPath:
    """Critical path method over the ``requires`` links among the given initiatives.

    ``starts`` (planned start years) act as the earliest each initiative can start; without them each
    initiative's own earliest start is used. Links to initiatives not in the list are ignored.
    """
    by_id = {i.id: i for i in initiatives if starts is None or i.id in starts}
    order = _topological(by_id)
    early: dict[str, int] = {}
    for initiative_id in order:
        i = by_id[initiative_id]
        es = starts[initiative_id] if starts is not None else i.earliest_start
        for r in i.requires:
            if r in by_id:
                lag = by_id[r].duration if requires_finish else 0
                es = max(es, early[r] + lag)
        early[initiative_id] = es
    if not early:
        return CriticalPath((), 0, {}, {})
    finish = max(early[k] + by_id[k].duration - 1 for k in early)
    dependants: dict[str, list[str]] = {k: [] for k in by_id}
    for k, i in by_id.items():
        for r in i.requires:
            if r in by_id:
                dependants[r].append(k)
    late: dict[str, int] = {}
    for initiative_id in reversed(order):
        i = by_id[initiative_id]
        ls = finish - i.duration + 1
        for d in dependants[initiative_id]:
            lag = i.duration if requires_finish else 0
            ls = min(ls, late[d] - lag)
        late[initiative_id] = ls
    slack = {k: late[k] - early[k] for k in order}
    # Walk back from the critical initiative that finishes last, through critical predecessors that constrain it.
    end = max((k for k in order if slack[k] == 0), key=lambda k: (early[k] + by_id[k].duration, k))
    path = [end]
    while True:
        current = by_id[path[-1]]
        lag_of = {r: by_id[r].duration if requires_finish else 0 for r in current.requires if r in by_id}
        tight = sorted(r for r, lag in lag_of.items() if slack[r] == 0 and early[r] + lag == early[current.id])
        if not tight:
            break
        path.append(tight[0])
    return CriticalPath(tuple(reversed(path)), finish, early, slack)


def _topological(by_id: Mapping[str, Initiative]) -> list[str]:
    """Kahn's algorithm, ties by id; raises ValueError on a dependency cycle."""
    remaining = {k: {r for r in i.requires if r in by_id} for k, i in by_id.items()}
    order: list[str] = []
    ready = sorted(k for k, deps in remaining.items() if not deps)
    while ready:
        k = ready.pop(0)
        order.append(k)
        for other, deps in remaining.items():
            if k in deps:
                deps.discard(k)
                if not deps and other not in order and other not in ready:
                    ready.append(other)
        ready.sort()
    if len(order) != len(by_id):
        raise ValueError("The dependencies form a cycle: " + ", ".join(sorted(set(by_id) - set(order))))
    return order


def greedy_plan(programme: Programme, initiatives: Sequence[Initiative]) -> Plan:
    """Baseline: take initiatives in order of benefit/cost ratio, each at its earliest start that fits."""
    validate(programme, initiatives)
    h = programme.horizon_years
    room = {
        "capex": list(programme.capital_budget) if programme.capital_budget is not None else None,
        "opex": list(programme.revenue_budget) if programme.revenue_budget is not None else None,
        "fte": list(programme.fte_capacity) if programme.fte_capacity is not None else None,
    }

    def ratio(i: Initiative) -> float:
        benefit, cost = value_terms(programme, i, max(1, i.earliest_start))
        return benefit / cost if cost > 0 else float("inf")

    ranked = sorted(initiatives, key=lambda i: (i.locked is not Lock.IN, -ratio(i), i.id))
    chosen: dict[str, int] = {}
    used_groups: set[str] = set()
    by_id = {i.id: i for i in initiatives}
    npv_only = programme.objective is Objective.MAX_NPV
    changed = True
    while changed:
        changed = False
        for i in ranked:
            if i.id in chosen or i.locked is Lock.OUT or (i.option_group and i.option_group in used_groups):
                continue
            if any(e in chosen for e in i.excludes) or any(i.id in by_id[c].excludes for c in chosen):
                continue
            if i.locked is not Lock.IN and programme.objective is Objective.MAX_NPV:
                benefit, cost = value_terms(programme, i, max(1, i.earliest_start))
                if benefit - cost <= 0:
                    continue
            if programme.objective is Objective.MIN_COST and i.locked is not Lock.IN:
                continue
            for t in start_window(programme, i):
                if not _requirements_met(programme, i, t, chosen, by_id) or not _fits(programme, i, t, room, h):
                    continue
                if npv_only and i.locked is not Lock.IN and objective_coefficient(programme, i, t) <= 0:
                    continue
                chosen[i.id] = t
                _take(programme, i, t, room, h)
                if i.option_group:
                    used_groups.add(i.option_group)
                changed = True
                break
    evaluation = evaluate(programme, initiatives, chosen)
    status, message = "feasible", "Greedy benefit/cost ranking (no optimality claim)"
    if programme.target is not None and target_savings(programme, evaluation) < programme.target.amount - 1e-6:
        status, message = "target_missed", "Greedy benefit/cost ranking: it does not meet the savings target"
    return Plan(
        status=status,
        objective=programme.objective,
        objective_value=evaluation.objective_value,
        mip_gap=None,
        dual_bound=None,
        scheduled=evaluation.scheduled,
        years=evaluation.years,
        npv=evaluation.npv,
        cost=evaluation.cost,
        expected_savings=evaluation.expected_savings,
        solve_seconds=0.0,
        message=message,
    )


def _requirements_met(
    programme: Programme, i: Initiative, t: int, chosen: dict[str, int], by_id: Mapping[str, Initiative]
) -> bool:
    for r in i.requires:
        lag = by_id[r].duration if programme.requires_finish else 0
        if r not in chosen or chosen[r] > t - lag:
            return False
    return True


def _amounts(programme: Programme, i: Initiative, t: int) -> dict[str, dict[int, float]]:
    f = flows(i, t)
    return {"capex": f.uplifted_capex if programme.budgets_include_uplift else f.capex, "opex": f.opex, "fte": f.fte}


def _fits(programme: Programme, i: Initiative, t: int, room: dict[str, list[float] | None], h: int) -> bool:
    for key, amounts in _amounts(programme, i, t).items():
        limits = room[key]
        if limits is not None and any(y <= h and v > limits[y - 1] + 1e-9 for y, v in amounts.items()):
            return False
    return True


def _take(programme: Programme, i: Initiative, t: int, room: dict[str, list[float] | None], h: int) -> None:
    for key, amounts in _amounts(programme, i, t).items():
        limits = room[key]
        if limits is not None:
            for y, v in amounts.items():
                if y <= h:
                    limits[y - 1] -= v
