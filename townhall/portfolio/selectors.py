"""Reads: programmes scoped by organisation and actor, turned into the optimiser's dataclasses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.portfolio import models
from townhall.portfolio.optimiser import files
from townhall.portfolio.optimiser.gantt import roadmap_svg
from townhall.portfolio.optimiser.model import (
    Category,
    Initiative,
    Lock,
    Objective,
    Plan,
    Programme,
    SavingsTarget,
)
from townhall.portfolio.optimiser.results import plan_from_dict
from townhall.portfolio.optimiser.roadmap import CriticalPath, critical_path
from townhall.portfolio.optimiser.scenarios import BASELINE, Scenario, ScenarioResult, compare_scenarios

# Export formats: file_format → (content type, file name extension).
EXPORT_TYPES = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "programme.csv": ("text/csv; charset=utf-8", "programme.csv"),
}


def programme_list(*, organisation: Organisation, actor: Any) -> QuerySet[models.Programme]:
    require(actor, organisation, Permission.MANAGE_PORTFOLIO)
    return models.Programme.objects.filter(organisation=organisation).order_by("name")


def programme_get(*, organisation: Organisation, actor: Any, slug: str) -> models.Programme:
    require(actor, organisation, Permission.MANAGE_PORTFOLIO)
    programme = models.Programme.objects.filter(organisation=organisation, slug=slug).first()
    if programme is None:
        raise NotFound("No such programme", code="programme_not_found")
    return programme


def _tuple(values: list[float] | None) -> tuple[float, ...] | None:
    return None if values is None else tuple(float(v) for v in values)


def programme_inputs(programme: models.Programme) -> tuple[Programme, list[Initiative]]:
    """The optimiser's view of a stored programme (call after programme_get has checked access)."""
    target = None
    if None not in (programme.target_baseline, programme.target_fraction, programme.target_year):
        assert programme.target_baseline is not None and programme.target_fraction is not None
        assert programme.target_year is not None
        target = SavingsTarget(
            programme.target_baseline, programme.target_fraction, programme.target_year, programme.target_risk_adjusted
        )
    inputs = Programme(
        horizon_years=programme.horizon_years,
        capital_budget=_tuple(programme.capital_budget),
        revenue_budget=_tuple(programme.revenue_budget),
        fte_capacity=_tuple(programme.fte_capacity),
        target=target,
        discount_rate=programme.discount_rate,
        objective=Objective(programme.objective),
        appraisal_years=programme.appraisal_years,
        requires_finish=programme.requires_finish,
        budgets_include_uplift=programme.budgets_include_uplift,
        mip_rel_gap=programme.mip_rel_gap,
        time_limit=programme.time_limit,
    )
    initiatives = [
        Initiative(
            id=row.code,
            name=row.name,
            category=Category(row.category),
            duration=row.duration,
            capex=_tuple(row.capex) or (),
            opex=_tuple(row.opex) or (),
            savings=_tuple(row.savings) or (),
            fte=_tuple(row.fte) or (),
            earliest_start=row.earliest_start,
            latest_start=row.latest_start,
            probability=row.probability,
            optimism_bias_upper=row.optimism_bias_upper,
            mitigation=row.mitigation,
            requires=tuple(row.requires),
            excludes=tuple(row.excludes),
            option_group=row.option_group,
            locked=Lock(row.locked) if row.locked else None,
            services=tuple(row.services),
        )
        for row in programme.initiatives.all()
    ]
    return inputs, initiatives


def inputs_digest(programme: models.Programme) -> str:
    """A fingerprint of the programme and its initiatives as the optimiser sees them."""
    return hashlib.sha256(repr(programme_inputs(programme)).encode()).hexdigest()


def run_is_stale(run: models.Run) -> bool:
    """True when the programme or its initiatives have changed since the run was solved."""
    current = getattr(run, "current_digest", None) or inputs_digest(run.programme)
    return bool(run.inputs_digest) and run.inputs_digest != current


def programme_export(*, organisation: Organisation, actor: Any, slug: str, file_format: str) -> bytes:
    """The programme as an XLSX workbook, or its initiatives as CSV (``file_format`` "xlsx" or "csv")."""
    inputs, initiatives = programme_inputs(programme_get(organisation=organisation, actor=actor, slug=slug))
    if file_format == "xlsx":
        return files.write_xlsx(inputs, initiatives)
    if file_format == "programme.csv":
        return files.write_programme_csv(inputs).encode()
    return files.write_initiatives_csv(initiatives).encode()


def scenario_comparison(*, organisation: Organisation, actor: Any, slug: str) -> list[ScenarioResult]:
    """Solve the programme as planned and under each of its scenarios, side by side."""
    programme = programme_get(organisation=organisation, actor=actor, slug=slug)
    inputs, initiatives = programme_inputs(programme)
    scenarios = [BASELINE] + [scenario_of(s) for s in programme.scenarios.all()]
    return compare_scenarios(inputs, initiatives, scenarios)


def scenario_of(row: models.Scenario) -> Scenario:
    return Scenario(
        name=row.name,
        budget_cut=row.budget_cut,
        target_change=row.target_change,
        savings_change=row.savings_change,
        cost_change=row.cost_change,
        staff_cut=row.staff_cut,
    )


def initiative_list(*, programme: models.Programme, actor: Any) -> list[models.Initiative]:
    """The programme's initiatives in order, each with ``latest_status`` (its newest RAG update or None)."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    rows = list(programme.initiatives.all())
    latest: dict[int, models.StatusUpdate] = {}
    for update in models.StatusUpdate.objects.filter(initiative__programme=programme).order_by("recorded_at", "pk"):
        latest[update.initiative_id] = update
    for row in rows:
        row.latest_status = latest.get(row.pk)  # type: ignore[attr-defined]
    return rows


def initiative_get(*, programme: models.Programme, actor: Any, code: str) -> models.Initiative:
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    initiative = programme.initiatives.filter(code=code).first()
    if initiative is None:
        raise NotFound("No such initiative", code="initiative_not_found")
    return initiative


def scenario_list(*, programme: models.Programme, actor: Any) -> QuerySet[models.Scenario]:
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    return programme.scenarios.all()


def scenario_get(*, programme: models.Programme, actor: Any, name: str) -> models.Scenario:
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    scenario = programme.scenarios.filter(name=name).first()
    if scenario is None:
        raise NotFound("No such scenario", code="scenario_not_found")
    return scenario


def run_list(*, programme: models.Programme, actor: Any, limit: int = 50) -> list[models.Run]:
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    runs = list(
        models.Run.objects.select_related("scenario", "programme").filter(programme=programme).order_by("-pk")[:limit]
    )
    digest = inputs_digest(programme) if runs else ""
    for run in runs:
        run.current_digest = digest  # type: ignore[attr-defined]
    return runs


def run_get(*, programme: models.Programme, actor: Any, run_id: int) -> models.Run:
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    run = models.Run.objects.select_related("scenario").filter(programme=programme, pk=run_id).first()
    if run is None:
        raise NotFound("No such run", code="run_not_found")
    return run


def latest_run(
    programme: models.Programme, *, scenario: models.Scenario | None = None, kind: str = models.RunKind.PLAN
) -> models.Run | None:
    """The newest finished run of that kind, as planned (``scenario`` None) or under the scenario."""
    return (
        models.Run.objects.filter(programme=programme, scenario=scenario, kind=kind, status=models.RunStatus.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ComparedScenario:
    name: str
    scenario: models.Scenario | None
    run: models.Run | None  # the newest finished plan; None when it has not been solved yet
    plan: Plan | None


def scenario_side_by_side(*, programme: models.Programme, actor: Any) -> list[ComparedScenario]:
    """As planned and each stored scenario, with the newest plan solved for each (no solving here)."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    rows: list[ComparedScenario] = []
    for scenario in [None, *programme.scenarios.all()]:
        run = latest_run(programme, scenario=scenario)
        plan = plan_from_dict(run.result) if run is not None and run.result else None
        rows.append(ComparedScenario(scenario.name if scenario else BASELINE.name, scenario, run, plan))
    return rows


@dataclass(frozen=True)
class Roadmap:
    run: models.Run | None
    plan: Plan | None
    critical: CriticalPath | None
    svg: str


def roadmap(*, programme: models.Programme, actor: Any) -> Roadmap:
    """The newest plan as planned, its critical path through the ``requires`` links, and its Gantt chart."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    run = latest_run(programme)
    if run is None or not run.result:
        return Roadmap(run, None, None, "")
    plan = plan_from_dict(run.result)
    inputs, initiatives = programme_inputs(programme)
    critical = critical_path(initiatives, starts=plan.chosen, requires_finish=inputs.requires_finish)
    return Roadmap(run, plan, critical, roadmap_svg(plan, critical, title=f"Roadmap: {programme.name}"))
