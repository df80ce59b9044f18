"""Replies by email: the hook notifications calls (``INBOUND_MAIL_HANDLER``) for mail matched to a case.

Files the reply on the case's timeline, turns clean attachments into case documents and alerts the
assigned caseworker. Returns False when the organisation has no such case, so the message goes to triage.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from townhall.cases.models import Case, CaseEventKind, Document, ScanStatus
from townhall.cases.services._steps import record_event
from townhall.core.services.audit import audit_record
from townhall.core.storage import store_file
from townhall.notifications.models import InboundMessage
from townhall.notifications.services import notification_queue


def handle_reply(*, message: InboundMessage) -> bool:
    if message.organisation_id is None:
        return False
    case = Case.objects.filter(organisation_id=message.organisation_id, reference=message.case_reference).first()
    if case is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        names = []
        for attachment in message.attachments.filter(verdict="clean"):
            content = bytes(attachment.content or b"")
            document = Document(
                organisation_id=case.organisation_id,
                case=case,
                original_name=attachment.filename or "attachment",
                content_type=attachment.sniffed_type or "application/octet-stream",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                scan_status=ScanStatus.CLEAN,
                uploaded_at=now,
            )
            # A full store raises StoreUnavailable: nothing of the reply is filed, and the message goes to triage.
            store_file(document.file, attachment.filename or "attachment", content)
            document.save()
            names.append(document.original_name)
        record_event(
            case,
            CaseEventKind.REPLY,
            actor=None,
            when=now,
            text=message.body_text[:20_000],
            data={
                "subject": message.subject,
                "from": message.from_header,
                "documents": names,
                "inbound_message": message.pk,
            },
        )
        if case.assignee is not None and case.assignee.email:
            notification_queue(
                organisation=case.organisation,
                channel="email",
                to=case.assignee.email,
                subject=f"Reply from the resident on {case.reference}",
                body=f"The resident has replied about case {case.reference}. Read it on the case page.",
                case_reference=case.reference,
                kind="caseworker_alert",
            )
        audit_record(
            organisation=case.organisation,
            actor=None,
            action="case.reply_received",
            object_type="case",
            object_id=case.reference,
            data={"inbound_message": message.pk, "documents": len(names)},
            actor_fallback="resident",
        )
    return True
