"""The ICT investment planner's optimiser: a pure-Python core (no Django) over HiGHS via highspy.

Dataclasses in (``Initiative``, ``Programme``), dataclasses out (``Plan``). Never import ortools in the
same process: its bundled solvers clash with highspy's.
"""

from townhall.portfolio.optimiser.gantt import roadmap_svg
from townhall.portfolio.optimiser.milp import FAMILIES, Progress, ProgressCallback
from townhall.portfolio.optimiser.model import (
    GREEN_BOOK_DISCOUNT_RATE,
    GREEN_BOOK_IT_CAPEX_UPPER_BOUND,
    MAX_HORIZON_YEARS,
    Category,
    Initiative,
    Lock,
    Objective,
    Plan,
    Programme,
    SavingsTarget,
    Scheduled,
    Shortfall,
    YearTotals,
    channel_shift_saving,
    validate,
)
from townhall.portfolio.optimiser.planner import solve
from townhall.portfolio.optimiser.roadmap import CriticalPath, critical_path, greedy_plan
from townhall.portfolio.optimiser.scenarios import (
    STANDARD_SCENARIOS,
    Scenario,
    ScenarioResult,
    Sensitivity,
    apply_scenario,
    compare_scenarios,
    sensitivity,
)

__all__ = [
    "FAMILIES",
    "GREEN_BOOK_DISCOUNT_RATE",
    "GREEN_BOOK_IT_CAPEX_UPPER_BOUND",
    "MAX_HORIZON_YEARS",
    "STANDARD_SCENARIOS",
    "Category",
    "CriticalPath",
    "Initiative",
    "Lock",
    "Objective",
    "Plan",
    "Programme",
    "Progress",
    "ProgressCallback",
    "SavingsTarget",
    "Scenario",
    "ScenarioResult",
    "Scheduled",
    "Sensitivity",
    "Shortfall",
    "YearTotals",
    "apply_scenario",
    "channel_shift_saving",
    "compare_scenarios",
    "critical_path",
    "greedy_plan",
    "roadmap_svg",
    "sensitivity",
    "solve",
    "validate",
]
