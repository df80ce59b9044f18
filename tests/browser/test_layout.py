"""The resident layout in a real browser: accessible (axe-core, WCAG 2.2 AA) in English and Welsh,
at 320 px and with JavaScript off; the language toggle works without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROWEST

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {"home": "/", "not found": "/no-such-page/", "accessibility statement": "/accessibility/"}
SETTINGS = {
    "desktop, JavaScript on": {"width": 1024, "javascript": True},
    "320 px, JavaScript on": {"width": NARROWEST, "javascript": True},
    "320 px, JavaScript off": {"width": NARROWEST, "javascript": False},
    "desktop, JavaScript off": {"width": 1024, "javascript": False},
}


def assert_no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size}"


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize("name", list(PAGES))
def test_pages_are_accessible(
    new_page: Callable[..., Page], assert_accessible: Callable[[Page], None], name: str, setting: str, language: str
) -> None:
    page = new_page(language=language, **SETTINGS[setting])
    response = page.goto(PAGES[name])
    assert response is not None
    assert response.status == (404 if name == "not found" else 200)
    assert page.locator("html").get_attribute("lang") == language
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page)
    if SETTINGS[setting]["width"] == NARROWEST:
        assert_no_horizontal_scroll(page)


def test_welsh_interface_strings_are_shown(new_page: Callable[..., Page]) -> None:
    page = new_page(language="cy")
    page.goto("/no-such-page/")
    expect(page.locator("h1")).to_have_text("Heb ddod o hyd i'r dudalen")
    expect(page.get_by_role("link", name="Datganiad hygyrchedd")).to_be_visible()
    assert page.title() == "Heb ddod o hyd i'r dudalen – Townhall"


@pytest.mark.parametrize("width", [1024, NARROWEST])
def test_language_toggle_works_without_javascript_and_keeps_the_page(
    new_page: Callable[..., Page], assert_accessible: Callable[[Page], None], width: int
) -> None:
    page = new_page(javascript=False, width=width)
    page.goto("/accessibility/?from=toggle")
    expect(page.locator("h1")).to_have_text("Accessibility statement")

    page.get_by_role("button", name="Cymraeg").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accessibility/?from=toggle")
    assert page.locator("html").get_attribute("lang") == "cy"
    expect(page.locator("h1")).to_have_text("Datganiad hygyrchedd")
    expect(page.get_by_role("button", name="Cymraeg")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url.endswith("/accessibility/?from=toggle")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("Accessibility statement")


def test_skip_link_moves_to_the_main_content(new_page: Callable[..., Page]) -> None:
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    # The fragment navigation is asynchronous: wait for it rather than reading the URL at once.
    expect(page).to_have_url(re.compile(r"#main-content$"))
    expect(page.locator("#main-content")).to_be_focused()
