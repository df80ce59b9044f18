"""A caseworker's day in a real browser at 320px: the queue, a search, a case, a decision refused for want
of a reason then taken, every page checked by axe (WCAG 2.2 AA). A manager assigns cases in bulk with
JavaScript off (axe needs JavaScript, so that page is checked with it on first)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from townhall.cases.models import Case
from townhall.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_caseworker_searches_opens_and_decides(
    county,
    open_case,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    gwen = open_case()
    open_case(full_name="Ali Khan", postcode="DN9 9XX")
    page = staff_pages(county, Role.CASEWORKER)(width=320)

    page.goto("/staff/cases/")
    expect(page.locator("h1")).to_have_text("Work queue")
    assert_accessible(page)

    page.get_by_label("Search by reference, name or postcode").fill("gwen")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name=gwen.reference).click()
    expect(page.locator("h1")).to_have_text(f"Case {gwen.reference}")
    assert_accessible(page)

    page.get_by_label("Refuse").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason")
    assert_accessible(page)

    page.get_by_label("Reason", exact=True).fill("Does not meet the criteria")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Refused")
    assert Case.objects.get(pk=gwen.pk).state == "refused"


def test_manager_assigns_in_bulk_without_javascript(
    county,
    open_case,
    make_staff,
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    cases = [open_case() for _ in range(3)]
    worker = make_staff(county, Role.CASEWORKER, username="rhys")
    as_manager = staff_pages(county, Role.TEAM_MANAGER)
    checked = as_manager()
    checked.goto(f"/staff/cases/{county.slug}/")
    assert_accessible(checked)
    page = as_manager(javascript=False)
    page.goto(f"/staff/cases/{county.slug}/")
    page.get_by_label(f"Select case {cases[0].reference}").check()
    page.get_by_label(f"Select case {cases[1].reference}").check()
    page.get_by_label("Assign the selected cases to").select_option("rhys")
    page.get_by_role("button", name="Assign selected cases").click()
    expect(page.locator("body")).to_contain_text("2 case(s) assigned to rhys")
    assert sorted(c.reference for c in Case.objects.filter(assignee=worker)) == sorted(c.reference for c in cases[:2])
