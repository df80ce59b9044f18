"""Benefits arithmetic from measured volumes by channel and unit costs. Pure: plain numbers in and out.

Channel names are insight's: ``online``, ``phone``, ``face_to_face``, ``post``, ``referral``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal


def months_covered(start: date, end: date) -> int:
    """Whole calendar months from ``start``'s month to ``end``'s month, inclusive (insight counts by month)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def channel_shift_from_measures(
    *,
    volumes: Mapping[str, int],
    unit_costs: Mapping[str, Decimal | float],
    from_channel: str,
    to_channel: str,
    shift: float,
    months: int = 12,
) -> float:
    """Annual saving = measured volume on ``from_channel`` (annualised: × 12 ÷ ``months`` measured)
    × (unit cost of ``from_channel`` − unit cost of ``to_channel``) × ``shift`` (0 to 1)."""
    if not 0 <= shift <= 1:
        raise ValueError("The expected shift is a fraction from 0 to 1")
    if from_channel == to_channel:
        raise ValueError("Choose two different channels")
    for channel in (from_channel, to_channel):
        if channel not in unit_costs:
            raise KeyError(channel)
    if months < 1:
        raise ValueError("Measure at least one month")
    volume = volumes.get(from_channel, 0) * 12 / months
    return volume * (float(unit_costs[from_channel]) - float(unit_costs[to_channel])) * shift


def cost_per_transaction(volumes: Mapping[str, int], unit_costs: Mapping[str, Decimal | float]) -> float | None:
    """The average cost of one transaction: Σ volume × unit cost over Σ volume (None with no volume).

    Channels without a unit cost count at zero cost (so a missing cost never inflates the saving)."""
    total = sum(volumes.values())
    if total <= 0:
        return None
    return sum(v * float(unit_costs.get(c, 0)) for c, v in volumes.items()) / total


def actual_saving(
    *,
    baseline_volumes: Mapping[str, int],
    actual_volumes: Mapping[str, int],
    unit_costs: Mapping[str, Decimal | float],
) -> float | None:
    """Actual saving in a year = (baseline cost per transaction − actual cost per transaction) × actual volume.

    None when either period has no transactions to measure."""
    before = cost_per_transaction(baseline_volumes, unit_costs)
    after = cost_per_transaction(actual_volumes, unit_costs)
    if before is None or after is None:
        return None
    return (before - after) * sum(actual_volumes.values())


def year_bounds(starts_on: date, year: int) -> tuple[date, date]:
    """Programme year ``year`` (1 is the first) as its first and last days (both inclusive).

    Year 0 is the year before the programme (the baseline of an initiative starting in year 1)."""
    return _anniversary(starts_on, year - 1), _anniversary(starts_on, year) - timedelta(days=1)


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
