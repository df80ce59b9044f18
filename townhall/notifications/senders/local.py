"""The local outbox: nothing leaves the platform; each message is written to a table and the log."""

from __future__ import annotations

import logging

from django.utils import timezone

from townhall.notifications.models import Channel, Notification, OutboxMessage
from townhall.notifications.senders.base import OutgoingMessage, PermanentFailure, ProviderResult

logger = logging.getLogger("townhall.notifications.outbox")


class LocalOutboxSender:
    name = "local"

    def _write(self, channel: str, message: OutgoingMessage) -> ProviderResult:
        notification = Notification.objects.filter(reference=message.reference).first()
        if notification is None:
            raise PermanentFailure(f"No notification with reference {message.reference}")
        outbox, _ = OutboxMessage.objects.get_or_create(
            notification=notification,
            defaults={
                "sent_at": timezone.now(),
                "channel": channel,
                "to": message.to,
                "subject": message.subject,
                "body": message.body,
            },
        )
        logger.info("Local outbox: %s to %s: %s", channel, message.to, message.subject or message.body[:60])
        return ProviderResult(provider=self.name, provider_id=f"outbox-{outbox.pk}", outcome="delivered")

    def send_email(self, message: OutgoingMessage) -> ProviderResult:
        return self._write(Channel.EMAIL, message)

    def send_sms(self, message: OutgoingMessage) -> ProviderResult:
        return self._write(Channel.SMS, message)
