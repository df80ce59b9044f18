from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from townhall.cases import clocks


def test_bank_holidays_come_from_bundled_data() -> None:
    holidays = clocks.bank_holidays()
    assert date(2025, 12, 25) in holidays and date(2025, 12, 26) in holidays
    assert date(2026, 8, 31) in holidays  # summer bank holiday, England and Wales


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    # Wednesday 23 December 2026: Thu 24, (Fri 25, Sat, Sun, Mon 28 substitute), Tue 29.
    assert clocks.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 24)
    assert clocks.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    assert clocks.working_days_between(date(2026, 12, 23), date(2026, 12, 29)) == 2
    assert clocks.add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday → Monday


def test_clock_reading() -> None:
    due = date(2026, 11, 27)
    running = clocks.read_clock(due_on=due, today=date(2026, 11, 30), paused=False, final=False)
    assert running.overdue and running.working_days_left == -1
    assert not clocks.read_clock(due_on=due, today=date(2026, 11, 30), paused=True, final=False).overdue
    assert not clocks.read_clock(due_on=due, today=date(2026, 11, 30), paused=False, final=True).overdue
    assert clocks.read_clock(due_on=due, today=date(2026, 11, 23), paused=False, final=False).working_days_left == 4


@given(start=st.dates(min_value=date(2018, 1, 1), max_value=date(2027, 12, 1)), days=st.integers(0, 60))
def test_adding_then_counting_working_days_agree(start: date, days: int) -> None:
    end = clocks.add_working_days(start, days)
    assert clocks.working_days_between(start, end) == days
    assert days == 0 or clocks.is_working_day(end)
    assert clocks.due_date(start, days, 3) == clocks.add_working_days(end, 3)
