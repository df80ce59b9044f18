"""The open data pages in a real browser: a resident (not signed in) reads the index and a published dataset
with its preview table, at 320px and in Welsh; an analyst uses the staff datasets page and mistypes a
disclosure rule. Every page is checked by axe (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROWEST
from townhall.core.models import Organisation
from townhall.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATASET = "/open-data/downshire/service-performance/"


def assert_no_horizontal_scroll(page: Page) -> None:
    """The preview tables scroll inside their own regions; the page itself never scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size}"


def test_resident_reads_the_index_and_a_dataset_at_320px(
    published: Any,
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = new_page(width=NARROWEST)
    page.goto("/open-data/")
    expect(page.locator("h1")).to_have_text("Open data")
    expect(page.get_by_role("heading", name="Service performance by month")).to_be_visible()
    region = page.get_by_role("region", name="First rows of Service performance by month")
    expect(region.locator("table")).to_be_visible()
    expect(region.locator('td span[role="img"]').first).to_have_accessible_name("withheld or not available")
    assert_no_horizontal_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name="Service performance by month", exact=True).click()
    expect(page.locator("h1")).to_have_text("Service performance by month")
    preview = page.get_by_role("region", name="First rows of version 1")
    expect(preview.locator("caption")).to_have_text("First rows of version 1")
    expect(preview.locator("tbody tr").first).to_contain_text("Blue badge")
    assert_accessible(page)


def test_resident_reads_a_dataset_and_the_index_in_welsh(
    published: Any,
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = new_page(language="cy")
    page.goto(DATASET)
    assert page.locator("html").get_attribute("lang") == "cy"
    expect(page.get_by_role("heading", name="Lawrlwytho")).to_be_visible()
    expect(page.get_by_role("region", name="Rhesi cyntaf fersiwn 1").locator("table")).to_be_visible()
    assert_accessible(page)

    narrow = new_page(width=NARROWEST, language="cy")
    narrow.goto("/open-data/")
    assert narrow.locator("html").get_attribute("lang") == "cy"
    expect(narrow.get_by_role("link", name="Catalog o setiau data (DCAT, Turtle)")).to_be_visible()
    assert_no_horizontal_scroll(narrow)
    assert_accessible(narrow)


def test_analyst_uses_the_staff_datasets_page(
    county: Organisation,
    published: Any,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = staff_pages(county, Role.ANALYST)(width=NARROWEST)
    page.goto(f"/staff/open-data/{county.slug}/")
    expect(page.locator("h1")).to_have_text("Open data")
    expect(page.get_by_role("heading", name="Service performance by month")).to_be_visible()
    expect(page.get_by_label("Withhold counts under")).to_have_value("10")
    assert_accessible(page)

    page.get_by_label("Withhold counts under").fill("ten")
    page.get_by_role("button", name="Save disclosure rules").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter whole numbers")
    assert_accessible(page)
