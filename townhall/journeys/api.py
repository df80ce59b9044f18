"""POST /api/v1/submissions: answers as JSON, checked by the same rules (and codes) as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from townhall.core.api_auth import actor_of, api_key_auth
from townhall.core.api_schemas import ProblemOut, StrictSchema
from townhall.core.models import ApiKey

router = Router(tags=["submissions"])


class SubmissionIn(StrictSchema):
    service: str = Field(description="The service's definition id, such as report-missed-bin")
    version: int | None = Field(None, description="A published version number; the newest when left out")
    answers: dict[str, Any] = Field(description="Question id → answer, as the definition describes")
    channel: str = Field("online", description="online, phone, face_to_face, post or referral")
    language: str = Field("en", description="en or cy")
    resident_email: str = Field("", description="Where confirmation and updates go; else the email question")


class SubmissionOut(Schema):
    reference: str
    service: str
    version: int
    status: str
    what_happens_next: str


@router.post(
    "",
    response={201: SubmissionOut, 404: ProblemOut, 409: ProblemOut},
    auth=api_key_auth,
    summary="Send a submission to a published service (opens a case)",
    description=(
        "Answers are validated by the same rules as the online journey and fail with the same error codes "
        "(`answers_invalid`, each error naming the question in `path`). Send an `Idempotency-Key` header: "
        "a repeated key never creates a second submission and returns the first one's response."
    ),
)
def submission_post(request: HttpRequest, payload: SubmissionIn, response: HttpResponse) -> Status[dict[str, Any]]:
    from townhall.catalogue.selectors.definitions import published_version
    from townhall.journeys.services.submissions import submission_create

    key: ApiKey = request.auth  # type: ignore[attr-defined]
    version = published_version(
        organisation_code=key.organisation.code, service_slug=payload.service, version=payload.version
    )
    submission, created = submission_create(
        organisation=key.organisation,
        version=version,
        answers=payload.answers,
        actor=actor_of(request),
        channel=payload.channel,
        language=payload.language,
        resident_email=payload.resident_email,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, submission.response)
