"""Journeys under load: residents reporting a missed bin through the pages and through the API (issue 3).

For each engine (SQLite, then PostgreSQL when it answers at 127.0.0.1:5432) the benchmark makes a fresh
database, migrates it, loads the demo and issues an API key, then starts the real server (``deploy/web.py``,
``DJANGO_ENV=production``, ``DEBUG`` off, hashed static files) on a free loopback port. A separate client
process (asyncio on uvloop, raw HTTP/1.1 with keep-alive, no Django) drives it with 50 concurrent residents:

* API: each client POSTs complete missed-bin answers to ``/api/v1/submissions`` with its own
  ``Idempotency-Key``, one after another, as fast as the server answers.
* Pages: each client walks the journey as a resident's browser would, with its own cookies: the start
  page, each question page (GET, then POST with the CSRF token), check your answers, Submit, and the
  confirmation page; twelve requests a journey.

Each is run twice: as fast as the server answers (its capacity, and the CPU each costs), then at the
load the goals describe (see ``THINK_SECONDS``): the API clients paced to offer 300 submissions a second
between them, latency counted from when each was due; the residents pausing about a second before each
request.

The client speaks as a TLS-terminating proxy would (``X-Forwarded-Proto: https``), so the production
settings (secure cookies, SSL redirect, CSRF origin check) apply unchanged.

The baseline, measured in the same run on the same database with the same 50-way concurrency before
the server starts, is the engine's raw single-row ``INSERT`` + ``COMMIT`` rate from 50 threads, each with
its own connection: psycopg on PostgreSQL; sqlite3 in WAL mode with ``synchronous=NORMAL``, a busy
timeout and ``BEGIN IMMEDIATE`` on SQLite, as the app's settings have it.

Run ``python -m bench.journeys_bench client ...`` only through ``run()``: that is the client process.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import uvloop

from bench.cpu import CpuMeter, children, machine, named, stolen

NAME = "journeys"

ROOT = Path(__file__).resolve().parent.parent
ORG, SERVICE = "mid-downs", "report-missed-bin"
CONCURRENCY = 50


def _web_defaults() -> dict[str, Any]:
    """What ``deploy/web.py`` (the production web server) runs with when the environment sets nothing."""
    spec = importlib.util.spec_from_file_location("townhall_deploy_web", ROOT / "deploy" / "web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.server_settings({}))


# The server runs as production runs it: deploy/web.py (Granian, ADR 0020) with its defaults, one worker
# process for each core with two threads each. Chosen by sweeping processes × threads with this benchmark.
_DEFAULTS = _web_defaults()
WORKERS, THREADS = _DEFAULTS["workers"], _DEFAULTS["blocking_threads"]
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "townhall_bench_journeys"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/7"  # a database of its own, emptied before each run
RAMP_SECONDS = 1.0  # of a measured run, while its clients connect: counted in CPU, not in rates or latencies

GOALS = {"api_rate": 300.0, "api_p95_ms": 150.0, "page_p95_ms": 50.0}
# Little's law: 50 clients that each wait for an answer before sending again, at 300 submissions a second,
# wait 50 / 300 = 167 ms on average, so "300/s with p95 ≤ 150 ms" can only describe an offered load: the
# goals are judged with the API clients paced to offer 300/s, and the page clients pausing as residents do.
# A resident reads a page and answers its question in tens of seconds; one second is far quicker than any
# does, and 50 of them at that pace report a missed bin about 4 times a second, thousands of times the
# busiest council's rate. Both are also run as fast as the server answers, which gives its capacity.
THINK_SECONDS = 1.0
REQUESTS_A_JOURNEY = 12  # start, 3 question pages (GET + POST each), check your answers, Submit, confirmation
API_PATH = "/api/v1/submissions"
START_PAGE = f"/services/{ORG}/{SERVICE}/"


# --------------------------------------------------------------------------------------------------
# The client process: raw HTTP/1.1 over asyncio streams, keep-alive, no Django.
# --------------------------------------------------------------------------------------------------


class _Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if body or method == "POST":
            head += f"Content-Length: {len(body)}\r\n"
        raw = head.encode() + b"\r\n" + body
        for attempt in (0, 1):
            reused = self.writer is not None
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                await self.writer.drain()
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before a response")
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt or not reused:  # only a stale kept-alive connection is worth one retry
                    raise
        assert self.reader is not None
        reader = self.reader
        status = int(status_line.split()[1])
        response_headers: list[tuple[str, str]] = []
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if found.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readline()
            content = b"".join(chunks)
        elif "content-length" in found:
            content = await reader.readexactly(int(found["content-length"]))
        elif status in (204, 304) or method == "HEAD":
            content = b""
        else:
            content = await reader.read()
            await self.close()
        if found.get("connection", "").lower() == "close":
            await self.close()
        return status, response_headers, content


@dataclass
class _Results:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # label → seconds, in the window
    completed: int = 0  # submissions (API) or whole journeys (pages) finished in the window
    journey_seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    all_requests: int = 0  # every response, warm-up included (for CPU per request)
    all_completed: int = 0  # every submission or journey finished, warm-up included
    answered_in_window: int = 0  # API submissions whose answer arrived inside the window, whenever sent
    timeline: list[tuple[float, float]] = field(default_factory=list)  # paced: (due, from window start; latency)


class _Clock:
    def __init__(self, warmup: float, seconds: float) -> None:
        self.began = time.perf_counter()
        self.start = self.began + warmup
        self.end = self.start + seconds

    def inside(self, began: float, due: float | None = None) -> bool:
        """Began in the window and answered before it closed; or, paced, was due in the window."""
        if due is not None:
            return self.start <= due < self.end
        return self.start <= began and time.perf_counter() <= self.end


async def _timed(
    conn: _Connection,
    clock: _Clock,
    results: _Results,
    label: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    due: float | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request, its latency kept if it began inside the measured window. ``due`` is when a paced
    client meant to send it: latency then counts from that moment, so a request held back behind a slow
    one is not measured as if it had been sent on time (no coordinated omission)."""
    began = time.perf_counter() if due is None else due
    response = await conn.request(method, path, headers, body)
    results.all_requests += 1
    if clock.inside(began, due):
        latency = time.perf_counter() - began
        results.latencies.setdefault(label, []).append(latency)
        results.requests += 1
        if due is not None:
            results.timeline.append((round(due - clock.start, 4), round(latency, 5)))
    return response


def _collection_day() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def missed_bin_body(email: str) -> bytes:
    """A complete missed-bin report for ``POST /api/v1/submissions``."""
    answers = {
        "postcode": "MD1 1AB",
        "address": {"line1": "1 Meadow Lane", "town": "Marlow Downs", "postcode": "MD1 1AB"},
        "bin_type": "general",
        "collection_date": _collection_day(),
        "bin_out_by_7am": True,
        "details": "By the front gate",
        "email": email,
    }
    return json.dumps({"service": SERVICE, "answers": answers}).encode()


async def _api_client(
    n: int, port: int, key: str, clock: _Clock, results: _Results, rate: float, path: str = API_PATH
) -> None:
    """Submit one complete report after another: as fast as the server answers (``rate`` 0), or paced so
    that the clients together offer ``rate`` submissions a second, each client on its own schedule."""
    conn = _Connection(port)
    # Paced: client n is due at began + (n + k × clients) / rate, so every window holds exactly rate × seconds.
    interval = CONCURRENCY / rate if rate else 0.0
    due = clock.began + n / rate - interval if rate else None
    base = {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-Forwarded-Proto": "https",
    }
    i = 0
    # Paced, every submission due in the window is sent, even when the server has fallen behind and the
    # window has closed: one left unsent would be a submission the load never offered.
    while due is not None or time.perf_counter() < clock.end:
        i += 1
        body = missed_bin_body(f"resident{n}.{i}@example.test")
        headers = {**base, "Idempotency-Key": f"bench-{os.getpid()}-{n}-{i}-{secrets.token_hex(4)}"}
        if due is not None:
            due += interval
            if due >= clock.end:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        began = time.perf_counter()
        try:
            status, _, content = await _timed(conn, clock, results, "api", "POST", path, headers, body, due=due)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            results.errors.append(f"api: {type(exc).__name__}: {exc}")
            await conn.close()
            continue
        if status != 201:
            results.errors.append(f"api: HTTP {status}: {content[:200]!r}")
            continue
        results.all_completed += 1
        if clock.inside(began, due):
            results.completed += 1
        if clock.start <= time.perf_counter() < clock.end:
            results.answered_in_window += 1
    await conn.close()


_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class _Resident:
    """One resident's browser: a cookie jar and a kept-alive connection."""

    def __init__(
        self, conn: _Connection, clock: _Clock, results: _Results, pause: Callable[[], float] = lambda: 0.0
    ) -> None:
        self.conn, self.clock, self.results, self.pause = conn, clock, results, pause
        self.cookies: dict[str, str] = {}
        self.origin = f"https://127.0.0.1:{conn.port}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/html", "Accept-Language": "en", "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _remember(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                cookie, _, content = pair.partition("=")
                if content and content != '""':
                    self.cookies[cookie.strip()] = content.strip()
                else:
                    self.cookies.pop(cookie.strip(), None)

    async def _pause(self) -> None:
        """A paced resident reads the page, or answers its question, before the next request."""
        if (seconds := self.pause()) > 0:
            await asyncio.sleep(seconds)

    async def get(self, path: str) -> bytes:
        await self._pause()
        status, headers, content = await _timed(
            self.conn, self.clock, self.results, "page", "GET", path, self._headers()
        )
        self._remember(headers)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return content

    async def post(self, path: str, page: bytes, fields: dict[str, str], label: str = "page") -> str:
        token = _TOKEN.search(page)
        if token is None:
            raise RuntimeError(f"no CSRF token on {path}")
        from urllib.parse import urlencode

        body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), **fields}).encode()
        await self._pause()
        headers = {
            **self._headers(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        status, response_headers, content = await _timed(
            self.conn, self.clock, self.results, label, "POST", path, headers, body
        )
        self._remember(response_headers)
        if status != 302:
            raise RuntimeError(f"POST {path}: HTTP {status}: {content[:300]!r}")
        return dict(response_headers)["location"]


async def _page_client(n: int, port: int, clock: _Clock, results: _Results, think: float) -> None:
    """Walk the journey again and again, pausing about ``think`` seconds before each request (0: none).

    The pauses vary (half to one and a half times ``think``) and the residents start at different moments,
    as people do, so they do not all arrive in the same instant."""
    conn = _Connection(port)
    chance = random.Random(n)

    def pause() -> float:
        return think * chance.uniform(0.5, 1.5)

    await asyncio.sleep(think * chance.random())
    base = f"/services/{ORG}/{SERVICE}/"
    day = date.today() - timedelta(days=1)
    i = 0
    while time.perf_counter() < clock.end:
        i += 1
        resident = _Resident(conn, clock, results, pause)
        began = time.perf_counter()
        try:
            start = await resident.get(base)
            where = await resident.post(base, start, {})
            page = await resident.get(where)
            which = await resident.post(
                where,
                page,
                {
                    "postcode": "MD1 1AB",
                    "address-uprn": "100090000001",
                    "address-line1": "1 Meadow Lane",
                    "address-line2": "",
                    "address-town": "Marlow Downs",
                    "address-postcode": "MD1 1AB",
                },
            )
            page = await resident.get(which)
            more = await resident.post(
                which,
                page,
                {
                    "bin_type": "general",
                    "collection_date-day": str(day.day),
                    "collection_date-month": str(day.month),
                    "collection_date-year": str(day.year),
                    "bin_out_by_7am": "yes",
                },
            )
            page = await resident.get(more)
            check = await resident.post(
                more, page, {"details": "By the front gate", "email": f"resident{n}.{i}@example.test"}
            )
            if not check.endswith("/check-answers/"):
                raise RuntimeError(f"expected check answers, went to {check}")
            page = await resident.get(check)
            confirmation = await resident.post(check, page, {"declaration": "yes"}, label="submit")
            await resident.get(confirmation)
        except (OSError, asyncio.IncompleteReadError, ValueError, RuntimeError, KeyError) as exc:
            results.errors.append(f"pages: {type(exc).__name__}: {exc}")
            await conn.close()
            continue
        results.all_completed += 1
        if clock.inside(began):
            results.completed += 1
            results.journey_seconds.append(time.perf_counter() - began)
    await conn.close()


async def _drive(
    mode: str,
    ports: list[int],
    key: str,
    warmup: float,
    seconds: float,
    concurrency: int,
    pace: float = 0.0,
    path: str = API_PATH,
) -> dict[str, Any]:
    """Client ``n`` talks to ``ports[n % len(ports)]``: several servers share the clients round-robin, as a
    load balancer would spread them. ``pace`` is the API's offered rate, or a resident's think time."""
    clock = _Clock(warmup, seconds)
    results = _Results()
    if mode == "api":
        clients = [_api_client(n, ports[n % len(ports)], key, clock, results, pace, path) for n in range(concurrency)]
    else:
        clients = [_page_client(n, ports[n % len(ports)], clock, results, pace) for n in range(concurrency)]
    await asyncio.gather(*clients)
    return {
        "seconds": seconds,
        "completed": results.completed,
        "requests": results.requests,
        "latencies": results.latencies,
        "journey_seconds": results.journey_seconds,
        "errors": len(results.errors),
        "first_errors": results.errors[:5],
        "all_requests": results.all_requests,
        "all_completed": results.all_completed,
        "answered_in_window": results.answered_in_window,
        "timeline": results.timeline,
        "window_start": clock.start,  # time.perf_counter(), the same clock in every process (monotonic)
        "cpu_seconds": time.process_time(),  # the client's own CPU, warm-up included
    }


def client_main(argv: list[str]) -> None:
    mode, ports, key, warmup, seconds, concurrency, pace, *path = argv  # ports: one, or several separated by commas
    # uvloop's event loop: the load generator shares the 2 cores it measures, and costs a quarter less on it.
    found = uvloop.run(
        _drive(
            mode,
            [int(p) for p in ports.split(",")],
            key,
            float(warmup),
            float(seconds),
            int(concurrency),
            float(pace),
            path[0] if path else API_PATH,
        )
    )
    sys.stdout.write(json.dumps(found))


# --------------------------------------------------------------------------------------------------
# The orchestrator: databases, the server, the baseline, the report.
# --------------------------------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(var_dir: Path, database_url: str, *, production: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "DEBUG", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="townhall.settings",
        TOWNHALL_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        DATABASE_URL=database_url,
        SECRET_KEY="bench-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    if production:
        # Persistent connections, as a production deployment sets them (docs/operations.md: CONN_MAX_AGE).
        env.update(DJANGO_ENV="production", DEBUG="0", CONN_MAX_AGE="60")
        # Rate limits stay on (their counters cost round trips too), raised so 50 residents behind one
        # loopback address are not refused as one abusive client would be. The counters live in Redis, as
        # docs/operations.md advises for production, when one answers here; else in the database cache.
        env.update(RATELIMIT_API_IP="1000000/m", RATELIMIT_API_KEY="1000000/m", RATELIMIT_RESIDENT_POST="1000000/m")
        if _empty_bench_redis():
            env["REDIS_URL"] = REDIS_URL
    return env


def _empty_bench_redis() -> bool:
    """Empty the benchmark's own Redis database; False if no Redis answers (the counters then stay in PostgreSQL)."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()  # the benchmark's own database
        return True
    except Exception:
        return False


def counter_store(env: dict[str, str]) -> str:
    return "Redis" if env.get("REDIS_URL") else "the database cache"


def counter_processes(env: dict[str, str]) -> Callable[[], list[int]]:
    """The machine's Redis server when the counters live there (its CPU is the server's too), else none."""
    return (lambda: named("redis-server")) if env.get("REDIS_URL") else list


# The process groups whose CPU a submission costs, in the report's order ("client" is the load generator).
CPU_GROUPS = ("web", "database", "counters", "client")


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


_ISSUE_KEY = """
import django
django.setup()
from townhall.core.models import Membership, Organisation
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
org = Organisation.objects.get(slug=%r)
admin = Membership.objects.filter(organisation=org, role="organisation_admin").first().user
_key, secret = api_key_create(actor=admin, organisation=org, name="journeys bench", scopes=[Role.CASEWORKER])
print(secret)
"""


def _prepare(env: dict[str, str]) -> str:
    """Migrate, load the demo, issue an API key; returns its secret."""
    _manage(env, "migrate", "--no-input")
    _manage(env, "demo_load")
    done = subprocess.run(
        [sys.executable, "-c", _ISSUE_KEY % ORG], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"issuing an API key failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


class _Server:
    """The production web server, ``deploy/web.py`` (Granian), on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path, workers: int | None = None, ready: str = START_PAGE) -> None:
        self.ready = ready  # a page that answers 200 once the server is up
        self.port = _free_port()
        self.log = log.open("w")
        env = {**env, "WEB_BIND": f"127.0.0.1:{self.port}"}
        if workers is not None:
            env["WEB_CONCURRENCY"] = str(workers)
        command = [sys.executable, str(ROOT / "deploy" / "web.py")]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        request = f"GET {self.ready} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        request += "Connection: close\r\n\r\n"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the web server exited with {self.process.returncode}; see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.sendall(request.encode())
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the web server did not answer within 60 s")

    def stop(self) -> None:
        stop_process(self.process)
        self.log.close()


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """End ``process`` if it still runs: SIGTERM, and SIGKILL if it has not exited within 30 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drive_from_client(
    port: int | list[int],
    mode: str,
    key: str,
    warmup: float,
    seconds: float,
    pace: float = 0.0,
    path: str = API_PATH,
) -> dict[str, Any]:
    """Run the client process against one server's port, or spread over several."""
    ports = ",".join(str(p) for p in (port if isinstance(port, list) else [port]))
    numbers = [str(warmup), str(seconds), str(CONCURRENCY), str(pace), path]
    done = subprocess.run(
        [sys.executable, "-m", "bench.journeys_bench", "client", mode, ports, key, *numbers],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=warmup + seconds + 120,
    )
    if done.returncode:
        raise RuntimeError(f"client failed: {done.stderr[-2000:]}")
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _raw_rate(insert_one: Any, connect: Any, seconds: float) -> float:
    """Single-row INSERT + COMMIT from CONCURRENCY threads, each on its own connection; commits a second."""
    counts = [0] * CONCURRENCY
    errors: list[BaseException] = []
    ready = threading.Barrier(CONCURRENCY + 1)
    stop = threading.Event()

    def worker(n: int) -> None:
        try:
            conn = connect()
        except BaseException as exc:
            errors.append(exc)
            ready.abort()
            return
        try:
            ready.wait()
            while not stop.is_set():
                insert_one(conn, n)
                counts[n] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENCY)]
    for t in threads:
        t.start()
    ready.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    total = sum(counts)
    elapsed = time.perf_counter() - began
    stop.set()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"raw INSERT baseline failed: {errors[0]!r}")
    return total / elapsed


def _raw_sqlite(path: Path, seconds: float) -> float:
    import sqlite3

    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER PRIMARY KEY, payload TEXT, created_at TEXT)")
    setup.commit()
    setup.close()

    def connect() -> Any:
        conn = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def insert_one(conn: Any, n: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO bench_raw (payload, created_at) VALUES (?, datetime('now'))", (f"resident {n} missed bin",)
        )
        conn.execute("COMMIT")

    return _raw_rate(insert_one, connect, seconds)


def _raw_postgres(url: str, seconds: float) -> float:
    import psycopg

    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute(
            "CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, payload text, created_at timestamptz)"
        )

    def connect() -> Any:
        return psycopg.connect(url)

    def insert_one(conn: Any, n: int) -> None:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO bench_raw (payload, created_at) VALUES (%s, now())", (f"resident {n} missed bin",))
        conn.commit()

    return _raw_rate(insert_one, connect, seconds)


def _postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_database(create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')


@dataclass
class _Figures:
    engine: str
    raw_rate: float
    api: dict[str, Any]  # as fast as the server answers: capacity
    pages: dict[str, Any]
    api_paced: dict[str, Any]  # at the goals' load
    pages_paced: dict[str, Any]
    counters: str = ""
    server_errors: list[str] = field(default_factory=list)

    @staticmethod
    def rate(phase: dict[str, Any]) -> float:
        """Submissions (API) or whole journeys (pages) finished a second."""
        return float(phase["completed"]) / float(phase["seconds"])

    @staticmethod
    def ms(phase: dict[str, Any], p: float, *labels: str) -> float:
        found = phase["latencies"]
        return _pct([x for label in labels for x in found.get(label, [])], p)

    @property
    def api_rate(self) -> float:
        return self.rate(self.api)

    @property
    def journey_rate(self) -> float:
        return self.rate(self.pages)

    def api_ms(self, p: float) -> float:
        return self.ms(self.api, p, "api")

    def page_ms(self, p: float) -> float:
        return self.ms(self.pages, p, "page", "submit")

    def submit_ms(self, p: float) -> float:
        return self.ms(self.pages, p, "submit")

    def cpu_ms(self, phase: dict[str, Any], group: str, per: str) -> float:
        """CPU milliseconds a group of processes spent per submission (``per="all_completed"``) or request."""
        return 1000 * float(phase["cpu"][group]) / max(1, int(phase[per]))


class _Watch:
    """What else the machine and the database were doing, second by second, while a paced run ran: the
    machine's busy and stolen CPU (from /proc/stat), PostgreSQL's autovacuum workers and checkpoints."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _database(self, conn: Any) -> tuple[list[str], int]:
        if conn is None:
            return [], 0
        vacuuming = conn.execute(
            "SELECT coalesce(c.relname, a.query) FROM pg_stat_activity a LEFT JOIN pg_stat_progress_vacuum v "
            "ON v.pid = a.pid LEFT JOIN pg_class c ON c.oid = v.relid WHERE a.backend_type = 'autovacuum worker'"
        ).fetchall()
        checkpoints = conn.execute("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter").fetchone()
        return [str(name) for (name,) in vacuuming], int(checkpoints[0]) if checkpoints else 0

    def _run(self) -> None:
        import psycopg

        conn = psycopg.connect(self.database_url, autocommit=True) if self.database_url else None
        try:
            while True:
                busy, every = machine()
                vacuuming, checkpoints = self._database(conn)
                self.samples.append(
                    {
                        "at": time.perf_counter(),
                        "busy": busy,
                        "all": every,
                        "stolen": stolen(),
                        "vacuuming": vacuuming,
                        "checkpoints": checkpoints,
                    }
                )
                if self._stop.wait(0.5):
                    return
        finally:
            if conn is not None:
                conn.close()


def _by_second(phase: dict[str, Any], samples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The paced run second by second: submissions due, their p95, and what the machine and database did."""
    start = float(phase["window_start"])
    seconds: list[dict[str, Any]] = []
    for n in range(int(float(phase["seconds"]))):
        latencies = [latency for due, latency in phase["timeline"] if n <= due < n + 1]
        inside = [s for s in samples if start + n <= s["at"] <= start + n + 1.5]
        first, last = (inside[0], inside[-1]) if len(inside) > 1 else (None, None)
        spent = (last["all"] - first["all"]) if first and last else 0.0
        seconds.append(
            {
                "second": n,
                "due": len(latencies),
                "p95_ms": _pct(latencies, 95) if latencies else 0.0,
                "busy": (last["busy"] - first["busy"]) / spent if first and last and spent else 0.0,
                "stolen": (last["stolen"] - first["stolen"]) / spent if first and last and spent else 0.0,
                "vacuuming": sorted({name for s in inside for name in s["vacuuming"]}),
                "checkpoint": bool(first and last and last["checkpoints"] > first["checkpoints"]),
            }
        )
    return seconds


def _measure(engine: str, workdir: Path, database_url: str, *, warmup: float, seconds: float, raw_seconds: float):  # type: ignore[no-untyped-def]
    var_dir = workdir / engine
    var_dir.mkdir()
    key = _prepare(_env(var_dir, database_url, production=False))
    if engine == "sqlite":
        raw = _raw_sqlite(var_dir / "townhall.sqlite3", raw_seconds)
    else:
        raw = _raw_postgres(database_url, raw_seconds)
    prod = _env(var_dir, database_url, production=True)
    _production_ready(var_dir, prod)
    server = _Server(prod, workdir / f"web-{engine}.log")
    meter = CpuMeter(
        {
            "web": lambda: [server.process.pid, *children(server.process.pid)],
            "database": _pg_backends if engine == "postgresql" else list,  # SQLite works inside the web processes
            "counters": counter_processes(prod),
        }
    )
    try:
        phases = {}
        for mode in ("api", "pages"):
            # Warm-up in a client run of its own, so the CPU measured next is the steady state's, not every
            # worker process's first parse of the definitions, CEL programs and templates.
            _drive_from_client(server.port, mode, key, 0.0, warmup)
            meter.start()
            phases[mode] = _drive_from_client(server.port, mode, key, RAMP_SECONDS, seconds)
            meter.stop()
            phases[mode]["cpu"] = {**meter.used, "client": phases[mode]["cpu_seconds"]}
        # Then at the goals' load: the API offered its goal rate, residents pausing between pages.
        with _Watch(database_url if engine == "postgresql" else None) as watch:
            phases["api_paced"] = _drive_from_client(server.port, "api", key, RAMP_SECONDS, seconds, GOALS["api_rate"])
        phases["api_paced"]["by_second"] = _by_second(phases["api_paced"], watch.samples)
        phases["pages_paced"] = _drive_from_client(server.port, "pages", key, RAMP_SECONDS, seconds, THINK_SECONDS)
    finally:
        server.stop()
    return _Figures(
        engine=engine,
        raw_rate=raw,
        api=phases["api"],
        pages=phases["pages"],
        api_paced=phases["api_paced"],
        pages_paced=phases["pages_paced"],
        counters=counter_store(prod),
        server_errors=_logged_errors(server.log.name),
    )


def _pg_backends() -> list[int]:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (PG_BENCH_DB,)).fetchall()
    return [int(pid) for (pid,) in rows]


def _production_ready(var_dir: Path, prod: dict[str, str]) -> None:
    """What a production deployment does before it serves: hashed static files and the cache table."""
    # townhall.css refers to dist/images/govuk-crest.svg, which the front-end build leaves out (Townhall
    # may not use the crest), and the hashed storage refuses a missing reference. A blank stand-in already
    # in STATIC_ROOT lets collectstatic finish; it never appears on a page.
    crest = var_dir / "static" / "dist" / "images" / "govuk-crest.svg"
    crest.parent.mkdir(parents=True, exist_ok=True)
    crest.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    _manage(prod, "collectstatic", "--no-input")
    _manage(prod, "createcachetable")  # production keeps rate-limit counters in the database cache


def _logged_errors(path: str) -> list[str]:
    """The server's own error lines (JSON log records at ERROR), so a 500 in the report has its cause."""
    found = []
    for line in Path(path).read_text(errors="replace").splitlines():
        if '"level": "ERROR"' in line:
            try:
                record = json.loads(line)
            except ValueError:
                found.append(line[:300])
                continue
            cause = str(record.get("exc_info") or record.get("exception") or "").strip().splitlines()
            found.append(f"{record.get('message', '')} {cause[-1] if cause else ''}"[:300])
    return found


def _mark(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _table(f: _Figures) -> str:
    api_errors, page_errors = f.api["errors"], f.pages["errors"]
    served = len(f.pages["latencies"].get("page", [])) + len(f.pages["latencies"].get("submit", []))
    paced, seconds = f.pages_paced["requests"], float(f.pages_paced["seconds"])
    lines = [
        f"### {'PostgreSQL' if f.engine == 'postgresql' else 'SQLite'}",
        "",
        "| | submissions/s | p50 ms | p95 ms | p99 ms | ratio to raw INSERT+COMMIT | errors |",
        "|---|---|---|---|---|---|---|",
        f"| API: `POST /api/v1/submissions` | {f.api_rate:,.0f} | {f.api_ms(50):.0f} | {f.api_ms(95):.0f} "
        f"| {f.api_ms(99):.0f} | {f.api_rate / f.raw_rate:.3f} | {api_errors} |",
        f"| Pages: every request of a journey | {f.journey_rate:,.1f} | {f.page_ms(50):.0f} | {f.page_ms(95):.0f} "
        f"| {f.page_ms(99):.0f} | {f.journey_rate / f.raw_rate:.3f} | {page_errors} |",
        f"| Pages: the Submit POST alone | | {f.submit_ms(50):.0f} | {f.submit_ms(95):.0f} "
        f"| {f.submit_ms(99):.0f} | | |",
        _paced_row(f"API offered {GOALS['api_rate']:.0f}/s", f, f.api_paced, "api"),
        _paced_row(
            f"Pages, residents pausing about {THINK_SECONDS:.0f} s", f, f.pages_paced, "page", "submit", rate=False
        ),
        f"| raw single-row INSERT+COMMIT (baseline) | {f.raw_rate:,.0f} | | | | 1 | |",
        "",
        f"Page requests served: {served:,} ({served / f.pages['seconds']:,.0f}/s); a whole journey"
        f" ({REQUESTS_A_JOURNEY} requests) took {_pct(f.pages['journey_seconds'], 50):.0f} ms at the median."
        f" Residents pausing about {THINK_SECONDS:.0f} s before each request made {paced:,} page requests"
        f" ({paced / seconds:,.0f}/s); at that pace a journey takes about {REQUESTS_A_JOURNEY * THINK_SECONDS:.0f} s,"
        f" so few fit whole in a run. Rate-limit counters: {f.counters}.",
        "",
        _cpu_table(f),
    ]
    for name, found in (("API", f.api), ("pages", f.pages), ("paced API", f.api_paced), ("paced pages", f.pages_paced)):
        if found["errors"]:
            lines.append(f"First {name} errors: " + "; ".join(f"`{e[:160]}`" for e in found["first_errors"]))
    if f.server_errors:
        distinct = list(dict.fromkeys(f.server_errors))[:3]
        lines.append(
            f"The server logged {len(f.server_errors)} error(s): " + "; ".join(f"`{e[:200]}`" for e in distinct)
        )
    return "\n".join(lines)


def _paced_row(label: str, f: _Figures, phase: dict[str, Any], *labels: str, rate: bool = True) -> str:
    """A run at the goals' load. Paced residents finish too few whole journeys in a run to show a rate."""
    done = f"{f.rate(phase):,.1f} | " if rate else " | "
    ratio = f"{f.rate(phase) / f.raw_rate:.3f}" if rate else ""
    return (
        f"| {label} | {done}{f.ms(phase, 50, *labels):.0f} | {f.ms(phase, 95, *labels):.0f} "
        f"| {f.ms(phase, 99, *labels):.0f} | {ratio} | {phase['errors']} |"
    )


def _cpu_table(f: _Figures) -> str:
    """CPU per submission and per page request, and the rate the machine's cores allow at that cost."""
    cores = os.cpu_count() or 1
    rows = [
        "| CPU (measured runs) | web processes | database | rate-limit counters | load generator | all "
        "| most the cores allow |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, phase, per, unit in (
        ("per API submission", f.api, "all_completed", "submissions/s"),
        ("per page request", f.pages, "all_requests", "requests/s"),
    ):
        parts = [f.cpu_ms(phase, group, per) for group in CPU_GROUPS]
        total = sum(parts)
        database = "in the web processes" if f.engine == "sqlite" else f"{parts[1]:.1f} ms"
        rows.append(
            f"| {label} | {parts[0]:.1f} ms | {database} | {parts[2]:.1f} ms | {parts[3]:.1f} ms | {total:.1f} ms "
            f"| {cores * 1000 / total:,.0f} {unit} on {cores} cores |"
        )
    return "\n".join(rows)


def _goals(f: _Figures) -> str:
    """The goals, judged at the load they describe (see THINK_SECONDS), beside the server's capacity."""
    rate, api_p95 = f.rate(f.api_paced), f.ms(f.api_paced, 95, "api")
    page_p95 = f.ms(f.pages_paced, 95, "page", "submit")
    due = round(GOALS["api_rate"] * float(f.api_paced["seconds"]))
    arrived = f.api_paced.get("answered_in_window", 0) / float(f.api_paced["seconds"])
    served = (
        f"{rate:,.1f}: {f.api_paced['completed']:,} of the {due:,} due in {f.api_paced['seconds']:.0f} s answered "
        f"(201), {arrived:,.1f}/s of answers arriving inside it"
    )
    return f"""| goal (PostgreSQL, 50 clients) | measured at the goals' load | as fast as the server answers | |
|---|---|---|---|
| API submissions/s ≥ {GOALS["api_rate"]:.0f} | {served} | {f.api_rate:,.0f} \
| {_mark(f.api_paced["completed"] >= due)} |
| API p95 ≤ {GOALS["api_p95_ms"]:.0f} ms | {api_p95:.0f} ms | {f.api_ms(95):.0f} ms \
| {_mark(api_p95 <= GOALS["api_p95_ms"])} |
| journey page p95 ≤ {GOALS["page_p95_ms"]:.0f} ms | {page_p95:.0f} ms (residents pausing {THINK_SECONDS:.0f} s) \
| {f.page_ms(95):.0f} ms | {_mark(page_p95 <= GOALS["page_p95_ms"])} |

{_budget(f)}

{_seconds_table(f)}"""


def _seconds_table(f: _Figures) -> str:
    """The paced API run's slowest seconds beside what else the machine and the database were doing."""
    by_second = f.api_paced.get("by_second") or []
    if not by_second:
        return ""
    slowest = sorted(by_second, key=lambda s: s["p95_ms"], reverse=True)[:3]
    over = sum(1 for s in by_second if s["p95_ms"] > GOALS["api_p95_ms"])
    vacuumed = sorted({name for s in by_second for name in s["vacuuming"]})
    checkpoints = sum(1 for s in by_second if s["checkpoint"])
    stolen = sum(s["stolen"] for s in by_second) / len(by_second)
    rows = [
        "| second of the paced run | submissions due | their p95 | machine busy | of it stolen | autovacuum "
        "| checkpoint |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(slowest, key=lambda s: s["second"]):
        rows.append(
            f"| {s['second'] + 1} | {s['due']} | {s['p95_ms']:.0f} ms | {100 * s['busy']:.0f}% "
            f"| {100 * s['stolen']:.0f}% | {', '.join(s['vacuuming']) or 'no'} | {'yes' if s['checkpoint'] else 'no'} |"
        )
    return (
        f"The paced API run second by second: {over} of its {len(by_second)} seconds had a p95 over "
        f"{GOALS['api_p95_ms']:.0f} ms; the hypervisor took {100 * stolen:.0f}% of the machine's time for other "
        f"machines; autovacuum worked on {', '.join(vacuumed) or 'nothing'}; checkpoints began in {checkpoints} "
        "second(s). Its three slowest seconds:\n\n" + "\n".join(rows)
    )


def _budget(f: _Figures) -> str:
    """What the measured CPU cost says about the rate goal: the cores are the bound, not the database."""
    cores = os.cpu_count() or 1
    spent = sum(f.cpu_ms(f.api, group, "all_completed") for group in CPU_GROUPS)
    allowed = cores * 1000 / GOALS["api_rate"]
    return (
        f"Every submission cost {spent:.1f} ms of CPU in all (web processes, PostgreSQL, Redis and the load "
        "generator), "
        f"so {cores} cores serve at most {cores * 1000 / spent:,.0f} a second; {GOALS['api_rate']:.0f} a second "
        f"needs {allowed:.1f} ms or less, before any headroom for p95. The database's own INSERT+COMMIT "
        f"rate ({f.raw_rate:,.0f}/s) is not the bound."
    )


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run(quick: bool = False) -> str:
    seconds, warmup, raw_seconds = (3.0, 3.0, 2.0) if quick else (20.0, 8.0, 8.0)
    workdir = Path(tempfile.mkdtemp(prefix="townhall-bench-journeys-"))
    figures: list[_Figures] = []
    notes: list[str] = []
    load_before = _load()
    try:
        figures.append(
            _measure(
                "sqlite",
                workdir,
                f"sqlite:///{workdir / 'sqlite' / 'townhall.sqlite3'}",
                warmup=warmup,
                seconds=seconds,
                raw_seconds=raw_seconds,
            )
        )
        if _postgres_available():
            _pg_database(create=True)
            try:
                figures.append(
                    _measure("postgresql", workdir, PG_URL, warmup=warmup, seconds=seconds, raw_seconds=raw_seconds)
                )
            finally:
                _pg_database(create=False)
        else:
            notes.append("PostgreSQL did not answer at 127.0.0.1:5432, so only SQLite was measured.")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    load_after = _load()
    pg = next((f for f in figures if f.engine == "postgresql"), None)
    goals = _goals(pg) if pg else "Goals are set for PostgreSQL, which was not measured."
    tables = "\n\n".join(_table(f) for f in figures)
    return f"""## Journeys: residents reporting a missed bin under load (issue 3)

{CONCURRENCY} concurrent residents on loopback, each a client with its own keep-alive connection in a
separate process, against the real server as production runs it (`deploy/web.py`): Granian, {WORKERS} worker
processes × {THREADS} threads,
`DJANGO_ENV=production` (`DEBUG` off), `CONN_MAX_AGE=60`, behind a pretend TLS proxy. API clients POST
complete answers with an `Idempotency-Key`; page clients walk start → 3 question pages (GET + POST with
the CSRF token) → check your answers → Submit → confirmation, {REQUESTS_A_JOURNEY} requests a journey, with their own
cookies. Each phase runs {seconds:.0f} s, after a warm-up run of {warmup:.0f} s and {RAMP_SECONDS:.0f} s while the
clients connect; CPU is read from `/proc` for the web server's processes, the PostgreSQL backends and the
client over the measured run, and divided by what it finished. Every submission is one
transaction (submission, case, rules, audit events, outbox). The baseline is the database's own
single-row INSERT+COMMIT from {CONCURRENCY} threads with their own connections, measured in the same run
before the server starts (SQLite: WAL, `synchronous=NORMAL`, `BEGIN IMMEDIATE`, as the app runs it).
The client shares the machine's cores with the server and the database; the 1-minute load average was
{load_before} before and {load_after} after the run.

{goals}

{tables}
{chr(10).join(notes)}"""


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_main(sys.argv[2:])
    else:
        print(run(quick="--quick" in sys.argv))
