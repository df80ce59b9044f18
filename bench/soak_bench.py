"""Fault soak (issue 9, point 4): residents submit at a steady rate while the platform is hurt, then nothing
may be lost or sent twice.

Everything is real and on loopback, each part in its own process:

* a private, throwaway PostgreSQL cluster (``initdb`` into a temporary directory, its own port; never the
  shared server on 5432, which CI and other benchmarks use), created and deleted by the soak;
* the document store (``DOCUMENT_ROOT``) on a small tmpfs mounted for the run;
* the web server (``deploy/web.py``) with production settings, one ``db_worker`` task worker and one
  ``deliver_notifications`` worker, kept running as the systemd units' ``Restart=always`` would (an exit is
  restarted, and counted);
* an SMTP server (aiosmtpd) that records every Message-ID it receives;
* residents (a client process, raw HTTP/1.1): missed-bin reports through ``POST /api/v1/submissions`` at a
  steady rate, each with its own ``Idempotency-Key``, retried with the same key on a connection error,
  timeout or 5xx until a reference comes back; and, every few seconds, a Blue Badge application through
  the pages, uploading a photo (the only way residents send files), retrying a step that failed.

Faults, at fixed times while the load runs: ``kill -9`` of the task worker and then of the delivery
worker while it holds claimed messages (both restarted a few seconds later); PostgreSQL stopped in
immediate mode (a crash: the start replays WAL) and started again after a few seconds; the document
store filled to ENOSPC for a while, then freed.

Afterwards the soak waits for the outbox to drain and checks: every reference a resident was shown
exists as a submission and a case, every notification was accepted by the SMTP server exactly once (by
Message-ID), every uploaded photo of an acknowledged application is in the store, and
``manage.py audit_verify`` passes. Lost and duplicated must both be 0, or the section says FAILED.

Subprocess roles: ``python -m bench.soak_bench sink|residents ...`` (only through ``run()``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import ChecksFailed
from bench.journeys_bench import (
    _TOKEN,
    _Clock,
    _Connection,
    _env,
    _free_port,
    _logged_errors,
    _prepare,
    _production_ready,
    _Resident,
    _Results,
    _Server,
    missed_bin_body,
    stop_process,
)

NAME = "soak"
ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/local/bin")
DB_NAME = "townhall_soak"
API_RATE = 5.0  # missed-bin reports started per second: well below what this shared 2-core machine serves
JOURNEY_EVERY = 3.0  # seconds between Blue Badge applications started through the pages
STORE_SIZE = "8m"  # the document store's tmpfs
RELAY_DELAY = 0.05  # seconds the SMTP server takes to answer MAIL FROM, as a relay across a network would
GIVE_UP_AFTER = 240.0  # a resident retries for this long before giving up
REFUSED_TEXT = b"The selected file could not be saved just now"
REFERENCE = re.compile(rb'class="townhall-reference">([^<]+)<')
# Settings the soak changes from their defaults, so that recovery fits in minutes (said in the report).
SOAK_SETTINGS = {
    "NOTIFICATIONS_LEASE_SECONDS": "20",  # default 120: how soon a killed worker's claims are taken again
    "NOTIFICATIONS_BACKOFF_BASE_SECONDS": "2",  # default 30: first retry of a message whose send failed
    "NOTIFICATIONS_BACKOFF_CAP_SECONDS": "10",
}


@dataclass(frozen=True)
class _Plan:
    """When each fault happens, in seconds from the start of the load."""

    load: float
    kill_at: float
    worker_down: float
    postgres_at: float
    postgres_down: float
    fill_at: float
    fill_for: float
    drain_timeout: float


FULL = _Plan(
    load=180, kill_at=30, worker_down=5, postgres_at=75, postgres_down=5, fill_at=120, fill_for=15, drain_timeout=240
)
QUICK = _Plan(
    load=60, kill_at=8, worker_down=4, postgres_at=20, postgres_down=4, fill_at=42, fill_for=10, drain_timeout=180
)


# --------------------------------------------------------------------------------------------------
# Subprocess roles: the SMTP sink and the residents.
# --------------------------------------------------------------------------------------------------


def _role_sink(port_file: str, out: str, relay_delay: float = RELAY_DELAY) -> None:
    """An SMTP server counting messages by Message-ID; on SIGTERM writes {Message-ID: times received}."""
    from aiosmtpd.controller import Controller

    from bench.email_throughput_bench import _LeanHandler

    class _Relay(_LeanHandler):
        """Answers MAIL FROM after a relay's round trip, so a worker's batch takes long enough to kill part-way."""

        async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
            if relay_delay:
                await asyncio.sleep(relay_delay)
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            return "250 OK"

    handler = _Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    Path(port_file).write_text(str(controller.port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    with handler.lock:
        Path(out).write_text(json.dumps({k.decode(errors="replace"): v for k, v in handler.ids.items()}))


def _png(side: int = 48) -> bytes:
    """A real PNG of random pixels (a few kilobytes, incompressible), as a resident's photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "soak" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def _backoff(tries: int) -> None:
    await asyncio.sleep(min(0.5 * 2 ** (tries - 1), 5.0))


async def _submit(n: int, port: int, key: str, run_id: str) -> dict[str, Any]:
    """One missed-bin report, retried with the same Idempotency-Key until a reference comes back."""
    record: dict[str, Any] = {"started": time.time(), "tries": [], "reference": None}
    headers = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Forwarded-Proto": "https",
        "Idempotency-Key": f"soak-{run_id}-{n}",
    }
    body = missed_bin_body(f"soak{n}@example.test")
    while time.time() - record["started"] < GIVE_UP_AFTER:
        conn = _Connection(port)
        try:
            status, _, content = await asyncio.wait_for(conn.request("POST", "/api/v1/submissions", headers, body), 20)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            status, content = 0, type(exc).__name__.encode()
        finally:
            await conn.close()
        record["tries"].append([time.time(), status])
        if status in (200, 201):
            record["reference"] = json.loads(content)["reference"]
            return record
        if 400 <= status < 500 and status != 429:
            record["refused"] = content[:300].decode(errors="replace")
            return record
        await _backoff(len(record["tries"]))
    return record


class _Applicant(_Resident):
    """A resident applying for a Blue Badge through the pages, retrying any step that fails."""

    def __init__(self, port: int) -> None:
        super().__init__(_Connection(port), _Clock(0, 1e9), _Results())
        self.record: dict[str, Any] = {
            "started": time.time(),
            "failures": [],
            "refusals": [],
            "uploads": [],
            "reference": None,
        }

    async def step(self, action: Any) -> Any:
        while True:
            try:
                return await asyncio.wait_for(action(), 20)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, RuntimeError) as exc:
                if isinstance(exc, RuntimeError) and "HTTP 5" not in str(exc):
                    raise  # a page refused the answers: a bug in this client, not a fault to ride out
                self.record["failures"].append([time.time(), f"{type(exc).__name__}: {str(exc)[:120]}"])
                await self.conn.close()
                if time.time() - self.record["started"] > GIVE_UP_AFTER:
                    raise
                await _backoff(min(len(self.record["failures"]), 4))

    async def fill(self, path: str, fields: dict[str, Any]) -> str:
        async def once() -> str:
            return await self.post(path, await self.get(path), fields)

        return str(await self.step(once))

    async def upload(self, path: str, photo: bytes) -> str:
        """POST the photo page; a refusal ("could not be saved") is counted and tried again, as a resident would."""

        async def once() -> str:
            page = await self.get(path)
            token = _TOKEN.search(page)
            if token is None:
                raise RuntimeError(f"no CSRF token on {path}")
            fields = {"csrfmiddlewaretoken": token.group(1).decode(), "has_old_badge": "no"}
            body, kind = _multipart(fields, "photo", "photo.png", photo)
            headers = {**self._headers(), "Content-Type": kind, "Origin": self.origin, "Referer": self.origin + path}
            status, response_headers, content = await self.conn.request("POST", path, headers, body)
            self.record["uploads"].append([time.time(), status])
            self._remember(response_headers)
            if status == 302:
                return dict(response_headers)["location"]
            if status == 200 and REFUSED_TEXT in content:
                self.record["refusals"].append(time.time())
                raise _Refused
            raise RuntimeError(f"upload: HTTP {status}")

        while True:
            try:
                return str(await self.step(once))
            except _Refused:
                await asyncio.sleep(2.0)

    async def apply(self, n: int, photo: bytes) -> dict[str, Any]:
        base = "/services/downshire/blue-badge/"
        try:
            await self.step(lambda: self.get(base))
            about = await self.step(lambda: self._start(base))
            benefits = await self.fill(about, _about_you(n))
            walking = await self.fill(benefits, {"benefit": "none"})
            photo_page = await self.fill(walking, {"walking_difficulty": "pain", "walking_distance": "under_50m"})
            check = await self.upload(photo_page, photo)
            done = await self.fill(check, {"declaration": "yes"})
            page = await self.step(lambda: self.get(done))
            found = REFERENCE.search(page)
            self.record["reference"] = found.group(1).decode().strip() if found else None
        except Exception as exc:  # gave up: reported, never counted as acknowledged
            self.record["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            await self.conn.close()
        return self.record

    async def _start(self, base: str) -> str:
        return await self.post(base, await self.get(base), {})


class _Refused(Exception):
    pass


def _about_you(n: int) -> dict[str, str]:
    return {
        "full_name": f"Soak Resident {n}",
        "date_of_birth-day": "17",
        "date_of_birth-month": "5",
        "date_of_birth-year": "1950",
        "postcode": "MD1 1AB",
        "home_address-line1": "1 Meadow Lane",
        "home_address-line2": "",
        "home_address-town": "Marlow Downs",
        "home_address-postcode": "MD1 1AB",
        "email": f"badge{n}@example.test",
    }


async def _residents(port: int, key: str, seconds: float, run_id: str) -> dict[str, Any]:
    began = time.time()
    photo = _png()
    every = max(1, round(API_RATE * JOURNEY_EVERY))
    api: list[asyncio.Task[dict[str, Any]]] = []
    pages: list[asyncio.Task[dict[str, Any]]] = []
    n = 0
    while time.time() < began + seconds:
        api.append(asyncio.create_task(_submit(n, port, key, run_id)))
        if n % every == 0:
            pages.append(asyncio.create_task(_Applicant(port).apply(n, photo)))
        n += 1
        await asyncio.sleep(max(0.0, began + n / API_RATE - time.time()))
    return {"began": began, "api": await asyncio.gather(*api), "pages": await asyncio.gather(*pages)}


def _role_residents(port: int, key: str, seconds: float, out: str) -> None:
    found = asyncio.run(_residents(port, key, seconds, os.urandom(4).hex()))
    Path(out).write_text(json.dumps(found))


# --------------------------------------------------------------------------------------------------
# The parts the soak hurts: a private PostgreSQL, the document store, supervised workers.
# --------------------------------------------------------------------------------------------------


class _Cluster:
    """A throwaway PostgreSQL cluster on loopback, on its own port, in a temporary directory."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="townhall-soak-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            shutil.chown(self.root, "postgres")
        self._as_owner(PG_BIN / "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.start()
        self.admin(f"CREATE DATABASE {DB_NAME}")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def _as_owner(self, *command: Any) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._as_owner(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.root / "postgres.log", "-w", *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "start")

    def stop(self, mode: str) -> None:
        self._ctl("-m", mode, "stop")

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"postgres://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop("fast")
        shutil.rmtree(self.root, ignore_errors=True)


class _DocumentStore:
    """``DOCUMENT_ROOT`` on a tmpfs of its own, so that filling it fills nothing else."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={STORE_SIZE}", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        self.mounted = done.returncode == 0
        self.why_not = done.stderr.strip()
        self.filler = path / "filler.bin"

    def fill(self) -> int:
        """Write until the store says ENOSPC; returns the bytes written."""
        written = 0
        chunk = b"\0" * 65536
        with self.filler.open("wb", buffering=0) as out:
            try:
                while True:
                    written += out.write(chunk) or 0
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
        return written

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)
            self.mounted = False


class _Supervised:
    """A worker process restarted whenever it exits, as ``Restart=always`` in deploy/systemd does."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log = log.open("ab")
        self.exits: list[int] = []  # exit codes of exits the soak did not cause
        self.held_until = 0.0
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "manage.py", *self.args]
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self, down_for: float) -> None:
        """``kill -9``, and stay down for ``down_for`` seconds."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.held_until = time.monotonic() + down_for

    def ensure(self) -> None:
        if self.process.poll() is None or time.monotonic() < self.held_until:
            return
        if self.held_until == 0.0:
            self.exits.append(self.process.returncode)
        self.held_until = 0.0
        self.process = self._spawn()

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


# --------------------------------------------------------------------------------------------------
# The orchestrator.
# --------------------------------------------------------------------------------------------------


@dataclass
class _Fault:
    name: str
    start: float  # time.time()
    end: float = 0.0
    detail: str = ""


@dataclass
class _Rig:
    cluster: _Cluster
    store: _DocumentStore
    env: dict[str, str]
    workers: dict[str, _Supervised] = field(default_factory=dict)
    faults: list[_Fault] = field(default_factory=list)
    server_log: Path = Path("/dev/null")
    refusals_before: int = 0

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.cluster.url, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def ensure_workers(self) -> None:
        for worker in self.workers.values():
            worker.ensure()


_CLAIMED = "SELECT count(*) FROM notifications_notification WHERE status = 'sending' AND claimed_by = 'soak-1'"


def _kill_workers(rig: _Rig, plan: _Plan) -> None:
    """kill -9 the task worker, then the delivery worker once it holds claimed messages (mid-batch)."""
    import psycopg

    fault = _Fault("kill -9 `db_worker`, then `deliver_notifications` mid-batch", time.time())
    rig.workers["db_worker"].kill(plan.worker_down)
    with psycopg.connect(rig.cluster.url, autocommit=True) as conn:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not conn.execute(_CLAIMED).fetchone()[0]:  # type: ignore[index]
            time.sleep(0.01)
        rig.workers["deliver_notifications"].kill(plan.worker_down)
        abandoned = conn.execute(_CLAIMED).fetchone()[0]  # type: ignore[index]
    fault.end = time.time() + plan.worker_down
    fault.detail = (
        f"the delivery worker was killed holding {abandoned} claimed message(s), taken again after the lease;"
        f" both workers back after {plan.worker_down:.0f} s"
    )
    rig.faults.append(fault)


def _restart_postgres(rig: _Rig, plan: _Plan) -> None:
    fault = _Fault("PostgreSQL stopped (`-m immediate`, a crash) and started again", time.time())
    rig.cluster.stop("immediate")
    time.sleep(plan.postgres_down)
    rig.cluster.start()  # replays WAL from the last checkpoint
    fault.end = time.time()
    fault.detail = f"down {fault.end - fault.start:.1f} s; WAL replayed on start"
    rig.faults.append(fault)


def _refusals_logged(rig: _Rig) -> int:
    """Uploads the server refused because the store could not take them (its own warning, one per refusal)."""
    return rig.server_log.read_text(errors="replace").count("The document store could not take")  # core.storage


def _fill_store(rig: _Rig) -> None:
    fault = _Fault("document store full (ENOSPC)", time.time())
    written = rig.store.fill()
    fault.detail = f"filled with {written / 1024 / 1024:.1f} MB until ENOSPC"
    rig.faults.append(fault)
    rig.refusals_before = _refusals_logged(rig)


def _free_store(rig: _Rig) -> float | None:
    """Free the store once it has been full ``fill_for`` seconds and refused an upload (or after 60 s)."""
    fault = rig.faults[-1]
    if _refusals_logged(rig) == rig.refusals_before and time.time() - fault.start < 60:
        return 1.0  # no resident has reached the upload yet: stay full a little longer
    rig.store.free()
    fault.end = time.time()
    fault.detail += f", kept full {fault.end - fault.start:.0f} s, then freed"
    return None


def _schedule(rig: _Rig, plan: _Plan) -> list[tuple[float, Any]]:
    steps: list[tuple[float, Any]] = [
        (plan.kill_at, lambda: _kill_workers(rig, plan)),
        (plan.postgres_at, lambda: _restart_postgres(rig, plan)),
    ]
    if rig.store.mounted:
        steps += [
            (plan.fill_at, lambda: _fill_store(rig)),
            (plan.fill_at + plan.fill_for, lambda: _free_store(rig)),
        ]
    return steps


def _drive(rig: _Rig, plan: _Plan, port: int, key: str, out: Path) -> dict[str, Any]:
    """Start the residents, apply each fault at its time, keep the workers up; the residents' results."""
    command = [sys.executable, "-m", "bench.soak_bench", "residents", "--port", str(port), "--key", key]
    command += ["--seconds", str(plan.load), "--out", str(out)]
    log = out.with_suffix(".log").open("w")
    client = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    began, steps = time.monotonic(), _schedule(rig, plan)
    try:
        while client.poll() is None:
            while steps and time.monotonic() - began >= steps[0][0]:
                action = steps.pop(0)[1]
                again = action()  # a step may ask to run again some seconds later
                if again:
                    steps = sorted([*steps, (time.monotonic() - began + again, action)], key=lambda step: step[0])
            rig.ensure_workers()
            time.sleep(0.2)
            if time.monotonic() - began > plan.load + GIVE_UP_AFTER + 60:
                raise RuntimeError("the residents did not finish")
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
        log.close()
        if rig.store.filler.exists():  # the load ended while the store was still full
            rig.store.free()
            rig.faults[-1].end = time.time()
    if client.returncode:
        raise RuntimeError(f"the residents failed: {out.with_suffix('.log').read_text()[-2000:]}")
    found: dict[str, Any] = json.loads(out.read_text())
    return found


def _drain(rig: _Rig, timeout: float) -> float:
    """Wait until no message is waiting or being sent; returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        rig.ensure_workers()
        pending = rig.query("SELECT count(*) FROM notifications_notification WHERE status IN ('created', 'sending')")
        if not pending[0][0]:
            break
        time.sleep(0.5)
    return time.monotonic() - began


def _start_sink(workdir: Path, relay_delay: float = RELAY_DELAY) -> tuple[subprocess.Popen[bytes], int]:
    """The SMTP sink in its own process; ``relay_delay`` seconds before it answers MAIL FROM."""
    port_file = workdir / "sink.port"
    command = [sys.executable, "-m", "bench.soak_bench", "sink", "--port-file", str(port_file)]
    command += ["--out", str(workdir / "sink.json"), "--relay-delay", str(relay_delay)]
    sink = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE)
    while not port_file.exists() or not port_file.read_text():
        if sink.poll() is not None:
            said = sink.stderr.read()[-2000:].decode(errors="replace") if sink.stderr else ""
            raise RuntimeError(f"the SMTP server did not start: {said}")
        time.sleep(0.05)
    return sink, int(port_file.read_text())


def _stop_sink(sink: subprocess.Popen[bytes], workdir: Path) -> dict[str, int]:
    sink.send_signal(signal.SIGTERM)
    sink.wait(timeout=60)
    found: dict[str, int] = json.loads((workdir / "sink.json").read_text())
    return found


def _audit_verify(env: dict[str, str]) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ""


# --------------------------------------------------------------------------------------------------
# Checks and the report.
# --------------------------------------------------------------------------------------------------


@dataclass
class _Checks:
    submitted: int
    acknowledged: int
    recovered: int
    refused_clear: int
    gave_up: list[str]
    missing: list[str]  # acknowledged references with no submission or no case
    without_notification: list[str]
    notifications: dict[str, int]
    not_received: int
    duplicated: int
    files_missing: int
    files_checked: int
    audit_ok: bool
    audit_line: str
    server_errors_in_fill: int

    @property
    def lost(self) -> int:
        return len(self.missing) + len(self.without_notification) + self.not_received + self.files_missing


def _acknowledged(residents: dict[str, Any]) -> tuple[list[str], list[str]]:
    api = [r["reference"] for r in residents["api"] if r["reference"]]
    pages = [r["reference"] for r in residents["pages"] if r["reference"]]
    return api, pages


def _check(rig: _Rig, residents: dict[str, Any], received: dict[str, int], audit: tuple[bool, str]) -> _Checks:
    api_refs, page_refs = _acknowledged(residents)
    refs = api_refs + page_refs
    submissions = {r[0] for r in rig.query("SELECT reference FROM journeys_submission WHERE reference = ANY(%s)", refs)}
    cases = {r[0] for r in rig.query("SELECT reference FROM cases_case WHERE reference = ANY(%s)", refs)}
    notified = {r[0] for r in rig.query("SELECT DISTINCT case_reference FROM notifications_notification")}
    rows = rig.query("SELECT reference, status FROM notifications_notification")
    by_reference: dict[str, int] = {}
    for message_id, times in received.items():
        local = message_id.strip("<>").split("@", 1)[0]
        by_reference[local] = by_reference.get(local, 0) + times
    statuses: dict[str, int] = {}
    for _, status in rows:
        statuses[status] = statuses.get(status, 0) + 1
    files = rig.query(
        "SELECT u.file FROM journeys_upload u JOIN journeys_submission s ON s.session_id = u.session_id"
        " WHERE s.reference = ANY(%s)",
        page_refs,
    )
    fill = next((f for f in rig.faults if f.name.startswith("document store")), None)
    fill_errors = [
        t
        for r in residents["pages"]
        for t, why in r["failures"]
        if fill and fill.start <= t <= fill.end and "HTTP 5" in why
    ]
    api_recovered = sum(1 for r in residents["api"] if r["reference"] and len(r["tries"]) > 1)
    page_recovered = sum(1 for r in residents["pages"] if r["reference"] and (r["failures"] or r["refusals"]))
    return _Checks(
        submitted=len(residents["api"]) + len(residents["pages"]),
        acknowledged=len(refs),
        recovered=api_recovered + page_recovered,
        refused_clear=sum(len(r["refusals"]) for r in residents["pages"]),
        gave_up=[
            r.get("refused") or r.get("error") or "no reference"
            for r in residents["api"] + residents["pages"]
            if not r["reference"]
        ],
        missing=[ref for ref in refs if ref not in submissions or ref not in cases],
        without_notification=[ref for ref in refs if ref not in notified],
        notifications={"queued": len(rows), **statuses},
        not_received=sum(1 for reference, _ in rows if by_reference.get(reference, 0) == 0),
        duplicated=sum(1 for times in received.values() if times > 1),
        files_missing=sum(1 for (name,) in files if not (rig.store.path / name).is_file()),
        files_checked=len(files),
        audit_ok=audit[0],
        audit_line=audit[1],
        server_errors_in_fill=len(fill_errors),
    )


def _outage(fault: _Fault, until: float, residents: dict[str, Any]) -> str:
    """API failures from a fault until ``until``: how many tries failed, and from the first failure to the next
    success."""
    tries = sorted((t, status) for r in residents["api"] for t, status in r["tries"])
    window = [(t, s) for t, s in tries if fault.start - 1 <= t <= until]
    failed = [t for t, s in window if s not in (200, 201)]
    if not failed:
        return "no API request failed"
    back = next((t for t, s in window if t > failed[-1] and s in (200, 201)), failed[-1])
    return f"{len(failed)} API tries failed; unavailable {back - failed[0]:.1f} s (first failure → next success)"


def _timeline(rig: _Rig, began: float, residents: dict[str, Any]) -> str:
    lines = ["| at | fault | what happened | API while it lasted |", "|---|---|---|---|"]
    for fault, after in zip(rig.faults, [*rig.faults[1:], None], strict=True):
        until = min((fault.end or fault.start) + 30, after.start - 1 if after else float("inf"))
        lines.append(
            f"| {fault.start - began:.0f} s–{(fault.end or fault.start) - began:.0f} s | {fault.name} | {fault.detail}"
            f" | {_outage(fault, until, residents)} |"
        )
    return "\n".join(lines)


def _report(plan: _Plan, rig: _Rig, checks: _Checks, residents: dict[str, Any], extra: dict[str, Any]) -> str:
    ok = checks.lost == 0 and checks.duplicated == 0 and checks.audit_ok and checks.server_errors_in_fill == 0
    verdict = "**PASSED**" if ok else "**FAILED**"
    pages = len(residents["pages"])
    restarts = {name: w.exits for name, w in rig.workers.items() if w.exits}
    store_note = (
        f"The document store was a {STORE_SIZE.upper()}B tmpfs; residents upload a photo on the Blue Badge pages,"
        " the only way residents send files."
        if rig.store.mounted
        else f"**The disk-fill fault was not run**: mounting a tmpfs failed (`{rig.store.why_not}`)."
    )
    gave_up = (
        f" Gave up or refused: {len(checks.gave_up)} (first: `{checks.gave_up[0][:160]}`)." if checks.gave_up else ""
    )
    audit = f"{'verified' if checks.audit_ok else '**BROKEN**'} (`{checks.audit_line}`)"
    settings_note = ", ".join(f"`{k}={v}`" for k, v in SOAK_SETTINGS.items())
    return f"""## Fault soak: submissions while workers, PostgreSQL and the document store fail (issue 9)

{verdict}. `make soak` ({plan.load:.0f} s of load{", quick" if extra["quick"] else ""}): residents sent missed-bin
reports through `POST /api/v1/submissions` at {API_RATE:.0f}/s, each with its own `Idempotency-Key` and retried
with the same key after a connection error, timeout or 5xx, and started a Blue Badge application through the pages
every {JOURNEY_EVERY:.0f} s ({pages} in all), uploading a photo. Server: `deploy/web.py` (Granian) with production
settings, one `db_worker`, one `deliver_notifications`, email by SMTP to an aiosmtpd server that counts
Message-IDs, on a private PostgreSQL 15 cluster on loopback (initdb'd for the run, not the shared server). {store_note}
Changed from the defaults so recovery fits the run: {settings_note}.

| figure | count |
|---|---|
| submitted (submissions and applications started) | {checks.submitted:,} |
| acknowledged (a reference was shown) | {checks.acknowledged:,} |
| recovered (acknowledged after at least one failed try) | {checks.recovered:,} |
| refused with a clear error (photo uploads while the store was full; never a 5xx) | {checks.refused_clear:,} |
| 5xx on the pages while the store was full | {checks.server_errors_in_fill} |
| **lost** (must be 0) | **{checks.lost}** |
| **duplicated** (Message-IDs received more than once; must be 0) | **{checks.duplicated}** |
| notifications queued / by status | {checks.notifications["queued"]:,} / {_statuses(checks.notifications)} |
| Message-IDs received by the SMTP server | {extra["received"]:,} |

Lost counts acknowledged references without a submission or case ({len(checks.missing)}), without any
notification ({len(checks.without_notification)}), notifications the SMTP server never received
({checks.not_received}) and photos of acknowledged applications missing from the store
({checks.files_missing} of {checks.files_checked}).{gave_up} Audit chain: {audit}.
Outbox drained {extra["drain"]:.1f} s after the load stopped. Worker exits the soak did not cause (restarted at
once, as `Restart=always`): {restarts or "none"}. The server logged {extra["server_errors"]} error(s)
{extra["first_error"]}.

{_timeline(rig, residents["began"], residents)}
"""


def _statuses(found: dict[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in found.items() if k != "queued") or "none"


def _start_workers(rig: _Rig, workdir: Path) -> None:
    rig.workers["db_worker"] = _Supervised(
        "db_worker", ["db_worker", "--queue-name", "*", "--interval", "0.5"], rig.env, workdir / "db_worker.log"
    )
    rig.workers["deliver_notifications"] = _Supervised(
        "deliver_notifications", ["deliver_notifications", "--worker-id", "soak-1"], rig.env, workdir / "deliver.log"
    )


def _soak(plan: _Plan, workdir: Path, cluster: _Cluster, store: _DocumentStore, quick: bool) -> str:
    sink, smtp_port = _start_sink(workdir)
    extra_env = {
        "DOCUMENT_ROOT": str(store.path),
        "NOTIFICATIONS_DEFAULT_SENDER": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
        **SOAK_SETTINGS,
    }
    var_dir = workdir / "var"
    var_dir.mkdir()
    rig = _Rig(cluster, store, {**_env(var_dir, cluster.url, production=True), **extra_env})
    server: _Server | None = None
    try:
        key = _prepare({**_env(var_dir, cluster.url, production=False), **extra_env})
        _production_ready(var_dir, rig.env)
        rig.server_log = workdir / "web.log"
        server = _Server(rig.env, rig.server_log)
        _start_workers(rig, workdir)
        residents = _drive(rig, plan, server.port, key, workdir / "residents.json")
        drain = _drain(rig, plan.drain_timeout)
        audit = _audit_verify(rig.env)
    finally:
        for worker in rig.workers.values():
            worker.stop()
        if server is not None:
            server.stop()
        received = _stop_sink(sink, workdir) if sink.poll() is None else {}
    checks = _check(rig, residents, received, audit)
    errors = _logged_errors(str(workdir / "web.log"))
    first = f"; first: `{errors[0][:200]}`" if errors else ""
    extra = {
        "quick": quick,
        "drain": drain,
        "received": len(received),
        "server_errors": len(errors),
        "first_error": first,
    }
    return _report(plan, rig, checks, residents, extra)


def run(quick: bool = False) -> str:
    plan = QUICK if quick else FULL
    workdir = Path(tempfile.mkdtemp(prefix="townhall-soak-"))
    cluster: _Cluster | None = None
    store: _DocumentStore | None = None
    try:
        cluster = _Cluster()
        store = _DocumentStore(workdir / "documents")
        body = _soak(plan, workdir, cluster, store, quick)
    finally:
        if store is not None:
            store.unmount()
        if cluster is not None:
            cluster.destroy()
        if os.environ.get("SOAK_KEEP"):
            print(f"soak: kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if "**FAILED**" in body:
        raise ChecksFailed(body)
    return body


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak_bench")
    parser.add_argument("role", nargs="?", choices=["sink", "residents"])
    parser.add_argument("--port-file", default="")
    parser.add_argument("--out", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key", default="")
    parser.add_argument("--seconds", type=float, default=0.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--relay-delay", type=float, default=RELAY_DELAY)
    args = parser.parse_args(argv)
    if args.role == "sink":
        _role_sink(args.port_file, args.out, args.relay_delay)
    elif args.role == "residents":
        _role_residents(args.port, args.key, args.seconds, args.out)
    else:
        print(run(quick=args.quick))


if __name__ == "__main__":
    main(sys.argv[1:])
