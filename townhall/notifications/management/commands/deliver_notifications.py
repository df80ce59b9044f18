"""Run the notification delivery loop (one per worker process; any number may run at once).

``--threads N`` runs N loops in the process, each claiming and sending its own batches with its own
database connection and SMTP connection. Every message is still recorded by its own commit straight after
the provider takes it; threads only let one message's commit and SMTP round trips overlap another's (on
PostgreSQL concurrent commits share a WAL flush), which is where a single loop spends most of its time.
"""

from __future__ import annotations

import gc
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from townhall.notifications.senders import NotificationSender
from townhall.notifications.senders.smtp import close_connections
from townhall.notifications.services.claims import notification_claim_due, notification_release, worker_name
from townhall.notifications.services.delivery import notification_deliver, notification_load


class Command(BaseCommand):
    help = "Deliver due notifications: claim a batch, send each, record the outcome; repeat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Deliver what is due now, then stop")
        parser.add_argument("--batch-size", type=int, default=50)
        parser.add_argument("--idle-sleep", type=float, default=1.0, help="Seconds to wait when nothing is due")
        parser.add_argument("--worker-id", default="", help="A name for this worker in claims and logs")
        parser.add_argument("--threads", type=int, default=1, help="Delivery loops in this process (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["threads"] < 1:
            raise CommandError("--threads must be at least 1")
        worker = options["worker_id"] or worker_name("loop")
        stopping = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda signum, frame: stopping.set()) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        self._lock = threading.Lock()  # one batch of output at a time
        # Everything alive now (Django, the apps, the URLconf: some 10^5 objects) lives as long as the process, yet
        # every full collection of the cyclic garbage collector would walk it again, every few thousand messages.
        # gc.freeze() sets it aside, so collections see only what the loops allocate.
        gc.collect()
        gc.freeze()
        try:
            if options["threads"] == 1:
                total = self._loop(worker, options, stopping)
            else:
                total = self._threads(worker, options, stopping)
        finally:
            gc.unfreeze()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        close_connections()
        released = notification_release(worker=worker)
        self.stdout.write(f"Stopped after {total} deliveries; gave back {released} not yet started")

    def _threads(self, worker: str, options: dict[str, Any], stopping: threading.Event) -> int:
        totals: list[int] = []

        def run() -> None:
            try:
                totals.append(self._loop(worker, options, stopping))
            finally:
                close_connections()  # this thread's SMTP connection
                connection.close()  # and its database connection

        threads = [threading.Thread(target=run, name=f"deliver-{n}") for n in range(options["threads"])]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.2)  # short waits, so the main thread still takes SIGTERM at once
        return sum(totals)

    def _loop(self, worker: str, options: dict[str, Any], stopping: threading.Event) -> int:
        total = 0
        while not stopping.is_set():
            if not connection.in_atomic_block:  # (tests run the loop inside a transaction)
                close_old_connections()
            claims = notification_claim_due(worker=worker, limit=options["batch_size"])
            preloaded = notification_load(claims) if claims else {}
            senders: dict[int, NotificationSender] = {}  # one sender per organisation for this batch
            lines = []  # written once per batch, not once per message
            for claim in claims:
                status = notification_deliver(claim=claim, worker=worker, preloaded=preloaded, senders=senders)
                total += 1
                lines.append(f"{claim.notification_id} attempt {claim.attempt}: {status}")
                if stopping.is_set():
                    break
            if lines:
                with self._lock:
                    self.stdout.write("\n".join(lines))
                    self.stdout.flush()
            if options["once"] and not claims:
                break
            if not claims:
                stopping.wait(options["idle_sleep"])
        return total
