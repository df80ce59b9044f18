"""The pure derived measures: take-up, completion, costs, channel-shift savings, percentiles."""

from __future__ import annotations

import statistics
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.insight import calc

COSTS = calc.DEFAULT_UNIT_COSTS.as_dict()
volumes = st.fixed_dictionaries({c: st.integers(min_value=0, max_value=100_000) for c in calc.CHANNELS})


def test_socitm_defaults() -> None:
    assert COSTS["online"] == Decimal("0.15")
    assert COSTS["phone"] == Decimal("2.83")
    assert COSTS["face_to_face"] == Decimal("8.62")


def test_rates_on_examples() -> None:
    v = {"online": 3, "phone": 1}
    assert calc.digital_take_up(v) == 0.75
    assert calc.digital_take_up({}) is None
    assert calc.completion_rate(started=4, submitted=3) == 0.75
    assert calc.completion_rate(started=0, submitted=0) is None
    assert calc.total_cost(v, COSTS) == Decimal("3.28")
    assert calc.cost_per_transaction(v, COSTS) == Decimal("0.82")
    assert calc.cost_per_transaction({}, COSTS) is None


def test_channel_shift_on_an_example() -> None:
    # Baseline: half by phone, half online. Now: all 10 online. 5 calls became web at £2.83 − £0.15.
    saving = calc.channel_shift_savings(baseline={"online": 5, "phone": 5}, current={"online": 10}, costs=COSTS)
    assert saving == Decimal("13.40")
    assert calc.channel_shift_savings(baseline={}, current={"online": 1}, costs=COSTS) is None


@given(volumes)
def test_no_shift_no_saving(v: dict[str, int]) -> None:
    saving = calc.channel_shift_savings(baseline=v, current=v, costs=COSTS)
    assert saving is None if not calc.total(v) else saving == 0


@given(volumes, volumes)
def test_saving_is_cost_at_baseline_mix_less_actual_cost(base: dict[str, int], now: dict[str, int]) -> None:
    saving = calc.channel_shift_savings(baseline=base, current=now, costs=COSTS)
    if not calc.total(base) or not calc.total(now):
        assert saving is None
        return
    at_baseline_mix = sum(
        Decimal(base[c]) / calc.total(base) * calc.total(now) * COSTS[c] for c in calc.CHANNELS
    ) - calc.total_cost(now, COSTS)
    assert saving is not None and abs(saving - at_baseline_mix) <= Decimal("0.02")


@given(volumes)
def test_rates_between_zero_and_one(v: dict[str, int]) -> None:
    take_up = calc.digital_take_up(v)
    assert take_up is None or 0 <= take_up <= 1
    per = calc.cost_per_transaction(v, COSTS)
    assert per is None or min(COSTS.values()) <= per <= max(COSTS.values())


@given(st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), min_size=1))
def test_median_matches_statistics(values: list[float]) -> None:
    assert calc.percentile_cont(values, 0.5) == pytest.approx(statistics.median(values))


@given(st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), min_size=1), st.floats(0, 1))
def test_percentile_is_within_range_and_monotonic(values: list[float], fraction: float) -> None:
    p = calc.percentile_cont(values, fraction)
    assert p is not None and min(values) <= p <= max(values)
    assert calc.percentile_cont(values, 0.9) >= calc.percentile_cont(values, 0.5)  # type: ignore[operator]


def test_percentile_examples() -> None:
    assert calc.percentile_cont([], 0.5) is None
    assert calc.percentile_cont([1, 3, 31], 0.9) == pytest.approx(25.4)
    with pytest.raises(ValueError):
        calc.percentile_cont([1], 1.5)
