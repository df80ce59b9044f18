"""Run the notification delivery loop (one per worker process; any number may run at once)."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from townhall.notifications.senders import NotificationSender
from townhall.notifications.senders.smtp import close_connections
from townhall.notifications.services.delivery import (
    notification_claim_due,
    notification_deliver,
    notification_load,
    notification_release,
)
from townhall.notifications.tasks import worker_name


class Command(BaseCommand):
    help = "Deliver due notifications: claim a batch, send each, record the outcome; repeat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Deliver what is due now, then stop")
        parser.add_argument("--batch-size", type=int, default=50)
        parser.add_argument("--idle-sleep", type=float, default=1.0, help="Seconds to wait when nothing is due")
        parser.add_argument("--worker-id", default="", help="A name for this worker in claims and logs")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = options["worker_id"] or worker_name("loop")
        stopping = {"now": False}

        def stop(signum: int, frame: Any) -> None:
            stopping["now"] = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            total = self._loop(worker, options, stopping)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        close_connections()
        released = notification_release(worker=worker)
        self.stdout.write(f"Stopped after {total} deliveries; gave back {released} not yet started")

    def _loop(self, worker: str, options: dict[str, Any], stopping: dict[str, bool]) -> int:
        total = 0
        while not stopping["now"]:
            if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                close_old_connections()
            claims = notification_claim_due(worker=worker, limit=options["batch_size"])
            preloaded = notification_load(claims) if claims else {}
            senders: dict[int, NotificationSender] = {}  # one sender per organisation for this batch
            for claim in claims:
                status = notification_deliver(claim=claim, worker=worker, preloaded=preloaded, senders=senders)
                total += 1
                self.stdout.write(f"{claim.notification_id} attempt {claim.attempt}: {status}")
                self.stdout.flush()
                if stopping["now"]:
                    break
            if options["once"] and not claims:
                break
            if not claims:
                time.sleep(options["idle_sleep"])
        return total
