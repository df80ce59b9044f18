"""What residents do after submitting: rate the service, and ask for a link to their applications."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.services.audit import audit_record
from townhall.journeys.models import SatisfactionRating, SatisfactionResponse, Submission
from townhall.journeys.questions import EMAIL_RE
from townhall.journeys.services.sessions import resume_max_age

APPLICATIONS_SALT = "townhall.journeys.applications"


def satisfaction_record(*, submission: Submission, rating: str, comment: str = "") -> SatisfactionResponse:
    """Store the answer to the GOV.UK satisfaction question; answering again changes it."""
    if rating not in SatisfactionRating.values:
        message = _("Select how satisfied you are with this service")
        raise ValidationFailed(message, code="required", errors=[FieldError("required", message, "rating")])
    with transaction.atomic():
        response, _created = SatisfactionResponse.objects.update_or_create(
            submission=submission,
            defaults={"organisation": submission.organisation, "rating": rating, "comment": comment.strip()[:1200]},
        )
        audit_record(
            organisation=submission.organisation,
            actor=None,
            action="journey.satisfaction_recorded",
            object_type="submission",
            object_id=submission.reference,
            data={"rating": rating},
            actor_fallback="resident",
        )
    return response


def applications_link_token(email: str) -> str:
    return signing.dumps({"e": email.strip().lower()}, salt=APPLICATIONS_SALT)


def applications_email_from(signed: str) -> str:
    """The confirmed email address a "your applications" link carries; "" when expired or altered."""
    try:
        data = signing.loads(signed, salt=APPLICATIONS_SALT, max_age=resume_max_age())
    except signing.BadSignature:
        return ""
    return str(data.get("e", ""))


def applications_link_send(*, email: str, link_for: Any, language: str = "en") -> None:
    """Email a signed link to "your applications". Nothing is sent when the address has no applications,
    and the resident is told the same either way, so the page never reveals who has applied."""
    email = (email or "").strip()
    with override(language):
        if not email:
            message = _("Enter an email address")
            raise ValidationFailed(message, code="required", errors=[FieldError("required", message, "email")])
        if not EMAIL_RE.match(email):
            message = _("Enter an email address in the correct format, like name@example.com")
            raise ValidationFailed(
                message, code="invalid_email", errors=[FieldError("invalid_email", message, "email")]
            )
        latest = Submission.objects.filter(resident_email=email.lower()).select_related("organisation").first()
        if latest is None:
            return
        subject = _("Your applications")
        body = _(
            "Use this link to see your applications and what happens next:\n\n%(link)s\n\n"
            "If you did not ask for this email, you can ignore it."
        ) % {"link": link_for(applications_link_token(email))}
    from townhall.notifications.services import notification_queue

    with transaction.atomic():
        notification_queue(
            organisation=latest.organisation,
            channel="email",
            to=email,
            subject=subject,
            body=body,
            language=language,
            kind="journey_applications_link",
        )
        audit_record(
            organisation=latest.organisation,
            actor=None,
            action="journey.applications_link_sent",
            object_type="submission",
            object_id=latest.reference,
            actor_fallback="resident",
        )
