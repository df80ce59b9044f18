"""What the casework pages share: which organisation, the navigation, error lists."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from townhall.core.errors import FieldError, NotFound, TownhallError
from townhall.core.models import Organisation
from townhall.core.permissions import can
from townhall.core.roles import Permission


def organisation_for(request: HttpRequest, slug: str) -> Organisation:
    """The organisation in the address. One where the user cannot view cases does not exist for them."""
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not can(request.user, organisation, Permission.VIEW_CASES):
        raise NotFound("No such organisation", code="organisation_not_found")
    return organisation


def navigation(request: HttpRequest, organisation: Organisation) -> list[dict[str, Any]]:
    queue = reverse("cases:queue", kwargs={"organisation_slug": organisation.slug})
    mine = reverse("cases:my-work", kwargs={"organisation_slug": organisation.slug})
    return [
        {"text": _("Staff home"), "href": reverse("core:staff-home")},
        {"text": _("Work queue"), "href": queue, "current": request.path == queue},
        {"text": _("My work"), "href": mine, "current": request.path == mine},
    ]


def error_items(error: TownhallError, default_href: str) -> list[dict[str, str]]:
    items = error.errors or [FieldError(error.code, error.detail, "")]
    return [{"text": e.message, "href": f"#{e.path}" if e.path else default_href} for e in items]


def render_page(
    request: HttpRequest, template: str, organisation: Organisation, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "organisation": organisation,
            "navigation": navigation(request, organisation),
            "today": timezone.localdate(),
            **context,
        },
        status=status,
    )
