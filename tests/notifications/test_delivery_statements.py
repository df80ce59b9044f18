"""What the worker's few statements write: the claim (one statement on PostgreSQL, which also reads the rows
back for the batch), the acceptance (one prepared statement) and the loop's output, checked row by row."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from townhall.notifications.models import Notification, NotificationEvent, Status
from townhall.notifications.senders import OutgoingMessage, PermanentFailure, ProviderResult
from townhall.notifications.services import notification_queue
from townhall.notifications.services.claims import notification_claim_due
from townhall.notifications.services.delivery import notification_deliver, notification_load

RECOVERED = "Taken again after a worker stopped part-way"


def _queue(organisation: Any, n: int) -> list[Notification]:
    return [
        notification_queue(organisation=organisation, channel="email", to=f"r{i}@example.test", subject="s", body="b")
        for i in range(n)
    ]


def _abandon(notification: Notification) -> None:
    """As a worker leaves a row it died holding: sending, not accepted, lease run out."""
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, claimed_by="dead", attempts=1, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


class Relay:
    """A sender that takes every email, as an SMTP relay that answers 250."""

    name = "smtp"

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send_email(self, message: OutgoingMessage) -> ProviderResult:
        self.sent.append(message)
        return ProviderResult(provider="smtp", provider_id=message.message_id, outcome="delivered")

    def send_sms(self, message: OutgoingMessage) -> ProviderResult:
        raise PermanentFailure("no")


def test_a_claim_leases_due_rows_and_records_one_sending_event_each(district: Any, settings: Any) -> None:
    settings.NOTIFICATIONS_LEASE_SECONDS = 120
    first, second, third = _queue(district, 3)
    _abandon(third)
    before = timezone.now()
    [taken] = notification_claim_due(worker="w1", limit=1)
    # PostgreSQL takes abandoned rows before waiting ones; SQLite takes due rows in next_attempt_at order.
    assert taken.notification_id == (third.pk if connection.vendor == "postgresql" else first.pk)
    claims = [taken, *notification_claim_due(worker="w1", limit=10)]
    assert sorted((c.notification_id, c.attempt, c.retry, c.recovered) for c in claims) == [
        (first.pk, 1, False, False),
        (second.pk, 1, False, False),
        (third.pk, 2, True, True),
    ]
    for row in Notification.objects.filter(pk__in=[first.pk, second.pk, third.pk]):
        assert (row.status, row.claimed_by, row.accepted_at) == (Status.SENDING, "w1", None)
        assert row.lease_expires_at is not None
        assert before + timedelta(seconds=119) < row.lease_expires_at < timezone.now() + timedelta(seconds=121)
        assert row.updated_at >= before
    events = NotificationEvent.objects.filter(status=Status.SENDING).order_by("notification_id")
    assert [(e.notification_id, e.attempt, e.detail) for e in events] == [
        (first.pk, 1, ""),
        (second.pk, 1, ""),
        (third.pk, 2, RECOVERED),
    ]
    assert notification_claim_due(worker="w2", limit=10) == []  # all leased


def test_abandoned_rows_come_before_the_oldest_waiting_ones_up_to_the_limit(district: Any) -> None:
    rows = _queue(district, 6)
    for row in rows[-2:]:
        _abandon(row)
    taken = {c.notification_id for c in notification_claim_due(worker="w1", limit=3)}
    if connection.vendor == "postgresql":
        assert taken == {rows[0].pk, rows[4].pk, rows[5].pk}
    else:  # SQLite: one query, due rows in next_attempt_at order
        assert taken == {r.pk for r in rows[:3]}
    rest = {c.notification_id for c in notification_claim_due(worker="w2", limit=10)}
    assert rest == {r.pk for r in rows} - taken  # the rest is left for the next claim
    assert set(Notification.objects.values_list("claimed_by", flat=True)) == {"w1", "w2"}


def test_the_batch_is_read_by_the_claim_itself_on_postgresql(district: Any) -> None:
    _queue(district, 3)
    with CaptureQueriesContext(connection) as statements:
        claims = notification_claim_due(worker="w1", limit=10)
    sent = [q["sql"] for q in statements.captured_queries if "SAVEPOINT" not in q["sql"]]
    postgres = connection.vendor == "postgresql"
    if postgres:  # one statement locks, takes and reads back the rows, and writes their events
        assert len(sent) == 1 and sent[0].lstrip().startswith("WITH abandoned AS")
    with CaptureQueriesContext(connection) as loading:
        loaded = notification_load(claims)
    assert len(loading.captured_queries) == (0 if postgres else 1)
    for claim in claims:
        stored = Notification.objects.get(pk=claim.notification_id)
        row = loaded[claim.notification_id]
        fields = [f.attname for f in Notification._meta.concrete_fields]
        assert {f: getattr(row, f) for f in fields} == {f: getattr(stored, f) for f in fields}


def test_acceptance_records_the_outcome_and_one_event(district: Any) -> None:
    [n] = _queue(district, 1)
    claims = notification_claim_due(worker="w1")
    relay = Relay()
    status = notification_deliver(
        claim=claims[0], worker="w1", preloaded=notification_load(claims), senders={district.pk: relay}
    )
    assert status == Status.DELIVERED
    n.refresh_from_db()
    assert (n.status, n.provider, n.provider_id, n.lease_expires_at, n.last_error) == (
        Status.DELIVERED,
        "smtp",
        f"<{n.reference}@replies.townhall.localhost>",
        None,
        "",
    )
    assert n.accepted_at is not None and n.completed_at == n.accepted_at == n.updated_at
    [event] = NotificationEvent.objects.filter(notification=n, status=Status.DELIVERED)
    assert (event.attempt, event.detail, event.occurred_at) == (1, "", n.accepted_at)
    [message] = relay.sent
    assert message.message_id == n.provider_id and message.reply_to.startswith("reply+")


def test_acceptance_never_overwrites_a_row_another_worker_took_over(district: Any) -> None:
    [n] = _queue(district, 1)
    claims = notification_claim_due(worker="w1")
    preloaded = notification_load(claims)  # w1 read it while the row was still its own
    Notification.objects.filter(pk=n.pk).update(claimed_by="w2")  # then its lease ran out and w2 claimed it
    status = notification_deliver(claim=claims[0], worker="w1", preloaded=preloaded, senders={district.pk: Relay()})
    assert status == Status.SENDING
    n.refresh_from_db()
    assert (n.status, n.claimed_by, n.accepted_at, n.provider) == (Status.SENDING, "w2", None, "")
    assert not NotificationEvent.objects.filter(notification=n, status=Status.DELIVERED).exists()


def test_the_loop_writes_one_line_per_message_once_per_batch(district: Any) -> None:
    import gc

    sent = _queue(district, 5)
    out = StringIO()
    call_command("deliver_notifications", "--once", "--batch-size", "2", stdout=out)
    lines = out.getvalue().splitlines()
    assert sorted(lines[:-1]) == sorted(f"{n.pk} attempt 1: delivered" for n in sent)
    assert lines[-1] == "Stopped after 5 deliveries; gave back 0 not yet started"
    assert gc.get_freeze_count() == 0  # what the command set aside from the collector is given back
