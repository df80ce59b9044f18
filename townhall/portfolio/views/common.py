"""What every portfolio page shares: the organisation and programme lookup, errors, breadcrumbs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from townhall.core.errors import NotFound, PermissionDenied, TownhallError
from townhall.core.models import Organisation
from townhall.core.roles import Permission
from townhall.core.selectors.organisations import organisation_for_staff
from townhall.core.views import staff_required
from townhall.core.views.rendering import error_page
from townhall.portfolio import models, selectors

SCENARIO_FIELDS = ("budget_cut", "target_change", "savings_change", "cost_change", "staff_cut")

View = Callable[..., HttpResponse]


def portfolio_view(view: View) -> View:
    """Resolve the organisation (and the programme, when the URL names one) for a member of staff who may
    manage the portfolio there; another organisation's rows are a 404, a missing permission a 403."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, organisation_slug: str, **kwargs: Any) -> HttpResponse:
        try:
            organisation = organisation_for_staff(
                slug=organisation_slug, actor=request.user, permission=Permission.MANAGE_PORTFOLIO
            )
            if "programme_slug" in kwargs:
                kwargs["programme"] = selectors.programme_get(
                    organisation=organisation, actor=request.user, slug=kwargs.pop("programme_slug")
                )
            return view(request, organisation, **kwargs)
        except (NotFound, PermissionDenied) as error:
            return error_page(request, error)

    return wrapper


def form_errors(error: TownhallError, default_field: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    items = [{"text": e.message, "href": f"#{e.path or default_field}"} for e in error.errors] or [
        {"text": error.detail, "href": f"#{default_field}"}
    ]
    fields: dict[str, str] = {}
    for item in items:
        fields.setdefault(item["href"].lstrip("#"), item["text"])
    return items, fields


def crumbs(organisation: Organisation, programme: models.Programme | None, here: str) -> list[dict[str, str]]:
    crumbs = [
        {"text": _("Staff home"), "href": reverse("core:staff-home")},
        {"text": _("Investment portfolio"), "href": reverse("portfolio:initiatives", args=[organisation.slug])},
    ]
    if programme is not None:
        crumbs.append(
            {"text": programme.name, "href": reverse("portfolio:programme", args=[organisation.slug, programme.slug])}
        )
    crumbs.append({"text": here})
    return crumbs


def programme_url(programme: models.Programme, name: str = "portfolio:programme", **kwargs: Any) -> str:
    return reverse(
        name, kwargs={"organisation_slug": programme.organisation.slug, "programme_slug": programme.slug, **kwargs}
    )
