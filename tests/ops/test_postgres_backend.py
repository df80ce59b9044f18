"""townhall.core.postgresql: Django's backend, with few-row inserts as VALUES.

The whole suite runs on it under ``make pytest-postgres``; these check the two choices themselves. Each test
runs on either engine: on SQLite the inserts are VALUES whatever their size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.core.models import AuditChain


def _insert_sql(rows: int) -> str:
    with CaptureQueriesContext(connection) as done:
        AuditChain.objects.bulk_create([AuditChain(key=f"test:{rows}:{n}") for n in range(rows)])
    return next(q["sql"] for q in done.captured_queries if q["sql"].startswith("INSERT"))


@pytest.mark.django_db
def test_a_few_rows_go_in_as_values_and_many_through_unnest() -> None:
    assert "UNNEST" not in _insert_sql(2) and "VALUES" in _insert_sql(3)
    many = _insert_sql(60)
    assert ("UNNEST" in many) == (connection.vendor == "postgresql")
    assert AuditChain.objects.filter(key__startswith="test:").count() == 65


def _database_settings(**env: str) -> dict[str, object]:
    code = "import json; from townhall import settings; print(json.dumps(settings.DATABASES['default']))"
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_a_postgresql_url_gets_this_backend_with_djangos_binding() -> None:
    """Client-side binding and nothing prepared, as Django's default: poolers in transaction mode work."""
    found = _database_settings(DATABASE_URL="postgres://townhall@db.internal:5432/townhall")
    assert found["ENGINE"] == "townhall.core.postgresql"
    assert not found.get("OPTIONS")
    sqlite = _database_settings(DATABASE_URL="sqlite:////tmp/townhall-test.sqlite3")
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"


def test_a_statement_timeout_is_passed_to_postgresql_and_a_wrong_one_refused() -> None:
    url = "postgres://townhall@db.internal:5432/townhall"
    found = _database_settings(DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT_MS="30000")
    assert found["OPTIONS"] == {"options": "-c statement_timeout=30000"}
    assert not _database_settings(DATABASE_URL=url, DATABASE_STATEMENT_TIMEOUT_MS="0").get("OPTIONS")
    code = "from townhall import settings"
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    refused = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DATABASE_URL": url, "DATABASE_STATEMENT_TIMEOUT_MS": "30s"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert "DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds, not '30s'" in refused.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_postgresql_cancels_a_statement_that_outruns_the_timeout() -> None:
    """The options the setting gives reach a real server, which cancels the statement with an error the web
    processes answer as "service unavailable" (Django's OperationalError, core/views/errors.py)."""
    import psycopg
    from django.db import OperationalError
    from django.db.utils import DatabaseErrorWrapper

    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "options": "-c statement_timeout=200"}, autocommit=True) as raw:
        assert raw.execute("SHOW statement_timeout").fetchone() == ("200ms",)
        with pytest.raises(OperationalError), DatabaseErrorWrapper(connection):
            raw.execute("SELECT pg_sleep(2)")
