"""A member of staff's first sign-in in a real browser: password, authenticator set-up by QR code,
backup codes, staff home, the members and API key pages; each page accessible (axe, WCAG 2.2 AA)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from townhall.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_sets_up_an_authenticator_and_reaches_the_admin_pages(
    district, make_staff, new_page: Callable[..., Page], assert_accessible: Callable[[Page], None]
) -> None:
    make_staff(district, Role.ORGANISATION_ADMIN, username="admin")
    page = new_page(width=320)
    page.goto("/staff/sign-in/")
    assert_accessible(page)

    page.get_by_label("Username or email address").fill("admin")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("not right")
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    expect(page.locator("figure svg")).to_be_visible()
    assert_accessible(page)

    secret = (page.locator("#totp-secret").text_content() or "").strip()
    code = f"{totp(base64.b32decode(secret)):06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.locator("h1")).to_have_text("Your backup codes")
    expect(page.locator(".townhall-backup-codes li")).to_have_count(10)
    assert_accessible(page)

    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Staff home")
    assert_accessible(page)

    page.get_by_role("link", name="Members").click()
    expect(page.locator("h1")).to_have_text("Members")
    assert_accessible(page)

    page.goto("/staff/organisations/mid-downs/api-keys/")
    page.get_by_label("Name").fill("Round planner")
    page.get_by_label("Caseworker").check()
    page.get_by_role("button", name="Create key").click()
    expect(page.locator(".govuk-panel")).to_contain_text("API key created")
    assert (page.locator("#secret").input_value() or "").startswith("th_")
    assert_accessible(page)
