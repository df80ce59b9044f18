"""Rendering back-office pages: the staff layout when the front end provides it, and error pages."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from townhall.core.errors import NotFound, PermissionDenied, TownhallError


@cache
def staff_base() -> str:
    try:
        get_template("staff/base.html")
    except TemplateDoesNotExist:
        return "base.html"
    return "staff/base.html"


def render_staff(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {"staff_base": staff_base(), **context}, status=status)


def error_page(request: HttpRequest, error: TownhallError) -> HttpResponse:
    """Refused (403) or not found (404, so another organisation's existence does not leak)."""
    if isinstance(error, NotFound):
        raise Http404(error.detail)
    if isinstance(error, PermissionDenied):
        return render_staff(request, "core/no_access.html", {"detail": error.detail}, status=403)
    raise error
