"""Reads: programmes scoped by organisation and actor, turned into the optimiser's dataclasses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.portfolio import models
from townhall.portfolio.optimiser import files
from townhall.portfolio.optimiser.model import Category, Initiative, Lock, Objective, Programme, SavingsTarget
from townhall.portfolio.optimiser.scenarios import BASELINE, Scenario, ScenarioResult, compare_scenarios


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
    scenarios = [BASELINE] + [
        Scenario(
            name=s.name,
            budget_cut=s.budget_cut,
            target_change=s.target_change,
            savings_change=s.savings_change,
            cost_change=s.cost_change,
            staff_cut=s.staff_cut,
        )
        for s in programme.scenarios.all()
    ]
    return compare_scenarios(inputs, initiatives, scenarios)
