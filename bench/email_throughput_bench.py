"""Email throughput of the notification outbox (issue 5): PostgreSQL, two real delivery workers, a real SMTP
server on loopback.

Everything runs in its own process, so no part steals another's GIL: the SMTP server (aiosmtpd), the
processes that queue messages (``notification_queue``, the service every app calls), and two
``manage.py deliver_notifications`` workers — the loop the platform runs in production. The database is
``townhall_bench_email`` on the local PostgreSQL, created, migrated and dropped by the benchmark.

Phases:

1. *Queue up front*: queue all messages with the workers stopped (timed on its own: queueing is the
   callers' cost, not the workers').
2. *Drain*: start two workers and time them until every message is accepted by the SMTP server.
   Messages/second here is the delivery capacity. Queued→accepted latency in this phase is mostly time
   spent waiting behind the rest of the backlog, by construction.
3. *Steady state*: with the workers running, queue messages at a fixed rate below capacity, one message per
   transaction as a web request would, and measure queued→accepted for those messages. This is the phase
   whose "share sent within 10 seconds" is comparable to Notify's headline measure.
4. *Baseline*: two processes sending the same number of messages with ``smtplib`` over one persistent
   connection each to the same server, with no database: the most this SMTP server takes on this machine.

"Queued" is the row's ``created_at`` (set by ``notification_queue``); "accepted" is ``accepted_at``, set by
the worker right after the server's 250 reply to the final dot.

Subprocess roles: ``python -m bench.email_throughput_bench sink|seed|queue|baseline ...``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.cpu import CpuMeter

NAME = "email-throughput"
ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "townhall_bench_email"
GOAL = 500.0  # messages per second (issue 5)
FULL_COUNT, QUICK_COUNT = 100_000, 5_000
FULL_STEADY_SECONDS, QUICK_STEADY_SECONDS = 60, 15
QUEUE_SAMPLE = 2_000  # messages queued through notification_queue itself, timed; the rest of the backlog in bulk
BASELINE_MAX = 20_000  # messages sent by the smtplib baseline (a rate: more adds time, not precision)
WORKERS = 2
BATCH_SIZE = 50  # deliver_notifications' default
# Delivery loops in each worker process (``deliver_notifications --threads``); EMAIL_BENCH_THREADS overrides.
THREADS = int(os.environ.get("EMAIL_BENCH_THREADS", "4"))
STEADY_RATE = 400.0  # messages per second queued in the steady-state phase, at most 70% of the drain rate
STEADY_QUEUERS = 3  # processes queueing in the steady state (each message its own transaction)
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.I | re.M)


# --- subprocess roles -------------------------------------------------------------------------------------


class _LeanHandler:
    """Counts messages by Message-ID and answers 250; no parsing, so the server is not the bottleneck."""

    def __init__(self) -> None:
        self.ids: Counter[bytes] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.ids[found.group(1) if found else b"?"] += 1
        return "250 2.0.0 Queued"


def _role_sink(port_file: str) -> None:
    from aiosmtpd.controller import Controller

    handler = _LeanHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    Path(port_file).write_text(str(port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    with handler.lock:
        ours = {k: v for k, v in handler.ids.items() if k.startswith(b"<th-")}
        json.dump(
            {
                "received": sum(ours.values()),
                "distinct": len(ours),
                "twice_or_more": sum(1 for v in ours.values() if v > 1),
                "other": sum(v for k, v in handler.ids.items() if not k.startswith(b"<th-")),
            },
            sys.stdout,
        )


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()


def _role_seed() -> None:
    _django()
    from townhall.core.services.organisations import organisation_create
    from townhall.notifications.models import SenderSetting

    org = organisation_create(
        actor=None, slug="mid-downs", name="Mid Downs District Council", kind="district_council", code="E07000901"
    )
    SenderSetting.objects.create(organisation=org, sender="smtp", email_from="council@mid-downs.example")


def _role_queue(count: int, start: int, rate: float, per_transaction: int, duration: float) -> None:
    """Queue ``count`` emails through ``notification_queue``, ``per_transaction`` per caller transaction,
    at ``rate`` per second (0: as fast as possible), stopping early after ``duration`` seconds (0: never).
    Prints the seconds it took and how many it queued."""
    _django()
    from django.db import transaction

    from townhall.core.models import Organisation
    from townhall.notifications.services import notification_queue

    org = Organisation.objects.get(slug="mid-downs")
    began = time.monotonic()
    i = 0
    while i < count and not (duration and time.monotonic() - began >= duration):
        if rate:
            ahead = began + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        with transaction.atomic():
            for n in range(start + i, start + min(count, i + per_transaction)):
                notification_queue(
                    organisation=org,
                    channel="email",
                    to=f"resident{n}@example.test",
                    subject=f"Your case PL-{n:06d} has been updated",
                    body=f"Dear resident,\n\nYour case PL-{n:06d} has a new update. Sign in to see it.\n",
                    case_reference=f"PL-{n:06d}",
                    kind="case_update",
                )
        i += per_transaction
    print(json.dumps({"seconds": time.monotonic() - began, "count": min(i, count)}))


def _role_backlog(count: int, start: int) -> None:
    """Insert ``count`` queued emails in bulk: the rows and events ``notification_queue`` writes, without its
    one-at-a-time cost (measured separately), so that a large backlog exists for the workers to drain."""
    _django()
    import uuid
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from townhall.core.models import Organisation
    from townhall.notifications.models import Notification, NotificationEvent, Status
    from townhall.notifications.services.outbox import normalise_recipient

    org = Organisation.objects.get(slug="mid-downs")
    for first in range(start, start + count, 2000):
        now = timezone.now()
        with transaction.atomic():
            rows = Notification.objects.bulk_create(
                Notification(
                    organisation=org,
                    channel="email",
                    to=normalise_recipient("email", f"resident{n}@example.test"),
                    subject=f"Your case PL-{n:06d} has been updated",
                    body=f"Dear resident,\n\nYour case PL-{n:06d} has a new update. Sign in to see it.\n",
                    case_reference=f"PL-{n:06d}",
                    kind="case_update",
                    status=Status.CREATED,
                    next_attempt_at=now - timedelta(microseconds=first + 2000 - n),  # in order, as if one by one
                    reference=f"th-{uuid.uuid4().hex}",
                )
                for n in range(first, min(start + count, first + 2000))
            )
            NotificationEvent.objects.bulk_create(
                NotificationEvent(notification=row, occurred_at=now, status=Status.CREATED) for row in rows
            )


def _role_baseline(port: int, count: int, index: int) -> None:
    """Send ``count`` messages over one persistent smtplib connection; prints the seconds it took."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        began = time.monotonic()
        for n in range(count):
            message = (
                "From: council@mid-downs.example\r\n"
                f"To: resident{n}@example.test\r\n"
                f"Subject: Your case PL-{n:06d} has been updated\r\n"
                f"Message-ID: <baseline-{index}-{n}@replies.townhall.localhost>\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                "\r\n"
                f"Dear resident,\r\n\r\nYour case PL-{n:06d} has a new update. Sign in to see it.\r\n"
            )
            smtp.sendmail("council@mid-downs.example", [f"resident{n}@example.test"], message.encode())
        print(json.dumps({"seconds": time.monotonic() - began, "count": count}))


# --- the benchmark ----------------------------------------------------------------------------------------


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _admin_db(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _env(smtp_port: int = 25) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "DEBUG": "0",  # as in production: no query log in the workers
        "CONN_MAX_AGE": "60",  # as in deploy/townhall.env.example: the worker keeps its database connection
        "AXES_ENABLED": "0",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }


def _role(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.email_throughput_bench", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str], timeout: float = 3600) -> Any:
    out, err = process.communicate(timeout=timeout)
    if process.returncode:
        raise RuntimeError(f"{process.args!r} failed ({process.returncode}): {err[-2000:]}")
    return json.loads(out) if out.strip() else None


def _queue(
    env: dict[str, str], count: int, start: int, procs: int, rate: float, per_transaction: int, duration: float = 0
) -> tuple[float, int]:
    """Queue ``count`` messages from ``procs`` processes; returns (seconds, messages queued), the seconds
    measured inside the processes (the slowest one), so that Django's start-up is not counted."""
    share = count // procs
    running = [
        _role(
            "queue",
            "--count",
            str(share if p < procs - 1 else count - share * (procs - 1)),
            "--start",
            str(start + p * share),
            "--rate",
            str(rate / procs),
            "--per-transaction",
            str(per_transaction),
            "--duration",
            str(duration),
            env=env,
        )
        for p in range(procs)
    ]
    results = [_finish(process) for process in running]
    return max(r["seconds"] for r in results), sum(r["count"] for r in results)


def _accepted_count(conn: Any, after_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM notifications_notification WHERE id > %s AND accepted_at IS NOT NULL", (after_id,)
    ).fetchone()
    return int(row[0])


def _wait_accepted(
    conn: Any, after_id: int, count: int, timeout: float, workers: list[subprocess.Popen[bytes]]
) -> float:
    began = time.monotonic()
    while _accepted_count(conn, after_id) < count:
        for worker in workers:
            if worker.poll() is not None:
                raise RuntimeError(f"a worker stopped early (exit code {worker.returncode})")
        if time.monotonic() - began > timeout:
            raise RuntimeError(f"only {_accepted_count(conn, after_id)} of {count} accepted after {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic()


def _latencies(conn: Any, after_id: int) -> dict[str, float]:
    rows = conn.execute(
        "SELECT extract(epoch FROM accepted_at - created_at)::float8 FROM notifications_notification"
        " WHERE id > %s AND accepted_at IS NOT NULL ORDER BY 1",
        (after_id,),
    ).fetchall()
    values = [float(r[0]) for r in rows]
    span = conn.execute(
        "SELECT extract(epoch FROM max(accepted_at) - min(accepted_at))::float8 FROM notifications_notification"
        " WHERE id > %s",
        (after_id,),
    ).fetchone()[0]

    def pct(p: float) -> float:
        return values[min(len(values) - 1, max(0, round(p * len(values)) - 1))]

    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": values[-1],
        "within10": sum(1 for v in values if v <= 10.0) / len(values),
        "span": float(span or 0.0),
    }


def _pg_backends(conn: Any) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database, but not this monitoring connection."""
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (DB_NAME,)
    ).fetchall()
    return [int(pid) for (pid,) in rows]


def _cpu_line(meter: CpuMeter, messages: int) -> str:
    per = {name: seconds / max(messages, 1) * 1000 for name, seconds in meter.used.items()}
    total = sum(per.values())
    cores = os.cpu_count() or 1
    return (
        f"CPU per delivered message over the drain ({messages:,} messages from the first acceptance on; user +"
        f" system from `/proc`): **{per['workers']:.2f} ms in the workers**, {per['smtp']:.2f} ms in the SMTP"
        f" server, {per['database']:.2f} ms in PostgreSQL's backends; {total:.2f} ms in all, so {cores} cores"
        f" could deliver at most {cores / total * 1000:,.0f} messages/s at this cost. (CPU per message is"
        " steadier than the rate on a shared machine.)"
    )


def _scalar(conn: Any, sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def _max_id(conn: Any) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM notifications_notification").fetchone()[0])


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run(quick: bool = False) -> str:
    import psycopg

    count = QUICK_COUNT if quick else FULL_COUNT
    baseline_count = min(count, BASELINE_MAX)
    steady_seconds = QUICK_STEADY_SECONDS if quick else FULL_STEADY_SECONDS
    load_before = _uptime()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    sink: subprocess.Popen[str] | None = None
    workers: list[subprocess.Popen[bytes]] = []
    worker_log = tempfile.TemporaryFile()  # noqa: SIM115  (the workers' stderr, shown if one fails; closed below)
    try:
        env = _env()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True, timeout=600
        )
        _finish(_role("seed", env=env))

        with tempfile.TemporaryDirectory() as tmp:
            port_file = Path(tmp) / "port"
            sink = _role("sink", "--port-file", str(port_file), env=env)
            while not port_file.exists() or not port_file.read_text():
                if sink.poll() is not None:
                    raise RuntimeError(f"SMTP server did not start: {sink.communicate()[1][-2000:]}")
                time.sleep(0.05)
            port = int(port_file.read_text())
        env = _env(port)

        # 1. The backlog: a sample queued through notification_queue (timed: the callers' cost), the rest
        #    inserted in bulk (the same rows), as the service's one-at-a-time queueing is far slower than
        #    delivery here and would make the run hours long.
        sample = min(count, QUEUE_SAMPLE)
        queue_seconds, _ = _queue(env, sample, 0, procs=2, rate=0, per_transaction=500)
        if count > sample:
            _finish(_role("backlog", "--count", str(count - sample), "--start", str(sample), env=env))
        # Table statistics, as autovacuum would gather soon after a bulk load; without them the planner expects a
        # handful of due rows and sorts all of them for every claim.
        _admin_db("ANALYZE notifications_notification")

        with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
            # 2. Drain with two workers.
            began = time.monotonic()
            workers = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "manage.py",
                        "deliver_notifications",
                        "--batch-size",
                        str(BATCH_SIZE),
                        "--threads",
                        str(THREADS),
                        "--worker-id",
                        f"bench-{w}",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=worker_log,
                )
                for w in range(WORKERS)
            ]
            # CPU per message from the first acceptance on (the workers' start-up is not delivery work).
            meter = CpuMeter(
                {
                    "workers": lambda: [w.pid for w in workers],
                    "smtp": lambda: [sink.pid] if sink is not None else [],
                    "database": lambda: _pg_backends(conn),
                }
            )
            _wait_accepted(conn, 0, 1, timeout=600, workers=workers)
            meter.start()
            metered_from = _accepted_count(conn, 0)
            drained = _wait_accepted(conn, 0, count, timeout=3600, workers=workers)
            meter.stop()
            drain_seconds = drained - began
            drain = _latencies(conn, 0)

            # 3. Steady state: queue at a fixed rate, one message per transaction, while the workers run.
            steady_rate = max(10.0, min(STEADY_RATE, round(0.7 * count / max(drain["span"], 0.001), -1)))
            first_id = _max_id(conn)
            steady_queue_seconds, steady_count = _queue(
                env,
                int(steady_rate * steady_seconds),
                count,
                procs=STEADY_QUEUERS,
                rate=steady_rate,
                per_transaction=1,
                duration=steady_seconds,
            )
            _wait_accepted(conn, first_id, steady_count, timeout=600, workers=workers)
            steady = _latencies(conn, first_id)
            statuses: dict[str, int] = dict(
                conn.execute("SELECT status, count(*) FROM notifications_notification GROUP BY status").fetchall()
            )
            attempts = _scalar(conn, "SELECT max(attempts) FROM notifications_notification")

        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        workers = []

        # 4. Baseline: smtplib from two processes, persistent connections, no database.
        began = time.monotonic()
        senders = [
            _role("baseline", "--port", str(port), "--count", str(baseline_count // 2), "--index", str(i), env=env)
            for i in range(2)
        ]
        for process in senders:
            _finish(process)
        baseline_seconds = time.monotonic() - began

        sink.send_signal(signal.SIGTERM)
        received = _finish(sink, timeout=60)
        sink = None
    except Exception:
        worker_log.seek(0)
        sys.stderr.write(worker_log.read()[-4000:].decode(errors="replace"))
        raise
    finally:
        worker_log.close()
        for worker in workers:
            worker.kill()
            worker.wait()
        if sink is not None:
            sink.kill()
            sink.wait()
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")

    total = count + steady_count
    rate = count / max(drain["span"], 0.001)
    baseline = (baseline_count // 2 * 2) / baseline_seconds
    lost = total - received["distinct"]
    met = "met" if rate >= GOAL else "not met"
    queue_row = (
        f"| queueing through `notification_queue` (2 processes, 500 per transaction) | {sample:,}"
        f" | {sample / queue_seconds:,.0f} | | | | |"
    )
    baseline_row = (
        "| baseline: smtplib, 2 processes, persistent connections, no database"
        f" | {baseline_count // 2 * 2:,} | {baseline:,.0f} | | | | |"
    )
    drain_row = (
        f"| drain of that backlog, {WORKERS} workers | {count:,} | **{rate:,.0f}** | {drain['p50']:.1f} s"
        f" | {drain['p95']:.1f} s | {drain['p99']:.1f} s | {drain['within10']:.1%} |"
    )
    steady_row = (
        f"| steady state: queued at {steady_rate:.0f}/s for {steady_seconds} s, one per transaction"
        f" ({STEADY_QUEUERS} processes) | {steady_count:,} | {steady_count / steady_queue_seconds:,.0f} queued"
        f" | {steady['p50'] * 1000:.0f} ms | {steady['p95'] * 1000:.0f} ms | {steady['p99'] * 1000:.0f} ms"
        f" | **{steady['within10']:.2%}** |"
    )
    return f"""## Notifications: email throughput (issue 5)

A backlog of {count:,} emails ({sample:,} queued through `notification_queue`, the rest inserted in bulk as the
same rows, because queueing one at a time is slower than delivery on this machine) delivered by {WORKERS}
`manage.py deliver_notifications` workers (batch {BATCH_SIZE}, `--threads {THREADS}`: {THREADS} delivery loops
in each) on PostgreSQL to an aiosmtpd server on loopback, each in its own process.
Queued = the row's `created_at`; sent = `accepted_at`, committed right after the server's 250.

| phase | messages | messages/s | p50 | p95 | p99 | within 10 s of queued |
|---|---|---|---|---|---|---|
{queue_row}
{drain_row}
{steady_row}
{baseline_row}

{_cpu_line(meter, count - metered_from)}

Delivery rate is {rate / baseline:.0%} of the baseline (the same SMTP server taking messages with no database
and no MIME building). Goal (≥ {GOAL:.0f} messages/s with 2 workers): **{met}** ({rate:,.0f}/s over the
{drain["span"]:.1f} s from the first acceptance to the last; {count / drain_seconds:,.0f}/s over the
{drain_seconds:.1f} s wall clock that includes starting the two worker processes).

The drain's latencies and within-10 s share are those of a {count:,}-message backlog queued before any worker
started: a message waits behind everything queued before it, so most wait longer than 10 s by construction.
The steady-state row is the comparable figure for Notify's "sent within 10 seconds": messages are queued at a
fixed rate ({STEADY_RATE:.0f}/s, or 70% of the measured drain rate if that is lower) while the workers run, so
a message waits only for those queued just before it (an idle worker sleeps the default 1 s between polls).
Slowest steady-state message: {steady["max"]:.2f} s. The queueing processes share the machine with the workers,
so capacity in this phase is lower than in the drain; they queued {steady_count / steady_queue_seconds:,.0f}/s
of the {steady_rate:.0f}/s asked for (each `notification_queue` call is its own transaction).

Checks: {received["distinct"]:,} distinct messages reached the server of {total:,} queued (lost: {lost}),
{received["twice_or_more"]} received more than once; statuses {statuses}; most attempts on one message {attempts}.
Load before the run: `{load_before}`; after: `{_uptime()}`.
"""


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.email_throughput_bench")
    parser.add_argument("role", nargs="?", choices=["sink", "seed", "queue", "backlog", "baseline"])
    parser.add_argument("--duration", type=float, default=0.0)
    parser.add_argument("--port-file", default="")
    parser.add_argument("--port", type=int, default=25)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--per-transaction", type=int, default=1)
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    if args.role == "sink":
        _role_sink(args.port_file)
    elif args.role == "seed":
        _role_seed()
    elif args.role == "queue":
        _role_queue(args.count, args.start, args.rate, args.per_transaction, args.duration)
    elif args.role == "backlog":
        _role_backlog(args.count, args.start)
    elif args.role == "baseline":
        _role_baseline(args.port, args.count, args.index)
    else:  # standalone: python -m bench.email_throughput_bench [--quick] [--write]
        body = run(quick=args.quick)
        print(body)
        if args.write:
            from bench.__main__ import DOC, HEADER, _replace_section

            DOC.write_text(_replace_section(DOC.read_text() if DOC.exists() else HEADER, NAME, body))


if __name__ == "__main__":
    main(sys.argv[1:])
