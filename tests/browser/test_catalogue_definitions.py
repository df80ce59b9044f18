"""A service designer in a real browser: a bad upload's error summary, a good upload's draft page with
its preview, publishing, and the public service directory; each page accessible (axe, WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from tests.catalogue.platform_support import DEFINITIONS_DIR
from townhall.core.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, user: Any, base_url: str) -> None:
    """Give the browser the session a real sign-in (password and authenticator code) would leave."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base_url}])


def test_a_designer_uploads_checks_and_publishes_a_definition(
    district, make_staff, live_server, new_page: Callable[..., Page], assert_accessible: Callable[[Page], None]
) -> None:
    page = new_page(width=320)
    _sign_in(page, make_staff(district, Role.SERVICE_DESIGNER), live_server.url)

    page.goto("/staff/definitions/")
    expect(page.locator("h1")).to_have_text("Service definitions")
    assert_accessible(page)

    page.get_by_role("button", name="Upload a definition").click()
    page.get_by_label("Or paste the definition").fill("id: report-missed-bin\nlgsl: [unclosed\n")
    page.get_by_role("button", name="Upload as a draft").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 3:")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Upload a definition – Townhall")
    assert_accessible(page)

    page.get_by_label("Definition file").set_input_files(str(DEFINITIONS_DIR / "report-missed-bin.yaml"))
    page.get_by_label("Or paste the definition").fill("")
    page.get_by_role("button", name="Upload as a draft").click()
    expect(page.locator("h1")).to_have_text("Report a missed bin collection")
    expect(page.get_by_text("The checks found no problems.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Send crew back")
    assert_accessible(page)

    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator("main strong.govuk-tag").first).to_have_text("Published")
    assert_accessible(page)

    page.goto("/services/")
    expect(page.locator("caption")).to_contain_text(["Mid Downs District Council"])
    expect(page.locator("main")).to_contain_text("524")
    assert_accessible(page)


def test_another_council_adopts_a_published_definition(
    district, county, make_staff, live_server, new_page: Callable[..., Page], assert_accessible: Callable[[Page], None]
) -> None:
    from townhall.catalogue.services import definition_import

    source = (DEFINITIONS_DIR / "report-missed-bin.yaml").read_text(encoding="utf-8")
    definition_import(actor=None, organisation=district, source=source, filename="bins.yaml", publish=True)
    page = new_page()
    _sign_in(page, make_staff(county, Role.SERVICE_DESIGNER), live_server.url)

    page.goto("/staff/definitions/adopt/")
    assert_accessible(page)
    page.get_by_role("button", name="Adopt Report a missed bin collection from Mid Downs District Council").click()
    expect(page.locator("main")).to_contain_text("E07000901/report-missed-bin@1")
    expect(page.locator(".govuk-caption-l")).to_have_text("Downshire County Council")
    assert_accessible(page)
