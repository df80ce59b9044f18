"""Mail to triage in a real browser at 320px: a caseworker reads a stray reply, tries to file it on a case
that does not exist, then on the right one; every page is checked by axe (WCAG 2.2 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROWEST
from tests.cases.test_mail_triage import stray  # noqa: F401  (the fixture: a reply waiting in triage)
from townhall.core.roles import Role
from townhall.notifications.models import InboundStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_caseworker_files_a_stray_reply_on_its_case(
    county: Any,
    stray: Any,  # noqa: F811
    staff_pages: Callable[..., Callable[..., Page]],
    assert_accessible: Callable[[Page], None],
) -> None:
    message, case = stray
    page = staff_pages(county, Role.CASEWORKER)(width=NARROWEST)

    page.goto(f"/staff/mail/{county.slug}/")
    expect(page.locator("h1")).to_have_text("Mail to triage")
    card = page.locator(f"#message-{message.pk}")
    expect(card.locator("h2")).to_have_text("Re: my badge")
    expect(card).to_contain_text("It matched no case")
    expect(card).to_contain_text("letter.pdf (clean)")
    card.get_by_text("Read the message").click()
    expect(card).to_contain_text("Here is the letter you asked for.")
    assert_accessible(page)

    card.get_by_role("textbox", name="File on case").fill("ZZZZ-9999")
    card.get_by_role("button", name="File on case: Re: my badge").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", f"#case_reference-{message.pk}")
    expect(page.locator(f"#case_reference-{message.pk}-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("textbox", name="File on case").fill(case.reference)
    page.get_by_role("button", name="File on case: Re: my badge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Filed on case {case.reference}")
    expect(page.locator("main")).to_contain_text("Nothing is waiting.")
    message.refresh_from_db()
    assert message.status == InboundStatus.MATCHED
    assert_accessible(page)
