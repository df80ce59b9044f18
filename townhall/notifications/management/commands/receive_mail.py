"""Receive replies by email: an SMTP server (aiosmtpd) that stores each message and routes it."""

from __future__ import annotations

import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from django.core.management.base import BaseCommand

from townhall.notifications.inbound.smtpd import InboundMailHandler, hard_size_limit


class Command(BaseCommand):
    help = "Run an SMTP server that receives residents' replies and delivery failure reports."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument(
            "--accept-domain", action="append", default=[], help="Only accept mail for this domain (repeatable)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        handler = InboundMailHandler(accept_domains=options["accept_domain"])
        controller = Controller(
            handler,
            hostname=options["host"],
            port=options["port"],
            data_size_limit=hard_size_limit(),
            decode_data=False,
        )
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        controller.start()
        self.stdout.write(f"Receiving mail on {options['host']}:{options['port']}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
        self.stdout.write("Stopped receiving mail")
