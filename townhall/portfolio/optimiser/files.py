"""Portfolio files: CSV (initiatives, and programme settings as ``setting,value``) and XLSX (both, as sheets).

An XLSX workbook holds a ``Programme`` sheet (``setting``, ``value`` columns) and an ``Initiatives`` sheet
with the columns of ``tables.INITIATIVE_COLUMNS``. The format is documented in ``docs/portfolio.md``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook

from townhall.core.errors import FieldError, ValidationFailed
from townhall.portfolio.optimiser.model import Initiative, Plan, Programme
from townhall.portfolio.optimiser.tables import (
    INITIATIVE_COLUMNS,
    Cell,
    initiatives_from_rows,
    initiatives_to_rows,
    programme_from_settings,
    programme_to_settings,
)

PROGRAMME_SHEET = "Programme"
INITIATIVES_SHEET = "Initiatives"
MAX_ROWS = 10_000


def _unknown_columns(header: Sequence[str]) -> list[FieldError]:
    return [
        FieldError("unknown_column", f"There is no column called {name!r}", f"initiatives.{name}", 1)
        for name in header
        if name and name not in INITIATIVE_COLUMNS
    ]


def read_initiatives_csv(text: str) -> list[Initiative]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    errors = _unknown_columns(header)
    if errors:
        raise ValidationFailed("The initiatives file has columns the planner does not know", errors=errors)
    rows = [{k.strip(): v for k, v in row.items() if k} for row in reader]
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(f"A file can hold at most {MAX_ROWS:,} initiatives")
    return initiatives_from_rows(rows)


def write_initiatives_csv(initiatives: Sequence[Initiative]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=INITIATIVE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(initiatives_to_rows(initiatives))
    return out.getvalue()


def read_programme_csv(text: str) -> Programme:
    settings: dict[str, Cell] = {}
    lines: dict[str, int] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or not row[0].strip() or (number == 1 and row[0].strip() == "setting"):
            continue
        settings[row[0].strip()] = row[1] if len(row) > 1 else ""
        lines[row[0].strip()] = number
    return programme_from_settings(settings, lines=lines)


def write_programme_csv(programme: Programme) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["setting", "value"])
    for key, value in programme_to_settings(programme).items():
        writer.writerow([key, "" if value is None else value])
    return out.getvalue()


def read_xlsx(data: bytes) -> tuple[Programme, list[Initiative]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed("The file is not an Excel workbook (.xlsx)", code="invalid_workbook") from exc
    missing = [name for name in (PROGRAMME_SHEET, INITIATIVES_SHEET) if name not in book.sheetnames]
    if missing:
        raise ValidationFailed(
            "The workbook needs sheets called Programme and Initiatives",
            errors=[FieldError("missing_sheet", f"Add a sheet called {name}", name) for name in missing],
        )
    settings: dict[str, Cell] = {}
    lines: dict[str, int] = {}
    for number, row in enumerate(book[PROGRAMME_SHEET].iter_rows(values_only=True), start=1):
        key = str(row[0]).strip() if row and row[0] is not None else ""
        if key and not (number == 1 and key == "setting"):
            settings[key] = row[1] if len(row) > 1 else None
            lines[key] = number
    rows = list(book[INITIATIVES_SHEET].iter_rows(values_only=True))
    if len(rows) > MAX_ROWS + 1:
        raise ValidationFailed(f"A file can hold at most {MAX_ROWS:,} initiatives")
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    errors = _unknown_columns(header)
    if errors:
        raise ValidationFailed("The Initiatives sheet has columns the planner does not know", errors=errors)
    records = [dict(zip(header, row, strict=False)) for row in rows[1:]]
    programme = programme_from_settings(settings, lines=lines)
    return programme, initiatives_from_rows(records)


def write_xlsx(programme: Programme, initiatives: Sequence[Initiative]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = PROGRAMME_SHEET
    sheet.append(["setting", "value"])
    for key, value in programme_to_settings(programme).items():
        sheet.append([key, value])
    items = book.create_sheet(INITIATIVES_SHEET)
    items.append(list(INITIATIVE_COLUMNS))
    for row in initiatives_to_rows(initiatives):
        items.append([row[c] for c in INITIATIVE_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load_portfolio(path: Path, *, programme_path: Path | None = None) -> tuple[Programme, list[Initiative]]:
    """A workbook holds both; a CSV of initiatives needs the programme settings CSV beside it."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx(path.read_bytes())
    if programme_path is None:
        sibling = path.with_name("programme.csv")
        if not sibling.exists():
            raise ValidationFailed("Give the programme settings file too (programme.csv beside the initiatives)")
        programme_path = sibling
    return read_programme_csv(programme_path.read_text(encoding="utf-8-sig")), read_initiatives_csv(
        path.read_text(encoding="utf-8-sig")
    )


def plan_csv(plan: Plan) -> str:
    """The chosen initiatives with their start and finish years, then the totals by year."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["initiative", "name", "start_year", "finish_year"])
    for s in plan.scheduled:
        writer.writerow([s.initiative_id, s.name, s.start_year, s.finish_year])
    writer.writerow([])
    writer.writerow(["year", "capex", "opex", "savings", "expected_savings", "fte", "capital_budget", "revenue_budget"])
    for y in plan.years:
        writer.writerow(
            [y.year, y.capex, y.opex, y.savings, y.expected_savings, y.fte, y.capital_budget, y.revenue_budget]
        )
    return out.getvalue()
