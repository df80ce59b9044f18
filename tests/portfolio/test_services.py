"""Storing programmes: import from files, scenarios, export, and another organisation's rows are NotFound."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.portfolio import models
from townhall.portfolio.optimiser import Programme, SavingsTarget
from townhall.portfolio.optimiser.files import (
    read_initiatives_csv,
    read_xlsx,
    write_initiatives_csv,
    write_programme_csv,
    write_xlsx,
)
from townhall.portfolio.selectors import programme_export, programme_get, programme_inputs, scenario_comparison
from townhall.portfolio.services import programme_import, scenario_create

from .factories import initiative

PROGRAMME = Programme(
    horizon_years=4,
    capital_budget=(250.0,) * 4,
    target=SavingsTarget(baseline=1000.0, fraction=0.1, year=4),
    discount_rate=0.0,
)
ITEMS = [
    initiative("crm", capex=(200.0,), savings=(90.0,) * 4, services=("report-missed-bin",)),
    initiative("portal", requires=("crm",), capex=(60.0,), savings=(40.0,) * 4),
    initiative("kiosk", option_group="front door", capex=(30.0,), savings=(25.0,) * 4),
]


@pytest.fixture
def analyst(district: Any, make_staff: Any) -> Any:
    return make_staff(district, Role.ANALYST)


def test_a_workbook_imports_as_a_programme_and_reads_back_the_same(district: Any, analyst: Any) -> None:
    stored = programme_import(
        actor=analyst,
        organisation=district,
        slug="ict-2027",
        name="ICT programme 2027-31",
        filename="programme.xlsx",
        data=write_xlsx(PROGRAMME, ITEMS),
    )
    assert stored.initiatives.count() == 3
    assert programme_inputs(stored) == (PROGRAMME, ITEMS)
    event = AuditEvent.objects.get(action="portfolio.programme_imported")
    assert event.organisation_id == district.pk and event.data["initiatives"] == 3
    exported = programme_export(organisation=district, actor=analyst, slug="ict-2027", file_format="xlsx")
    assert read_xlsx(exported) == (PROGRAMME, ITEMS)
    as_csv = programme_export(organisation=district, actor=analyst, slug="ict-2027", file_format="csv")
    assert read_initiatives_csv(as_csv.decode()) == ITEMS


def test_csv_files_import_and_bad_ones_are_refused_whole(district: Any, analyst: Any) -> None:
    programme_import(
        actor=analyst,
        organisation=district,
        slug="from-csv",
        name="From CSV",
        filename="initiatives.csv",
        data=write_initiatives_csv(ITEMS).encode(),
        programme_data=write_programme_csv(PROGRAMME).encode(),
    )
    with pytest.raises(ValidationFailed) as caught:
        programme_import(
            actor=analyst,
            organisation=district,
            slug="broken",
            name="Broken",
            filename="initiatives.csv",
            data=b"id,name,category,requires\na,A,data,ghost\n",
            programme_data=b"setting,value\nhorizon_years,3\n",
        )
    assert [e.code for e in caught.value.errors] == ["unknown_initiative"]
    with pytest.raises(Conflict):
        programme_import(
            actor=analyst,
            organisation=district,
            slug="from-csv",
            name="Again",
            filename="p.xlsx",
            data=write_xlsx(PROGRAMME, ITEMS),
        )
    assert list(models.Programme.objects.values_list("slug", flat=True)) == ["from-csv"]


def test_only_portfolio_managers_of_the_organisation_may_import_or_read(
    district: Any, county: Any, analyst: Any, make_staff: Any
) -> None:
    caseworker = make_staff(district, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        programme_import(actor=caseworker, organisation=district, slug="x", name="X", filename="x.xlsx", data=b"")
    programme_import(
        actor=analyst,
        organisation=district,
        slug="ict",
        name="ICT",
        filename="p.xlsx",
        data=write_xlsx(PROGRAMME, ITEMS),
    )
    county_analyst = make_staff(county, Role.ANALYST)
    with pytest.raises(NotFound):
        programme_get(organisation=county, actor=county_analyst, slug="ict")
    with pytest.raises(PermissionDenied):
        programme_get(organisation=district, actor=county_analyst, slug="ict")


def test_scenarios_are_named_once_and_compared_against_the_plan(district: Any, analyst: Any) -> None:
    stored = programme_import(
        actor=analyst,
        organisation=district,
        slug="ict",
        name="ICT",
        filename="p.xlsx",
        data=write_xlsx(PROGRAMME, ITEMS),
    )
    scenario_create(actor=analyst, programme=stored, name="Budgets cut by a quarter", budget_cut=0.25)
    scenario_create(actor=analyst, programme=stored, name="Savings 30% lower", savings_change=-0.3)
    with pytest.raises(Conflict):
        scenario_create(actor=analyst, programme=stored, name="Savings 30% lower", savings_change=-0.5)
    with pytest.raises(ValidationFailed):
        scenario_create(actor=analyst, programme=stored, name="Too deep", budget_cut=1.5)
    results = scenario_comparison(organisation=district, actor=analyst, slug="ict")
    assert [r.scenario.name for r in results] == ["As planned", "Budgets cut by a quarter", "Savings 30% lower"]
    planned, cut, lower = (r.plan for r in results)
    assert planned.status == "optimal" and set(planned.chosen) == {"crm", "portal", "kiosk"}
    # 187.5 a year no longer buys the CRM, nor the portal that requires it: the target of 100 is missed.
    assert cut.status == "target_missed" and cut.chosen.keys() == {"kiosk"}
    assert cut.shortfall is not None and cut.shortfall.amount == pytest.approx(75.0)
    assert cut.shortfall.binding == ("capital budget", "requires")  # without the link, the portal alone helps
    assert lower.npv < planned.npv
    assert AuditEvent.objects.filter(action="portfolio.scenario_created").count() == 2
