"""The aiosmtpd handler behind ``manage.py receive_mail``: every accepted message is stored before we say 250."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from django.db import close_old_connections

from townhall.notifications import config

logger = logging.getLogger("townhall.notifications.inbound")


class InboundMailHandler:
    def __init__(self, *, accept_domains: list[str] | None = None):
        self.accept_domains = [d.lower() for d in (accept_domains or [])]

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        domain = address.rsplit("@", 1)[-1].lower()
        if self.accept_domains and domain not in self.accept_domains:
            return "550 5.7.1 Relaying denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            await asyncio.to_thread(self._store, bytes(raw), str(envelope.mail_from or ""), list(envelope.rcpt_tos))
        except Exception:
            logger.exception("Could not store inbound mail; asking the sender to try again")
            return "451 4.3.0 Temporary failure, please try again"
        return "250 2.0.0 Message accepted"

    @staticmethod
    def _store(raw: bytes, mail_from: str, rcpt_to: list[str]) -> None:
        from townhall.notifications.services.inbound import inbound_receive

        close_old_connections()
        try:
            inbound_receive(raw=raw, mail_from=mail_from, rcpt_to=rcpt_to, source="smtp")
        finally:
            close_old_connections()


def hard_size_limit() -> int:
    """Above the soft limit mail is kept for triage without attachments; above this the server says 552."""
    return config.inbound_max_bytes() * 4
