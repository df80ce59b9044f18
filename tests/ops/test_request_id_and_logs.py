"""Every response carries a request id, and every log record written meanwhile carries the same id."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from townhall.core.ops.jsonlog import JsonFormatter
from townhall.core.ops.request_id import RequestIdFilter, accept_or_generate, request_id_var


def test_a_fresh_id_is_put_on_the_response(client: Client) -> None:
    first = client.get("/healthz")["X-Request-Id"]
    second = client.get("/healthz")["X-Request-Id"]
    assert len(first) == 32 and first != second


def test_a_well_formed_incoming_id_is_kept(client: Client) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-Id"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("bad", ["", "short", "has space in it", "x" * 200, "evil\nlog line", '{"json":1}'])
def test_a_malformed_incoming_id_is_replaced(bad: str) -> None:
    assert accept_or_generate(bad) != bad
    assert len(accept_or_generate(bad)) == 32


@pytest.mark.django_db
def test_log_records_during_a_request_carry_its_id(client: Client, caplog: Any, monkeypatch: Any) -> None:
    from townhall.core.ops import health

    def down() -> None:
        raise ConnectionError("no database")

    monkeypatch.setitem(health.CHECKS, "database", down)
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.WARNING):
        response = client.get("/readyz", HTTP_X_REQUEST_ID="trace-0123456789")
    assert response["X-Request-Id"] == "trace-0123456789"
    ours = [r for r in caplog.records if r.name == "townhall.core.ops.health"]
    assert ours and all(r.request_id == "trace-0123456789" for r in ours)
    assert request_id_var.get() is None  # cleared after the response


def test_records_outside_a_request_have_no_id() -> None:
    record = logging.LogRecord("worker", logging.INFO, __file__, 1, "tick", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id is None  # type: ignore[attr-defined]


def test_the_json_formatter_writes_one_object_per_line_with_the_id_and_extras() -> None:
    token = request_id_var.set("req-abcdef123456")
    try:
        record = logging.LogRecord("townhall.x", logging.ERROR, __file__, 1, "Case %s failed", ("AB123",), None)
        record.case_reference = "AB123"
        RequestIdFilter().filter(record)
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line  # one line per record, even with a traceback
    entry = json.loads(line)
    assert entry["message"] == "Case AB123 failed"
    assert entry["level"] == "ERROR" and entry["logger"] == "townhall.x"
    assert entry["request_id"] == "req-abcdef123456"
    assert entry["case_reference"] == "AB123"
    assert "ValueError: boom" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_production_logs_json_by_default(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "townhall.example",
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "TOWNHALL_VAR_DIR": str(tmp_path),
    }
    env.pop("LOG_FORMAT", None)
    script = "import django, logging; django.setup(); logging.getLogger('townhall.test').warning('hello %s', 'world')"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert {"logger": "townhall.test", "message": "hello world", "request_id": None}.items() <= next(
        e for e in lines if e["logger"] == "townhall.test"
    ).items()
