"""Liveness and readiness: /healthz never needs the database; /readyz says which dependency is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from townhall.core.ops import health

ROOT = Path(__file__).resolve().parents[2]


def test_liveness_answers_without_touching_the_database(client: Client) -> None:
    # No django_db mark: pytest-django fails the test if anything queries the database.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_liveness_refuses_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readiness_is_ok_when_every_dependency_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "task_queue": "ok", "cache": "ok"},
    }


@pytest.mark.django_db
def test_readiness_fails_with_reasons_when_the_database_is_down(client: Client, monkeypatch: Any) -> None:
    def down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unavailable (OperationalError)"
    assert body["checks"]["migrations"] == "skipped" and body["checks"]["task_queue"] == "skipped"
    assert "connection refused" not in response.content.decode()  # details go to the log, not the caller


@pytest.mark.django_db
def test_readiness_fails_while_migrations_are_pending(client: Client, monkeypatch: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False), ("y", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "2 migrations not applied"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readiness_fails_when_the_task_queue_table_is_missing(client: Client, monkeypatch: Any) -> None:
    def missing() -> None:
        raise OperationalError('relation "django_tasks_database_dbtaskresult" does not exist')

    monkeypatch.setitem(health.CHECKS, "task_queue", missing)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] == "unavailable (OperationalError)"


@pytest.mark.django_db
def test_readiness_fails_when_the_cache_is_down(client: Client, monkeypatch: Any) -> None:
    from django.core.cache import cache

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache gone")

    monkeypatch.setattr(cache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable (ConnectionError)"


def test_readiness_against_an_unreachable_database_in_a_real_process(tmp_path: Path) -> None:
    """No mocks: a process whose DATABASE_URL points at a closed port answers 503, and /healthz still 200."""
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        "r = c.get('/readyz'); h = c.get('/healthz')\n"
        "print(json.dumps({'ready': r.status_code, 'body': r.json(), 'live': h.status_code}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "townhall.settings_test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        "TOWNHALL_VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["live"] == 200
    assert outcome["ready"] == 503
    assert outcome["body"]["checks"]["database"] == "unavailable (OperationalError)"
