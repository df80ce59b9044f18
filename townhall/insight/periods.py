"""Reading the period a dashboard shows, and the period it is compared with, from the address. Pure: no Django.

Months are written ``YYYY-MM``. A period runs from the first of its first month to the end of its last.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

MAX_MONTHS = 60
FIELDS = ("from", "to", "compare_from", "compare_to")
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(month: date) -> str:
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def short_month_label(month: date) -> str:
    return f"{MONTH_NAMES[month.month - 1][:3]} {month.year}"


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` to ``end`` inclusive; both are firsts of months."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        out, month = [], self.start
        while month <= self.end:
            out.append(month)
            month = add_months(month, 1)
        return out

    @property
    def label(self) -> str:
        if self.start == self.end:
            return month_label(self.start)
        return f"{month_label(self.start)} to {month_label(self.end)}"

    def as_query(self, prefix: str = "") -> dict[str, str]:
        return {f"{prefix}from": self.start.strftime("%Y-%m"), f"{prefix}to": self.end.strftime("%Y-%m")}


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    comparison: Period | None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field name, message)
    values: dict[str, str] = field(default_factory=dict)  # what was typed, to show again


def default_period(today: date) -> Period:
    """The twelve months up to and including this one."""
    this_month = date(today.year, today.month, 1)
    return Period(add_months(this_month, -11), this_month)


def parse_month(text: str) -> date | None:
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return date(year, month, 1)


def _period(
    params: Mapping[str, str], prefix: str, name: str, errors: list[tuple[str, str]]
) -> tuple[date | None, date | None]:
    parsed: list[date | None] = []
    for which, words in (("from", "first"), ("to", "last")):
        key = f"{prefix}{which}"
        text = (params.get(key) or "").strip()
        month = parse_month(text) if text else None
        if text and month is None:
            errors.append((key, f"Enter the {words} month of the {name} as a year and month, like 2026-01"))
        parsed.append(month)
    return parsed[0], parsed[1]


def _check(start: date, end: date, key: str, name: str, errors: list[tuple[str, str]]) -> bool:
    if end < start:
        errors.append((key, f"The {name} must end in or after the month it starts"))
        return False
    if len(Period(start, end).months) > MAX_MONTHS:
        errors.append((key, f"The {name} can be at most {MAX_MONTHS} months long"))
        return False
    return True


def parse_periods(params: Mapping[str, str], today: date) -> PeriodChoice:
    """The period and comparison period asked for; each blank month falls back to a sensible default.

    ``from``/``to`` default to the twelve months up to this one. The comparison (``compare_from``/
    ``compare_to``) is optional; give both months or neither.
    """
    errors: list[tuple[str, str]] = []
    values = {k: (params.get(k) or "").strip() for k in FIELDS}
    default = default_period(today)
    start, end = _period(params, "", "period", errors)
    c_start, c_end = _period(params, "compare_", "comparison", errors)
    period = default
    if not errors and (start or end):
        if start is None:
            assert end is not None
            start = add_months(end, -11)
        if end is None:
            end = max(start, min(add_months(start, 11), default.end))
        if _check(start, end, "to", "period", errors):
            period = Period(start, end)
    comparison = None
    if not errors and (c_start or c_end):
        if c_start is None or c_end is None:
            key = "compare_from" if c_start is None else "compare_to"
            errors.append((key, "Enter both months of the comparison period, or neither"))
        elif _check(c_start, c_end, "compare_to", "comparison period", errors):
            comparison = Period(c_start, c_end)
    return PeriodChoice(period=period, comparison=comparison, errors=errors, values=values)
