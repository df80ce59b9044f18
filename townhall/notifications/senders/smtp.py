"""Email through an SMTP relay with Django's email backend. Message-ID comes from our reference, so a
resend after a crash carries the same Message-ID; Reply-To is a signed reply+<token> address.

Django's SMTP backend opens the connection (TLS, login) and keeps it; each message is written to its smtplib
connection as the bytes Django's ``EmailMessage`` would have produced, built by senders/mime.py at a fraction
of the CPU (tests/notifications/test_smtp_mime.py compares them). Any other backend gets Django's own message.

The connection stays open between messages (one per worker thread), so after the relay's 250 the worker
records the acceptance at once, without waiting for a QUIT round trip: that keeps the window in which a
crash could send a message twice as short as we can make it (docs/adr/0010-notification-outbox.md).
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from townhall.notifications import config
from townhall.notifications.senders.base import (
    OutgoingMessage,
    PermanentFailure,
    ProviderResult,
    TechnicalFailure,
)
from townhall.notifications.senders.mime import (
    ENCODING,
    SHORT_ASCII_HEADERS,
    email_bytes,
    envelope_address,
    envelope_from,
)

__all__ = ["SHORT_ASCII_HEADERS", "SmtpSender", "close_connections", "message_id_for"]

_local = threading.local()
IDLE_CHECK_SECONDS = 10.0


class _Email(EmailMessage):
    """Django's message with our header policy: what a backend other than Django's SMTP one is given."""

    def message(self, **kwargs: Any) -> Any:
        built = super().message(**kwargs)
        built.policy = SHORT_ASCII_HEADERS  # the body and any attachments keep Django's own
        return built


def _cached_connection(backend: str, timeout: float) -> Any:
    """This thread's open connection to the relay (opened on first use, checked with NOOP when idle)."""
    key = (backend, settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER, timeout)
    cache: dict[tuple[Any, ...], tuple[Any, float]] = _local.__dict__.setdefault("connections", {})
    entry = cache.get(key)
    if entry is not None:
        connection, last_used = entry
        raw = getattr(connection, "connection", None)
        stale = hasattr(connection, "connection") and raw is None  # the locmem backend has no socket at all
        if raw is not None and time.monotonic() - last_used > IDLE_CHECK_SECONDS:
            try:
                stale = raw.noop()[0] != 250
            except (smtplib.SMTPException, OSError):
                stale = True
        if not stale:
            cache[key] = (connection, time.monotonic())
            return connection
        _drop(cache, key)
    connection = get_connection(backend=backend, fail_silently=False, timeout=timeout)
    connection.open()
    cache[key] = (connection, time.monotonic())
    return connection


def _drop(cache: dict[tuple[Any, ...], tuple[Any, float]], key: tuple[Any, ...]) -> None:
    entry = cache.pop(key, None)
    if entry is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            entry[0].close()


def close_connections() -> None:
    cache = _local.__dict__.get("connections", {})
    for key in list(cache):
        _drop(cache, key)


def message_id_for(reference: str) -> str:
    return f"<{reference}@{config.message_id_domain()}>"


class SmtpSender:
    name = "smtp"

    def __init__(self, *, from_email: str = "", backend: str | None = None, timeout: float | None = None):
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.backend = backend or str(
            config.get("NOTIFICATIONS_SMTP_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
        )
        self.timeout = timeout if timeout is not None else config.provider_timeout()

    def send_email(self, message: OutgoingMessage) -> ProviderResult:
        message_id = message.message_id or message_id_for(message.reference)
        headers = {"Message-ID": message_id, "X-Townhall-Reference": message.reference, **message.headers}
        if message.language:
            headers["Content-Language"] = message.language
        try:
            backend = _cached_connection(self.backend, self.timeout)
            relay = getattr(backend, "connection", None)
            if isinstance(relay, smtplib.SMTP) and settings.DEFAULT_CHARSET == ENCODING:
                # Django's SMTP backend: give its open smtplib connection the bytes Django would have built
                # (senders/mime.py says how they are the same, only cheaper to make).
                sent = self._send_bytes(relay, message, headers)
            else:  # any other backend (console, locmem, a third party's) gets Django's own EmailMessage
                sent = backend.send_messages([self._django_email(message, headers)])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(400 <= code < 500 for code in codes):
                raise TechnicalFailure(f"Recipient deferred: {exc.recipients}", status_code=codes[0]) from exc
            raise PermanentFailure(
                f"Recipient refused: {exc.recipients}", status_code=codes[0] if codes else None
            ) from exc
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TechnicalFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", status_code=exc.smtp_code) from exc
            raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", status_code=exc.smtp_code) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            close_connections()  # start afresh next time
            raise TechnicalFailure(f"SMTP relay unavailable: {exc.__class__.__name__}: {exc}") from exc
        if not sent:
            raise TechnicalFailure("The SMTP relay did not take the message")
        return ProviderResult(provider=self.name, provider_id=message_id, outcome="delivered")

    def _send_bytes(self, relay: smtplib.SMTP, message: OutgoingMessage, headers: dict[str, str]) -> int:
        """What Django's ``EmailBackend._send`` does for one message, with the message built by ``email_bytes``."""
        if not message.to:
            return 0  # Django sends nothing to no one
        data = email_bytes(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.to],
            reply_to=[message.reply_to] if message.reply_to else [],
            headers=headers,
        )
        relay.sendmail(envelope_from(self.from_email), [envelope_address(message.to)], data)
        return 1

    def _django_email(self, message: OutgoingMessage, headers: dict[str, str]) -> EmailMessage:
        return _Email(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.to],
            reply_to=[message.reply_to] if message.reply_to else None,
            headers=headers,
        )

    def send_sms(self, message: OutgoingMessage) -> ProviderResult:
        raise PermanentFailure("This organisation sends through SMTP, which cannot send text messages")
