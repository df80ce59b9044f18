"""Fixtures for browser tests: Debian's Chromium through Playwright, a live server, axe-core.

Mark every test here ``@pytest.mark.browser``. They drive /usr/bin/chromium (from apt; no browser
is ever downloaded) against pytest-django's ``live_server``, so they need the built front-end
assets (``make assets``) and the database of a transactional test.

- ``browser_type_launch_args`` (pytest-playwright's hook) launches Debian's Chromium headless.
- ``new_page(width=..., javascript=..., language=...)`` opens a fresh context: a narrow viewport,
  JavaScript off, a language cookie; contexts are closed at the end of the test.
- ``staff_pages(organisation, *roles)`` signs in a new staff member and returns an opener of pages
  signed in as them, taking ``new_page``'s options: ``as_analyst(width=NARROWEST)``.
- ``assert_accessible(page)`` runs axe-core with the WCAG 2.2 A and AA rules and fails with a
  readable list of the violations. axe-core needs timers, which Chromium stops when JavaScript is
  off; for such a page it checks a copy of the page's DOM, scripts removed, in a JavaScript-on
  context of the same size: exactly what a visitor without JavaScript gets, styles included.
"""

from __future__ import annotations

import os
import re

# The Playwright sync API runs an event loop in the test's thread; Django's checks would then
# refuse database access from that thread. Only browser tests (this directory) set it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, Route
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NARROWEST = 320  # px: WCAG 1.4.10 reflow


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture(scope="session", autouse=True)
def _built_assets() -> None:
    css = Path(settings.BASE_DIR) / "townhall" / "static" / "dist" / "townhall.css"
    if not css.exists():
        pytest.fail("Browser tests need the front-end assets: run `make assets` first")


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts: ``new_page(width=320, javascript=False, language="cy")``."""
    contexts: list[BrowserContext] = []
    _scripts_off.clear()

    def open_page(*, width: int = 1024, height: int = 768, javascript: bool = True, language: str = "") -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        if language:
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if not javascript:
            _scripts_off[page] = (browser, context)
        return page

    yield open_page
    _scripts_off.clear()
    for context in contexts:
        context.close()


def signed_in(page: Page, client: Any, live_server: Any) -> Page:
    """The page, signed in as the Django test ``client`` is (its session cookie, for the live server)."""
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


@pytest.fixture
def staff_pages(
    make_staff: Any, verified_client: Any, live_server: Any, new_page: Callable[..., Page]
) -> Callable[..., Callable[..., Page]]:
    """Sign in a new staff member: ``as_analyst = staff_pages(county, Role.ANALYST)``; then
    ``as_analyst(width=NARROWEST)`` opens a page (``new_page``'s options) signed in as that member."""

    def sign_in(organisation: Any, *roles: Any) -> Callable[..., Page]:
        client = verified_client(make_staff(organisation, *roles))

        def open_page(**options: Any) -> Page:
            return signed_in(new_page(**options), client, live_server)

        return open_page

    return sign_in


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation.get("nodes", [])[:5]:
            target = ", ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('failureSummary', '').strip().replace(chr(10), ' ')}")
    return "\n".join(lines)


_axe = Axe()
_AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
# Pages opened with JavaScript off, and the browser and context they belong to.
_scripts_off: dict[Page, tuple[Browser, BrowserContext]] = {}


def _violations_without_javascript(page: Page, browser: Browser, context: BrowserContext) -> list[dict[str, Any]]:
    html = _SCRIPT.sub("", page.content())
    copy = browser.new_context(viewport=page.viewport_size, java_script_enabled=True)
    try:
        copy.add_cookies(context.cookies())  # type: ignore[arg-type]  # Cookie and SetCookieParam share their keys
        copy_page = copy.new_page()

        def serve_copy(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        address = page.url
        copy_page.route(lambda url: url == address, serve_copy)
        copy_page.goto(address)
        return list(_axe.run(copy_page, options=_AXE_OPTIONS).response["violations"])
    finally:
        copy.close()


def _run_axe_when_loaded(page: Page) -> list[Any]:
    """axe on the page once it has loaded. A click that navigates can swap the document out from under a
    run that started too early; then the run is repeated on the new page."""
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            return list(_axe.run(page, options=_AXE_OPTIONS).response["violations"])
        except PlaywrightError as error:
            navigating = "documentElement" in str(error) or "Execution context was destroyed" in str(error)
            if not navigating or attempt == 2:
                raise
    raise AssertionError("unreachable")


def assert_accessible(page: Page) -> None:
    """Fail unless axe-core finds no WCAG 2.2 A/AA violations on the page as it is now."""
    if page in _scripts_off:
        violations = _violations_without_javascript(page, *_scripts_off[page])
    else:
        violations = _run_axe_when_loaded(page)
    if violations:
        pytest.fail(f"{page.url} has {len(violations)} accessibility violation(s):\n{format_violations(violations)}")


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture() -> Callable[[Page], None]:
    return assert_accessible
