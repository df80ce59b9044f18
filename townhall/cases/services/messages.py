"""Staff writing to the resident from the case page: an email through the organisation's sender.

The message goes through the outbox like any other notification, so it shows its delivery status on the
timeline, and carries a signed reply-to address: the resident's answer comes back to this case.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.cases.services._steps import record_event
from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record

MAX_SUBJECT = 200
MAX_BODY = 10_000


def _check(subject: str, body: str, case: Case) -> None:
    errors: list[FieldError] = []
    if not case.resident_email:
        errors.append(FieldError("no_resident_email", "The resident gave no email address for this case", "subject"))
    if not subject:
        errors.append(FieldError("subject_required", "Enter a subject", "subject"))
    elif len(subject) > MAX_SUBJECT:
        errors.append(
            FieldError("subject_too_long", f"The subject must be {MAX_SUBJECT} characters or fewer", "subject")
        )
    if not body:
        errors.append(FieldError("message_required", "Enter a message", "message"))
    elif len(body) > MAX_BODY:
        errors.append(
            FieldError("message_too_long", f"The message must be {MAX_BODY:,} characters or fewer", "message")
        )
    if errors:
        raise ValidationFailed(errors[0].message, code=errors[0].code, errors=errors)


def case_email_resident(*, case: Case, subject: str, body: str, actor: Any) -> CaseEvent:
    """Queue an email to the resident and record it on the timeline; it is sent after commit."""
    from townhall.notifications.services import notification_queue

    require(actor, case.organisation, Permission.WORK_CASES)
    subject, body = (subject or "").strip(), (body or "").strip()
    _check(subject, body, case)
    with transaction.atomic():
        notification = notification_queue(
            organisation=case.organisation,
            channel="email",
            to=case.resident_email,
            subject=f"{subject} [{case.reference}]",
            body=body,
            language=case.language,
            case_reference=case.reference,
            kind="staff_message",
        )
        event = record_event(
            case,
            CaseEventKind.MESSAGE,
            actor=actor,
            text=body,
            data={"subject": subject, "notification": notification.pk},
        )
        audit_record(
            organisation=case.organisation,
            actor=actor,
            action="case.resident_emailed",
            object_type="case",
            object_id=case.reference,
            data={"event": event.pk, "notification": notification.pk, "length": len(body)},
        )
    return event
