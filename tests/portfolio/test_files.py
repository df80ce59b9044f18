"""CSV and XLSX in and out, every problem reported with where it is, and ``manage.py portfolio solve``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from townhall.core.errors import ValidationFailed
from townhall.portfolio.optimiser import Lock, Objective, Programme, SavingsTarget
from townhall.portfolio.optimiser.files import (
    load_portfolio,
    plan_csv,
    read_initiatives_csv,
    read_programme_csv,
    read_xlsx,
    write_initiatives_csv,
    write_programme_csv,
    write_xlsx,
)
from townhall.portfolio.optimiser.synthetic import SyntheticSpec, synthetic_programme

from .factories import initiative

PROGRAMME = Programme(
    horizon_years=4,
    capital_budget=(250.0, 250.0, 100.0, 0.0),
    fte_capacity=(4.0,) * 4,
    target=SavingsTarget(baseline=2000.0, fraction=0.05, year=4, risk_adjusted=False),
    objective=Objective.MIN_COST,
    requires_finish=True,
    mip_rel_gap=0.0,
)
ITEMS = [
    initiative("crm", capex=(120.5, 30.0), duration=2, fte=(2.0, 1.0), requires=(), services=("report-missed-bin",)),
    initiative("portal", requires=("crm",), excludes=("kiosk",), option_group="front door", probability=0.8),
    initiative("kiosk", locked=Lock.OUT, mitigation=0.4, optimism_bias_upper=2.0),
]


def test_csv_round_trips_initiatives_and_programme() -> None:
    assert read_initiatives_csv(write_initiatives_csv(ITEMS)) == ITEMS
    assert read_programme_csv(write_programme_csv(PROGRAMME)) == PROGRAMME


def test_xlsx_round_trips_both_sheets() -> None:
    data = write_xlsx(PROGRAMME, ITEMS)
    assert load_workbook(io.BytesIO(data)).sheetnames == ["Programme", "Initiatives"]
    assert read_xlsx(data) == (PROGRAMME, ITEMS)


def test_a_large_generated_programme_round_trips() -> None:
    programme, items = synthetic_programme(SyntheticSpec(initiatives=120), seed=5)
    assert read_xlsx(write_xlsx(programme, items)) == (programme, items)


def test_every_bad_cell_is_reported_with_its_line() -> None:
    text = "id,name,category,duration,capex,locked\na,Alpha,channel shift,two,100;x,\nb,,robots,1,100,maybe\n"
    with pytest.raises(ValidationFailed) as caught:
        read_initiatives_csv(text)
    found = {(e.path, e.line) for e in caught.value.errors}
    assert found == {
        ("initiatives.duration", 2),
        ("initiatives.capex", 2),
        ("initiatives.name", 3),
        ("initiatives.category", 3),
        ("initiatives.locked", 3),
    }


def test_unknown_columns_settings_and_sheets_are_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_initiatives_csv("id,name,category,colour\n")
    assert [e.code for e in caught.value.errors] == ["unknown_column"]
    with pytest.raises(ValidationFailed) as caught:
        read_programme_csv("setting,value\nhorizon_years,3\nbudget,5\ntarget_year,2\n")
    assert {(e.code, e.line) for e in caught.value.errors} == {("unknown_setting", 3), ("incomplete_target", None)}
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(b"not a workbook")
    assert caught.value.code == "invalid_workbook"


def test_the_plan_exports_as_csv(tmp_path: Path) -> None:
    from townhall.portfolio.optimiser import solve

    plan = solve(PROGRAMME, ITEMS)
    text = plan_csv(plan)
    assert text.splitlines()[0] == "initiative,name,start_year,finish_year"
    assert "year,capex,opex,savings" in text


def test_manage_py_portfolio_solve_prints_progress_and_the_plan(tmp_path: Path) -> None:
    programme, items = synthetic_programme(SyntheticSpec(initiatives=60, horizon_years=6), seed=2)
    workbook = tmp_path / "programme.xlsx"
    workbook.write_bytes(write_xlsx(programme, items))
    out = io.StringIO()
    plan_file = tmp_path / "plan.csv"
    call_command("portfolio", "solve", str(workbook), "--compare-greedy", "--plan-csv", str(plan_file), stdout=out)
    text = out.getvalue()
    assert "Planning 60 initiatives over 6 years" in text
    assert "better plan found" in text
    assert "Status: optimal, proven gap" in text
    assert "Greedy benefit/cost ranking" in text
    assert plan_file.read_text().startswith("initiative,name,start_year,finish_year")


def test_manage_py_portfolio_solve_reads_csv_with_programme_beside_it(tmp_path: Path) -> None:
    (tmp_path / "initiatives.csv").write_text(write_initiatives_csv(ITEMS))
    (tmp_path / "programme.csv").write_text(write_programme_csv(PROGRAMME))
    assert load_portfolio(tmp_path / "initiatives.csv") == (PROGRAMME, ITEMS)
    out = io.StringIO()
    call_command("portfolio", "solve", str(tmp_path / "initiatives.csv"), stdout=out)
    assert "Status: optimal" in out.getvalue()


def test_manage_py_portfolio_solve_explains_bad_files_and_infeasible_plans(tmp_path: Path) -> None:
    bad = tmp_path / "initiatives.csv"
    bad.write_text("id,name,category\na,Alpha,robots\n")
    (tmp_path / "programme.csv").write_text("setting,value\nhorizon_years,3\n")
    with pytest.raises(CommandError, match=r"initiatives.category \(line 2\)"):
        call_command("portfolio", "solve", str(bad), stdout=io.StringIO())
    locked = [initiative("big", capex=(500.0,), locked=Lock.IN)]
    bad.write_text(write_initiatives_csv(locked))
    (tmp_path / "programme.csv").write_text("setting,value\nhorizon_years,3\ncapital_budget,100;100;100\n")
    with pytest.raises(CommandError, match="yearly capital budgets"):
        call_command("portfolio", "solve", str(bad), stdout=io.StringIO())


def test_the_examples_in_the_documentation_read_and_solve(tmp_path: Path) -> None:
    import re

    from townhall.portfolio.optimiser import solve

    doc = (Path(__file__).resolve().parents[2] / "docs" / "portfolio.md").read_text()
    programme_text, initiatives_text = re.findall(r"```csv\n(.*?)```", doc, re.S)
    programme = read_programme_csv(programme_text)
    items = read_initiatives_csv(initiatives_text)
    assert programme.target is not None and programme.target.amount == pytest.approx(600_000)
    plan = solve(programme, items)
    assert plan.status == "optimal"
    assert plan.years[4].expected_savings >= 600_000
    assert not {"shared-rev", "outsourced-rev"} <= plan.chosen.keys()  # one option from the group
