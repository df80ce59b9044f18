"""Signed reply-to addresses: reply+<token>@<domain>, where the token names the notification it answers."""

from __future__ import annotations

import re

from django.utils.crypto import constant_time_compare, salted_hmac

from townhall.notifications import config

_SALT = "townhall.notifications.reply"
_TOKEN = re.compile(r"^([0-9a-z]+)-([0-9a-f]{20})$")
_ADDRESS = re.compile(r"reply\+([0-9a-z]+-[0-9a-f]{20})@", re.IGNORECASE)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rem = divmod(number, 36)
        out = digits[rem] + out
        if not number:
            return out


def reply_token(notification_id: int) -> str:
    """Lower case only: some mail systems fold the local part of an address to lower case."""
    ident = _base36(notification_id)
    mac = salted_hmac(_SALT, ident, algorithm="sha256").hexdigest()[:20]
    return f"{ident}-{mac}"


def reply_address(notification_id: int) -> str:
    return f"reply+{reply_token(notification_id)}@{config.reply_domain()}"


def notification_id_from_token(token: str) -> int | None:
    match = _TOKEN.match(token.strip().lower())
    if not match:
        return None
    ident, mac = match.groups()
    expected = salted_hmac(_SALT, ident, algorithm="sha256").hexdigest()[:20]
    if not constant_time_compare(mac, expected):
        return None
    return int(ident, 36)


def tokens_in(addresses: list[str]) -> list[str]:
    found: list[str] = []
    for address in addresses:
        found.extend(m.group(1) for m in _ADDRESS.finditer(address))
    return found
