"""Claiming outbox rows for a delivery worker: which worker sends which message, and when.

Claiming is safe for any number of workers: on PostgreSQL one statement locks due rows with ``FOR UPDATE
SKIP LOCKED`` and takes them; on SQLite a conditional UPDATE per row (only one worker's UPDATE can match).
A claim is a lease: a worker that dies leaves its row in ``sending`` with ``accepted_at`` empty, and once
``lease_expires_at`` passes another worker claims it again as a *retry*.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from townhall.notifications import config
from townhall.notifications.models import Notification, NotificationEvent, Status


def worker_name(prefix: str = "task") -> str:
    """The name a worker claims rows under (``claimed_by``): its kind, host and process."""
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    notification_id: int
    attempt: int
    retry: bool
    recovered: bool
    # The row as our claim left it, when the claim read it back (PostgreSQL): ``notification_load`` uses it.
    notification: Notification | None = field(default=None, compare=False, repr=False)


def _waiting(now: datetime) -> Q:
    return Q(status=Status.CREATED, next_attempt_at__lte=now)


def _abandoned(now: datetime) -> Q:
    return Q(status=Status.SENDING, accepted_at__isnull=True, lease_expires_at__lt=now)


def _due(now: datetime) -> Q:
    return _waiting(now) | _abandoned(now)


def _take(pk: int, worker: str, now: datetime, *, check_due: bool) -> int:
    rows = Notification.objects.filter(pk=pk)
    if check_due:
        rows = rows.filter(_due(now))
    return rows.update(
        status=Status.SENDING,
        claimed_by=worker,
        lease_expires_at=now + timedelta(seconds=config.lease_seconds()),
        attempts=F("attempts") + 1,
        updated_at=now,
    )


# The claim on PostgreSQL, one statement: lock up to ``limit`` due rows, abandoned ones (``_abandoned``) before
# waiting ones (``_waiting``), each part walking the ``notification_due`` index in order (one query with
# ``waiting OR abandoned`` must sort every due row before it can stop: ~0.4 s a batch with 100,000 queued); take
# them and write their ``sending`` events; return the rows as taken. The LIMIT over the UNION stops reading the
# waiting part once it has enough, so no more rows are locked than are taken.
_CLAIM_SQL = """
WITH abandoned AS (
    SELECT id, status FROM {notification}
    WHERE status = %(sending)s AND accepted_at IS NULL AND lease_expires_at < %(now)s
    ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
), waiting AS (
    SELECT id, status FROM {notification} WHERE status = %(created)s AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
), locked AS (
    (SELECT id, status FROM abandoned UNION ALL SELECT id, status FROM waiting) LIMIT %(limit)s
), claimed AS (
    UPDATE {notification} AS n SET status = %(sending)s, claimed_by = %(worker)s, lease_expires_at = %(lease)s,
        attempts = n.attempts + 1, updated_at = %(now)s
    FROM locked WHERE n.id = locked.id
    RETURNING n.*, locked.status AS claimed_from
), events AS (
    INSERT INTO {event} (notification_id, occurred_at, status, attempt, detail)
    SELECT id, %(now)s, %(sending)s, attempts, CASE WHEN claimed_from = %(sending)s THEN %(detail)s ELSE '' END
    FROM claimed
)
SELECT * FROM claimed
"""
_RECOVERED = "Taken again after a worker stopped part-way"


def _claim_due_postgresql(worker: str, limit: int, now: datetime) -> list[Claim]:
    """One round trip instead of five (BEGIN, two locking SELECTs, the UPDATE, COMMIT) and no ORM query building;
    the rows come back for ``notification_load``, without building and compiling an event object per row."""
    lease = now + timedelta(seconds=config.lease_seconds())
    params = {"sending": str(Status.SENDING), "created": str(Status.CREATED), "worker": worker, "limit": limit}
    params |= {"lease": lease, "now": now, "detail": _RECOVERED}
    claims = []
    for row in Notification.objects.raw(pg_statement(_CLAIM_SQL), params):
        recovered = getattr(row, "claimed_from") == Status.SENDING  # noqa: B009  (a column the statement adds)
        claims.append(Claim(row.pk, row.attempts, retry=row.attempts > 1, recovered=recovered, notification=row))
    return sorted(claims, key=lambda c: c.notification_id)


def _claims_for(ids: list[int], previous: dict[int, str], worker: str, now: datetime) -> list[Claim]:
    claims = []
    events = []
    for pk, attempts in Notification.objects.filter(pk__in=ids, claimed_by=worker).values_list("pk", "attempts"):
        recovered = previous.get(pk) == Status.SENDING
        claims.append(Claim(pk, attempts, retry=attempts > 1, recovered=recovered))
        detail = _RECOVERED if recovered else ""
        events.append(
            NotificationEvent(
                notification_id=pk, occurred_at=now, status=Status.SENDING, attempt=attempts, detail=detail
            )
        )
    NotificationEvent.objects.bulk_create(events)
    return sorted(claims, key=lambda c: c.notification_id)


def notification_claim_due(*, worker: str, limit: int = 50) -> list[Claim]:
    """Claim up to ``limit`` due notifications for this worker."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _claim_due_postgresql(worker, limit, now)
    with transaction.atomic():
        candidates = list(
            Notification.objects.filter(_due(now)).order_by("next_attempt_at", "pk").values_list("pk", "status")[:limit]
        )
    previous = {}
    for pk, status in candidates:
        if _take(pk, worker, now, check_due=True):
            previous[pk] = status
    return _claims_for(list(previous), previous, worker, now)


def notification_claim(*, notification_id: int, worker: str) -> Claim | None:
    """Claim one notification if it is due (``deliver_task``'s path)."""
    now = timezone.now()
    status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
    if status is None or not _take(notification_id, worker, now, check_due=True):
        return None
    return _claims_for([notification_id], {notification_id: status}, worker, now)[0]


@cache
def pg_statement(template: str) -> str:
    """A PostgreSQL statement with its table names, built once (the claim and the acceptance run all the time)."""
    quote = connection.ops.quote_name
    return template.format(
        notification=quote(Notification._meta.db_table), event=quote(NotificationEvent._meta.db_table)
    )


def notification_release(*, worker: str) -> int:
    """Give back rows this worker claimed but has not started (a clean shutdown part-way through a batch)."""
    return Notification.objects.filter(claimed_by=worker, status=Status.SENDING, accepted_at__isnull=True).update(
        status=Status.CREATED,
        claimed_by="",
        lease_expires_at=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
