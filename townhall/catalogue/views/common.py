"""What the catalogue's pages share: findings as GOV.UK error summary items, and breadcrumbs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from townhall.core.errors import FieldError, TownhallError


def error_list(error: TownhallError, href: str) -> list[dict[str, str]]:
    """A GOV.UK error summary's items: every problem, with its line when known."""
    items = error.errors or [FieldError(error.code, error.detail)]
    return [{"text": describe(e), "href": href} for e in items]


def describe(error: FieldError) -> str:
    where = _("Line %(line)s: ") % {"line": error.line} if error.line else ""
    path = f" ({error.path})" if error.path else ""
    return f"{where}{error.message}{path}"


def breadcrumbs(*trail: tuple[str, str | None]) -> list[dict[str, str]]:
    """Staff home › Service definitions › … ; the last item is the current page (no link)."""
    items = [
        {"text": _("Staff home"), "href": reverse("core:staff-home")},
        {"text": _("Service definitions"), "href": reverse("catalogue:staff-list")},
    ]
    for text, href in trail:
        items.append({"text": text, "href": href} if href else {"text": text})
    return items
