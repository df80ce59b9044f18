"""Notifications API: Notify's delivery-status callbacks and an inbound-mail webhook.

A case's messages (GET /api/v1/notifications/cases/{case_reference}) are answered by the cases app
(``townhall.cases.api.messages_router``, mounted here too): only it can tell an unknown case from one of
the organisation's that has no messages yet. ``NotificationOut`` is their schema."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from ninja import Field, Router, Schema
from ninja.responses import Status
from ninja.security import HttpBearer

from townhall.core.errors import ValidationFailed
from townhall.notifications import config
from townhall.notifications.services.inbound import inbound_receive
from townhall.notifications.services.receipts import notify_callback_record

router = Router(tags=["notifications"])


class SharedTokenAuth(HttpBearer):
    """A bearer token shared with one outside system, read from a setting (unset: every request is refused)."""

    def __init__(self, setting: str):
        super().__init__()
        self.setting = setting

    def authenticate(self, request: HttpRequest, token: str) -> bool | None:
        expected = str(config.get(self.setting, "") or "")
        if expected and constant_time_compare(token, expected):
            return True
        return None


class NotifyCallbackIn(Schema):
    """GOV.UK Notify's documented delivery receipt callback."""

    id: str = Field(description="Notify's id for the notification, a UUID; anything else is 422 invalid_notify_id")
    reference: str | None = None
    to: str = ""
    status: str
    created_at: str | None = None
    completed_at: str | None = None
    sent_at: str | None = None
    notification_type: str = ""
    template_id: str | None = None
    template_version: int | None = None


class ReceiptOut(Schema):
    reference: str
    status: str
    changed: bool


class InboundMailIn(Schema):
    raw_base64: str
    mail_from: str = ""
    rcpt_to: list[str] = []


class InboundMailOut(Schema):
    id: int
    status: str
    case_reference: str
    triage_reasons: list[str]


class NotificationEventOut(Schema):
    occurred_at: datetime
    status: str
    attempt: int
    detail: str


class NotificationOut(Schema):
    reference: str
    channel: str
    kind: str
    status: str
    subject: str
    created_at: datetime
    events: list[NotificationEventOut]

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return list(obj.events.all())


@router.post(
    "/notify-callback",
    response=ReceiptOut,
    auth=SharedTokenAuth("NOTIFY_CALLBACK_TOKEN"),
    summary="GOV.UK Notify delivery receipt",
)
def notify_callback(request: HttpRequest, payload: NotifyCallbackIn) -> dict[str, Any]:
    notification = notify_callback_record(payload=payload.dict())
    if notification is None:
        return {"reference": payload.reference or "", "status": payload.status, "changed": False}
    return {"reference": notification.reference, "status": notification.status, "changed": True}


@router.post(
    "/inbound-mail",
    response={202: InboundMailOut},
    auth=SharedTokenAuth("INBOUND_WEBHOOK_TOKEN"),
    summary="An email received by a mail provider, as raw MIME in base64",
)
def inbound_mail(request: HttpRequest, payload: InboundMailIn) -> Status[Any]:
    try:
        raw = base64.b64decode(payload.raw_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("raw_base64 is not base64", code="invalid_base64") from exc
    message = inbound_receive(raw=raw, mail_from=payload.mail_from, rcpt_to=payload.rcpt_to, source="webhook")
    return Status(202, message)
