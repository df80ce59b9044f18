"""The floor under an API submission: what each layer of ``POST /api/v1/submissions`` costs (issue 3).

The journeys benchmark finds a submission's CPU cost well over the goal's budget (2 cores ÷ 300 a second =
6.7 ms of CPU for the web processes, PostgreSQL and the load generator together). This benchmark says where
that cost sits, by serving endpoints that each do a little more of the submission's work, on the same
server, database, load and measurement as the journeys benchmark:

1. ``bare``: a Django view that answers at once, with no middleware. The framework and the web server alone.
2. ``middleware``: the same view behind the platform's middleware (rate limits counted in Redis included).
3. ``authenticated``: a django-ninja endpoint that checks the API key and parses the submission's body.
4. ``validated``: and checks the answers by the journey's rules, as the submission does.
5. ``four-rows``: and writes the four rows the issue names (case, submission, audit event, outbox row) in
   one transaction through the ORM, and nothing more: no case rules or event history, no audit hash chain,
   no reference retry, no idempotency.
6. ``submission``: the real endpoint.

Each rung runs on a fresh web server (``deploy/web.py``; ``bench/floor_site`` adds the rungs' URLs to the
platform's own; the first rung's server also drops the middleware), is warmed up, then driven by 50 clients
as fast as it answers. The baseline, measured in the same run, is the first rung: every other rung's CPU is
reported as a multiple of it. PostgreSQL only: the goal is set for it.

Then each rung's instructions per request are counted in process under callgrind (``bench/instructions.py``),
when valgrind is installed: a second table, which the machine's speed cannot move, so a change to the code
shows in it on any day.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import instructions
from bench.cpu import CpuMeter, children
from bench.journeys_bench import (
    API_PATH,
    CONCURRENCY,
    GOALS,
    PG_URL,
    RAMP_SECONDS,
    THREADS,
    WORKERS,
    _drive_from_client,
    _env,
    _logged_errors,
    _pg_backends,
    _pg_database,
    _postgres_available,
    _prepare,
    _production_ready,
    _Server,
    counter_processes,
)

NAME = "floor"
TITLE = "## Floor: what each layer of an API submission costs (issue 3)"


@dataclass(frozen=True)
class Rung:
    name: str
    does: str
    path: str
    bare: bool = False
    counted: int = 200  # requests counted under callgrind: a few billion instructions (bench/instructions.py)


RUNGS = (
    Rung("bare", "a Django view that answers at once, no middleware", "/api/floor/plain", bare=True, counted=4000),
    Rung(
        "middleware", "the same view behind the platform's middleware and rate limits", "/api/floor/plain", counted=1000
    ),
    Rung(
        "authenticated", "django-ninja: the API key checked, the body parsed", "/api/floor/authenticated", counted=800
    ),
    Rung("validated", "and the answers checked by the journey's rules", "/api/floor/validated", counted=600),
    Rung("four-rows", "and case, submission, audit event, outbox row written by the ORM", "/api/floor/four-rows"),
    Rung("submission", "`POST /api/v1/submissions` itself", API_PATH),
)


@dataclass(frozen=True)
class Measured:
    rung: Rung
    rate: float
    web_ms: float
    database_ms: float
    counters_ms: float
    client_ms: float
    errors: int

    @property
    def cpu_ms(self) -> float:
        return self.web_ms + self.database_ms + self.counters_ms + self.client_ms


def _rung_env(rung: Rung, prod: dict[str, str]) -> dict[str, str]:
    return {**prod, "DJANGO_SETTINGS_MODULE": "bench.floor_site.settings", "FLOOR_BARE": "1" if rung.bare else "0"}


def _measure(rung: Rung, workdir: Path, prod: dict[str, str], key: str, warmup: float, seconds: float) -> Measured:
    env = _rung_env(rung, prod)
    server = _Server(env, workdir / f"web-{rung.name}.log", ready="/healthz")
    meter = CpuMeter(
        {
            "web": lambda: [server.process.pid, *children(server.process.pid)],
            "database": _pg_backends,
            "counters": counter_processes(prod),
        }
    )
    try:
        _drive_from_client(server.port, "api", key, 0.0, warmup, path=rung.path)
        meter.start()
        found = _drive_from_client(server.port, "api", key, RAMP_SECONDS, seconds, path=rung.path)
        meter.stop()
    finally:
        server.stop()
    if errors := _logged_errors(server.log.name):
        raise RuntimeError(f"the {rung.name} rung's server logged errors: {errors[:2]}")
    done = max(1, int(found["all_completed"]))
    return Measured(
        rung=rung,
        rate=found["completed"] / seconds,
        web_ms=1000 * meter.used["web"] / done,
        database_ms=1000 * meter.used["database"] / done,
        counters_ms=1000 * meter.used["counters"] / done,
        client_ms=1000 * float(found["cpu_seconds"]) / done,
        errors=int(found["errors"]),
    )


def _report(measured: list[Measured], seconds: float) -> str:
    cores = os.cpu_count() or 1
    budget = cores * 1000 / GOALS["api_rate"]
    base = measured[0].cpu_ms
    rows = [
        "| rung | what it does | requests/s | web ms | PostgreSQL ms | Redis ms | client ms | CPU ms in all "
        "| × bare | added by this rung | most the cores allow | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    before = 0.0
    for m in measured:
        rows.append(
            f"| {m.rung.name} | {m.rung.does} | {m.rate:,.0f} | {m.web_ms:.2f} | {m.database_ms:.2f} "
            f"| {m.counters_ms:.2f} | {m.client_ms:.2f} | {m.cpu_ms:.2f} | {m.cpu_ms / base:.1f} "
            f"| {m.cpu_ms - before:+.2f} ms "
            f"| {cores * 1000 / m.cpu_ms:,.0f}/s | {m.errors} |"
        )
        before = m.cpu_ms
    by_name = {m.rung.name: m for m in measured}
    four, real = by_name["four-rows"], by_name["submission"]
    return f"""{TITLE}

Six endpoints, each doing a little more of what `POST /api/v1/submissions` does, each on a fresh web server
(`deploy/web.py`: Granian, {WORKERS} worker processes × {THREADS} threads, `DJANGO_ENV=production`, PostgreSQL,
rate-limit counters in Redis), driven by {CONCURRENCY} clients as fast as it answers for {seconds:.0f} s after a
warm-up. CPU is read from `/proc` for the web server's processes, the PostgreSQL backends, the Redis server and
the load generator, per request answered. The baseline, measured in the same run, is the bare rung; "× bare" is
each rung's CPU as a multiple of it.

{chr(10).join(rows)}

The goal (≥ {GOALS["api_rate"]:.0f} submissions a second on {cores} cores) leaves {budget:.1f} ms of CPU per
submission for everything, before any headroom for p95. Writing only the four rows the issue names, through
the ORM with nothing else, costs {four.cpu_ms:.1f} ms ({cores * 1000 / four.cpu_ms:,.0f}/s at most). The real
submission, written in one prepared statement (ADR 0017), costs {real.cpu_ms:.1f} ms
({_difference(real.cpu_ms - four.cpu_ms)}), with everything the platform promises beyond those rows: the
case's event history and rules, the notification's delivery history, the audit trail's hash chain (its head
locked and moved on), a reference that is tried again on the rare clash, and the idempotency key. See
docs/scaling.md for what that leaves open.
"""


def _instructions_report(counted: dict[str, float]) -> str:
    if not counted:
        return "Instructions not counted: valgrind is not installed (Debian's package `valgrind`)."
    base = counted[RUNGS[0].name]
    rows = [
        "| rung | instructions per request | × bare | added by this rung |",
        "|---|---|---|---|",
    ]
    before = 0.0
    for rung in RUNGS:
        n = counted[rung.name]
        rows.append(f"| {rung.name} | {n / 1e6:.2f} million | {n / base:.1f} | {(n - before) / 1e6:+.2f} million |")
        before = n
    return f"""Instructions per request, counted in process under callgrind (`bench/instructions.py`): the same
requests sent through Django's WSGI handler, with no web server, network or load generator, on the same
database. The web process's own work only (PostgreSQL's and Redis's are not counted); unlike the CPU times
above, these do not change with the machine's speed.

{chr(10).join(rows)}
"""


def _difference(ms: float) -> str:
    return f"{ms:.1f} ms more" if ms >= 0 else f"{-ms:.1f} ms less"


def run(quick: bool = False) -> str:
    if not _postgres_available():
        return f"{TITLE}\n\nNot measured: PostgreSQL did not answer at 127.0.0.1:5432."
    seconds, warmup = (3.0, 2.0) if quick else (12.0, 4.0)
    workdir = Path(tempfile.mkdtemp(prefix="townhall-bench-floor-"))
    _pg_database(create=True)
    try:
        var_dir = workdir / "postgresql"
        var_dir.mkdir()
        key = _prepare(_env(var_dir, PG_URL, production=False))
        prod = _env(var_dir, PG_URL, production=True)
        _production_ready(var_dir, prod)
        measured = [_measure(rung, workdir, prod, key, warmup, seconds) for rung in RUNGS]
        counted = (
            {
                rung.name: instructions.per_request(
                    _rung_env(rung, prod), rung.path, key, rung.counted // (10 if quick else 1)
                )
                for rung in RUNGS
            }
            if instructions.available()
            else {}
        )
    finally:
        _pg_database(create=False)
        shutil.rmtree(workdir, ignore_errors=True)
    return _report(measured, seconds) + "\n" + _instructions_report(counted)
