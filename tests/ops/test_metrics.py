"""Prometheus metrics: requests, queue depth, notification lag, cases by state; access fails closed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from townhall.cases.models import Case
from townhall.catalogue.services.definitions import definition_import
from townhall.core.models import Organisation
from townhall.notifications.models import Notification
from townhall.notifications.services.outbox import notification_queue

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the Prometheus text format, or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


@pytest.fixture
def busy(district: Organisation) -> None:
    version = definition_import(
        actor=None,
        organisation=district,
        source=(DEFINITIONS / "report-missed-bin.yaml").read_text(),
        filename="report-missed-bin.yaml",
        publish=True,
    )
    now = timezone.now()
    for i, state in enumerate(["submitted", "submitted", "closed"]):
        Case.objects.create(
            organisation=district, version=version, reference=f"MB{i:07d}", state=state, received_at=now
        )
    late = notification_queue(organisation=district, channel="email", to="a@example.com", subject="Hi", body="Hello")
    Notification.objects.filter(pk=late.pk).update(next_attempt_at=now - dt.timedelta(minutes=10))
    notification_queue(
        organisation=district,
        channel="email",
        to="b@example.com",
        subject="Later",
        body="Hello",
        send_after=now + dt.timedelta(hours=1),
    )
    for queue in ["default", "default", "notifications"]:
        DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="townhall.core.tasks.nothing",
            queue_name=queue,
            backend_name="default",
            run_after=now,
            exception_class_path="",
            traceback="",
        )


@pytest.mark.django_db
def test_metrics_show_requests_queues_lag_and_cases(client: Client, busy: Any) -> None:
    client.get("/healthz")
    client.get("/no-such-page/")
    text = client.get("/metrics").content.decode()

    assert sample(text, "townhall_http_requests_total", route="ops:healthz", method="GET", status="200")
    assert sample(text, "townhall_http_requests_total", route="unmatched", method="GET", status="404")
    assert sample(text, "townhall_http_request_duration_seconds_count", route="ops:healthz", method="GET")
    assert sample(text, "townhall_metrics_database_up") == 1
    assert sample(text, "townhall_task_queue_depth", queue="default") == 2
    assert sample(text, "townhall_task_queue_depth", queue="notifications") == 1
    assert sample(text, "townhall_notifications_pending", channel="email") == 2
    lag = sample(text, "townhall_notification_lag_seconds")
    assert lag is not None and 590 < lag < 3600  # the message due ten minutes ago, not the one due in an hour
    assert sample(text, "townhall_cases", organisation="mid-downs", state="submitted") == 2
    assert sample(text, "townhall_cases", organisation="mid-downs", state="closed") == 1


@pytest.mark.django_db
def test_no_lag_when_nothing_is_waiting(client: Client) -> None:
    assert sample(client.get("/metrics").content.decode(), "townhall_notification_lag_seconds") == 0


@pytest.mark.django_db
def test_a_database_failure_still_answers_the_scrape(client: Client, monkeypatch: Any) -> None:
    from townhall.core.ops.metrics import DatabaseCollector

    def broken(self: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(DatabaseCollector, "_families", broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert sample(response.content.decode(), "townhall_metrics_database_up") == 0


def test_metrics_are_refused_to_other_networks(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403


def test_metrics_are_refused_through_the_proxy_even_from_loopback(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_TOKEN="s3cret-token-for-prometheus")
def test_metrics_answer_a_bearer_token_from_anywhere(client: Client) -> None:
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert ok.status_code == 200 and ok["Content-Type"].startswith("text/plain")
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer guess")
    assert wrong.status_code == 403


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_configured_networks_are_allowed_and_loopback_is_then_not(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
