"""An analyst's planning session in a real browser at 320px: import a workbook, fix a form with an error,
solve, record a RAG status and read the programme view; every page checked by axe (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from townhall.core.roles import Role
from townhall.portfolio.models import Programme
from townhall.portfolio.optimiser.files import write_xlsx

from ..conftest import ITEMS, PROGRAMME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_analyst_imports_solves_and_reads_the_roadmap(
    district: Any,
    tmp_path: Path,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = staff_pages(district, Role.ANALYST)(width=320)
    workbook = tmp_path / "programme.xlsx"
    workbook.write_bytes(write_xlsx(PROGRAMME, ITEMS))

    page.goto("/staff/portfolio/mid-downs/")
    expect(page.locator("h1")).to_have_text("Investment portfolio")
    page.get_by_role("button", name="Import programme").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a file to import")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("ICT programme")
    page.get_by_label("Short name for web addresses").fill("ict")
    page.get_by_label("Workbook or initiatives CSV").set_input_files(str(workbook))
    page.get_by_role("button", name="Import programme").click()
    expect(page.locator("h1")).to_have_text("ICT programme")
    assert_accessible(page)

    page.get_by_role("link", name="Crm").click()
    page.get_by_role("radio", name="Red").check()
    page.get_by_role("button", name="Record status").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what the status is based on")
    assert_accessible(page)
    page.get_by_role("radio", name="Red").check()
    page.get_by_label("What it is based on").fill("Supplier late")
    page.get_by_role("button", name="Record status").click()
    expect(page.locator("#status ~ p strong.govuk-tag")).to_have_text("Red")

    page.get_by_role("link", name="Scenarios and solving").click()
    page.get_by_role("button", name="Solve: As planned").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Optimality gap proved")
    assert_accessible(page)
    page.get_by_role("link", name="Programme view").click()
    expect(page.locator("svg[role=img] title").first).to_contain_text("Roadmap")
    expect(page.locator("#roadmap-table")).to_contain_text("Red")
    assert_accessible(page)


def test_analyst_starts_a_programme_from_scratch_and_fixes_the_name(
    district: Any,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = staff_pages(district, Role.ANALYST)(width=320)

    page.goto("/staff/portfolio/mid-downs/")
    page.get_by_role("link", name="Start a programme from scratch").click()
    expect(page.locator("h1")).to_have_text("Start a programme")
    expect(page.get_by_label("Discount rate")).to_have_value("0.035")
    assert_accessible(page)

    page.get_by_label("Short name for web addresses").fill("channel-shift")
    page.get_by_role("button", name="Start programme").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator('a[href="#name"]')).to_have_count(1)
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.get_by_label("Short name for web addresses")).to_have_value("channel-shift")
    assert not Programme.objects.filter(organisation=district).exists()
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill("Channel shift 2027")
    page.get_by_role("button", name="Start programme").click()
    expect(page.locator("h1")).to_have_text("Channel shift 2027")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Programme started")
    assert_accessible(page)
