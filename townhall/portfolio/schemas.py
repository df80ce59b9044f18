"""Request and response bodies of the portfolio API (``townhall.portfolio.api``)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema

from townhall.core.api_schemas import StrictSchema
from townhall.portfolio.optimiser.tables import Cell


class ProgrammeOut(Schema):
    slug: str
    name: str
    horizon_years: int
    objective: str
    starts_on: date | None
    initiatives: int
    scenarios: list[str]


class ProgrammeChangeIn(StrictSchema):
    starts_on: date | None


class InitiativeIn(StrictSchema):
    id: str = ""
    name: str
    category: str
    duration: int = 1
    earliest_start: int = 1
    latest_start: int | None = None
    capex: list[float] = []
    opex: list[float] = []
    savings: list[float] = []
    fte: list[float] = []
    probability: float = 1.0
    optimism_bias_upper: float = 2.0
    mitigation: float = 0.0
    requires: list[str] = []
    excludes: list[str] = []
    option_group: str = ""
    locked: str = ""
    services: list[str] = []

    def cells(self) -> dict[str, Cell]:
        out: dict[str, Cell] = {}
        for key, value in self.dict().items():
            if isinstance(value, list):
                out[key] = ";".join(str(v) for v in value)
            else:
                out[key] = "" if value is None else str(value)
        return out


class StatusOut(Schema):
    rag: str
    note: str
    recorded_at: datetime


class InitiativeOut(Schema):
    id: str
    name: str
    category: str
    duration: int
    earliest_start: int
    latest_start: int | None
    capex: list[float]
    opex: list[float]
    savings: list[float]
    fte: list[float]
    probability: float
    optimism_bias_upper: float
    mitigation: float
    requires: list[str]
    excludes: list[str]
    option_group: str
    locked: str
    services: list[str]
    status: StatusOut | None


class StatusIn(StrictSchema):
    rag: str
    note: str


class ChannelShiftIn(StrictSchema):
    service: str
    from_channel: str
    to_channel: str
    shift: float
    start: date
    end: date
    apply: bool = False
    years: int | None = None


class ChannelShiftOut(Schema):
    service: str
    from_channel: str
    to_channel: str
    shift: float
    start: date
    end: date
    volume: int
    unit_cost_from: float
    unit_cost_to: float
    annual_saving: float
    applied: bool


class ScenarioIn(StrictSchema):
    name: str
    budget_cut: float = 0.0
    target_change: float = 0.0
    savings_change: float = 0.0
    cost_change: float = 0.0
    staff_cut: float = 0.0


class ScenarioOut(ScenarioIn):
    created_at: datetime


class ScheduledOut(Schema):
    initiative_id: str
    name: str
    start_year: int
    finish_year: int


class YearOut(Schema):
    year: int
    capex: float
    opex: float
    savings: float
    expected_savings: float
    fte: float
    capital_budget: float | None
    revenue_budget: float | None
    fte_capacity: float | None


class ShortfallOut(Schema):
    amount: float
    proven_minimum: float
    target: float
    achievable: float
    binding: list[str]
    explanation: str


class PlanOut(Schema):
    status: str
    objective: str
    objective_value: float | None
    mip_gap: float | None
    dual_bound: float | None
    npv: float
    cost: float
    expected_savings: float
    solve_seconds: float
    message: str
    scheduled: list[ScheduledOut]
    years: list[YearOut]
    shortfall: ShortfallOut | None


class SensitivityOut(Schema):
    runs: int
    seed: int
    selected_share: dict[str, float]
    npv_mean: float
    npv_p10: float
    npv_p90: float
    statuses: dict[str, int]


class RunIn(StrictSchema):
    scenario: str | None = None
    kind: str = "plan"
    runs: int = 50
    seed: int = 0


class RunOut(Schema):
    id: int
    scenario: str | None
    kind: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    error: str
    stale: bool  # the programme or its initiatives have changed since it was solved
    plan: PlanOut | None
    sensitivity: SensitivityOut | None


class ComparedOut(Schema):
    scenario: str
    parameters: ScenarioIn
    run_id: int | None
    plan: PlanOut | None


class RoadmapOut(Schema):
    run_id: int | None
    finish_year: int | None
    critical_path: list[str]
    slack: dict[str, int]
    scheduled: list[ScheduledOut]


class BenefitYearOut(Schema):
    year: int
    start: date | None
    end: date | None
    planned: float
    actual: float | None


class BenefitsOut(Schema):
    id: str
    name: str
    services: list[str]
    start_year: int
    planned_total: float
    actual_total: float | None
    years: list[BenefitYearOut]


class BenefitsQuery(Schema):
    on: date | None = None
