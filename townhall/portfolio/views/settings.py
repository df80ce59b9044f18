"""A programme's settings: start one from scratch, or change its name, budgets, staff, target and solver limits."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from townhall.core.errors import TownhallError
from townhall.core.models import Organisation
from townhall.core.views.rendering import render_staff
from townhall.portfolio import models, selectors, services
from townhall.portfolio.optimiser.model import Objective, Programme
from townhall.portfolio.optimiser.tables import PROGRAMME_SETTINGS, programme_to_settings
from townhall.portfolio.views.common import crumbs, form_errors, portfolio_view, programme_url

# A new programme starts from the Green Book's discount rate and the solver's usual limits.
BLANK = programme_to_settings(Programme(horizon_years=5))


def _form(programme: models.Programme | None) -> dict[str, str]:
    """The form's values as text, as a browser would send them (so 0 shows as 0, not blank)."""
    values = programme_to_settings(selectors.programme_inputs(programme)[0]) if programme else BLANK
    text = {key: "" if value is None else str(value) for key, value in values.items()}
    return {"name": programme.name, **text} if programme else text


def _settings_page(
    request: HttpRequest, organisation: Organisation, programme: models.Programme | None = None
) -> HttpResponse:
    errors: list[dict[str, str]] = []
    field_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            saved = services.programme_settings_save(
                actor=request.user,
                organisation=organisation,
                settings={key: request.POST.get(key, "") for key in PROGRAMME_SETTINGS},
                name=request.POST.get("name", ""),
                slug=request.POST.get("slug", ""),
                programme=programme,
            )
        except TownhallError as error:
            errors, field_errors = form_errors(error, "name")
            # The settings' paths are "programme.<setting>"; the form's fields are named by the setting.
            errors = [{**e, "href": e["href"].replace("#programme.", "#")} for e in errors]
            field_errors = {key.removeprefix("programme."): text for key, text in field_errors.items()}
            status = error.status
        else:
            messages.success(request, _("Programme settings saved") if programme else _("Programme started"))
            return HttpResponseRedirect(programme_url(saved))
    here = _("Programme settings") if programme else _("Start a programme")
    return render_staff(
        request,
        "portfolio/settings.html",
        {
            "organisation": organisation,
            "programme": programme,
            "form": request.POST if errors else _form(programme),
            "objectives": [o.value for o in Objective],
            "errors": errors,
            "field_errors": field_errors,
            "breadcrumbs": crumbs(organisation, programme, here),
        },
        status=status,
    )


@portfolio_view
def programme_new(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """A blank programme, to add initiatives to one by one."""
    return _settings_page(request, organisation)


@portfolio_view
def programme_settings(request: HttpRequest, organisation: Organisation, programme: models.Programme) -> HttpResponse:
    return _settings_page(request, organisation, programme)
