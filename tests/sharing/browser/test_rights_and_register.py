"""Sharing in a real browser: a resident reads the public register of agreements (also at 320px); an
organisation admin sends the rights form empty, records a subject access request and gathers everything
held. Every page is checked by axe (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROWEST, signed_in
from townhall.core.models import Organisation
from townhall.sharing.models import Agreement, RightsRequest, RightsRequestStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1024, NARROWEST])
def test_resident_reads_the_register_of_agreements(
    agreement: Agreement,
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
    width: int,
) -> None:
    page = new_page(width=width)
    page.goto("/sharing/register/")
    expect(page.locator("h1")).to_have_text("Register of data-sharing agreements")
    expect(page.get_by_role("heading", name=f"{agreement.code}: Hospital discharge support")).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Downshire Hospitals NHS Trust")
    assert_accessible(page)


def test_organisation_admin_records_and_gathers_a_subject_access_request(
    county: Organisation,
    county_admin: Any,
    resident_case: Any,
    verified_client: Any,
    live_server: Any,
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
) -> None:
    client = verified_client(county_admin)
    page = signed_in(new_page(), client, live_server)
    page.goto(f"/staff/rights/{county.slug}/")
    expect(page.locator("h1")).to_have_text("Residents' rights requests")
    expect(page.locator("#requests + p")).to_have_text("No requests yet.")
    assert_accessible(page)

    page.get_by_role("button", name="Record request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#kind")
    assert not RightsRequest.objects.exists()
    assert_accessible(page)

    page.get_by_role("radio", name="Subject access").check()
    page.get_by_label("Resident's email address").fill("gwen@example.test")
    page.get_by_role("button", name="Record request").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    request = RightsRequest.objects.get()
    row = page.locator("tbody tr", has_text=request.reference)
    expect(row).to_contain_text("Subject access")
    expect(row).to_contain_text("Received")
    assert_accessible(page)

    row.get_by_role("button", name="Gather everything held").click()
    expect(row.get_by_role("link", name="Read")).to_be_visible()
    expect(row).to_contain_text("Gathered")
    request.refresh_from_db()
    assert request.status == RightsRequestStatus.GATHERED
    assert resident_case.reference in {c["reference"] for c in request.bundle["cases"]}
    assert_accessible(page)
