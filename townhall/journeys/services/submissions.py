"""Submitting a journey: one transaction writes the submission, its case, the audit event and the outbox row.

A reference is shown only after that transaction commits, so a reference shown always exists; a
failure anywhere inside it leaves nothing behind. A double-clicked Submit and a repeated
``Idempotency-Key`` both return the first submission instead of creating a second.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.models import DefinitionVersion
from townhall.core.errors import Conflict, FieldError, ValidationFailed
from townhall.core.inserts import FirstRowRefused, insert, new_row
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record, written_together
from townhall.core.transactions import atomic_write
from townhall.journeys.answers import as_field_errors, clean_all, unknown_answers
from townhall.journeys.models import JourneySession, JourneyStatus, Submission

_REFERENCE_ATTEMPTS = 8  # a new reference is taken about once in 300,000 submissions


def _resident_email(definition: ServiceDefinition, answers: dict[str, Any]) -> str:
    for question in definition.all_questions():
        if question.pii_role == "email" and isinstance(answers.get(question.id), str):
            return str(answers[question.id])
    for question in definition.all_questions():
        if question.type == "email" and isinstance(answers.get(question.id), str):
            return str(answers[question.id])
    return ""


def _has_submitted_email(definition: ServiceDefinition) -> bool:
    return any(t.on == "submitted" and t.channel == "email" for t in definition.notifications)


def _confirmation_email(
    *, organisation: Organisation, definition: ServiceDefinition, to: str, reference: str, language: str
) -> None:
    """The confirmation email, unless the definition sends its own on "submitted" (case_open queues that)."""
    if not to or _has_submitted_email(definition):
        return
    from townhall.notifications.services import notification_queue

    with override(language):
        service = definition.title.get(language)
        next_words = definition.what_happens_next.get(language) if definition.what_happens_next else ""
        subject = _("Application received: %(service)s") % {"service": service}
        body = _("We have received your application to %(service)s.\n\nYour reference number is %(reference)s.") % {
            "service": service,
            "reference": reference,
        }
        if next_words:
            body += "\n\n" + _("What happens next") + "\n\n" + next_words
    notification_queue(
        organisation=organisation,
        channel="email",
        to=to,
        subject=subject,
        body=body,
        language=language,
        case_reference=reference,
        kind="journey_confirmation",
    )


def _validated(definition: ServiceDefinition, answers: dict[str, Any], language: str) -> dict[str, Any]:
    with override(language):
        effective, errors = clean_all(definition, answers)
    if errors:
        raise ValidationFailed("Some answers need correcting", code="answers_invalid", errors=as_field_errors(errors))
    return effective


def _write(
    *,
    organisation: Organisation,
    version: DefinitionVersion,
    answers: dict[str, Any],
    channel: str,
    actor: Any,
    language: str,
    resident_email: str,
    idempotency_key: str = "",
    session: JourneySession | None = None,
    payment_id: str = "",
) -> Submission:
    """The one transaction. Must be called inside ``transaction.atomic()``.

    The new rows (case, its events, messages, submission) are held and written together in one statement
    (``townhall.core.inserts``); the case goes first, so a taken reference writes nothing and the write is
    built again with another. The audit events (the case's and the submission's) are appended together at
    the end, so the organisation's audit chain is locked only for the last statements before the commit:
    submissions to one organisation queue on that lock, and holding it for the whole write would cap their
    rate.
    """
    from townhall.cases.services.opening import case_open

    for _attempt in range(_REFERENCE_ATTEMPTS):
        try:
            with written_together():  # the rows and the audit events, in one statement on PostgreSQL
                return _write_held(
                    organisation=organisation,
                    version=version,
                    answers=answers,
                    channel=channel,
                    actor=actor,
                    language=language,
                    resident_email=resident_email,
                    idempotency_key=idempotency_key,
                    session=session,
                    payment_id=payment_id,
                    case_open=case_open,
                )
        except FirstRowRefused:
            continue  # the case's new reference was taken (about one in 300,000): nothing was written
    raise Conflict("Could not find a free case reference", code="case_reference_exhausted")  # pragma: no cover


def _write_held(
    *,
    organisation: Organisation,
    version: DefinitionVersion,
    answers: dict[str, Any],
    channel: str,
    actor: Any,
    language: str,
    resident_email: str,
    idempotency_key: str,
    session: JourneySession | None,
    payment_id: str,
    case_open: Any,
) -> Submission:
    definition = version.definition()
    email = resident_email or _resident_email(definition, answers)
    case = case_open(
        organisation=organisation,
        version=version,
        answers=answers,
        channel=channel,
        actor=actor,
        resident_email=email,
        language=language,
    )
    state = definition.workflow.state(case.state)
    next_words = state.description or definition.what_happens_next
    submission = new_row(
        Submission,
        organisation=organisation,
        version=version,
        case=case,
        reference=case.reference,
        session=session,
        channel=channel,
        language=case.language,
        resident_email=case.resident_email,
        idempotency_key=idempotency_key,
        payment_id=payment_id,
        response={
            "reference": case.reference,
            "service": definition.id,
            "version": version.number,
            "status": state.label.get(case.language),
            "what_happens_next": next_words.get(case.language) if next_words else "",
        },
    )
    insert(submission)
    _confirmation_email(
        organisation=organisation,
        definition=definition,
        to=case.resident_email,
        reference=case.reference,
        language=case.language,
    )
    audit_record(
        organisation=organisation,
        actor=actor,
        action="journey.submitted",
        object_type="submission",
        object_id=submission.reference,
        data={"service": definition.id, "version": version.number, "channel": channel, "api": session is None},
        actor_fallback="resident",
    )
    return submission


def journey_submit(*, session: JourneySession, actor: Any = None, language: str | None = None) -> Submission:
    """Submit a journey in progress. Submitting twice (a double click) returns the first submission.

    ``language`` is the one the resident is using now (they may have switched while answering).
    """
    with transaction.atomic():
        # Lock the journey's row only: without ``of`` PostgreSQL would also lock the joined organisation row,
        # which every other write for that organisation needs (foreign-key checks), and deadlock with them.
        locked = (
            JourneySession.objects.select_for_update(of=("self",))
            .select_related("version", "organisation")
            .get(pk=session.pk)
        )
        if locked.status == JourneyStatus.SUBMITTED:
            return Submission.objects.get(session=locked)
        version = locked.version
        definition = version.definition()
        if language in definition.languages:
            locked.language = language
        answers = _validated(definition, locked.answers, locked.language)
        if definition.fee and locked.channel == "online" and locked.payment_status != "success":
            raise ValidationFailed("Pay the fee before you send your application", code="payment_required")
        submission = _write(
            organisation=locked.organisation,
            version=version,
            answers=answers,
            channel=locked.channel,
            actor=actor if locked.staff_id else None,
            language=locked.language,
            resident_email="",
            session=locked,
            payment_id=locked.payment_id,
        )
        locked.status = JourneyStatus.SUBMITTED
        locked.reference = submission.reference
        locked.save(update_fields=["status", "reference", "language", "updated_at"])
    session.status, session.reference = locked.status, locked.reference
    return submission


def _accepted_for_api(definition: ServiceDefinition, answers: dict[str, Any], language: str) -> dict[str, Any]:
    """The answers as the journey would keep them, or ValidationFailed with the journey's codes."""
    problems = [FieldError("unknown_question", f"No question {q!r}", q) for q in unknown_answers(definition, answers)]
    problems += [
        FieldError("file_not_supported", "Files cannot be sent through the API; apply online", q.id)
        for q in definition.all_questions()
        if q.type == "file" and q.id in answers
    ]
    if problems:
        raise ValidationFailed("Some answers cannot be accepted", code="answers_invalid", errors=problems)
    effective = _validated(definition, answers, language)
    if definition.fee:
        raise ValidationFailed("This service charges a fee: apply online to pay it", code="payment_required")
    return effective


def _submitted_with(organisation: Organisation, key: str) -> Submission | None:
    if not key:
        return None
    return Submission.objects.filter(organisation=organisation, idempotency_key=key).first()


def submission_create(
    *,
    organisation: Organisation,
    version: DefinitionVersion,
    answers: dict[str, Any],
    actor: Any,
    channel: str = "online",
    language: str = "en",
    resident_email: str = "",
    idempotency_key: str = "",
) -> tuple[Submission, bool]:
    """A submission sent as JSON (the API). Returns (submission, created).

    A repeated key returns the first submission, whatever the repeat holds. The repeat is found by the
    key's unique index, or when its answers are refused, rather than looked up first: that read would
    cost every submission a query. A repeat's case and events roll back with its transaction.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        require(actor, organisation, Permission.ASSISTED_DIGITAL)
    key = (idempotency_key or "").strip()[:200]
    if resident_email:
        try:
            validate_email(resident_email)
        except ValidationError:
            raise ValidationFailed(
                "resident_email is not an email address",
                code="resident_email_invalid",
                errors=[FieldError("resident_email_invalid", "Enter an email address", "resident_email")],
            ) from None
    try:
        effective = _accepted_for_api(version.definition(), answers, language)
        with atomic_write():  # on PostgreSQL the write's one statement is its transaction (ADR 0018)
            submission = _write(
                organisation=organisation,
                version=version,
                answers=effective,
                channel=channel,
                actor=actor,
                language=language,
                resident_email=resident_email,
                idempotency_key=key,
            )
    except (ValidationFailed, IntegrityError):
        existing = _submitted_with(organisation, key)
        if existing is None:
            raise
        return existing, False
    return submission, True
