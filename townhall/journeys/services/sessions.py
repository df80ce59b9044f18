"""Writes on answers in progress: starting a journey, answering a page, add another, save and return."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from townhall.catalogue.models import DefinitionVersion
from townhall.core.errors import FieldError, NotFound, ValidationFailed
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.journeys import flow
from townhall.journeys.answers import as_field_errors, clean_page
from townhall.journeys.models import JourneySession, JourneyStatus
from townhall.journeys.questions import EMAIL_RE, clean_questions

RESUME_SALT = "townhall.journeys.resume"
ASSISTED_CHANNELS = ("phone", "face_to_face", "post")


def resume_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "JOURNEY_RESUME_DAYS", 28)))


def journey_start(
    *, version: DefinitionVersion, language: str = "en", actor: Any = None, channel: str = "online"
) -> JourneySession:
    """A new journey on a published version. Staff (assisted digital) record the channel they took it on."""
    organisation = version.organisation
    staff = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if staff is not None or channel != "online":
        if staff is None:
            raise ValidationFailed("Only staff take applications on a resident's behalf", code="channel_not_allowed")
        require(staff, organisation, Permission.ASSISTED_DIGITAL)
        if channel not in ASSISTED_CHANNELS:
            raise ValidationFailed(
                "Choose how the resident contacted you",
                code="invalid_channel",
                errors=[FieldError("invalid_channel", _("Select how the resident contacted you"), "channel")],
            )
    definition = version.definition()
    with transaction.atomic():
        session = JourneySession.objects.create(
            token=secrets.token_urlsafe(32),
            organisation=organisation,
            version=version,
            language=language if language in definition.languages else "en",
            channel=channel,
            staff=staff,
        )
        audit_record(
            organisation=organisation,
            actor=staff,
            action="journey.started",
            object_type="journey",
            object_id=session.pk,
            data={"service": definition.id, "version": version.number, "channel": channel},
            actor_fallback="resident",
        )
    return session


def _editable(session: JourneySession) -> None:
    if session.status != JourneyStatus.IN_PROGRESS:
        raise ValidationFailed("This application has already been sent", code="journey_submitted")


def journey_answer_page(
    *, session: JourneySession, page_id: str, data: dict[str, Any], language: str | None = None
) -> JourneySession:
    """Save one page's answers. Raises ``ValidationFailed`` (code ``answers_invalid``) and saves nothing on error.

    Error messages are worded in ``language``, the language the page is shown in (a resident may switch part
    way), else in the journey's own."""
    _editable(session)
    definition = session.version.definition()
    page = flow.page_by_id(definition, page_id)
    if page is None or not flow.can_visit(definition, session.answers, session.completed_pages, page_id):
        raise NotFound("No such page", code="page_not_found")
    with override(language or session.language):
        cleaned, errors = clean_page(definition, page, data, session.answers)
    if errors:
        raise ValidationFailed("Some answers need correcting", code="answers_invalid", errors=as_field_errors(errors))
    answers = dict(session.answers)
    for question in page.questions:
        answers.pop(question.id, None)
    answers.update(cleaned)
    session.answers = answers
    if page_id not in session.completed_pages:
        session.completed_pages = [*session.completed_pages, page_id]
    session.last_page = page_id
    session.save(update_fields=["answers", "completed_pages", "last_page", "updated_at"])
    return session


def journey_group_item_save(
    *,
    session: JourneySession,
    question_id: str,
    index: int | None,
    data: dict[str, Any],
    language: str | None = None,
) -> JourneySession:
    """Add (index None) or change one item of a repeating group ("add another"); errors as ``journey_answer_page``."""
    _editable(session)
    definition = session.version.definition()
    question = next((q for q in definition.all_questions() if q.id == question_id and q.questions), None)
    if question is None:
        raise NotFound("No such question", code="question_not_found")
    with override(language or session.language):
        cleaned, errors = clean_questions(question.questions, data)
    if errors:
        raise ValidationFailed("Some answers need correcting", code="answers_invalid", errors=as_field_errors(errors))
    items = list(session.answers.get(question_id) or [])
    if index is None:
        if question.maximum is not None and len(items) >= question.maximum:
            raise ValidationFailed("You cannot add any more", code="too_many")
        items.append(cleaned)
    elif 0 <= index < len(items):
        items[index] = cleaned
    else:
        raise NotFound("No such item", code="item_not_found")
    session.answers = {**session.answers, question_id: items}
    session.save(update_fields=["answers", "updated_at"])
    return session


def journey_group_item_remove(*, session: JourneySession, question_id: str, index: int) -> JourneySession:
    _editable(session)
    items = list(session.answers.get(question_id) or [])
    if not 0 <= index < len(items):
        raise NotFound("No such item", code="item_not_found")
    del items[index]
    answers = dict(session.answers)
    if items:
        answers[question_id] = items
    else:
        answers.pop(question_id, None)
    session.answers = answers
    session.save(update_fields=["answers", "updated_at"])
    return session


def resume_link_token(session: JourneySession) -> str:
    return signing.dumps({"t": session.token}, salt=RESUME_SALT, compress=True)


def journey_resume(*, signed: str) -> JourneySession:
    """The journey a save-and-return link points at; an expired or altered link is ``NotFound``."""
    try:
        data = signing.loads(signed, salt=RESUME_SALT, max_age=resume_max_age())
    except signing.SignatureExpired as error:
        raise NotFound("This link has expired", code="resume_link_expired") from error
    except signing.BadSignature as error:
        raise NotFound("This link is not valid", code="resume_link_invalid") from error
    session = JourneySession.objects.select_related("version", "organisation").filter(token=data.get("t")).first()
    if session is None or session.status != JourneyStatus.IN_PROGRESS:
        raise NotFound("This link is not valid", code="resume_link_invalid")
    return session


def journey_save_for_later(
    *, session: JourneySession, email: str, resume_url_for: Any, language: str | None = None
) -> JourneySession:
    """Email the resident a signed link that resumes this journey where they stopped, on any device.

    ``resume_url_for(signed)`` turns the signed token into an absolute URL (the view knows the host). Error
    messages are worded in ``language`` (the page's), else the journey's; the email is in the journey's language,
    which the link restores.
    """
    _editable(session)
    email = (email or "").strip()
    with override(language or session.language):
        if not email:
            message = _("Enter an email address")
            raise ValidationFailed(message, code="required", errors=[FieldError("required", message, "email")])
        if not EMAIL_RE.match(email):
            message = _("Enter an email address in the correct format, like name@example.com")
            raise ValidationFailed(
                message, code="invalid_email", errors=[FieldError("invalid_email", message, "email")]
            )
    with override(session.language):
        definition = session.version.definition()
        days = resume_max_age().days
        link = resume_url_for(resume_link_token(session))
        subject = _("Continue your application: %(service)s") % {"service": definition.title.get(session.language)}
        body = _(
            "You saved your application to %(service)s.\n\nTo carry on where you stopped, use this link "
            "within %(days)s days:\n\n%(link)s\n\nIf you did not ask for this email, you can ignore it."
        ) % {"service": definition.title.get(session.language), "days": days, "link": link}
    from townhall.notifications.services import notification_queue

    with transaction.atomic():
        session.return_email = email
        session.save(update_fields=["return_email", "updated_at"])
        notification_queue(
            organisation=session.organisation,
            channel="email",
            to=email,
            subject=subject,
            body=body,
            language=session.language,
            kind="journey_save_and_return",
        )
        audit_record(
            organisation=session.organisation,
            actor=None,
            action="journey.saved_for_later",
            object_type="journey",
            object_id=session.pk,
            data={"service": definition.id},
            actor_fallback="resident",
        )
    return session
