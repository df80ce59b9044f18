"""Residents' rights: subject access, erasure and rectification, across services and organisations."""

from __future__ import annotations

import calendar
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.cases.models import Case, Channel
from townhall.cases.services.decisions import case_transition
from townhall.cases.services.opening import case_open
from townhall.catalogue.models import DefinitionVersion
from townhall.catalogue.platform import DATA_PROTECTION_REQUEST
from townhall.catalogue.selectors.definitions import published_version
from townhall.catalogue.services.definitions import definition_import
from townhall.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.core.services.audit import audit_record
from townhall.notifications.models import InboundMessage, Notification
from townhall.sharing.models import (
    AccessDecisionLog,
    RecipientNotice,
    Referral,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
)

_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"


def one_calendar_month_after(received: date) -> date:
    """The ICO's deadline: the same day next month, or that month's last day if it has no such day."""
    year, month = (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    return date(year, month, min(received.day, calendar.monthrange(year, month)[1]))


def _reference() -> str:
    return "RR-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


_DEFINITION = Path(__file__).resolve().parent.parent / "definitions" / f"{DATA_PROTECTION_REQUEST}.yaml"


def _service_version(organisation: Organisation) -> DefinitionVersion:
    """The organisation's data protection request service, which the platform publishes for it the first time."""
    try:
        return published_version(organisation_code=organisation.code, service_slug=DATA_PROTECTION_REQUEST)
    except NotFound:
        source = _DEFINITION.read_text(encoding="utf-8").replace(
            "\norganisation: PLATFORM\n", f"\norganisation: {organisation.code}\n", 1
        )
        return definition_import(
            actor=None, organisation=organisation, source=source, filename=_DEFINITION.name, publish=True
        )


def _case_for(request: RightsRequest, channel: str) -> Case:
    """Open the case that tracks the request in the casework queue, due one calendar month from receipt."""
    answers = {
        "kind": request.kind,
        "name": request.resident_name,
        "email": request.resident_email,
        "case_references": " ".join(request.case_references),
        "details": request.details,
    }
    case = case_open(
        organisation=request.organisation,
        version=_service_version(request.organisation),
        answers={key: value for key, value in answers.items() if value},
        channel=channel,
        actor=None,  # the platform opens it; the audit event of the request names the member of staff
        resident_email=request.resident_email,
        resident_name=request.resident_name,
    )
    case.due_on = request.due_on  # calendar time, not the working days of other services
    case.save(update_fields=["due_on", "updated_at"])
    return case


def _case_move(request: RightsRequest, transition_id: str, actor: Any) -> None:
    """Move the tracking case on (``actor=None``: the platform, when the last recipient answers).

    The resident is emailed when it completes. Requests recorded before they were cases have none.
    """
    if request.case is not None:
        permission = Permission.MANAGE_AGREEMENTS if actor is not None else None
        case_transition(case=request.case, transition_id=transition_id, actor=actor, permission=permission)


def rights_request_record(
    *,
    actor: Any,
    organisation: Organisation,
    kind: str,
    resident_email: str,
    resident_name: str = "",
    case_references: list[str] | None = None,
    details: str = "",
    received_on: date | None = None,
    channel: str = Channel.ONLINE,
) -> RightsRequest:
    """Record a request a resident made (online or by email, phone, face to face, post) once their identity is verified.

    It is tracked as a case of the platform's data protection request service, in the casework queue.
    """
    require(actor, organisation, Permission.MANAGE_AGREEMENTS)
    errors = []
    if kind not in RightsRequestKind.values:
        errors.append(FieldError("unknown_rights_request_kind", "Choose what the resident is asking for", "kind"))
    if channel not in Channel.values or channel == Channel.REFERRAL:
        errors.append(FieldError("unknown_channel", "Choose how the request reached you", "channel"))
    if "@" not in resident_email:
        errors.append(FieldError("resident_email_required", "Enter the resident's email address", "resident_email"))
    if errors:
        raise ValidationFailed(errors[0].message, code=errors[0].code, errors=errors)
    references = [r.strip().upper() for r in case_references or [] if r.strip()]
    if kind != RightsRequestKind.SUBJECT_ACCESS:
        found = set(
            Case.objects.filter(organisation=organisation, reference__in=references).values_list("reference", flat=True)
        )
        if not references or found != set(references):
            message = (
                f"Name this organisation's cases the request concerns; not found: {sorted(set(references) - found)}"
            )
            raise ValidationFailed(
                message, code="case_not_found", errors=[FieldError("case_not_found", message, "case_references")]
            )
    if kind == RightsRequestKind.RECTIFICATION and not details.strip():
        message = "Say what is to be corrected"
        raise ValidationFailed(
            message,
            code="rectification_details_required",
            errors=[FieldError("rectification_details_required", message, "details")],
        )
    received_on = received_on or timezone.localdate()
    with transaction.atomic():
        request = RightsRequest.objects.create(
            organisation=organisation,
            kind=kind,
            reference=_reference(),
            resident_email=resident_email.strip().lower(),
            resident_name=resident_name,
            case_references=references,
            details=details,
            received_on=received_on,
            due_on=one_calendar_month_after(received_on),
            recorded_by=actor,
        )
        request.case = _case_for(request, channel)
        request.save(update_fields=["case"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action=f"rights.{kind}_received",
            object_type="rights_request",
            object_id=request.reference,
            data={"due_on": request.due_on.isoformat(), "cases": references, "tracking_case": request.case.reference},
        )
    return request


def _case_entry(case: Case) -> dict[str, Any]:
    return {
        "organisation": {"name": case.organisation.name, "code": case.organisation.code},
        "service": case.version.service.title,
        "reference": case.reference,
        "channel": case.channel,
        "state": case.state,
        "received_at": case.received_at.isoformat(),
        "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "answers": case.answers,
        "events": [
            {"at": e.occurred_at.isoformat(), "kind": e.kind, "from": e.from_state, "to": e.to_state, "text": e.text}
            for e in case.events.order_by("occurred_at")
        ],
        "documents": [
            {"name": d.original_name, "type": d.content_type, "size": d.size, "sha256": d.sha256}
            for d in case.documents.all()
        ],
    }


def subject_access_gather(*, actor: Any, request: RightsRequest) -> RightsRequest:
    """Gather everything held about the resident, across services and organisations, with the access log."""
    require(actor, request.organisation, Permission.MANAGE_AGREEMENTS)
    if request.kind != RightsRequestKind.SUBJECT_ACCESS:
        raise Conflict("Only a subject access request gathers data", code="not_subject_access")
    email = request.resident_email
    cases = list(
        Case.objects.filter(resident_email=email, anonymised_at__isnull=True)
        .exclude(rights_request__isnull=False)  # the requests themselves are not data about the resident's services
        .select_related("organisation", "version__service")
        .prefetch_related("events", "documents")
        .order_by("received_at")
    )
    references = [c.reference for c in cases]
    bundle = {
        "format": "townhall/subject-access-bundle/v1",
        "request": request.reference,
        "subject": {"email": email, "name": request.resident_name},
        "gathered_at": timezone.now().isoformat(),
        "cases": [_case_entry(c) for c in cases],
        "messages_sent": [
            {
                "at": n.created_at.isoformat(),
                "channel": n.channel,
                "subject": n.subject,
                "body": n.body,
                "status": n.status,
                "case": n.case_reference,
            }
            for n in Notification.objects.filter(to__iexact=email).order_by("created_at")
        ],
        "messages_received": [
            {"at": m.created_at.isoformat(), "subject": m.subject, "body": m.body_text, "case": m.case_reference}
            for m in InboundMessage.objects.filter(from_header__icontains=email).order_by("created_at")
        ],
        "referrals": [
            {
                "from": r.source_case.reference,
                "to_organisation": r.target_organisation.name,
                "to_case": r.target_case.reference,
                "agreement": r.agreement.code,
                "purpose": r.purpose,
                "fields_shared": r.fields_shared,
                "at": r.created_at.isoformat(),
            }
            for r in Referral.objects.filter(source_case__reference__in=references).select_related(
                "source_case", "target_case", "target_organisation", "agreement"
            )
        ],
        "access_log": [
            {
                "at": a.occurred_at.isoformat(),
                "organisation": a.requester.name,
                "agreement": a.agreement_ref,
                "purpose": a.purpose,
                "action": a.action,
                "case": a.case_reference,
                "fields": a.fields_allowed,
                "allowed": a.allowed,
            }
            # (a request for a reference before any case had it is no access to this resident's data)
            for a in AccessDecisionLog.objects.filter(
                case_reference__in=references, holder__isnull=False
            ).select_related("requester")
        ],
    }
    with transaction.atomic():
        request.bundle = bundle
        request.status = RightsRequestStatus.GATHERED
        request.save(update_fields=["bundle", "status", "updated_at"])
        _case_move(request, "gather", actor)
        audit_record(
            organisation=request.organisation,
            actor=actor,
            action="rights.subject_access_gathered",
            object_type="rights_request",
            object_id=request.reference,
            data={"cases": len(cases), "organisations": sorted({c.organisation.code for c in cases})},
        )
    return request


def rights_request_pass_on(*, actor: Any, request: RightsRequest) -> list[RecipientNotice]:
    """Pass an erasure or rectification to every organisation the data was shared with, to be tracked."""
    require(actor, request.organisation, Permission.MANAGE_AGREEMENTS)
    if request.kind == RightsRequestKind.SUBJECT_ACCESS:
        raise Conflict("A subject access request is not passed on", code="not_passed_on")
    referrals = Referral.objects.filter(
        source_organisation=request.organisation, source_case__reference__in=request.case_references
    ).select_related("target_organisation", "target_case", "agreement")
    now = timezone.now()
    with transaction.atomic():
        notices = [
            RecipientNotice.objects.get_or_create(
                request=request,
                recipient=r.target_organisation,
                case_reference=r.target_case.reference,
                defaults={"agreement": r.agreement, "sent_at": now},
            )[0]
            for r in referrals
        ]
        request.status = RightsRequestStatus.WAITING_ON_RECIPIENTS if notices else RightsRequestStatus.COMPLETED
        request.completed_at = None if notices else now
        request.save(update_fields=["status", "completed_at", "updated_at"])
        _case_move(request, "pass_on" if notices else "complete", actor)
        audit_record(
            organisation=request.organisation,
            actor=actor,
            action=f"rights.{request.kind}_passed_on",
            object_type="rights_request",
            object_id=request.reference,
            data={"recipients": sorted({n.recipient.code for n in notices})},
        )
        for notice in notices:
            audit_record(
                organisation=notice.recipient,
                actor=None,
                action=f"rights.{request.kind}_received_from_partner",
                object_type="case",
                object_id=notice.case_reference,
                data={"from": request.organisation.code, "request": request.reference},
            )
    return notices


def recipient_notice_complete(
    *, actor: Any, organisation: Organisation, notice_id: int, outcome: str
) -> RecipientNotice:
    """The recipient says it has erased or corrected its copy; the request completes when every recipient has."""
    require(actor, organisation, Permission.MANAGE_AGREEMENTS)
    with transaction.atomic():
        notice = RecipientNotice.objects.select_for_update().filter(pk=notice_id, recipient=organisation).first()
        if notice is None:
            raise NotFound("No such request", code="rights_notice_not_found")
        if not outcome.strip():
            raise ValidationFailed("Say what was done", code="outcome_required")
        if notice.completed_at is None:
            notice.completed_at, notice.completed_by, notice.outcome = timezone.now(), actor, outcome
            notice.save(update_fields=["completed_at", "completed_by", "outcome"])
            audit_record(
                organisation=organisation,
                actor=actor,
                action="rights.notice_completed",
                object_type="case",
                object_id=notice.case_reference,
                data={"request": notice.request.reference},
            )
        request = RightsRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=notice.request_id)
        if request.completed_at is None and not request.notices.filter(completed_at__isnull=True).exists():
            request.status, request.completed_at = RightsRequestStatus.COMPLETED, timezone.now()
            request.save(update_fields=["status", "completed_at", "updated_at"])
            _case_move(request, "complete", None)
    return notice


def subject_access_send(*, actor: Any, request: RightsRequest) -> RightsRequest:
    """The gathered information has gone to the resident: the request, and its case, are complete."""
    require(actor, request.organisation, Permission.MANAGE_AGREEMENTS)
    with transaction.atomic():
        request = (
            RightsRequest.objects.select_for_update(of=("self",))
            .select_related("case", "organisation")
            .get(pk=request.pk)
        )
        if request.kind != RightsRequestKind.SUBJECT_ACCESS or request.status != RightsRequestStatus.GATHERED:
            raise Conflict("Only a gathered subject access request can be sent", code="not_gathered")
        request.status, request.completed_at = RightsRequestStatus.COMPLETED, timezone.now()
        request.save(update_fields=["status", "completed_at", "updated_at"])
        _case_move(request, "complete", actor)
        audit_record(
            organisation=request.organisation,
            actor=actor,
            action="rights.subject_access_sent",
            object_type="rights_request",
            object_id=request.reference,
            data={"case": request.case.reference if request.case else None},
        )
    return request
