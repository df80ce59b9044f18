"""The one Protocol every way of sending meets, and what passes across it. Pure: no Django."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class OutgoingMessage:
    """One attempt at one notification. ``reference`` is the idempotency key; ``retry`` is True when an
    earlier attempt may have reached the provider (a retry, or a recovery after a worker died)."""

    reference: str
    to: str
    body: str
    subject: str = ""
    language: str = "en"
    reply_to: str = ""
    message_id: str = ""
    retry: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderResult:
    """What the provider said. ``delivered`` when delivery is final at hand-over (local outbox, SMTP relay);
    ``accepted`` when a delivery receipt will follow (Notify)."""

    provider: str
    provider_id: str
    outcome: Literal["accepted", "delivered"]
    detail: str = ""


class SendFailure(Exception):
    """Base of sender failures; ``detail`` is safe to store and show to staff."""

    def __init__(self, detail: str, *, status_code: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code


class TechnicalFailure(SendFailure):
    """Worth retrying: 429, 5xx, timeouts, connection refused."""


class PermanentFailure(SendFailure):
    """Not worth retrying: the provider refused this message (4xx validation, bad address, team-only key)."""


@runtime_checkable
class NotificationSender(Protocol):
    name: str

    def send_email(self, message: OutgoingMessage) -> ProviderResult: ...

    def send_sms(self, message: OutgoingMessage) -> ProviderResult: ...


@runtime_checkable
class ReferenceLookup(Protocol):
    """A provider that can say whether it already holds a message with our reference (Notify can)."""

    def find_by_reference(self, reference: str) -> ProviderResult | None: ...


def classify_http_status(status: int) -> type[SendFailure]:
    if status == 429 or status >= 500 or status in (408,):
        return TechnicalFailure
    return PermanentFailure
