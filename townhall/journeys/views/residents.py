"""Save and return, paying the fee, and "your applications"."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from townhall.core.errors import FieldError, ValidationFailed
from townhall.journeys import flow
from townhall.journeys.models import JourneyStatus
from townhall.journeys.selectors.journeys import applications_for_resident
from townhall.journeys.services.fees import journey_payment_check
from townhall.journeys.services.residents import applications_email_from, applications_link_send
from townhall.journeys.services.sessions import journey_resume, journey_save_for_later
from townhall.journeys.services.submissions import journey_submit
from townhall.journeys.views._common import (
    by_field,
    journey_url,
    language_for,
    render_journey,
    service_and_journey,
    session_key,
    summary,
)

APPLICATIONS_SESSION_KEY = "journeys:applications_email"


@require_http_methods(["GET", "POST"])
def save_for_later(request: HttpRequest, org: str, service: str) -> HttpResponse:
    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    errors: list[FieldError] = []
    sent = False
    email = journey.return_email
    if request.method == "POST":
        email = request.POST.get("email", "")
        try:
            journey_save_for_later(
                session=journey,
                email=email,
                language=language_for(version.definition()),
                resume_url_for=lambda signed: request.build_absolute_uri(
                    reverse("journeys:resume", kwargs={"signed": signed})
                ),
            )
            sent = True
        except ValidationFailed as error:
            errors = error.errors
    return render_journey(
        request,
        "journeys/save.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        email=email,
        sent=sent,
        errs=by_field(errors),
        errors=summary(errors),
        back_url=journey_url("start", org, service),
    )


def resume(request: HttpRequest, signed: str) -> HttpResponse:
    """A save-and-return link: picks up exactly where the resident stopped, on any device."""
    journey = journey_resume(signed=signed)
    version = journey.version
    request.session[session_key(version)] = journey.token
    if journey.language != (translation.get_language() or "en"):
        translation.activate(journey.language)
    org, service = journey.organisation.slug, version.service.slug
    target = flow.next_page_id(version.definition(), journey.answers, journey.completed_pages)
    url = (
        journey_url("check-answers", org, service)
        if target == flow.CHECK_ANSWERS
        else journey_url("page", org, service, page_id=target)
    )
    response = HttpResponseRedirect(url)
    from django.conf import settings

    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, journey.language, samesite="Lax")
    return response


def payment_return(request: HttpRequest, org: str, service: str) -> HttpResponse:
    """GOV.UK Pay sends the resident back here; we ask it how the payment went, then submit."""
    version, journey = service_and_journey(request, org, service)
    assert journey is not None
    if journey.status == JourneyStatus.SUBMITTED:
        return HttpResponseRedirect(journey_url("confirmation", org, service))
    journey_payment_check(session=journey)
    if journey.payment_status == "success":
        journey_submit(session=journey, language=language_for(version.definition()))
        return HttpResponseRedirect(journey_url("confirmation", org, service))
    return render_journey(
        request,
        "journeys/payment_failed.html",
        version=version,
        org=org,
        service=service,
        journey=journey,
        back_url=journey_url("check-answers", org, service),
    )


@require_http_methods(["GET", "POST"])
def applications(request: HttpRequest) -> HttpResponse:
    """Ask for a link to "your applications" by email; once confirmed, list them."""
    email = request.session.get(APPLICATIONS_SESSION_KEY, "")
    language = translation.get_language() or "en"
    if email and request.method == "GET":
        return render(
            request,
            "journeys/applications.html",
            {"email": email, "applications": applications_for_resident(email=email, language=language)},
        )
    errors: list[FieldError] = []
    sent = False
    typed = ""
    if request.method == "POST":
        typed = request.POST.get("email", "")
        try:
            applications_link_send(
                email=typed,
                language=language,
                link_for=lambda signed: request.build_absolute_uri(
                    reverse("journeys:applications-confirm", kwargs={"signed": signed})
                ),
            )
            sent = True
        except ValidationFailed as error:
            errors = error.errors
    return render(
        request,
        "journeys/applications_ask.html",
        {"email": typed, "sent": sent, "errs": by_field(errors), "errors": summary(errors)},
    )


def applications_confirm(request: HttpRequest, signed: str) -> HttpResponse:
    email = applications_email_from(signed)
    if not email:
        return render(request, "journeys/link_expired.html", {}, status=404)
    request.session[APPLICATIONS_SESSION_KEY] = email
    return HttpResponseRedirect(reverse("journeys:applications"))
