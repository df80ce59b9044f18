"""The portfolio's browser tests use the shared browser fixtures (Debian's Chromium, axe-core)."""

from tests.browser.conftest import (  # noqa: F401
    _built_assets,
    assert_accessible_fixture,
    browser_type_launch_args,
    new_page,
    staff_pages,
)
