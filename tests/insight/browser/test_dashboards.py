"""Insight in a real browser: a team manager reads the dashboard across services (at 320px), one service's
dashboard and benchmarking; an organisation admin saves the settings with a wrong cost and sees the error
summary. Every page is checked by axe (WCAG 2.2 AA); a chart is an image with its figures in a table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROWEST
from townhall.core.models import Organisation
from townhall.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "?from=2026-01&to=2026-02"


@pytest.fixture
def cases(county: Organisation, blue_badge: Any, place_case: Any) -> None:
    place_case(blue_badge, received="2026-01-05", email="a@x.test", decided="2026-01-10", due="2026-01-19")
    place_case(blue_badge, received="2026-01-12", channel="post", email="b@x.test")
    place_case(blue_badge, received="2026-02-03", channel="phone", email="c@x.test")


def test_team_manager_reads_the_dashboards_and_benchmarking(
    county: Organisation,
    cases: None,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    as_manager = staff_pages(county, Role.TEAM_MANAGER)
    page = as_manager(width=NARROWEST)

    page.goto(f"/staff/insight/{county.slug}/{PERIOD}")
    expect(page.locator("h1")).to_have_text("Insight across services")
    chart = page.locator("svg[role=img]").first
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title")).not_to_be_empty()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= NARROWEST, "the chart must shrink to fit a 320px screen"
    expect(page.locator("#chart-volumes-table")).to_be_attached()
    expect(page.locator("#chart-volumes-table caption")).to_have_text("Figures for this chart")
    expect(page.locator("#services")).to_contain_text("Apply for a Blue Badge")
    assert_accessible(page)

    page.get_by_role("link", name="Apply for a Blue Badge").click()
    expect(page.locator("h1")).to_have_text("Insight: Apply for a Blue Badge")
    expect(page.locator("#chart-time-table")).to_be_attached()
    assert_accessible(page)

    wide = as_manager()
    wide.goto(f"/staff/insight/{county.slug}/blue-badge/{PERIOD}")
    expect(wide.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(wide)

    wide.goto(f"/staff/insight/{county.slug}/{PERIOD}")
    wide.get_by_role("link", name="Benchmarking with other organisations").click()
    expect(wide.locator("h1")).to_have_text("Benchmarking")
    expect(wide.locator(".govuk-inset-text")).to_contain_text("has not chosen to be benchmarked")
    assert_accessible(wide)


def test_analyst_sees_benchmarking_figures_at_320px(
    county: Organisation,
    cases: None,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    Organisation.objects.filter(pk=county.pk).update(benchmarking_opt_in=True)
    page = staff_pages(county, Role.ANALYST)(width=NARROWEST)
    page.goto(f"/staff/insight/{county.slug}/benchmarking/{PERIOD}")
    expect(page.locator("#lgsl-1088 caption")).to_contain_text("Apply for a Blue Badge")
    expect(page.locator("#lgsl-1088 tbody")).to_contain_text("(you)")
    assert_accessible(page)

    page.get_by_label("First month", exact=True).fill("2026-13")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)


def test_organisation_admin_corrects_the_insight_settings(
    county: Organisation,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    page = staff_pages(county, Role.ORGANISATION_ADMIN)()
    page.goto(f"/staff/insight/{county.slug}/settings/")
    expect(page.locator("h1")).to_have_text("Unit costs and benchmarking")
    assert_accessible(page)

    page.get_by_label("Phone (pounds)").fill("two pounds")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#cost_phone")
    expect(page.locator("#cost_phone-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Phone (pounds)").fill("2.50")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Insight settings saved")
    assert_accessible(page)
