"""Plans and sensitivity studies as JSON-ready dictionaries (to store on a run) and back again."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from townhall.portfolio.optimiser.model import Objective, Plan, Scheduled, Shortfall, YearTotals
from townhall.portfolio.optimiser.scenarios import Sensitivity


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    data = asdict(plan)
    data["objective"] = plan.objective.value
    data["scheduled"] = [asdict(s) for s in plan.scheduled]
    data["years"] = [asdict(y) for y in plan.years]
    data["shortfall"] = None if plan.shortfall is None else {**asdict(plan.shortfall)}
    if data["shortfall"] is not None:
        data["shortfall"]["binding"] = list(plan.shortfall.binding)  # type: ignore[union-attr]
    return data


def plan_from_dict(data: dict[str, Any]) -> Plan:
    shortfall = data.get("shortfall")
    return Plan(
        status=data["status"],
        objective=Objective(data["objective"]),
        objective_value=data.get("objective_value"),
        mip_gap=data.get("mip_gap"),
        dual_bound=data.get("dual_bound"),
        scheduled=tuple(Scheduled(**s) for s in data.get("scheduled", [])),
        years=tuple(YearTotals(**y) for y in data.get("years", [])),
        npv=data.get("npv", 0.0),
        cost=data.get("cost", 0.0),
        expected_savings=data.get("expected_savings", 0.0),
        solve_seconds=data.get("solve_seconds", 0.0),
        message=data.get("message", ""),
        shortfall=None if shortfall is None else Shortfall(**{**shortfall, "binding": tuple(shortfall["binding"])}),
    )


def sensitivity_to_dict(result: Sensitivity) -> dict[str, Any]:
    return asdict(result)
