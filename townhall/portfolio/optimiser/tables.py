"""Initiatives and programme settings as rows of cells: the shared shape of the CSV and XLSX files.

Yearly amounts and lists of ids sit in one cell, separated by semicolons: ``120000;80000``.
Problems are collected, not raised one by one: ValidationFailed lists every cell that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from townhall.core.errors import FieldError, ValidationFailed
from townhall.portfolio.optimiser.model import (
    Category,
    Initiative,
    Lock,
    Objective,
    Programme,
    SavingsTarget,
)

Cell = str | int | float | bool | None

INITIATIVE_COLUMNS = (
    "id",
    "name",
    "category",
    "duration",
    "earliest_start",
    "latest_start",
    "capex",
    "opex",
    "savings",
    "fte",
    "probability",
    "optimism_bias_upper",
    "mitigation",
    "requires",
    "excludes",
    "option_group",
    "locked",
    "services",
)
REQUIRED_COLUMNS = ("id", "name", "category")
# The longest text each column may hold (an initiative is stored with these lengths: longer was a 500 on PostgreSQL).
MAX_LENGTHS = {"id": 80, "name": 200, "option_group": 80}
PROGRAMME_SETTINGS = (
    "horizon_years",
    "capital_budget",
    "revenue_budget",
    "fte_capacity",
    "discount_rate",
    "objective",
    "appraisal_years",
    "target_baseline",
    "target_fraction",
    "target_year",
    "target_risk_adjusted",
    "requires_finish",
    "budgets_include_uplift",
    "mip_rel_gap",
    "time_limit",
)


class _Cells:
    """Reads typed values out of one row, recording a FieldError for each cell that will not convert."""

    def __init__(self, row: Mapping[str, Cell], line: int | None, prefix: str, errors: list[FieldError]) -> None:
        self.row, self.line, self.prefix, self.errors = row, line, prefix, errors

    def _fail(self, column: str, message: str) -> None:
        self.errors.append(FieldError("invalid_cell", message, f"{self.prefix}{column}", self.line))

    def text(self, column: str) -> str:
        value = self.row.get(column)
        return "" if value is None else str(value).strip()

    def convert(self, column: str, convert: Callable[[str], Any], default: Any, message: str) -> Any:
        raw = self.text(column)
        if raw == "":
            return default
        try:
            return convert(raw)
        except (ValueError, TypeError):
            self._fail(column, message)
            return default

    def integer(self, column: str, default: int | None) -> Any:
        return self.convert(column, lambda s: int(float(s)), default, "Enter a whole number")

    def number(self, column: str, default: float | None) -> Any:
        return self.convert(column, float, default, "Enter a number")

    def numbers(self, column: str) -> tuple[float, ...]:
        return tuple(self.convert(column, _numbers, (), "Enter numbers separated by semicolons"))

    def ids(self, column: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.text(column).split(";") if part.strip())

    def flag(self, column: str, default: bool) -> bool:
        return bool(self.convert(column, _flag, default, "Enter yes or no"))

    def choice(self, column: str, kind: Any, default: Any) -> Any:
        options = ", ".join(str(k.value) for k in kind)
        return self.convert(column, lambda s: kind(s.lower()), default, f"Choose one of: {options}")


def _numbers(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.replace(",", "").split(";") if part.strip())


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("yes", "y", "true", "1"):
        return True
    if lowered in ("no", "n", "false", "0"):
        return False
    raise ValueError(text)


def initiatives_from_rows(rows: Iterable[Mapping[str, Cell]], *, first_line: int = 2) -> list[Initiative]:
    errors: list[FieldError] = []
    initiatives: list[Initiative] = []
    for offset, row in enumerate(rows):
        line = first_line + offset
        if not any(str(v).strip() for v in row.values() if v is not None):
            continue
        cells = _Cells(row, line, "initiatives.", errors)
        for column in REQUIRED_COLUMNS:
            if not cells.text(column):
                errors.append(FieldError("required", f"Enter the {column}", f"initiatives.{column}", line))
        for column, most in MAX_LENGTHS.items():
            if len(cells.text(column)) > most:
                message = f"Enter a {column.replace('_', ' ')} of up to {most} characters"
                errors.append(FieldError("too_long", message, f"initiatives.{column}", line))
        initiatives.append(
            Initiative(
                id=cells.text("id"),
                name=cells.text("name"),
                category=cells.choice("category", Category, Category.SERVICE_REDESIGN),
                duration=cells.integer("duration", 1),
                earliest_start=cells.integer("earliest_start", 1),
                latest_start=cells.integer("latest_start", None),
                capex=cells.numbers("capex"),
                opex=cells.numbers("opex"),
                savings=cells.numbers("savings"),
                fte=cells.numbers("fte"),
                probability=cells.number("probability", 1.0),
                optimism_bias_upper=cells.number("optimism_bias_upper", 2.0),
                mitigation=cells.number("mitigation", 0.0),
                requires=cells.ids("requires"),
                excludes=cells.ids("excludes"),
                option_group=cells.text("option_group"),
                locked=cells.choice("locked", Lock, None),
                services=cells.ids("services"),
            )
        )
    if errors:
        raise ValidationFailed("Some initiatives could not be read", errors=errors)
    return initiatives


def initiatives_to_rows(initiatives: Sequence[Initiative]) -> list[dict[str, Cell]]:
    def joined(values: Sequence[float | str]) -> str:
        return ";".join(_plain(v) for v in values)

    return [
        {
            "id": i.id,
            "name": i.name,
            "category": i.category.value,
            "duration": i.duration,
            "earliest_start": i.earliest_start,
            "latest_start": i.latest_start,
            "capex": joined(i.capex),
            "opex": joined(i.opex),
            "savings": joined(i.savings),
            "fte": joined(i.fte),
            "probability": i.probability,
            "optimism_bias_upper": i.optimism_bias_upper,
            "mitigation": i.mitigation,
            "requires": joined(i.requires),
            "excludes": joined(i.excludes),
            "option_group": i.option_group,
            "locked": i.locked.value if i.locked else "",
            "services": joined(i.services),
        }
        for i in initiatives
    ]


def _plain(value: float | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def programme_from_settings(settings: Mapping[str, Cell], *, lines: Mapping[str, int] | None = None) -> Programme:
    errors: list[FieldError] = []
    unknown = sorted(set(settings) - set(PROGRAMME_SETTINGS))
    for name in unknown:
        errors.append(FieldError("unknown_setting", f"There is no setting called {name!r}", f"programme.{name}"))
    cells = _Cells(settings, None, "programme.", errors)
    horizon = cells.integer("horizon_years", None)
    if horizon is None:
        errors.append(FieldError("required", "Enter the horizon in years", "programme.horizon_years"))
    baseline, fraction, year = (
        cells.number("target_baseline", None),
        cells.number("target_fraction", None),
        cells.integer("target_year", None),
    )
    target = None
    if (baseline, fraction, year) != (None, None, None):
        if None in (baseline, fraction, year):
            message = "A target needs a baseline, a fraction and a year"
            errors.append(FieldError("incomplete_target", message, "programme.target_baseline"))
        else:
            target = SavingsTarget(baseline, fraction, year, cells.flag("target_risk_adjusted", True))
    budgets = {name: cells.numbers(name) or None for name in ("capital_budget", "revenue_budget", "fte_capacity")}
    programme = Programme(
        horizon_years=horizon or 1,
        capital_budget=budgets["capital_budget"],
        revenue_budget=budgets["revenue_budget"],
        fte_capacity=budgets["fte_capacity"],
        target=target,
        discount_rate=cells.number("discount_rate", 0.035),
        objective=cells.choice("objective", Objective, Objective.MAX_NPV),
        appraisal_years=cells.integer("appraisal_years", None),
        requires_finish=cells.flag("requires_finish", False),
        budgets_include_uplift=cells.flag("budgets_include_uplift", False),
        mip_rel_gap=cells.number("mip_rel_gap", 1e-4),
        time_limit=cells.number("time_limit", 60.0),
    )
    if errors:
        if lines:
            errors = [FieldError(e.code, e.message, e.path, lines.get(e.path.split(".")[-1])) for e in errors]
        raise ValidationFailed("The programme settings could not be read", errors=errors)
    return programme


def programme_to_settings(programme: Programme) -> dict[str, Cell]:
    def joined(values: tuple[float, ...] | None) -> str:
        return "" if values is None else ";".join(_plain(v) for v in values)

    target = programme.target
    return {
        "horizon_years": programme.horizon_years,
        "capital_budget": joined(programme.capital_budget),
        "revenue_budget": joined(programme.revenue_budget),
        "fte_capacity": joined(programme.fte_capacity),
        "discount_rate": programme.discount_rate,
        "objective": programme.objective.value,
        "appraisal_years": programme.appraisal_years,
        "target_baseline": target.baseline if target else None,
        "target_fraction": target.fraction if target else None,
        "target_year": target.year if target else None,
        "target_risk_adjusted": ("yes" if target.risk_adjusted else "no") if target else None,
        "requires_finish": "yes" if programme.requires_finish else "no",
        "budgets_include_uplift": "yes" if programme.budgets_include_uplift else "no",
        "mip_rel_gap": programme.mip_rel_gap,
        "time_limit": programme.time_limit,
    }
