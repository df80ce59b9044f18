"""The planner's vocabulary: initiatives, the programme they compete in, and the plan that comes out.

Years are counted from 1 (the first year of the programme). An initiative's cost and staff profiles are
indexed by year of delivery relative to its start (index 0 is the year it starts); its savings are indexed
by year of operation, beginning the year after delivery ends (start + duration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from townhall.core.errors import FieldError, ValidationFailed

MAX_HORIZON_YEARS = 10
GREEN_BOOK_DISCOUNT_RATE = 0.035
# HM Treasury Green Book supplementary guidance on optimism bias: "equipment/development" (IT) projects
# have an upper bound of 200% on capital costs; mitigation factors (0 = none, 1 = fully mitigated) reduce it.
GREEN_BOOK_IT_CAPEX_UPPER_BOUND = 2.0


class Category(StrEnum):
    SHARED_SERVICES = "shared services"
    SERVICE_REDESIGN = "service redesign"
    CHANNEL_SHIFT = "channel shift"
    AGILE_WORKING = "agile and flexible working"
    AGGREGATED_PROCUREMENT = "aggregated procurement"
    DEMAND_MANAGEMENT = "demand management"
    LEGACY_RETIREMENT = "legacy retirement"
    DATA = "data"
    OPEN_DATA = "open data"


class Lock(StrEnum):
    IN = "in"
    OUT = "out"


class Objective(StrEnum):
    MAX_NPV = "max_npv"  # expected savings × probability − uplifted costs, discounted
    MIN_COST = "min_cost"  # least discounted, uplifted cost that meets the target and the locks
    MAX_SAVINGS = "max_savings"  # most expected discounted savings within budgets (costs only constrain)


@dataclass(frozen=True)
class Initiative:
    id: str
    name: str
    category: Category
    duration: int = 1
    capex: tuple[float, ...] = ()
    opex: tuple[float, ...] = ()
    savings: tuple[float, ...] = ()
    fte: tuple[float, ...] = ()
    earliest_start: int = 1
    latest_start: int | None = None
    probability: float = 1.0
    optimism_bias_upper: float = GREEN_BOOK_IT_CAPEX_UPPER_BOUND
    mitigation: float = 0.0
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    option_group: str = ""
    locked: Lock | None = None
    services: tuple[str, ...] = ()

    @property
    def capex_uplift(self) -> float:
        """The optimism-bias uplift on capital costs: the upper bound reduced by the mitigation factor."""
        return self.optimism_bias_upper * (1.0 - self.mitigation)

    def uplifted_capex(self) -> tuple[float, ...]:
        factor = 1.0 + self.capex_uplift
        return tuple(c * factor for c in self.capex)


@dataclass(frozen=True)
class SavingsTarget:
    """Annual savings of at least ``fraction`` × ``baseline`` in year ``year`` (risk-adjusted by default)."""

    baseline: float
    fraction: float
    year: int
    risk_adjusted: bool = True

    @property
    def amount(self) -> float:
        return self.baseline * self.fraction


@dataclass(frozen=True)
class Programme:
    horizon_years: int
    capital_budget: tuple[float, ...] | None = None
    revenue_budget: tuple[float, ...] | None = None
    fte_capacity: tuple[float, ...] | None = None
    target: SavingsTarget | None = None
    discount_rate: float = GREEN_BOOK_DISCOUNT_RATE
    objective: Objective = Objective.MAX_NPV
    appraisal_years: int | None = None  # cash flows counted in the objective; defaults to the horizon
    requires_finish: bool = False  # True: a required initiative must finish before the dependant starts
    budgets_include_uplift: bool = False  # budgets bind on planned costs unless this is set
    mip_rel_gap: float = 1e-4
    time_limit: float = 60.0
    diagnosis_time_limit: float = 5.0  # per re-solve when explaining a shortfall

    @property
    def appraisal(self) -> int:
        return self.appraisal_years or self.horizon_years


@dataclass(frozen=True)
class Scheduled:
    initiative_id: str
    name: str
    start_year: int
    finish_year: int


@dataclass(frozen=True)
class YearTotals:
    year: int
    capex: float
    opex: float
    savings: float
    expected_savings: float
    fte: float
    capital_budget: float | None
    revenue_budget: float | None
    fte_capacity: float | None


@dataclass(frozen=True)
class Shortfall:
    """Why the savings target was not met, in plain words."""

    amount: float  # the smallest shortfall found
    proven_minimum: float  # HiGHS proved the shortfall is at least this (equal to amount when optimal)
    target: float
    achievable: float
    binding: tuple[str, ...]
    explanation: str


@dataclass(frozen=True)
class Plan:
    status: str  # "optimal", "feasible" (stopped with a gap), "target_missed", "infeasible", "error"
    objective: Objective
    objective_value: float | None
    mip_gap: float | None
    dual_bound: float | None
    scheduled: tuple[Scheduled, ...]
    years: tuple[YearTotals, ...]
    npv: float
    cost: float
    expected_savings: float
    solve_seconds: float
    message: str = ""
    shortfall: Shortfall | None = None

    @property
    def chosen(self) -> dict[str, int]:
        return {s.initiative_id: s.start_year for s in self.scheduled}


def channel_shift_saving(*, volume: float, unit_cost_from: float, unit_cost_to: float, shift: float) -> float:
    """The annual saving of moving ``shift`` (0..1) of ``volume`` contacts to a cheaper channel."""
    return volume * (unit_cost_from - unit_cost_to) * shift


def _profile_errors(path: str, values: Sequence[float], *, allow_negative: bool = False) -> list[FieldError]:
    errors = []
    for k, v in enumerate(values):
        if v != v or (v < 0 and not allow_negative):
            errors.append(FieldError("invalid_amount", "Amounts must be numbers of zero or more", f"{path}[{k}]"))
    return errors


def validate(programme: Programme, initiatives: Sequence[Initiative]) -> None:
    """Raise ValidationFailed listing every problem with the programme and its initiatives."""
    errors: list[FieldError] = []
    h = programme.horizon_years
    if not 1 <= h <= MAX_HORIZON_YEARS:
        errors.append(FieldError("invalid_horizon", f"The horizon must be 1 to {MAX_HORIZON_YEARS} years", "horizon"))
    if programme.appraisal < h:
        errors.append(FieldError("invalid_appraisal", "The appraisal period cannot be shorter than the horizon"))
    for name in ("capital_budget", "revenue_budget", "fte_capacity"):
        values = getattr(programme, name)
        if values is not None:
            if len(values) != h:
                errors.append(FieldError("invalid_profile", f"Give one amount for each of the {h} years", name))
            errors += _profile_errors(name, values)
    if programme.target is not None and not 1 <= programme.target.year <= h:
        errors.append(FieldError("invalid_target_year", "The target year must fall within the horizon", "target"))
    if programme.target is not None and (programme.target.baseline < 0 or programme.target.fraction < 0):
        errors.append(FieldError("invalid_target", "The baseline and fraction cannot be negative", "target"))
    if not 0 <= programme.discount_rate < 1:
        errors.append(FieldError("invalid_discount_rate", "The discount rate must be between 0 and 1"))
    ids = {i.id for i in initiatives}
    if len(ids) != len(initiatives):
        errors.append(FieldError("duplicate_initiative", "Each initiative needs its own id", "initiatives"))
    for n, i in enumerate(initiatives):
        path = f"initiatives[{n}]"
        if i.duration < 1:
            errors.append(FieldError("invalid_duration", "Duration must be at least one year", f"{path}.duration"))
        if not 0 <= i.probability <= 1:
            errors.append(FieldError("invalid_probability", "Probability must be 0 to 1", f"{path}.probability"))
        if not 0 <= i.mitigation <= 1 or i.optimism_bias_upper < 0:
            message = "Mitigation must be 0 to 1 and the upper bound at least 0"
            errors.append(FieldError("invalid_uplift", message, f"{path}.mitigation"))
        if i.earliest_start < 1 or (i.latest_start is not None and i.latest_start < i.earliest_start):
            message = "Starts are from year 1, and the latest start cannot precede the earliest"
            errors.append(FieldError("invalid_start", message, f"{path}.earliest_start"))
        for name in ("capex", "opex", "savings", "fte"):
            errors += _profile_errors(f"{path}.{name}", getattr(i, name))
        for other in (*i.requires, *i.excludes):
            if other not in ids or other == i.id:
                errors.append(FieldError("unknown_initiative", f"No other initiative has the id {other!r}", path))
    cycle = _requires_cycle(initiatives)
    if cycle:
        message = "These initiatives require one another in a circle: " + ", ".join(cycle)
        errors.append(FieldError("dependency_cycle", message, "initiatives"))
    if errors:
        raise ValidationFailed("The programme cannot be planned as it stands", errors=errors)


def _requires_cycle(initiatives: Sequence[Initiative]) -> list[str]:
    """The ids left over when every initiative whose requirements can be met in turn is removed."""
    ids = {i.id for i in initiatives}
    waiting = {i.id: {r for r in i.requires if r in ids and r != i.id} for i in initiatives}
    done: set[str] = set()
    progress = True
    while progress:
        progress = False
        for k, deps in waiting.items():
            if k not in done and deps <= done:
                done.add(k)
                progress = True
    return sorted(set(waiting) - done)
