"""What a person does with mail in triage: file it on the right case, or close it with a reason.

Mail lands in triage when it matched no case, looked unsafe (virus, executable, failed SPF) or its case was
not found. Nothing leaves triage without a person's decision and an audit event.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.core.errors import FieldError, NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.notifications.inbound.hooks import inbound_handler
from townhall.notifications.models import InboundMessage, InboundStatus

MAX_REASON = 500


def _waiting(organisation: Organisation, message_id: int) -> InboundMessage:
    message = (
        InboundMessage.objects.select_for_update()
        .filter(organisation=organisation, pk=message_id, status=InboundStatus.TRIAGE)
        .first()
    )
    if message is None:
        raise NotFound("That message is not waiting in triage", code="inbound_not_in_triage")
    return message


def inbound_file_on_case(
    *, organisation: Organisation, actor: Any, message_id: int, case_reference: str
) -> InboundMessage:
    """File a message on a case of this organisation, as a reply would be (timeline, clean attachments)."""
    require(actor, organisation, Permission.WORK_CASES)
    reference = "".join(case_reference.split()).upper()
    if not reference:
        raise ValidationFailed(
            "Enter a case reference",
            code="case_reference_required",
            errors=[FieldError("case_reference_required", "Enter a case reference", "case_reference")],
        )
    handler = inbound_handler()
    if handler is None:
        raise ValidationFailed("No service files mail on cases here", code="no_inbound_handler")
    with transaction.atomic():
        message = _waiting(organisation, message_id)
        previous = message.case_reference
        message.case_reference = reference
        if not handler(message=message):
            text = "There is no case with that reference"
            raise ValidationFailed(
                text, code="case_not_found", errors=[FieldError("case_not_found", text, "case_reference")]
            )
        message.status = InboundStatus.MATCHED
        message.matched_by = "staff"
        message.handled_at = timezone.now()
        message.save(update_fields=["case_reference", "status", "matched_by", "handled_at", "updated_at"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="inbound_mail.filed",
            object_type="inbound_message",
            object_id=message.pk,
            data={"case_reference": reference, "was": previous, "triage": message.triage_reasons},
        )
    return message


def inbound_close(*, organisation: Organisation, actor: Any, message_id: int, reason: str) -> InboundMessage:
    """Close a message without filing it (spam, not for this council, sent on elsewhere), saying why."""
    require(actor, organisation, Permission.WORK_CASES)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        text = "Say why you are closing this message" if not reason else f"Use {MAX_REASON} characters or fewer"
        raise ValidationFailed(
            text, code="close_reason_invalid", errors=[FieldError("close_reason_invalid", text, "reason")]
        )
    with transaction.atomic():
        message = _waiting(organisation, message_id)
        message.status = InboundStatus.CLOSED
        message.closed_reason = reason
        message.handled_at = timezone.now()
        message.save(update_fields=["status", "closed_reason", "handled_at", "updated_at"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="inbound_mail.closed",
            object_type="inbound_message",
            object_id=message.pk,
            data={"reason": reason, "triage": message.triage_reasons},
        )
    return message
