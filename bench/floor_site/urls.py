"""The floor benchmark's rungs: each does a little more of what ``POST /api/v1/submissions`` does.

They sit under ``/api/`` so the rate limits apply to them as to the real endpoint, and take the same body.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Status

from townhall.core.api_auth import api_key_auth
from townhall.journeys.api import SubmissionIn
from townhall.urls import urlpatterns as platform_urls

floor = NinjaAPI(urls_namespace="floor", docs_url=None, openapi_url=None)


@csrf_exempt
def plain(request: HttpRequest) -> HttpResponse:
    """Django's own floor: a view that answers at once."""
    return HttpResponse(b"{}", status=201, content_type="application/json")


@floor.post("/authenticated", auth=api_key_auth, response={201: dict})
def authenticated(request: HttpRequest, payload: SubmissionIn) -> Status[dict[str, Any]]:
    """django-ninja with the API key checked and the body parsed, as the submission endpoint has them."""
    return Status(201, {})


def _validated(request: HttpRequest, payload: SubmissionIn) -> Any:
    from townhall.catalogue.selectors.definitions import published_version
    from townhall.journeys.services.submissions import _accepted_for_api

    version = published_version(
        organisation_code=request.auth.organisation.code,  # type: ignore[attr-defined]
        service_slug=payload.service,
        version=payload.version,
    )
    _accepted_for_api(version.definition(), payload.answers, payload.language)
    return version


@floor.post("/validated", auth=api_key_auth, response={201: dict})
def validated(request: HttpRequest, payload: SubmissionIn) -> Status[dict[str, Any]]:
    """And the answers checked by the journey's rules."""
    _validated(request, payload)
    return Status(201, {})


@floor.post("/four-rows", auth=api_key_auth, response={201: dict})
def four_rows(request: HttpRequest, payload: SubmissionIn) -> Status[dict[str, Any]]:
    """And the four rows the issue names written in one transaction by the ORM, with nothing else: no
    case rules, event history, audit hash chain, reference retry or idempotency."""
    from townhall.cases.models import Case
    from townhall.cases.references import new_reference
    from townhall.core.models import AuditEvent
    from townhall.journeys.models import Submission
    from townhall.notifications.models import Notification

    version = _validated(request, payload)
    organisation, now, reference = request.auth.organisation, timezone.now(), new_reference()  # type: ignore[attr-defined]
    with transaction.atomic():
        case = Case.objects.create(
            organisation=organisation,
            version=version,
            reference=reference,
            state="reported",
            channel="online",
            answers=payload.answers,
            received_at=now,
        )
        Submission.objects.create(
            organisation=organisation, version=version, case=case, reference=reference, response={}
        )
        AuditEvent.objects.create(
            chain=f"floor:{uuid.uuid4().hex}",
            sequence=1,
            organisation=organisation,
            occurred_at=now,
            actor_label="floor",
            action="journey.submitted",
            prev_hash="0" * 64,
            hash="0" * 64,
        )
        Notification.objects.create(
            organisation=organisation,
            channel="email",
            to="resident@example.test",
            subject="Received",
            body="Received",
            next_attempt_at=now,
            reference=f"th-{uuid.uuid4().hex}",
        )
    return Status(201, {})


urlpatterns = [
    path("api/floor/plain", plain),
    path("api/floor/", floor.urls),
    *platform_urls,
]
