"""Benefits drawn from insight: channel-shift savings from measured volumes, and savings actually realised.

Insight provides ``channel_volumes(*, organisation_id, service_slug, start, end) -> {channel: count}`` and
``unit_costs(organisation) -> {channel: Decimal}``. The arithmetic is pure (``optimiser.benefits``):

- channel-shift saving a year = volume on the old channel (measured in whole months, × 12 ÷ months)
  × (its unit cost − the new channel's) × the expected shift;
- actual saving in a year = (baseline cost per transaction − actual cost per transaction) × that year's volume,
  where cost per transaction = Σ volume × unit cost ÷ Σ volume, and the baseline is the programme year before
  the initiative starts (year 0 being the year before the programme).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.insight import measures
from townhall.portfolio import models, selectors
from townhall.portfolio.optimiser.benefits import (
    actual_saving,
    channel_shift_from_measures,
    months_covered,
    year_bounds,
)
from townhall.portfolio.services import FIRST_YEAR, LAST_YEAR

CHANNELS = measures.CHANNELS


@dataclass(frozen=True)
class ChannelShiftEstimate:
    service_slug: str
    start: date
    end: date
    from_channel: str
    to_channel: str
    shift: float
    volume: int  # measured on the old channel in the whole months from start's to end's
    unit_cost_from: float
    unit_cost_to: float
    annual_saving: float


def channel_shift_estimate(
    *,
    programme: models.Programme,
    actor: Any,
    service_slug: str,
    from_channel: str,
    to_channel: str,
    shift: float,
    start: date,
    end: date,
) -> ChannelShiftEstimate:
    """The annual saving of moving ``shift`` of a service's contacts from one channel to another."""
    organisation = programme.organisation
    require(actor, organisation, Permission.MANAGE_PORTFOLIO)
    errors = []
    for field, channel in (("from_channel", from_channel), ("to_channel", to_channel)):
        if channel not in CHANNELS:
            errors.append(FieldError("invalid_channel", f"Choose one of: {', '.join(CHANNELS)}", field))
    if from_channel == to_channel:
        errors.append(FieldError("same_channel", "Choose two different channels", "to_channel"))
    if not 0 <= shift <= 1:
        errors.append(FieldError("invalid_shift", "The expected shift is a fraction from 0 to 1", "shift"))
    if end < start:
        errors.append(FieldError("invalid_period", "The measured period cannot end before it starts", "end"))
    for field, day in (("start", start), ("end", end)):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            errors.append(FieldError("invalid_date", f"Give a date from {FIRST_YEAR} to {LAST_YEAR}", field))
    if not service_slug.strip():
        errors.append(FieldError("service_required", "Name the service whose contacts shift", "service"))
    if errors:
        raise ValidationFailed("The channel shift cannot be worked out", errors=errors)
    volumes = measures.channel_volumes(organisation_id=organisation.pk, service_slug=service_slug, start=start, end=end)
    costs = measures.unit_costs(organisation)
    missing = [c for c in (from_channel, to_channel) if c not in costs]
    if missing:
        raise ValidationFailed(
            "Insight has no unit cost for " + " or ".join(missing),
            code="unit_cost_missing",
            errors=[FieldError("unit_cost_missing", f"No unit cost for {c}", "from_channel") for c in missing],
        )
    saving = channel_shift_from_measures(
        volumes=volumes,
        unit_costs=costs,
        from_channel=from_channel,
        to_channel=to_channel,
        shift=shift,
        months=months_covered(start, end),
    )
    return ChannelShiftEstimate(
        service_slug=service_slug,
        start=start,
        end=end,
        from_channel=from_channel,
        to_channel=to_channel,
        shift=shift,
        volume=int(volumes.get(from_channel, 0)),
        unit_cost_from=float(costs[from_channel]),
        unit_cost_to=float(costs[to_channel]),
        annual_saving=round(saving, 2),
    )


def initiative_savings_from_channel_shift(
    *, actor: Any, initiative: models.Initiative, estimate: ChannelShiftEstimate, years: int | None = None
) -> models.Initiative:
    """Set an initiative's savings to the estimate's annual saving for each year of operation, and link the
    service to it. ``years`` defaults to the length of its current savings profile (or the horizon)."""
    programme = initiative.programme
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    years = years or len(initiative.savings) or programme.horizon_years
    if not 1 <= years <= 50:
        raise ValidationFailed(
            "Give 1 to 50 years of savings", errors=[FieldError("invalid_years", "1 to 50", "years")]
        )
    with transaction.atomic():
        initiative.savings = [estimate.annual_saving] * years
        if estimate.service_slug not in initiative.services:
            initiative.services = [*initiative.services, estimate.service_slug]
        initiative.save(update_fields=["savings", "services"])
        audit_record(
            organisation=programme.organisation,
            actor=actor,
            action="portfolio.initiative_savings_derived",
            object_type="initiative",
            object_id=initiative.pk,
            data={
                "programme": programme.slug,
                "code": initiative.code,
                "service": estimate.service_slug,
                "from": estimate.from_channel,
                "to": estimate.to_channel,
                "shift": estimate.shift,
                "volume": estimate.volume,
                "annual_saving": estimate.annual_saving,
                "period": [estimate.start.isoformat(), estimate.end.isoformat()],
            },
        )
    return initiative


@dataclass(frozen=True)
class BenefitYear:
    year: int
    start: date | None  # the year's first day
    end: date | None  # the year's last day
    planned: float  # as planned (not probability-weighted)
    actual: float | None  # None: not measured yet (the year has not ended, or no start date, or no volumes)


@dataclass(frozen=True)
class InitiativeBenefits:
    code: str
    name: str
    services: tuple[str, ...]
    start_year: int
    years: tuple[BenefitYear, ...]

    @property
    def planned_total(self) -> float:
        return sum(y.planned for y in self.years)

    @property
    def actual_total(self) -> float | None:
        measured = [y.actual for y in self.years if y.actual is not None]
        return sum(measured) if measured else None


def benefits_realisation(*, programme: models.Programme, actor: Any, today: date) -> list[InitiativeBenefits]:
    """Planned against actual savings, by programme year, for each initiative in the newest plan.

    Actuals come from insight only for initiatives linked to services, for years that have ended, and when
    the programme has a start date."""
    require(actor, programme.organisation, Permission.MANAGE_PORTFOLIO)
    run = selectors.latest_run(programme)
    if run is None or not run.result:
        return []
    starts = {s["initiative_id"]: s for s in run.result["scheduled"]}
    costs = measures.unit_costs(programme.organisation) if programme.starts_on else {}
    results = []
    for row in programme.initiatives.filter(code__in=list(starts)):
        scheduled = starts[row.code]
        first = scheduled["finish_year"] + 1
        years = []
        for k, planned in enumerate(row.savings):
            year = first + k
            if year > programme.horizon_years:
                break
            bounds = year_bounds(programme.starts_on, year) if programme.starts_on else None
            actual = None
            if bounds is not None and row.services and bounds[1] < today:
                actual = _actual(programme, costs, row.services, scheduled["start_year"] - 1, bounds)
            first_day, last_day = bounds if bounds else (None, None)
            years.append(BenefitYear(year, first_day, last_day, float(planned), actual))
        results.append(
            InitiativeBenefits(row.code, row.name, tuple(row.services), scheduled["start_year"], tuple(years))
        )
    return results


def _actual(
    programme: models.Programme,
    costs: dict[str, Any],
    services: list[str],
    baseline_year: int,
    bounds: tuple[date, date],
) -> float | None:
    assert programme.starts_on is not None
    base_start, base_end = year_bounds(programme.starts_on, baseline_year)
    total, measured = 0.0, False
    for slug in services:
        org = programme.organisation_id
        saving = actual_saving(
            baseline_volumes=measures.channel_volumes(
                organisation_id=org, service_slug=slug, start=base_start, end=base_end
            ),
            actual_volumes=measures.channel_volumes(
                organisation_id=org, service_slug=slug, start=bounds[0], end=bounds[1]
            ),
            unit_costs=costs,
        )
        if saving is not None:
            total, measured = total + saving, True
    return round(total, 2) if measured else None
