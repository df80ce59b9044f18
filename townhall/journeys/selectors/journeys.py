"""Reads for journeys: the public service a URL names, a resident's journey in progress, their applications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townhall.catalogue.models import DefinitionVersion
from townhall.catalogue.platform import is_staff_only
from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.journeys.models import JourneySession, Submission


def public_service(*, organisation_slug: str, service_slug: str) -> DefinitionVersion:
    """The newest published version of a service, as residents see it. Unknown ones are ``NotFound``."""
    from townhall.catalogue.selectors.definitions import published_version

    if is_staff_only(service_slug):
        raise NotFound("No such service", code="service_not_found")
    try:
        return published_version(organisation_slug=organisation_slug, service_slug=service_slug)
    except NotFound as exc:
        raise NotFound("No such service", code="service_not_found") from exc


def journey_for_token(*, token: str | None, version: DefinitionVersion) -> JourneySession | None:
    """The journey the browser's session points at, if it is on this service."""
    if not token:
        return None
    journey = (
        JourneySession.objects.select_related("organisation")
        .filter(token=token, version__service_id=version.service_id)
        .first()
    )
    if journey is not None and journey.version_id == version.pk:
        journey.version = version  # usually the version just read: no need to read it again
    return journey


def submission_for_journey(*, session: JourneySession) -> Submission:
    submission = Submission.objects.filter(session=session).first()
    if submission is None:
        raise NotFound("No such application", code="submission_not_found")
    return submission


@dataclass(frozen=True)
class Application:
    reference: str
    service: str
    organisation: str
    submitted_at: Any
    status: str
    what_happens_next: str
    waiting_for_you: bool
    decided: bool


def applications_for_resident(*, email: str, language: str = "en") -> list[Application]:
    """Every submission a confirmed email address made, across services, with each case's status in plain words.

    The caller must have confirmed ``email`` (a signed link); nothing here is shown to anyone else.
    """
    from townhall.cases.selectors.status import case_status_for_resident

    found: list[Application] = []
    email = (email or "").strip().lower()
    if not email:
        return found
    for submission in Submission.objects.filter(resident_email=email).order_by("-created_at")[:200]:
        try:
            status = case_status_for_resident(reference=submission.reference, email=email, language=language)
        except NotFound:
            continue  # anonymised or erased since
        found.append(
            Application(
                reference=status.reference,
                service=status.service,
                organisation=status.organisation,
                submitted_at=submission.created_at,
                status=status.state,
                what_happens_next=status.what_happens_next,
                waiting_for_you=status.waiting_for_you,
                decided=status.decided,
            )
        )
    return found


def assisted_services(*, organisation: Organisation, actor: Any) -> list[DefinitionVersion]:
    """The published services staff may take an application for on a resident's behalf."""
    from townhall.catalogue.selectors.definitions import published_services

    require(actor, organisation, Permission.ASSISTED_DIGITAL)
    return list(published_services(organisation_code=organisation.code))
