"""Scale-out (issue 9, point 5): two web processes and two workers against one PostgreSQL, against one of each.

One database (``townhall_bench_scaleout`` on the shared server at 127.0.0.1:5432: created, migrated, the demo
loaded and an API key issued as the journeys benchmark does; dropped at the end) serves the same API load twice:

* **1 + 1**: one web process (``deploy/web.py``, one worker process × the journeys benchmark's threads), one
  task worker (``manage.py db_worker``) and one ``manage.py deliver_notifications``;
* **2 + 2**: two web processes (two separate web servers, one worker process each, on two ports; the
  client spreads its residents across both, as a load balancer in front of two machines would), two
  ``db_worker`` and two ``deliver_notifications``.

Each configuration gets its own SMTP sink (aiosmtpd, counting Message-IDs, answering at once) and its own
processes; counts are taken only over rows the configuration created. Residents (the journeys benchmark's
client: 50 asyncio clients, raw HTTP/1.1) POST missed-bin reports to ``/api/v1/submissions`` with unique
``Idempotency-Key``s as fast as the servers answer. Then the load stops and the workers drain.

Every submission queues one confirmation email in the outbox inside its transaction: that row is the job.
The ``deliver_notifications`` workers claim due rows with ``FOR UPDATE SKIP LOCKED`` and a lease (ADR 0010);
``db_worker`` runs beside them as a deployment does (no task is enqueued per message). Checks: every message
was claimed exactly once (one ``sending`` event, one attempt) by one of the configuration's delivery workers,
ended ``delivered``, and reached the sink exactly once; every submission has its message. A lost or
duplicated job or message raises ``ChecksFailed`` (the figures are still written).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import ChecksFailed
from bench.cpu import CpuMeter, children, cpu_seconds, machine
from bench.journeys_bench import (
    CONCURRENCY,
    PG_ADMIN_URL,
    RAMP_SECONDS,
    THREADS,
    _drive_from_client,
    _env,
    _load,
    _logged_errors,
    _pct,
    _postgres_available,
    _prepare,
    _production_ready,
    _raw_postgres,
    _Server,
)
from bench.soak_bench import _start_sink, _stop_sink, _Supervised

NAME = "scale-out"
DB = "townhall_bench_scaleout"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
# Processes of each kind in a configuration, run in this order: ABBA in the full run, so that the machine's other
# load drifting up or down during the run weighs on both configurations alike.
ORDER = (1, 2, 2, 1)
QUICK_ORDER = (1, 2)
RATE_HEAD = (
    "| configuration | submissions/s | p50 / p95 / p99 ms | client errors"
    " | jobs queued / claimed once / claimed again / lost | delivered by each worker"
    " | emails received / duplicated / lost | drain |\n"
    "|---|---|---|---|---|---|---|---|"
)
CPU_HEAD = (
    "| configuration | submissions (measured run) | web CPU (cores busy) | web CPU / submission"
    " | PostgreSQL backends / submission | workers / submission (to end of drain) | load generator / submission"
    " | cores busy, these processes | cores busy, whole machine |\n|---|---|---|---|---|---|---|---|---|"
)


def _query(sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(URL, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _database(create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{DB}"')


def _backends() -> list[int]:
    return [pid for (pid,) in _query("SELECT pid FROM pg_stat_activity WHERE datname = %s", DB)]


@dataclass
class _Phase:
    web: int
    workers: int
    round: int
    client: dict[str, Any]
    submissions: int  # rows the phase created
    load_seconds: float  # wall clock of the measured client process
    drain: float
    cpu: dict[str, float]
    jobs: dict[str, Any]
    notifications: dict[str, int]
    server_errors: list[str]
    exits: list[str]
    machine_busy: float  # cores busy over the load, every process on the machine

    @property
    def label(self) -> str:
        return f"{self.web} + {self.workers} (run {self.round})"

    @property
    def rate(self) -> float:
        return float(self.client["completed"]) / float(self.client["seconds"])

    def ms(self, p: float) -> float:
        return _pct(self.client["latencies"].get("api", []), p)

    @property
    def lost(self) -> int:
        return int(self.jobs["lost"]) + self.notifications["lost"]

    @property
    def duplicated(self) -> int:
        return int(self.jobs["claimed again"]) + self.notifications["duplicated"]

    def per_submission_ms(self, group: str) -> float:
        """CPU per submission of the measured run (the warm-up run before it is not metered)."""
        return 1000 * self.cpu.get(group, 0.0) / max(1, int(self.client["all_completed"]))


def _marks() -> dict[str, Any]:
    (row,) = _query(
        "SELECT now(), (SELECT coalesce(max(id), 0) FROM journeys_submission),"
        " (SELECT coalesce(max(id), 0) FROM notifications_notification)"
    )
    return {"now": row[0], "submission": row[1], "notification": row[2]}


def _pending(marks: dict[str, Any]) -> int:
    (row,) = _query(
        "SELECT count(*) FROM notifications_notification WHERE id > %s AND status IN ('created', 'sending')",
        marks["notification"],
    )
    return int(row[0])


def _settle(pids: list[int], timeout: float = 60.0) -> None:
    """Wait until freshly started workers are idle (Django set up, polling), so their start-up is not measured."""
    deadline = time.monotonic() + timeout
    time.sleep(2)
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(pid) for pid in pids)
        time.sleep(1)
        if sum(cpu_seconds(pid) for pid in pids) - before < 0.05 * len(pids):
            return


def _drain(marks: dict[str, Any], workers: list[_Supervised], timeout: float) -> float:
    began = time.monotonic()
    while _pending(marks) and time.monotonic() - began < timeout:
        if any(w.process.poll() is not None for w in workers):
            break  # a worker died: the counts will show what it left behind
        time.sleep(0.25)
    return time.monotonic() - began


def _count_jobs(marks: dict[str, Any], workers: int) -> dict[str, Any]:
    """The outbox rows as jobs: how often each was claimed (its ``sending`` events) and which worker sent it."""
    rows = _query(
        "SELECT n.status, n.attempts, n.claimed_by,"
        " (SELECT count(*) FROM notifications_notificationevent e WHERE e.notification_id = n.id"
        " AND e.status = 'sending') FROM notifications_notification n WHERE n.id > %s",
        marks["notification"],
    )
    by_worker = {f"scale-{workers}-loop-{i}": 0 for i in range(workers)}
    for status, _, claimed_by, _ in rows:
        if status == "delivered" and claimed_by in by_worker:
            by_worker[claimed_by] += 1
    return {
        "queued": len(rows),
        "claimed once": sum(1 for _, attempts, _, claims in rows if attempts == 1 and claims == 1),
        "claimed again": sum(1 for _, attempts, _, claims in rows if attempts > 1 or claims > 1),
        "lost": sum(1 for status, *_ in rows if status != "delivered"),
        "by worker": by_worker,
    }


def _count_notifications(marks: dict[str, Any], received: dict[str, int]) -> dict[str, int]:
    rows = _query("SELECT id, reference, status FROM notifications_notification WHERE id > %s", marks["notification"])
    (without,) = _query(
        "SELECT count(*) FROM journeys_submission s WHERE s.id > %s AND NOT EXISTS"
        " (SELECT 1 FROM notifications_notification n WHERE n.case_reference = s.reference AND n.id > %s)",
        marks["submission"],
        marks["notification"],
    )
    by_reference = {message_id.strip("<>").split("@", 1)[0]: times for message_id, times in received.items()}
    ours = {reference for _, reference, _ in rows}
    found = {
        "queued": len(rows),
        "delivered": sum(1 for _, _, status in rows if status == "delivered"),
        "received": sum(1 for _, reference, _ in rows if by_reference.get(reference)),
        "duplicated": sum(times - 1 for reference, times in by_reference.items() if reference in ours and times > 1),
        "lost": sum(1 for _, reference, _ in rows if not by_reference.get(reference)) + int(without[0]),
        "submissions without one": int(without[0]),
        "other Message-IDs received": sum(1 for reference in by_reference if reference not in ours),
    }
    return found


def _phase(n: int, run: int, workdir: Path, key: str, warmup: float, seconds: float, drain_timeout: float) -> _Phase:
    here = workdir / f"{n}x{n}-{run}"
    here.mkdir()
    sink, smtp_port = _start_sink(here, relay_delay=0.0)
    email = {"NOTIFICATIONS_DEFAULT_SENDER": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
    env = {**_env(workdir / "var", URL, production=True), **email, "PYTHONUNBUFFERED": "1"}
    marks = _marks()
    servers: list[_Server] = []
    workers: list[_Supervised] = []
    received: dict[str, int] = {}
    try:
        servers = [_Server(env, here / f"web-{i}.log", workers=1) for i in range(n)]
        for i in range(n):
            tasks = ["db_worker", "--queue-name", "*", "--interval", "0.5", "--worker-id", f"scale-{n}-task-{i}"]
            workers.append(_Supervised(f"db_worker-{i}", tasks, env, here / f"db_worker-{i}.log"))
            loop = ["deliver_notifications", "--worker-id", f"scale-{n}-loop-{i}"]
            workers.append(_Supervised(f"deliver-{i}", loop, env, here / f"deliver-{i}.log"))
        _settle([w.process.pid for w in workers])
        meter = CpuMeter(
            {
                "web": lambda: [p for s in servers for p in (s.process.pid, *children(s.process.pid))],
                "workers": lambda: [w.process.pid for w in workers],
                "postgres": _backends,
            }
        )
        ports = [s.port for s in servers]
        _drive_from_client(ports, "api", key, 0.0, warmup)  # warms every web process up; its jobs are counted too
        meter.start()
        machine_before = machine()
        began = time.monotonic()
        client = _drive_from_client(ports, "api", key, RAMP_SECONDS, seconds)
        load_seconds = time.monotonic() - began
        machine_after = machine()
        meter.stop("web", "postgres")
        drain = _drain(marks, workers, drain_timeout)
        meter.stop("workers")
        meter.used["client"] = float(client["cpu_seconds"])
        exits = [f"{w.name} exited {w.process.returncode}" for w in workers if w.process.poll() is not None]
    finally:
        for worker in workers:
            worker.stop()
        for server in servers:
            server.stop()
        if sink.poll() is None:
            received = _stop_sink(sink, here)
    (submissions,) = _query("SELECT count(*) FROM journeys_submission WHERE id > %s", marks["submission"])
    notifications = _count_notifications(marks, received)
    return _Phase(
        web=n,
        workers=n,
        round=run,
        client=client,
        submissions=int(submissions[0]),
        load_seconds=load_seconds,
        drain=drain,
        cpu=meter.used,
        jobs=_count_jobs(marks, n),
        notifications=notifications,
        server_errors=[e for s in servers for e in _logged_errors(s.log.name)],
        exits=exits,
        machine_busy=(machine_after[0] - machine_before[0]) / load_seconds,
    )


_SERVING = ("web", "postgres", "workers")


def _busy(phases: list[_Phase], cores: int) -> str:
    busy = sum(p.machine_busy for p in phases) / len(phases)
    if busy >= 0.9 * cores:
        return f"full ({busy:.2f} of {cores} busy on average): more processes cannot add throughput here"
    return f"{busy:.2f} of {cores} busy on average: not full, so something other than the cores bounded the rate"


def _rate(phases: list[_Phase]) -> float:
    return sum(float(p.client["completed"]) for p in phases) / sum(float(p.client["seconds"]) for p in phases)


def _row(p: _Phase) -> str:
    j, m = p.jobs, p.notifications
    shares = " / ".join(f"{count:,}" for count in j["by worker"].values())
    return (
        f"| {p.label} | {p.rate:,.1f} | {p.ms(50):.0f} / {p.ms(95):.0f} / {p.ms(99):.0f} | {p.client['errors']} "
        f"| {j['queued']:,} / {j['claimed once']:,} / {j['claimed again']} / {j['lost']} | {shares} "
        f"| {m['received']:,} / {m['duplicated']} / {m['lost']} | {p.drain:.1f} s |"
    )


def _cpu_row(p: _Phase) -> str:
    seconds = p.load_seconds
    return (
        f"| {p.label} | {int(p.client['all_completed']):,} | {p.cpu['web']:.1f} s ({p.cpu['web'] / seconds:.2f} cores) "
        f"| {p.per_submission_ms('web'):.1f} ms | {p.per_submission_ms('postgres'):.1f} ms "
        f"| {p.per_submission_ms('workers'):.1f} ms | {p.per_submission_ms('client'):.1f} ms "
        f"| {sum(p.cpu.values()) / seconds:.2f} | {p.machine_busy:.2f} |"
    )


def _bounds(cores: int, cpu_total: float, web_ms: float, ratio: float, ones: list[_Phase], raw: float) -> str:
    """The arithmetic of the ratio: one web process is held to one core by its GIL; two are held by the machine."""
    machine_cap = 1000 * cores / cpu_total if cpu_total else float("nan")
    process_cap = 1000 / web_ms if web_ms else float("nan")  # one process's Python runs on one core at a time
    one, two = min(process_cap, machine_cap), min(2 * process_cap, machine_cap)
    busy = sum(p.cpu["web"] / p.load_seconds for p in ones) / len(ones)
    return f"""A submission costs about {cpu_total:.0f} ms of CPU across the web process, PostgreSQL and the workers
(1 + 1), {web_ms:.1f} ms of it in the web process. One web process runs Python on one core at a time (its GIL): it was
{busy:.2f} cores busy in the 1 + 1 runs, and at {web_ms:.1f} ms a submission it can serve at most about
{process_cap:,.0f} submissions/s however many threads it has. The machine's {cores} cores serve at most about
{machine_cap:,.0f} submissions/s at {cpu_total:.0f} ms each, however many processes run. So on this machine 1 + 1 is
bounded near {one:,.0f}/s and 2 + 2 near {two:,.0f}/s: the most the ratio can be here is about {two / one:.2f}, and
it measured **{ratio:.2f}**. On a machine with more cores the second bound moves away and each further web
process adds up to another {process_cap:,.0f}/s, until PostgreSQL's share becomes the limit: the per-submission
CPU figures above are what docs/scaling.md scales from. PostgreSQL's own single-row INSERT+COMMIT rate from
{CONCURRENCY} connections, measured on the same database before the load: {raw:,.0f}/s."""


def _report(phases: list[_Phase], raw: float, quick: bool, seconds: float, warmup: float, loads: list[str]) -> str:
    ones, twos = [p for p in phases if p.web == 1], [p for p in phases if p.web == 2]
    rate1, rate2 = _rate(ones), _rate(twos)
    ratio = rate2 / rate1 if rate1 else float("nan")
    measured = sum(int(p.client["all_completed"]) for p in ones)
    cpu_total = sum(1000 * sum(p.cpu[g] for p in ones) / max(1, measured) for g in _SERVING)
    web_ms = 1000 * sum(p.cpu["web"] for p in ones) / max(1, measured)
    ok = all(p.lost == 0 and p.duplicated == 0 and not p.exits for p in phases)
    verdict = "**PASSED**" if ok else "**FAILED**"
    order = ", ".join(f"{p.web} + {p.workers}" for p in phases)
    notes = []
    for p in phases:
        if p.exits:
            notes.append(f"{p.label}: worker exits: {', '.join(p.exits)}.")
        if p.client["errors"]:
            notes.append(
                f"{p.label}: first client errors: " + "; ".join(f"`{e[:160]}`" for e in p.client["first_errors"])
            )
        if p.server_errors:
            notes.append(
                f"{p.label}: the servers logged {len(p.server_errors)} error(s); first `{p.server_errors[0][:200]}`."
            )
        extra = p.notifications["other Message-IDs received"]
        if extra:
            notes.append(f"{p.label}: the sink also received {extra} message(s) queued before the phase (demo data).")
    cores = os.cpu_count() or 0
    return f"""## Scale-out: two web processes and two workers against one PostgreSQL (issue 9)

{verdict}. Ratio of submission rates, **2 + 2 ÷ 1 + 1 = {ratio:.2f}** ({rate2:,.1f} ÷ {rate1:,.1f} submissions/s,
each the submissions of its runs over their measured seconds){" (quick run)" if quick else ""}. Runs in the order
{order}{", so that a drift in the machine's other load falls on both alike" if len(phases) > 2 else ""}.

The same API load in every run, against one PostgreSQL 15 database on the shared server: {CONCURRENCY} residents
(the journeys benchmark's client, one process) POST missed-bin reports to `/api/v1/submissions` with unique
`Idempotency-Key`s as fast as the servers answer, {seconds:.0f} s measured after {warmup:.0f} s of warm-up; then the
load stops and the workers drain. A web process is one `deploy/web.py` server (Granian) with **one** worker process ×
{THREADS} threads, production settings (`CONN_MAX_AGE=60`); for 2 + 2 two such masters listen on two ports and the
client sends resident *n* to port *n* mod 2, as a load balancer would. Workers are `manage.py db_worker`
(all queues) and `manage.py deliver_notifications`, one of each per "worker" (so 2 + 2 runs four worker
processes); email goes by SMTP to an aiosmtpd sink that counts Message-IDs and answers at once.

{RATE_HEAD}
{chr(10).join(_row(p) for p in phases)}

Each submission is one transaction (submission, case, rules, audit events, outbox row); the outbox row is the job,
and the delivery workers share it out by claiming rows with `FOR UPDATE SKIP LOCKED` under a lease. A job ran once
when the message has one `sending` event and one attempt and ended `delivered`; "delivered by each worker" shows
how the configuration's delivery workers shared the messages. Drain is the time from the end of the load until no
message was waiting or sending.

### What bounds the ratio: CPU

This machine has **{cores} cores** for everything: PostgreSQL, the web processes, the workers, the SMTP sink and
the load generator itself, and it is shared with other benchmarks (1-minute load average before the run and after each
configuration run: {", ".join(loads)}). CPU time from `/proc/<pid>/stat` (user + system) over the measured run
(after a warm-up run of its own), divided by the submissions of that run:

{CPU_HEAD}
{chr(10).join(_cpu_row(p) for p in phases)}

The last column counts every process on the machine (`/proc/stat`); the gap to the column before it is work that
is not serving these submissions (other benchmarks sharing the machine, the SMTP sink, the kernel). During the
1 + 1 runs the machine's {cores} cores were {_busy(ones, cores)}; during the 2 + 2 runs they were {_busy(twos, cores)}.

{_bounds(cores, cpu_total, web_ms, ratio, ones, raw)}

{chr(10).join(notes)}
"""


def run(quick: bool = False) -> str:
    seconds, warmup, raw_seconds = (10.0, 3.0, 2.0) if quick else (30.0, 5.0, 5.0)
    if not _postgres_available():
        return f"## Scale-out (issue 9)\n\nNot measured: PostgreSQL did not answer at {PG_ADMIN_URL}."
    workdir = Path(tempfile.mkdtemp(prefix="townhall-bench-scaleout-"))
    loads = [_load()]
    phases: list[_Phase] = []
    _database(create=True)
    try:
        var_dir = workdir / "var"
        var_dir.mkdir()
        key = _prepare(_env(var_dir, URL, production=False))
        _production_ready(var_dir, _env(var_dir, URL, production=True))
        raw = _raw_postgres(URL, raw_seconds)
        for run, n in enumerate(QUICK_ORDER if quick else ORDER, start=1):
            phases.append(_phase(n, run, workdir, key, warmup, seconds, drain_timeout=120 if quick else 300))
            loads.append(_load())
    finally:
        _database(create=False)
        shutil.rmtree(workdir, ignore_errors=True)
    body = _report(phases, raw, quick, seconds, warmup, loads)
    if "**FAILED**" in body:
        raise ChecksFailed(body)
    return body
