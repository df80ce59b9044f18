"""The mixed-integer programme: binary x[i, t] = initiative i starts in year t, solved by HiGHS (highspy).

Constraint families (each can be relaxed by name, to find out which one stops the target being met):
``capital budget``, ``revenue budget``, ``staff``, ``requires``, ``excludes``, ``option groups``, ``locks``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from townhall.portfolio.optimiser.evaluate import flows, objective_coefficient, start_window
from townhall.portfolio.optimiser.model import Initiative, Lock, Objective, Programme

FAMILIES = ("capital budget", "revenue budget", "staff", "requires", "excludes", "option groups", "locks")
INF = highspy.kHighsInf


@dataclass(frozen=True)
class Progress:
    """One report from the solver while it works: a better plan was found, or a log line."""

    event: str  # "improved" (a better plan), "log" (a solver log line) or "stage" (the planner moves on)
    seconds: float
    objective: float | None
    bound: float | None
    gap: float | None
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Outcome:
    status: str  # "optimal", "feasible", "infeasible", "error"
    starts: dict[str, int]
    objective_value: float | None
    mip_gap: float | None
    dual_bound: float | None
    shortfall: float
    seconds: float
    message: str


class _Rows:
    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.start: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []

    def add(self, coefs: dict[int, float], lower: float, upper: float) -> None:
        if not coefs:
            return
        for col, v in coefs.items():
            self.index.append(col)
            self.value.append(v)
        self.start.append(len(self.index))
        self.lower.append(lower)
        self.upper.append(upper)


def solve_model(
    programme: Programme,
    initiatives: Sequence[Initiative],
    *,
    relax: frozenset[str] = frozenset(),
    elastic: bool = False,
    target_amount: float | None = None,
    progress: ProgressCallback | None = None,
    warm_start: dict[str, int] | None = None,
    time_limit: float | None = None,
) -> Outcome:
    """Build and solve. ``elastic`` minimises the target shortfall instead of the programme's objective."""
    began = time.perf_counter()
    h = programme.horizon_years
    columns: list[tuple[int, int]] = []  # (initiative index, start year)
    by_initiative: dict[int, dict[int, int]] = defaultdict(dict)
    cost: list[float] = []
    upper: list[float] = []
    for n, initiative in enumerate(initiatives):
        locked_out = initiative.locked is Lock.OUT and "locks" not in relax
        for t in start_window(programme, initiative):
            by_initiative[n][t] = len(columns)
            columns.append((n, t))
            cost.append(0.0 if elastic else objective_coefficient(programme, initiative, t))
            upper.append(0.0 if locked_out else 1.0)
    rows = _Rows()
    capital: dict[int, dict[int, float]] = defaultdict(dict)
    revenue: dict[int, dict[int, float]] = defaultdict(dict)
    staff: dict[int, dict[int, float]] = defaultdict(dict)
    target_row: dict[int, float] = {}
    target = programme.target
    for col, (n, t) in enumerate(columns):
        initiative = initiatives[n]
        f = flows(initiative, t)
        budget_capex = f.uplifted_capex if programme.budgets_include_uplift else f.capex
        for family, source in ((capital, budget_capex), (revenue, f.opex), (staff, f.fte)):
            for y, v in source.items():
                if y <= h:
                    family[y][col] = v
        if target is not None and target.year in f.savings:
            weight = initiative.probability if target.risk_adjusted else 1.0
            if f.savings[target.year] * weight:
                target_row[col] = f.savings[target.year] * weight
    for name, limits, family in (
        ("capital budget", programme.capital_budget, capital),
        ("revenue budget", programme.revenue_budget, revenue),
        ("staff", programme.fte_capacity, staff),
    ):
        if limits is not None and name not in relax:
            for y in range(1, h + 1):
                rows.add(family[y], -INF, float(limits[y - 1]))
    index_of = {initiative.id: n for n, initiative in enumerate(initiatives)}
    for n, initiative in enumerate(initiatives):
        starts = by_initiative[n]
        locked_in = initiative.locked is Lock.IN and "locks" not in relax
        if locked_in and not starts:
            return Outcome("infeasible", {}, None, None, None, 0.0, 0.0, f"{initiative.name} cannot fit the horizon")
        rows.add(dict.fromkeys(starts.values(), 1.0), 1.0 if locked_in else -INF, 1.0)
        if "requires" not in relax:
            for other_id in initiative.requires:
                j = index_of[other_id]
                lag = initiatives[j].duration if programme.requires_finish else 0
                for t in starts:
                    coefs = {c: 1.0 for s, c in starts.items() if s <= t}
                    for s, c in by_initiative[j].items():
                        if s <= t - lag:
                            coefs[c] = -1.0
                    rows.add(coefs, -INF, 0.0)
    if "excludes" not in relax:
        pairs = {frozenset((n, index_of[o])) for n, i in enumerate(initiatives) for o in i.excludes}
        for pair in sorted(tuple(sorted(p)) for p in pairs):
            coefs = {c: 1.0 for n in pair for c in by_initiative[n].values()}
            rows.add(coefs, -INF, 1.0)
    if "option groups" not in relax:
        groups: dict[str, dict[int, float]] = defaultdict(dict)
        for n, initiative in enumerate(initiatives):
            if initiative.option_group:
                groups[initiative.option_group].update(dict.fromkeys(by_initiative[n].values(), 1.0))
        for coefs in groups.values():
            rows.add(coefs, -INF, 1.0)
    amount = target_amount if target_amount is not None else (target.amount if target else None)
    shortfall_col = None
    if amount is not None and amount > 0:
        if elastic:
            shortfall_col = len(columns)
            target_row[shortfall_col] = 1.0
        if not target_row:
            return Outcome("infeasible", {}, None, None, None, amount, 0.0, "No initiative saves in the target year")
        rows.add(target_row, amount, INF)
    settings = _Settings(
        time_limit=programme.time_limit if time_limit is None else time_limit,
        # A shortfall is judged against the target: an absolute gap keeps a small shortfall from needing a tiny one.
        abs_gap=programme.mip_rel_gap * amount if elastic and amount else 1e-6,
        warm_start=warm_start or {},
    )
    return _run(programme, initiatives, columns, cost, upper, rows, shortfall_col, progress, began, settings)


@dataclass(frozen=True)
class _Settings:
    time_limit: float
    abs_gap: float
    warm_start: dict[str, int]


def _run(
    programme: Programme,
    initiatives: Sequence[Initiative],
    columns: list[tuple[int, int]],
    cost: list[float],
    upper: list[float],
    rows: _Rows,
    shortfall_col: int | None,
    progress: ProgressCallback | None,
    began: float,
    settings: _Settings,
) -> Outcome:
    num_col = len(columns) + (1 if shortfall_col is not None else 0)
    col_cost = list(cost) + ([1.0] if shortfall_col is not None else [])
    col_upper = list(upper) + ([INF] if shortfall_col is not None else [])
    if num_col == 0:
        return Outcome("optimal", {}, 0.0, 0.0, 0.0, 0.0, time.perf_counter() - began, "Nothing to choose from")
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = len(rows.lower)
    lp.col_cost_ = np.array(col_cost, dtype=np.float64)
    lp.col_lower_ = np.zeros(num_col)
    lp.col_upper_ = np.array(col_upper, dtype=np.float64)
    lp.row_lower_ = np.array(rows.lower, dtype=np.float64)
    lp.row_upper_ = np.array(rows.upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = num_col
    lp.a_matrix_.num_row_ = len(rows.lower)
    lp.a_matrix_.start_ = np.array(rows.start, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(rows.value, dtype=np.float64)
    maximise = shortfall_col is None and programme.objective is not Objective.MIN_COST
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    integrality = [highspy.HighsVarType.kInteger] * len(columns)
    if shortfall_col is not None:
        integrality.append(highspy.HighsVarType.kContinuous)
    lp.integrality_ = integrality
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(programme.mip_rel_gap))
    h.setOptionValue("mip_abs_gap", float(settings.abs_gap))
    h.setOptionValue("time_limit", float(settings.time_limit))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    if progress is not None:
        _subscribe(h, progress)
    h.passModel(lp)
    if settings.warm_start:
        start = np.zeros(num_col)
        for col, (n, t) in enumerate(columns):
            start[col] = 1.0 if settings.warm_start.get(initiatives[n].id) == t else 0.0
        h.setSolution(num_col, np.arange(num_col, dtype=np.int32), start)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    seconds = time.perf_counter() - began
    message = h.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        outcome = "optimal"
    elif status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return Outcome("infeasible", {}, None, None, None, 0.0, seconds, message)
    elif has_solution:
        outcome = "feasible"
    else:
        return Outcome("error", {}, None, None, None, 0.0, seconds, message)
    values = h.getSolution().col_value
    starts = {initiatives[n].id: t for col, (n, t) in enumerate(columns) if values[col] > 0.5}
    shortfall = float(values[shortfall_col]) if shortfall_col is not None else 0.0
    return Outcome(
        outcome,
        starts,
        float(info.objective_function_value),
        float(info.mip_gap),
        float(info.mip_dual_bound),
        max(shortfall, 0.0),
        seconds,
        message,
    )


def _subscribe(h: highspy.Highs, progress: ProgressCallback) -> None:
    def improved(event: highspy.highs.HighsCallbackEvent) -> None:
        out = event.data_out
        progress(Progress("improved", out.running_time, out.objective_function_value, out.mip_dual_bound, out.mip_gap))

    def logged(event: highspy.highs.HighsCallbackEvent) -> None:
        out = event.data_out
        progress(
            Progress("log", out.running_time, out.mip_primal_bound, out.mip_dual_bound, out.mip_gap, event.message)
        )

    h.cbMipImprovingSolution.subscribe(improved)
    h.cbMipLogging.subscribe(logged)
