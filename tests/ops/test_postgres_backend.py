"""townhall.core.postgresql: Django's backend, with few-row inserts as VALUES and prepared statements.

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
    clean = {k: v for k, v in os.environ.items() if k not in {"POSTGRES_PREPARED", "DJANGO_SETTINGS_MODULE"}}
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_a_postgresql_url_gets_the_backend_with_prepared_statements_unless_turned_off() -> None:
    url = "postgres://townhall@db.internal:5432/townhall"
    prepared = _database_settings(DATABASE_URL=url)
    assert prepared["ENGINE"] == "townhall.core.postgresql"
    assert prepared["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    plain = _database_settings(DATABASE_URL=url, POSTGRES_PREPARED="0")
    assert plain["ENGINE"] == "townhall.core.postgresql" and not plain.get("OPTIONS")
    sqlite = _database_settings(DATABASE_URL="sqlite:////tmp/townhall-test.sqlite3")
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.django_db
def test_the_connection_prepares_what_it_runs_often_on_postgresql() -> None:
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg

        assert connection.connection.prepare_threshold == 5
        with connection.cursor() as cursor:
            raw = cursor.cursor
            assert isinstance(raw, psycopg.Cursor) and not isinstance(raw, psycopg.ClientCursor)  # binds on the server
    else:
        assert "server_side_binding" not in connection.settings_dict.get("OPTIONS", {})
