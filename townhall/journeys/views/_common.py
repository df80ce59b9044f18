"""Helpers the journey views share: finding the service and the journey, and rendering a page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.models import DefinitionVersion
from townhall.core.errors import FieldError, NotFound
from townhall.journeys.models import JourneySession
from townhall.journeys.selectors.journeys import journey_for_token, public_service


def session_key(version: DefinitionVersion) -> str:
    return f"journey:{version.service_id}"


def language_for(definition: ServiceDefinition) -> str:
    language = translation.get_language() or "en"
    return language if language in definition.languages else "en"


def service_and_journey(
    request: HttpRequest, org: str, service: str, *, required: bool = True
) -> tuple[DefinitionVersion, JourneySession | None]:
    version = public_service(organisation_slug=org, service_slug=service)
    token = request.session.get(session_key(version))
    journey = journey_for_token(token=token, version=version)
    if journey is not None and journey.version_id != version.pk:
        version = journey.version  # a journey finishes on the version it started on
    if required and journey is None:
        raise NotFound("Start the service from its start page", code="journey_not_started")
    return version, journey


def journey_url(name: str, org: str, service: str, **kwargs: Any) -> str:
    return reverse(f"journeys:{name}", kwargs={"org": org, "service": service, **kwargs})


def summary(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"text": e.message, "href": f"#{e.path}" if e.path else "#main-content"} for e in errors]


def by_field(errors: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in errors:
        found.setdefault(e.path, e.message)
    return found


def render_journey(
    request: HttpRequest,
    template: str,
    *,
    version: DefinitionVersion,
    org: str,
    service: str,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    definition = version.definition()
    lang = language_for(definition)
    context.setdefault("errors", [])
    context.update(
        definition=definition,
        lang=lang,
        org=org,
        service=service,
        organisation=version.organisation,
        service_name=definition.title.get(lang),
        service_url=journey_url("start", org, service),
    )
    return render(request, template, context, status=status)


def form_data(request: HttpRequest, questions: Any = ()) -> dict[str, Any]:
    """The posted fields as the question cleaners expect them: lists for checkboxes, strings otherwise."""
    data: dict[str, Any] = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
    for question in questions:
        if question.type == "checkboxes":
            data[question.id] = request.POST.getlist(question.id)
    return data
