"""A worker process SIGKILLed in the middle of a batch, then restarted: every message arrives exactly once.

The worker runs ``manage.py deliver_notifications`` in a subprocess against a database of its own and a
real SMTP server in this process that counts what it receives. The receiver does NOT deduplicate by
Message-ID: exactly-once comes from the claim and lease design alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

from .smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _own_database_url(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    import psycopg

    cfg = dj_database_url.parse(base)
    # One per xdist worker: two tests running at once must not drop each other's database.
    name = f"{cfg['NAME']}_killtest{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    admin = f"postgresql://{cfg['USER']}:{cfg.get('PASSWORD') or ''}@{cfg['HOST']}:{cfg['PORT'] or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def worker_db(tmp_path: Path) -> Iterator[str]:
    yield from _own_database_url(tmp_path)


def harness(db_url: str, *args: str, wait: bool = True) -> Any:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "tests.notifications.worker_harness", *args]
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_worker_killed_mid_batch_then_restarted_delivers_each_message_exactly_once(worker_db: str) -> None:
    sink = SmtpSink().start()
    try:
        count = 12
        harness(worker_db, "migrate")
        harness(worker_db, "seed", "--count", str(count))
        sink.handler.rcpt_delay = 0.15
        port = str(sink.port)
        loops = ("--threads", "1")
        worker = harness(worker_db, "work", "--smtp-port", port, "--lease", "2", *loops, wait=False)
        deadline = time.monotonic() + 60
        # Kill while the worker is in the middle of an SMTP conversation, after a few messages went through.
        while len(sink.handler.messages) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        sink.handler.in_rcpt.clear()
        assert sink.handler.in_rcpt.wait(10)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        delivered_before_restart = len(sink.handler.messages)
        assert 4 <= delivered_before_restart < count

        report = json.loads(harness(worker_db, "report"))
        abandoned = [r for r in report if r["status"] == "sending" and r["accepted_at"] == "None"]
        assert len(abandoned) >= 1  # the row the worker held when it died, plus the rest of its batch

        sink.handler.rcpt_delay = 0
        harness(worker_db, "work", "--smtp-port", port, "--lease", "2", "--deadline", "60", *loops)
        counts = sink.handler.message_ids()
        assert len(counts) == count
        assert set(counts.values()) == {1}, counts
        report = json.loads(harness(worker_db, "report"))
        assert {r["status"] for r in report} == {"delivered"}
        assert max(r["attempts"] for r in report) == 2  # the interrupted rows were taken a second time
    finally:
        sink.stop()


def test_delivery_threads_share_the_outbox_and_send_each_message_once(worker_db: str) -> None:
    """``deliver_notifications --threads 4`` with small batches: four loops claim from the same outbox at once,
    each with its own database and SMTP connection, and every message arrives exactly once."""
    sink = SmtpSink().start()
    try:
        count = 40
        harness(worker_db, "migrate")
        harness(worker_db, "seed", "--count", str(count))
        sink.handler.rcpt_delay = 0.05  # so the loops' conversations overlap, even on a busy machine
        harness(worker_db, "work", "--smtp-port", str(sink.port), "--threads", "4", "--batch-size", "3")
        counts = sink.handler.message_ids()
        assert len(counts) == count
        assert set(counts.values()) == {1}, counts
        report = json.loads(harness(worker_db, "report"))
        assert {r["status"] for r in report} == {"delivered"}
        assert {r["attempts"] for r in report} == {1}
        # The loops really ran side by side: several of their SMTP conversations were waiting on us at once.
        assert sink.handler.most_at_once >= 2
    finally:
        sink.stop()


def test_worker_killed_while_notify_holds_its_request_never_duplicates(worker_db: str) -> None:
    """Notify stored the message but the worker died before hearing back: the restarted worker asks Notify for
    the reference and adopts the message instead of sending it again."""
    from .fake_notify import FakeNotifyServer

    notify = FakeNotifyServer().start()
    try:
        count = 10
        harness(worker_db, "migrate")
        harness(worker_db, "seed", "--count", str(count), "--notify-url", notify.base_url)
        notify.pass_next(3)
        notify.hang_next(1, 4, after_store=True)  # the 4th request is stored, then never answered
        worker = harness(worker_db, "work", "--lease", "2", "--deadline", "60", wait=False)
        deadline = time.monotonic() + 30
        while len(notify.state.notifications) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(notify.state.notifications) == 4
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

        notify.state.faults.clear()
        harness(worker_db, "work", "--lease", "2", "--deadline", "60")
        references = notify.state.references()
        assert len(references) == count and len(set(references)) == count  # each once, nothing lost
        report = json.loads(harness(worker_db, "report"))
        assert {r["status"] for r in report} == {"sending"}  # accepted by Notify, awaiting receipts
        assert all(r["accepted_at"] != "None" for r in report)
    finally:
        notify.stop()
