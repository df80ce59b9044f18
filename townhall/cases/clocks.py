"""Service-level clocks in working days (England and Wales bank holidays). Pure: no Django.

A case's clock runs from the day it is received. ``service_level_days`` working days later it
is due, pushed back by every working day it spent waiting for the resident. Bank holidays come
from govuk-bank-holidays' bundled data, so no network is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from govuk_bank_holidays.bank_holidays import BankHolidays


@lru_cache(maxsize=1)
def bank_holidays() -> frozenset[date]:
    data = BankHolidays(use_cached_holidays=True)
    return frozenset(h["date"] for h in data.get_holidays(division=BankHolidays.ENGLAND_AND_WALES))


def is_working_day(day: date, holidays: Iterable[date] | None = None) -> bool:
    closed = bank_holidays() if holidays is None else holidays
    return day.weekday() < 5 and day not in closed


def add_working_days(start: date, days: int, holidays: Iterable[date] | None = None) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    closed = frozenset(bank_holidays() if holidays is None else holidays)
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, closed):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, holidays: Iterable[date] | None = None) -> int:
    """Working days after ``start`` up to and including ``end``; 0 when ``end`` is not after ``start``."""
    closed = frozenset(bank_holidays() if holidays is None else holidays)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, closed):
            count += 1
    return count


def due_date(received_on: date, service_level_days: int, paused_working_days: int = 0) -> date:
    return add_working_days(received_on, service_level_days + paused_working_days)


@dataclass(frozen=True)
class ClockReading:
    due_on: date | None
    working_days_left: int | None  # negative when overdue
    overdue: bool
    paused: bool


def read_clock(*, due_on: date | None, today: date, paused: bool, final: bool) -> ClockReading:
    """Where a case stands against its service level today. A paused or decided case is never overdue."""
    if due_on is None:
        return ClockReading(None, None, False, paused)
    left = working_days_between(today, due_on) if today <= due_on else -working_days_between(due_on, today)
    overdue = not paused and not final and today > due_on
    return ClockReading(due_on, left, overdue, paused)
