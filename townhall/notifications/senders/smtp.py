"""Email through an SMTP relay with Django's email backend. Message-ID comes from our reference, so a
resend after a crash carries the same Message-ID; Reply-To is a signed reply+<token> address.

The connection stays open between messages (one per worker thread), so after the relay's 250 the worker
records the acceptance at once, without waiting for a QUIT round trip: that keeps the window in which a
crash could send a message twice as short as we can make it (docs/adr/0010-notification-outbox.md).
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from email.policy import Compat32
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

_local = threading.local()
IDLE_CHECK_SECONDS = 10.0


class ShortAsciiHeaders(Compat32):
    """Django's header policy (compat32), except that a header whose value is short, printable ASCII is written
    as it is. compat32 builds an ``email.header.Header`` for every header only to find that such a value needs
    no folding or encoding: a fifth of a delivery worker's CPU in the issue 5 benchmark. Anything else (long,
    non-ASCII, a ``Header``) goes through compat32 unchanged. tests/notifications/test_smtp_headers.py checks
    that the bytes are the same as compat32's."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii() and value.isprintable() and len(name) + len(value) + 2 <= 78:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


SHORT_ASCII_HEADERS = ShortAsciiHeaders()


class _Email(EmailMessage):
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
        email = _Email(
            subject=message.subject,
            body=message.body,
            from_email=self.from_email,
            to=[message.to],
            reply_to=[message.reply_to] if message.reply_to else None,
            headers=headers,
        )
        try:
            connection = _cached_connection(self.backend, self.timeout)
            sent = connection.send_messages([email])
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

    def send_sms(self, message: OutgoingMessage) -> ProviderResult:
        raise PermanentFailure("This organisation sends through SMTP, which cannot send text messages")
