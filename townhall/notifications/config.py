"""Notification settings, each with a default so the app works with none of them set."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from townhall.notifications.scheduling import QuietHours


def get(name: str, default: object) -> object:
    return getattr(settings, name, default)


def quiet_hours() -> QuietHours:
    window: Any = get("NOTIFICATIONS_SMS_QUIET_HOURS", ("21:00", "08:00"))
    start, end = str(window[0]), str(window[1])
    return QuietHours.parse(start, end, str(get("NOTIFICATIONS_TIME_ZONE", "Europe/London")))


def lease_seconds() -> float:
    return float(get("NOTIFICATIONS_LEASE_SECONDS", 120))  # type: ignore[arg-type]


def max_attempts() -> int:
    return int(get("NOTIFICATIONS_MAX_ATTEMPTS", 8))  # type: ignore[call-overload]


def backoff_base() -> float:
    return float(get("NOTIFICATIONS_BACKOFF_BASE_SECONDS", 30))  # type: ignore[arg-type]


def backoff_cap() -> float:
    return float(get("NOTIFICATIONS_BACKOFF_CAP_SECONDS", 3600))  # type: ignore[arg-type]


def provider_timeout() -> float:
    return float(get("NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS", 10))  # type: ignore[arg-type]


def default_sender() -> str:
    return str(get("NOTIFICATIONS_DEFAULT_SENDER", "local"))


def reply_domain() -> str:
    return str(get("NOTIFICATIONS_REPLY_DOMAIN", "replies.townhall.localhost"))


def message_id_domain() -> str:
    return str(get("NOTIFICATIONS_MESSAGE_ID_DOMAIN", reply_domain()))


def inbound_handler() -> str:
    return str(get("INBOUND_MAIL_HANDLER", ""))


def inbound_max_bytes() -> int:
    return int(get("INBOUND_MAIL_MAX_BYTES", 10 * 1024 * 1024))  # type: ignore[call-overload]


def attachment_max_bytes() -> int:
    return int(get("INBOUND_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))  # type: ignore[call-overload]
