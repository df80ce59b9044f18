"""Choosing how an organisation's messages leave the platform."""

from __future__ import annotations

import os

from django.conf import settings

from townhall.core.models import Organisation
from townhall.notifications import config
from townhall.notifications.models import SenderKind, SenderSetting
from townhall.notifications.senders.base import (
    NotificationSender,
    OutgoingMessage,
    PermanentFailure,
    ProviderResult,
    ReferenceLookup,
    SendFailure,
    TechnicalFailure,
)
from townhall.notifications.senders.local import LocalOutboxSender
from townhall.notifications.senders.notify import NotifyConfigurationError, NotifySender, check_api_key
from townhall.notifications.senders.smtp import SmtpSender

__all__ = [
    "LocalOutboxSender",
    "NotificationSender",
    "NotifySender",
    "OutgoingMessage",
    "PermanentFailure",
    "ProviderResult",
    "ReferenceLookup",
    "SendFailure",
    "SmtpSender",
    "TechnicalFailure",
    "sender_for",
]


def sender_for(organisation: Organisation | int) -> NotificationSender:
    """The organisation's sender (its SenderSetting), else ``NOTIFICATIONS_DEFAULT_SENDER`` (the local outbox).

    ``organisation`` may be its id: the delivery worker has only that, and loading the organisation to look up its
    setting would cost a query per batch."""
    setting = SenderSetting.objects.filter(organisation=organisation).first()
    kind = setting.sender if setting is not None else config.default_sender()
    if kind == SenderKind.SMTP:
        return SmtpSender(from_email=setting.email_from if setting is not None else "")
    if kind == SenderKind.NOTIFY:
        if setting is None:
            raise NotifyConfigurationError("GOV.UK Notify needs a sender setting for the organisation")
        api_key = os.environ.get(setting.notify_api_key_env, "") if setting.notify_api_key_env else ""
        check_api_key(
            api_key,
            setting.notify_key_type,
            production=bool(getattr(settings, "PRODUCTION", False)),
            allow_test_key=bool(config.get("NOTIFY_ALLOW_TEST_KEY", False)),
        )
        return NotifySender(
            api_key=api_key,
            email_template_id=setting.notify_email_template_id,
            sms_template_id=setting.notify_sms_template_id,
            key_type=setting.notify_key_type,
            base_url=setting.notify_base_url,
            timeout=config.provider_timeout(),
        )
    return LocalOutboxSender()
