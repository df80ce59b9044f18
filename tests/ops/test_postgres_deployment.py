"""A production deployment on PostgreSQL, end to end, in scratch databases created and dropped here.

migrate and createcachetable → `check --deploy` → the web server (deploy/web.py) with production settings serving
health, readiness, hashed static files through WhiteNoise, metrics summed over its workers and JSON logs with
request ids → a task worker running a queued task → deploy/backup.sh → deploy/restore.sh into a second
database and documents directory → the restored copy has the same rows and files and no unapplied
migrations. Skipped when no PostgreSQL answers at 127.0.0.1:5432 (user postgres, trust authentication).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"
TOKEN = "metrics-token-for-the-test-0123456789"


def postgres_available() -> bool:
    if not (shutil.which("psql") and shutil.which("pg_dump") and shutil.which("pg_restore")):
        return False
    result = subprocess.run(["psql", f"{PG}/postgres", "-tAc", "select 1"], capture_output=True, text=True)
    return result.returncode == 0


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not postgres_available(), reason="no PostgreSQL at 127.0.0.1:5432"),
]


def psql(database: str, sql: str) -> str:
    result = subprocess.run(["psql", f"{PG}/{database}", "-tAc", sql], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def scratch_databases() -> Iterator[tuple[str, str]]:
    names = (f"townhall_ops_{uuid.uuid4().hex[:10]}", f"townhall_ops_{uuid.uuid4().hex[:10]}")
    for name in names:
        psql("postgres", f"CREATE DATABASE {name}")
    try:
        yield names
    finally:
        for name in names:
            psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def env_for(database: str, var: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LOG_", "PROMETHEUS_"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="townhall.settings",
        SECRET_KEY="a-test-only-secret-key-that-is-long-and-random-enough-1234567890",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DATABASE_URL=f"{PG}/{database}",
        TOWNHALL_VAR_DIR=str(var),
        DOCUMENT_ROOT=str(var / "documents"),
        STATIC_ROOT=str(var / "static"),
        SECURE_SSL_REDIRECT="0",
        METRICS_TOKEN=TOKEN,
        LOG_FORMAT="json",
        LOG_REQUESTS="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 600) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (looked up by name in any case: the server sends them in lower case) and body."""
    request = urllib.request.Request(url, headers={"Host": "localhost", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_production_deployment_on_postgresql_with_backup_and_restore(
    scratch_databases: tuple[str, str], tmp_path: Path
) -> None:
    live, restored = scratch_databases
    var = tmp_path / "var"
    env = env_for(live, var)

    # Release steps (docs/operations.md, "Upgrading").
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    assert "no issues" in manage({**env, "SECURE_SSL_REDIRECT": "1"}, "check", "--deploy", "--fail-level", "WARNING")
    manage(
        env,
        "shell",
        "-c",
        "from townhall.core.services.organisations import organisation_create as c; "
        "c(actor=None, slug='mid-downs', name='Mid Downs District Council', kind='district_council', code='E07000901')",
    )
    (var / "documents" / "cases" / "2026").mkdir(parents=True)
    (var / "documents" / "cases" / "2026" / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence\n")

    # Web: deploy/web.py (Granian) with two workers and the multi-process metrics directory.
    port = free_port()
    web_env = env_for(
        live,
        var,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "deploy/web.py"],
        cwd=ROOT,
        env=web_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its signals never reach the test process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the web server did not start: " + (tmp_path / "web.log").read_text()[-3000:])

        status, headers, body = get(f"{base}/readyz", {"X-Request-Id": "probe-0000000001"})
        assert status == 200, body
        assert json.loads(body)["checks"] == {"database": "ok", "migrations": "ok", "task_queue": "ok", "cache": "ok"}
        assert headers["X-Request-Id"] == "probe-0000000001"

        manifest = json.loads((var / "static" / "staticfiles.json").read_text())["paths"]
        status, headers, _ = get(f"{base}/static/{manifest['dist/townhall.css']}")
        assert status == 200 and "immutable" in headers["Cache-Control"]

        for _ in range(6):
            get(f"{base}/healthz")
        status, _, body = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        text = body.decode()
        healthz_lines = [
            line
            for line in text.splitlines()
            if line.startswith("townhall_http_requests_total{") and 'route="ops:healthz"' in line
        ]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in healthz_lines) >= 7  # summed over both workers
        assert "townhall_metrics_database_up 1.0" in text
        assert get(f"{base}/metrics")[0] == 200  # straight from loopback
        assert get(f"{base}/metrics", {"X-Forwarded-For": "203.0.113.9"})[0] == 403  # through the proxy, no token
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    entries = [json.loads(line) for line in (tmp_path / "web.log").read_text().splitlines() if line[:1] == "{"]
    assert any(e.get("request_id") == "probe-0000000001" and e["logger"] == "townhall.requests" for e in entries)

    # Worker: a queued task is run by db_worker.
    manage(env, "shell", "-c", "from townhall.cases.tasks import cases_escalate_task as t; t.enqueue()")
    assert psql(live, "select count(*) from django_tasks_database_dbtaskresult where status='READY'") == "1"
    manage(env, "db_worker", "--batch", "--queue-name", "*", timeout=300)
    assert psql(live, "select status from django_tasks_database_dbtaskresult") == "SUCCESSFUL"

    # Backup, then restore into a second database and documents directory.
    backups = tmp_path / "backups"
    script_env = {**env, "DATABASE_URL": f"{PG}/{live}", "DOCUMENT_ROOT": str(var / "documents")}
    made = subprocess.run(
        ["bash", str(ROOT / "deploy" / "backup.sh"), str(backups)],
        env=script_env,
        capture_output=True,
        text=True,
        check=True,
    )
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "database.dump", "documents.tar.gz"]

    target_docs = tmp_path / "restored" / "documents"
    target_docs.mkdir(parents=True)
    (target_docs / "stale.txt").write_text("replaced by the restore")
    restore_env = {**env, "DATABASE_URL": f"{PG}/{restored}", "DOCUMENT_ROOT": str(target_docs)}
    subprocess.run(["bash", str(ROOT / "deploy" / "restore.sh"), str(backup)], env=restore_env, check=True)
    # Restoring twice is safe: objects are dropped and recreated in one transaction.
    subprocess.run(["bash", str(ROOT / "deploy" / "restore.sh"), str(backup)], env=restore_env, check=True)

    assert psql(restored, "select name from core_organisation") == "Mid Downs District Council"
    assert psql(restored, "select count(*) from django_migrations") == psql(
        live, "select count(*) from django_migrations"
    )
    assert (target_docs / "cases" / "2026" / "evidence.pdf").read_bytes() == b"%PDF-1.4 evidence\n"
    assert not (target_docs / "stale.txt").exists()
    assert list((tmp_path / "restored").glob("documents.before-restore-*"))
    # An upgrade after restoring runs `migrate`; with this code there is nothing left to apply.
    manage(env_for(restored, var), "migrate", "--check")

    # A tampered backup is refused before anything is touched.
    (backup / "documents.tar.gz").write_bytes(b"tampered")
    tampered = subprocess.run(
        ["bash", str(ROOT / "deploy" / "restore.sh"), str(backup)], env=restore_env, capture_output=True, text=True
    )
    assert tampered.returncode != 0
    assert (target_docs / "cases" / "2026" / "evidence.pdf").exists()
