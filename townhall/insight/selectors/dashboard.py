"""Reads for the insight dashboards: one organisation's figures, for one service or across its services."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from townhall.catalogue.models import Service
from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.insight import calc
from townhall.insight.figures import Figures, add_up
from townhall.insight.measures import ServiceMonth, days_to_decide, service_months, unit_costs
from townhall.insight.periods import Period


@dataclass(frozen=True)
class MonthRow:
    month: Any  # date, first of the month
    figures: Figures


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    figures: Figures


@dataclass(frozen=True)
class Dashboard:
    organisation: Organisation
    service: Service | None  # None: across every service
    period: Period
    comparison: Period | None
    figures: Figures
    comparison_figures: Figures | None
    months: list[MonthRow]
    services: list[ServiceRow]  # across services only
    rows: list[ServiceMonth]  # the monthly measures behind it all (the CSV download)
    savings: Decimal | None  # from channel shift, against the comparison period

    @property
    def costs(self) -> dict[str, Decimal]:
        return dict(self.figures.costs)


def _figures(
    organisation: Organisation, slug: str | None, period: Period, costs: dict[str, Decimal]
) -> tuple[Figures, list[ServiceMonth]]:
    rows = [
        m
        for m in service_months(organisation_ids=[organisation.pk], start=period.start, end=period.end)
        if slug is None or m.service_slug == slug
    ]
    median, p90 = days_to_decide(organisation_id=organisation.pk, service_slug=slug, start=period.start, end=period.end)
    return add_up(rows, costs, median=median, p90=p90), rows


def dashboard_get(
    *, organisation: Organisation, actor: Any, service_slug: str | None, period: Period, comparison: Period | None
) -> Dashboard:
    """The figures for ``period`` (and ``comparison``), for one service of the organisation or all of them."""
    require(actor, organisation, Permission.VIEW_INSIGHT)
    service = None
    if service_slug is not None:
        service = Service.objects.filter(organisation=organisation, slug=service_slug).first()
        if service is None:
            raise NotFound("No such service", code="service_not_found")
    costs = unit_costs(organisation)
    figures, rows = _figures(organisation, service_slug, period, costs)
    comparison_figures = _figures(organisation, service_slug, comparison, costs)[0] if comparison else None
    months = [
        MonthRow(month, add_up((r for r in rows if r.month == month), costs, median=_only_median(rows, month, service)))
        for month in period.months
    ]
    services: list[ServiceRow] = []
    if service is None:
        for s in Service.objects.filter(organisation=organisation).order_by("title"):
            theirs = [r for r in rows if r.service_slug == s.slug]
            services.append(ServiceRow(s, add_up(theirs, costs)))
    savings = None
    if comparison_figures is not None:
        savings = calc.channel_shift_savings(baseline=comparison_figures.volumes, current=figures.volumes, costs=costs)
    return Dashboard(
        organisation=organisation,
        service=service,
        period=period,
        comparison=comparison,
        figures=figures,
        comparison_figures=comparison_figures,
        months=months,
        services=services,
        rows=rows,
        savings=savings,
    )


def _only_median(rows: list[ServiceMonth], month: Any, service: Service | None) -> float | None:
    """A month's median days to decide is known for one service; across services it is not added up."""
    if service is None:
        return None
    return next((r.median_days_to_decide for r in rows if r.month == month), None)
