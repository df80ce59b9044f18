"""Receiving one email: store it (never drop it), match it to a case, scan attachments, hand it to the hook."""

from __future__ import annotations

import hashlib
import logging

import filetype
from django.db import transaction
from django.utils import timezone

from townhall.core.services.audit import audit_record
from townhall.notifications import config
from townhall.notifications.inbound import parsing
from townhall.notifications.inbound.hooks import inbound_handler
from townhall.notifications.inbound.scanning import ScannerUnavailable, VirusScanner
from townhall.notifications.models import InboundAttachment, InboundMessage, InboundStatus, Notification, Status
from townhall.notifications.scanning import get_virus_scanner
from townhall.notifications.services.receipts import delivery_receipt_record
from townhall.notifications.tokens import notification_id_from_token, tokens_in

logger = logging.getLogger("townhall.notifications.inbound")

EXECUTABLE_MIME = frozenset(
    {
        "application/x-msdownload",
        "application/x-executable",
        "application/x-mach-binary",
        "application/x-elf",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
    }
)


def default_scanner() -> VirusScanner:
    return get_virus_scanner()


def _match(mail: parsing.ParsedMail, rcpt_to: list[str]) -> tuple[Notification | None, str, str]:
    """(notification answered, case reference, how it was matched)."""
    for token in tokens_in([*rcpt_to, *mail.to]):
        pk = notification_id_from_token(token)
        if pk is not None:
            found = Notification.objects.select_related("organisation").filter(pk=pk).first()
            if found is not None:
                return found, found.case_reference, "reply_token"
    for reference in parsing.case_references_in(mail.subject, mail.text):
        found = (
            Notification.objects.select_related("organisation")
            .filter(case_reference=reference)
            .order_by("-created_at")
            .first()
        )
        if found is not None:
            return found, reference, "case_reference"
    return None, "", ""


def _scan(message: InboundMessage, mail: parsing.ParsedMail, scanner: VirusScanner) -> list[str]:
    reasons: list[str] = []
    limit = config.attachment_max_bytes()
    for item in mail.attachments:
        kind = filetype.guess(item.data)
        sniffed = kind.mime if kind is not None else ""
        verdict, detail, keep = "clean", "", True
        if len(item.data) > limit:
            verdict, detail, keep = "too_large", f"{len(item.data)} bytes is over {limit}", False
            reasons.append("attachment_too_large")
        elif parsing.has_executable_name(item.filename) or sniffed in EXECUTABLE_MIME:
            verdict, detail, keep = "refused", "executable", False
            reasons.append("executable_attachment")
        else:
            try:
                result = scanner.scan(item.data)
            except ScannerUnavailable as exc:
                verdict, detail, keep = "unscanned", str(exc)[:500], False
                reasons.append("scanner_unavailable")
            else:
                if not result.clean:
                    verdict, detail, keep = "infected", result.detail[:500], False
                    reasons.append("virus")
        InboundAttachment.objects.create(
            message=message,
            filename=item.filename[:255],
            declared_type=item.content_type[:255],
            sniffed_type=sniffed,
            size=len(item.data),
            sha256=hashlib.sha256(item.data).hexdigest(),
            content=item.data if keep else None,
            verdict=verdict,
            verdict_detail=detail,
        )
    if scanner.scan(mail.text.encode()).clean is False:
        reasons.append("virus")
    return sorted(set(reasons))


def inbound_receive(
    *,
    raw: bytes,
    mail_from: str = "",
    rcpt_to: list[str] | None = None,
    source: str = "smtp",
    scanner: VirusScanner | None = None,
) -> InboundMessage:
    """Store one received email and route it: a bounce updates the notification, a matched safe reply goes to
    the inbound hook, everything else waits in triage with its reasons."""
    rcpt = list(rcpt_to or [])
    reasons: list[str] = []
    oversize = len(raw) > config.inbound_max_bytes()
    if oversize:
        reasons.append("message_too_large")
    try:
        mail = parsing.parse(raw if not oversize else raw[: config.inbound_max_bytes()])
    except Exception as exc:  # unreadable mail is still kept for a person to look at
        logger.warning("Could not parse inbound mail: %s", exc)
        mail = parsing.ParsedMail("", "", [], "", raw[:20000].decode("utf-8", "replace"))
        reasons.append("unreadable")
    if oversize:
        mail.attachments = []
    if mail.spf_failed:
        reasons.append("spf_failed")
    with transaction.atomic():
        if mail.bounce is not None:
            return _record_bounce(mail, raw, mail_from, rcpt, source)
        notification, case_reference, matched_by = _match(mail, rcpt)
        message = InboundMessage.objects.create(
            organisation=notification.organisation if notification is not None else None,
            status=InboundStatus.TRIAGE,
            case_reference=case_reference,
            matched_by=matched_by,
            message_id=mail.message_id[:998],
            mail_from=mail_from[:320],
            rcpt_to=rcpt,
            from_header=mail.from_header[:998],
            subject=mail.subject[:998],
            body_text=mail.text,
            raw_size=len(raw),
            source=source,
        )
        reasons += _scan(message, mail, scanner or default_scanner())
        if notification is None:
            reasons.append("unmatched")
        message.triage_reasons = sorted(set(reasons))
        message.save(update_fields=["triage_reasons", "updated_at"])
        audit_record(
            organisation=message.organisation,
            actor=None,
            action="inbound_mail.received",
            object_type="inbound_message",
            object_id=message.pk,
            data={"case_reference": case_reference, "matched_by": matched_by, "triage": message.triage_reasons},
            actor_fallback="inbound mail",
        )
    if not message.triage_reasons:
        _hand_over(message)
    return message


def _record_bounce(
    mail: parsing.ParsedMail, raw: bytes, mail_from: str, rcpt: list[str], source: str
) -> InboundMessage:
    assert mail.bounce is not None
    notification = Notification.objects.filter(reference=mail.bounce.reference).first()
    message = InboundMessage.objects.create(
        organisation=notification.organisation if notification is not None else None,
        status=InboundStatus.BOUNCE if notification is not None else InboundStatus.TRIAGE,
        triage_reasons=[] if notification is not None else ["bounce_for_unknown_message"],
        case_reference=notification.case_reference if notification is not None else "",
        matched_by="bounce",
        message_id=mail.message_id[:998],
        mail_from=mail_from[:320],
        rcpt_to=rcpt,
        from_header=mail.from_header[:998],
        subject=mail.subject[:998],
        body_text=mail.text,
        raw_size=len(raw),
        source=source,
        handled_at=timezone.now(),
    )
    if notification is not None and mail.bounce.permanent:
        delivery_receipt_record(
            provider="smtp",
            reference=mail.bounce.reference,
            status=Status.PERMANENT_FAILURE,
            detail=f"Bounced: {mail.bounce.status} {mail.bounce.diagnostic}".strip(),
        )
    return message


def _hand_over(message: InboundMessage) -> None:
    try:
        handler = inbound_handler()
        if handler is None:
            message.triage_reasons = ["no_inbound_handler"]
            message.save(update_fields=["triage_reasons", "updated_at"])
            return
        with transaction.atomic():
            filed = bool(handler(message=message))
            if filed:
                message.status = InboundStatus.MATCHED
                message.handled_at = timezone.now()
                message.save(update_fields=["status", "handled_at", "updated_at"])
    except Exception as exc:
        logger.exception("The inbound mail handler failed for message %s", message.pk)
        message.triage_reasons = ["handler_failed"]
        message.handler_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        message.save(update_fields=["triage_reasons", "handler_error", "updated_at"])
        return
    if not filed:
        message.triage_reasons = ["no_such_case"]
        message.save(update_fields=["triage_reasons", "updated_at"])
