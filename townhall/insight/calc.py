"""Derived measures: take-up, completion, costs and the savings from channel shift. Pure: no Django.

Every function takes plain numbers (counts per channel, unit costs in pounds) and returns a number,
or ``None`` where the measure is undefined (nothing to divide by). See docs/insight.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

CHANNELS: tuple[str, ...] = ("online", "phone", "face_to_face", "post", "referral")
DIGITAL_CHANNELS: frozenset[str] = frozenset({"online"})
PENNY = Decimal("0.01")


@dataclass(frozen=True)
class UnitCosts:
    """The cost of one transaction on each channel, in pounds.

    The defaults for online, phone and face to face are Socitm Insight's channel cost figures (2012):
    web £0.15, telephone £2.83, face to face £8.62. Socitm published no figure for post: the default
    is the £12.10 per letter of PwC's study of 19 councils, the figure usually quoted beside Socitm's.
    Nobody publishes one for a partner's referral: Townhall assumes the telephone figure (an officer
    reads and triages it). See docs/insight.md.
    """

    online: Decimal = Decimal("0.15")
    phone: Decimal = Decimal("2.83")
    face_to_face: Decimal = Decimal("8.62")
    post: Decimal = Decimal("12.10")
    referral: Decimal = Decimal("2.83")

    def as_dict(self) -> dict[str, Decimal]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT_UNIT_COSTS = UnitCosts()


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    if not whole:
        return None
    return part / whole


def total(volumes: Mapping[str, int]) -> int:
    return sum(volumes.get(c, 0) for c in CHANNELS)


def shares(volumes: Mapping[str, int]) -> dict[str, float] | None:
    """Each channel's share of all transactions, or None when there were none."""
    whole = total(volumes)
    if not whole:
        return None
    return {c: volumes.get(c, 0) / whole for c in CHANNELS}


def digital_take_up(volumes: Mapping[str, int]) -> float | None:
    """The share of transactions made online (GOV.UK service standard's "digital take-up")."""
    return ratio(sum(volumes.get(c, 0) for c in DIGITAL_CHANNELS), total(volumes))


def completion_rate(*, started: int, submitted: int) -> float | None:
    """Journeys submitted against journeys started."""
    return ratio(submitted, started)


def total_cost(volumes: Mapping[str, int], costs: Mapping[str, Decimal]) -> Decimal:
    return sum((Decimal(volumes.get(c, 0)) * costs[c] for c in CHANNELS), Decimal(0)).quantize(PENNY, ROUND_HALF_UP)


def cost_per_transaction(volumes: Mapping[str, int], costs: Mapping[str, Decimal]) -> Decimal | None:
    """The mean cost of one transaction across channels, weighted by volume."""
    whole = total(volumes)
    if not whole:
        return None
    cost = sum((Decimal(volumes.get(c, 0)) * costs[c] for c in CHANNELS), Decimal(0))
    return (cost / whole).quantize(PENNY, ROUND_HALF_UP)


def channel_shift_savings(
    *, baseline: Mapping[str, int], current: Mapping[str, int], costs: Mapping[str, Decimal]
) -> Decimal | None:
    """What the current period saved by its channel mix, against the baseline period's mix.

    Σ over channels of (baseline share − current share) × current volume × (unit cost − online unit cost):
    the cost of handling the current volume with the baseline's mix, less its cost with the current mix.
    Negative when contact moved to dearer channels. None when either period had no transactions.
    """
    base_total, volume = Decimal(total(baseline)), Decimal(total(current))
    if not base_total or not volume:
        return None
    cheapest = costs["online"]
    saving = Decimal(0)
    for c in CHANNELS:
        # (baseline share − current share) × current volume, without rounding the shares first.
        shifted = Decimal(baseline.get(c, 0)) * volume / base_total - Decimal(current.get(c, 0))
        saving += shifted * (costs[c] - cheapest)
    return saving.quantize(PENNY, ROUND_HALF_UP)


def percentile_cont(values: Iterable[float], fraction: float) -> float | None:
    """PostgreSQL's ``percentile_cont``: linear interpolation between the closest ranks. None when empty."""
    ordered: Sequence[float] = sorted(values)
    if not ordered:
        return None
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def add_volumes(*many: Mapping[str, int]) -> dict[str, int]:
    """Channel counts added together, with every channel present."""
    return {c: sum(m.get(c, 0) for m in many) for c in CHANNELS}
