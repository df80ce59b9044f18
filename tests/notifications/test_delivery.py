"""The delivery worker against real parts: a loopback SMTP server and a local Notify that misbehaves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from townhall.core.models import AuditEvent
from townhall.notifications.models import Notification, NotificationEvent, SenderSetting, Status
from townhall.notifications.senders.smtp import close_connections
from townhall.notifications.services import notification_queue
from townhall.notifications.services.claims import notification_claim, notification_claim_due
from townhall.notifications.services.delivery import notification_deliver
from townhall.notifications.tasks import deliver_task

from .fake_notify import API_KEY, EMAIL_TEMPLATE_ID, SMS_TEMPLATE_ID, FakeNotifyServer
from .smtp_sink import SmtpSink


@pytest.fixture
def fake_notify(district: Any, monkeypatch: Any) -> Iterator[FakeNotifyServer]:
    server = FakeNotifyServer().start()
    monkeypatch.setenv("MID_DOWNS_NOTIFY_KEY", API_KEY)
    SenderSetting.objects.create(
        organisation=district,
        sender="notify",
        notify_api_key_env="MID_DOWNS_NOTIFY_KEY",
        notify_key_type="live",
        notify_base_url=server.base_url,
        notify_email_template_id=EMAIL_TEMPLATE_ID,
        notify_sms_template_id=SMS_TEMPLATE_ID,
    )
    yield server
    server.stop()


@pytest.fixture
def smtp_sink(district: Any, settings: Any) -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 5
    SenderSetting.objects.create(organisation=district, sender="smtp", email_from="council@mid-downs.example")
    yield sink
    close_connections()
    sink.stop()


def queue_emails(organisation: Any, n: int) -> list[Notification]:
    return [
        notification_queue(
            organisation=organisation,
            channel="email",
            to=f"resident{i}@example.test",
            subject=f"Case {i}",
            body=f"Message {i}",
            case_reference=f"CASE-{i}",
        )
        for i in range(n)
    ]


def run_until_quiet(deliver_due: Any, rounds: int = 30) -> None:
    for _ in range(rounds):
        Notification.objects.filter(status=Status.CREATED).update(next_attempt_at=timezone.now())
        if not deliver_due():
            return
    raise AssertionError("the worker never finished")


def test_notify_500_429_and_timeouts_are_retried_with_nothing_lost_or_duplicated(
    district: Any, fake_notify: FakeNotifyServer, fast_retries: Any, settings: Any, deliver_due: Any
) -> None:
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.5
    sent = queue_emails(district, 6)
    fake_notify.fail_next(2, 500)
    fake_notify.fail_next(1, 429)
    fake_notify.hang_next(1, 1.5, after_store=True)  # Notify took it, but we never heard back
    fake_notify.hang_next(1, 1.5)  # Notify never took it
    run_until_quiet(deliver_due)
    references = fake_notify.state.references()
    assert sorted(references) == sorted(n.reference for n in sent)  # each exactly once
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENDING}
    assert Notification.objects.filter(accepted_at__isnull=True).count() == 0
    retried = Notification.objects.filter(attempts__gt=1).count()
    assert retried == 5
    assert NotificationEvent.objects.filter(status=Status.TECHNICAL_FAILURE).count() == 5


def test_notify_validation_error_is_a_permanent_failure_with_one_audit_event(
    district: Any, fake_notify: FakeNotifyServer, deliver_due: Any
) -> None:
    n = notification_queue(organisation=district, channel="email", to="invalid@example.test", subject="s", body="b")
    assert deliver_due() == {n.pk: Status.PERMANENT_FAILURE}
    n.refresh_from_db()
    assert "Not a valid email" in n.last_error
    assert n.attempts == 1
    audit = AuditEvent.objects.filter(action="notification.permanent_failure")
    assert audit.count() == 1
    assert audit.get().object_id == str(n.pk)
    assert deliver_due() == {}  # never retried


def test_retries_stop_at_the_cap_as_technical_failure(
    district: Any, fake_notify: FakeNotifyServer, fast_retries: Any, deliver_due: Any
) -> None:
    fast_retries.NOTIFICATIONS_MAX_ATTEMPTS = 3
    [n] = queue_emails(district, 1)
    fake_notify.fail_next(10, 503)
    run_until_quiet(deliver_due)
    n.refresh_from_db()
    assert n.status == Status.TECHNICAL_FAILURE
    assert n.attempts == 3
    assert fake_notify.state.references() == []
    assert AuditEvent.objects.filter(action="notification.technical_failure").count() == 1


def test_backoff_schedules_the_retry_later(
    district: Any, fake_notify: FakeNotifyServer, settings: Any, deliver_due: Any
) -> None:
    settings.NOTIFICATIONS_BACKOFF_BASE_SECONDS = 60
    [n] = queue_emails(district, 1)
    fake_notify.fail_next(1, 500)
    before = timezone.now()
    assert deliver_due() == {n.pk: Status.CREATED}
    n.refresh_from_db()
    assert before + timedelta(seconds=50) < n.next_attempt_at < before + timedelta(seconds=70)
    assert deliver_due() == {}  # not due yet


def test_smtp_temporary_failures_retried_then_each_delivered_once(
    district: Any, smtp_sink: SmtpSink, fast_retries: Any, deliver_due: Any
) -> None:
    sent = queue_emails(district, 5)
    smtp_sink.handler.temporary_failures = 3
    run_until_quiet(deliver_due)
    counts = smtp_sink.handler.message_ids()
    assert len(counts) == 5 and set(counts.values()) == {1}
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    received = smtp_sink.handler.messages[0]
    assert received["Reply-To"].startswith("reply+")
    assert {n.reference for n in sent} == {m["X-Townhall-Reference"] for m in smtp_sink.handler.messages}


def test_worker_that_died_before_sending_is_recovered_after_lease(
    district: Any, fake_notify: FakeNotifyServer, settings: Any, deliver_due: Any
) -> None:
    [n] = queue_emails(district, 1)
    [claim] = notification_claim_due(worker="dead-worker")  # claims, then "dies" before sending
    assert deliver_due(worker="other") == {}  # the lease protects it
    Notification.objects.filter(pk=n.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert deliver_due(worker="other") == {n.pk: Status.SENDING}
    assert notification_deliver(claim=claim, worker="dead-worker") == Status.SENDING  # the old claim is void
    assert fake_notify.state.references() == [n.reference]
    assert NotificationEvent.objects.filter(notification=n, detail__startswith="Taken again").exists()


def test_worker_that_died_after_notify_accepted_is_not_resent(
    district: Any, fake_notify: FakeNotifyServer, deliver_due: Any
) -> None:
    [n] = queue_emails(district, 1)
    claim = notification_claim(notification_id=n.pk, worker="dead-worker")
    assert claim is not None
    # It reached Notify, then the worker died before recording it.
    from townhall.notifications.senders import sender_for
    from townhall.notifications.services.delivery import _message

    sender_for(district).send_email(_message(n, claim))
    Notification.objects.filter(pk=n.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert deliver_due(worker="other") == {n.pk: Status.SENDING}
    assert fake_notify.state.references() == [n.reference]  # found by reference, not sent again
    n.refresh_from_db()
    assert n.provider_id == fake_notify.state.notifications[0]["id"]


def test_two_workers_never_claim_the_same_row(district: Any) -> None:
    queue_emails(district, 10)
    first = notification_claim_due(worker="a", limit=6)
    second = notification_claim_due(worker="b", limit=10)
    assert len(first) == 6 and len(second) == 4
    assert not {c.notification_id for c in first} & {c.notification_id for c in second}


def test_task_is_safe_to_run_twice(district: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        [n] = queue_emails(district, 1)
    assert deliver_task.call(notification_id=n.pk) == Status.DELIVERED
    assert deliver_task.call(notification_id=n.pk) == "not-due"
    n.refresh_from_db()
    assert n.attempts == 1


def test_deliver_notifications_command_runs_once(district: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    queue_emails(district, 3)
    out = StringIO()
    call_command("deliver_notifications", "--once", "--worker-id", "loop-test", stdout=out)
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    assert "Stopped after 3 deliveries" in out.getvalue()


def test_release_gives_back_unstarted_claims(district: Any) -> None:
    from townhall.notifications.services.claims import notification_release

    queue_emails(district, 3)
    notification_claim_due(worker="stopping", limit=3)
    assert notification_release(worker="stopping") == 3
    assert set(Notification.objects.values_list("status", "attempts")) == {(Status.CREATED, 0)}


def _unreachable_at_first(monkeypatch: Any, failures: int) -> list[int]:
    """Make recording an acceptance fail as a lost database connection does, ``failures`` times, then work."""
    from django.db import OperationalError

    from townhall.notifications.services import delivery

    real = delivery._record_accepted
    calls: list[int] = []

    def record(*args: Any, **kwargs: Any) -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise OperationalError("connection to server at 127.0.0.1 failed: the database system is shutting down")
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "_record_accepted", record)
    monkeypatch.setattr(delivery, "RECORD_RETRY_FIRST", 0.01)
    return calls


@pytest.mark.django_db(transaction=True)  # recording reconnects, which a test's own transaction would not survive
def test_an_accepted_message_is_recorded_once_the_database_answers_again(
    district: Any, smtp_sink: SmtpSink, monkeypatch: Any
) -> None:
    """The relay said 250, then the database went away: the worker keeps the acceptance and records it later,
    so the message is never left looking unsent (which would send it again once the lease ran out)."""
    [n] = queue_emails(district, 1)
    calls = _unreachable_at_first(monkeypatch, failures=3)
    [claim] = notification_claim_due(worker="w")
    assert notification_deliver(claim=claim, worker="w") == Status.DELIVERED
    assert len(calls) == 4
    n.refresh_from_db()
    assert n.status == Status.DELIVERED and n.accepted_at is not None and n.attempts == 1
    assert list(smtp_sink.handler.message_ids().values()) == [1]  # the relay got it once


@pytest.mark.django_db(transaction=True)
def test_recording_gives_up_when_the_lease_runs_out(district: Any, smtp_sink: SmtpSink, monkeypatch: Any) -> None:
    queue_emails(district, 1)
    _unreachable_at_first(monkeypatch, failures=1000)
    [claim] = notification_claim_due(worker="w")
    Notification.objects.filter(pk=claim.notification_id).update(
        lease_expires_at=timezone.now() + timedelta(seconds=0.2)
    )
    from django.db import OperationalError

    with pytest.raises(OperationalError):
        notification_deliver(claim=claim, worker="w")
    assert len(smtp_sink.handler.messages) == 1  # sent once; the row still says sending, as the log error warns
    assert Notification.objects.get(pk=claim.notification_id).status == Status.SENDING
