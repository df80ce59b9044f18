"""A real SMTP server on loopback (aiosmtpd) that receives and counts messages, for fault tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Message] = []
        self.times: list[float] = []
        self.sessions: list[
            int
        ] = []  # id of the SMTP session each message came in on  # wall clock when each message's final dot arrived
        self.envelopes: list[tuple[str, list[str]]] = []
        self.raw: list[tuple[list[str], bytes]] = []  # MAIL FROM options and the DATA bytes, as they arrived
        self.temporary_failures = 0  # answer 451 to the next N messages
        self.permanent_rcpt: set[str] = set()
        self.rcpt_delay = 0.0
        self.in_rcpt = threading.Event()
        self.waiting_now = 0  # conversations inside a (delayed) RCPT right now
        self.most_at_once = 0  # the most conversations ever inside RCPT together: >1 means clients overlapped

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.permanent_rcpt:
            return "550 5.1.1 No such mailbox"
        self.in_rcpt.set()
        self.waiting_now += 1  # (the server's one event loop runs this: no lock needed)
        self.most_at_once = max(self.most_at_once, self.waiting_now)
        try:
            if self.rcpt_delay:
                await asyncio.sleep(self.rcpt_delay)  # a slow relay: the worker waits on our reply
        finally:
            self.waiting_now -= 1
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.temporary_failures:
                self.temporary_failures -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(message_from_bytes(envelope.content))
            self.times.append(time.time())
            self.sessions.append(id(session))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.raw.append((list(envelope.mail_options), envelope.original_content))
        return "250 2.0.0 Queued"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(m["Message-ID"]) for m in self.messages)


class SmtpSink:
    def __init__(self) -> None:
        self.handler = CountingHandler()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free_port = probe.getsockname()[1]
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()
