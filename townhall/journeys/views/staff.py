"""Back office: assisted digital (staff complete a journey for a resident) and walking a definition."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from townhall.core.errors import FieldError, NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.journeys import flow
from townhall.journeys.selectors.journeys import assisted_services
from townhall.journeys.services.sessions import ASSISTED_CHANNELS, journey_start
from townhall.journeys.views._common import journey_url, session_key, summary
from townhall.journeys.walker import walk


def _organisation(slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None:
        raise NotFound("No such organisation", code="organisation_not_found")
    return organisation


def channel_choices() -> list[tuple[str, str]]:
    labels = {"phone": _("Phone"), "face_to_face": _("Face to face"), "post": _("Post")}
    return [(c, str(labels[c])) for c in ASSISTED_CHANNELS]


@login_required
@require_http_methods(["GET", "POST"])
def assisted(request: HttpRequest, organisation_slug: str) -> HttpResponse:
    """Choose a service and how the resident contacted us, then complete the journey for them."""
    organisation = _organisation(organisation_slug)
    services = assisted_services(organisation=organisation, actor=request.user)
    errors: list[FieldError] = []
    if request.method == "POST":
        version = next((v for v in services if str(v.pk) == request.POST.get("version")), None)
        if version is None:
            errors.append(FieldError("required", _("Select the service the resident wants to use"), "version"))
        else:
            try:
                journey = journey_start(
                    version=version, actor=request.user, channel=request.POST.get("channel", ""), language="en"
                )
            except ValidationFailed as error:
                errors.extend(error.errors or [FieldError(error.code, error.detail, "channel")])
            else:
                request.session[session_key(version)] = journey.token
                definition = version.definition()
                org, service = organisation.slug, version.service.slug
                first = flow.next_page_id(definition, {}, [])
                return HttpResponseRedirect(journey_url("page", org, service, page_id=first))
    return render(
        request,
        "journeys/staff/assisted.html",
        {
            "organisation": organisation,
            "services": services,
            "channels": channel_choices(),
            "chosen": request.POST.get("version", ""),
            "channel": request.POST.get("channel", ""),
            "errs": {e.path: e.message for e in errors},
            "errors": summary(errors),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def walk_version(request: HttpRequest, organisation_slug: str, service_slug: str, number: int) -> HttpResponse:
    """A service designer walks every branch of a version (a draft before publishing) and sees the pages."""
    from townhall.catalogue.selectors.definitions import version_get

    organisation = _organisation(organisation_slug)
    require(request.user, organisation, Permission.VIEW_DEFINITIONS)
    version = version_get(organisation=organisation, actor=request.user, service_slug=service_slug, number=number)
    branches = walk(version) if request.method == "POST" else None
    return render(
        request,
        "journeys/staff/walk.html",
        {"organisation": organisation, "version": version, "definition": version.definition(), "branches": branches},
    )
