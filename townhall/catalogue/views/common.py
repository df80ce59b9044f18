"""What the catalogue's pages share: the staff layout and turning errors into pages."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from townhall.core.errors import FieldError, NotFound, PermissionDenied, TownhallError


@cache
def staff_base() -> str:
    """The back office layout, once the front end provides it; the site layout until then."""
    try:
        get_template("staff/base.html")
    except TemplateDoesNotExist:
        return "base.html"
    return "staff/base.html"


def render_staff(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"staff_base": staff_base(), **context}, status=status)


def refused(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return render_staff(request, "catalogue/refused.html", {"error": error}, status=403)


def error_list(error: TownhallError, href: str) -> list[dict[str, str]]:
    """A GOV.UK error summary's items: every finding with its line."""
    items = error.errors or [FieldError(error.code, error.detail)]
    return [{"text": describe(e), "href": href} for e in items]


def describe(error: FieldError) -> str:
    where = f"Line {error.line}: " if error.line else ""
    path = f" ({error.path})" if error.path else ""
    return f"{where}{error.message}{path}"


def handle(request: HttpRequest, error: TownhallError) -> HttpResponse:
    """Pages for errors a page does not show inline: refused or not found."""
    if isinstance(error, PermissionDenied):
        return refused(request, error)
    if isinstance(error, NotFound):
        raise Http404(error.detail)
    raise error
