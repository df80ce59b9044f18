"""The delivery worker's writes: claim due rows, send, record the outcome, retry with backoff.

Claiming is safe for any number of workers: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` then an
UPDATE in one transaction; on SQLite a conditional UPDATE per row (only one worker's UPDATE can match).
A claim is a lease: a worker that dies leaves its row in ``sending`` with ``accepted_at`` empty, and once
``lease_expires_at`` passes another worker claims it again as a *retry*. Retries ask Notify first whether it
already holds our reference; SMTP has no such question, so the one window where a message can be sent twice
is between the relay's 250 reply and our commit of ``accepted_at`` (see docs/adr/0010-notification-outbox.md).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Q
from django.utils import timezone

from townhall.core.services.audit import audit_record
from townhall.notifications import config
from townhall.notifications.models import Channel, Notification, NotificationEvent, Status
from townhall.notifications.scheduling import backoff_delay
from townhall.notifications.senders import (
    NotificationSender,
    OutgoingMessage,
    PermanentFailure,
    ProviderResult,
    ReferenceLookup,
    TechnicalFailure,
    sender_for,
)
from townhall.notifications.senders.smtp import message_id_for
from townhall.notifications.tokens import reply_address

logger = logging.getLogger("townhall.notifications.delivery")


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
    for row in Notification.objects.raw(_sql(_CLAIM_SQL), params):
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
    """Claim one notification if it is due (the task's path)."""
    now = timezone.now()
    status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
    if status is None or not _take(notification_id, worker, now, check_due=True):
        return None
    return _claims_for([notification_id], {notification_id: status}, worker, now)[0]


def _message(notification: Notification, claim: Claim) -> OutgoingMessage:
    return OutgoingMessage(
        reference=notification.reference,
        to=notification.to,
        body=notification.body,
        subject=notification.subject,
        language=notification.language,
        reply_to=reply_address(notification.pk) if notification.channel == Channel.EMAIL else "",
        message_id=message_id_for(notification.reference),
        retry=claim.retry,
    )


def notification_load(claims: list[Claim]) -> dict[int, Notification]:
    """The claimed rows, for ``notification_deliver(preloaded=...)`` (the worker loop's batch): those the claim
    read back as it took them, and the others in one query."""
    loaded = {claim.notification_id: claim.notification for claim in claims if claim.notification is not None}
    missing = [claim.notification_id for claim in claims if claim.notification is None]
    return {**loaded, **(Notification.objects.select_related("organisation").in_bulk(missing) if missing else {})}


def _fresh(notification: Notification | None, claim: Claim) -> Notification:
    """``notification`` if it was loaded after our claim and our lease has time left for one send; else re-read.

    A row loaded at the start of a batch is still ours while our lease runs: no other worker can claim it
    before ``lease_expires_at``. Close to the end of the lease it is read again, as a lone delivery does.
    """
    if notification is not None and notification.lease_expires_at is not None:
        margin = timedelta(seconds=config.provider_timeout())
        if timezone.now() + margin < notification.lease_expires_at:
            return notification
    return Notification.objects.select_related("organisation").get(pk=claim.notification_id)


def notification_deliver(
    *,
    claim: Claim,
    worker: str,
    preloaded: dict[int, Notification] | None = None,
    senders: dict[int, NotificationSender] | None = None,
) -> str:
    """Send one claimed notification and record what happened. Returns the status it ends in.

    A worker delivering a batch passes ``preloaded`` (from ``notification_load``) and a ``senders`` dict kept
    for the batch, so each message costs no reads: only the send and the one write that records it.
    """
    notification = _fresh(preloaded.get(claim.notification_id) if preloaded else None, claim)
    if notification.status != Status.SENDING or notification.claimed_by != worker:
        return notification.status
    try:
        sender = senders.get(notification.organisation_id) if senders is not None else None
        if sender is None:
            sender = sender_for(notification.organisation_id)
            if senders is not None:
                senders[notification.organisation_id] = sender
        message = _message(notification, claim)
        result = (
            sender.find_by_reference(message.reference) if claim.retry and isinstance(sender, ReferenceLookup) else None
        )
        if result is None:
            send = sender.send_sms if notification.channel == Channel.SMS else sender.send_email
            result = send(message)
    except PermanentFailure as exc:
        return _fail(notification, worker, claim, exc.detail)
    except TechnicalFailure as exc:
        return _retry_later(notification, worker, claim, exc.detail)
    except Exception as exc:  # a sender bug or bad configuration must not lose the message
        logger.exception("Sending notification %s failed unexpectedly", notification.pk)
        return _retry_later(notification, worker, claim, f"{exc.__class__.__name__}: {exc}")
    return _accepted(notification, worker, claim, result)


_ACCEPT_SQL = """
WITH accepted AS (
    UPDATE {notification} SET status = %(status)s, accepted_at = %(now)s, completed_at = %(completed)s,
        provider = %(provider)s, provider_id = %(provider_id)s, lease_expires_at = NULL, last_error = '',
        updated_at = %(now)s
    WHERE id = %(id)s AND claimed_by = %(worker)s AND status = %(sending)s
    RETURNING id
)
INSERT INTO {event} (notification_id, occurred_at, status, attempt, detail)
SELECT id, %(now)s, %(status)s, %(attempt)s, %(detail)s FROM accepted
"""
_local = threading.local()


@cache
def _sql(template: str) -> str:
    """A PostgreSQL statement with its table names, built once (the claim and the acceptance run all the time)."""
    quote = connection.ops.quote_name
    return template.format(
        notification=quote(Notification._meta.db_table), event=quote(NotificationEvent._meta.db_table)
    )


def _binding_cursor(db: BaseDatabaseWrapper) -> psycopg.Cursor[Any]:
    """This thread's cursor that binds on the server, kept as long as its connection. The acceptance runs on it
    prepared (once per connection), so neither side parses, plans or quotes it again for every message. Django opens
    connections with prepare_threshold=None (nothing is prepared); allowing it here changes nothing for Django's own
    cursors, which bind on the client. Behind PgBouncer in transaction mode this needs 1.21+ (docs/scaling.md)."""
    db.ensure_connection()
    raw = db.connection
    kept: tuple[Any, psycopg.Cursor[Any]] | None = getattr(_local, "cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 0
        kept = _local.cursor = (raw, psycopg.Cursor(raw))
    return kept[1]


def _accepted(notification: Notification, worker: str, claim: Claim, result: ProviderResult) -> str:
    now = timezone.now()
    status = Status.DELIVERED if result.outcome == "delivered" else Status.SENDING
    detail = result.detail or (f"Accepted by {result.provider}" if status == Status.SENDING else "")
    db = connections[DEFAULT_DB_ALIAS]  # (the ``connection`` proxy looks this up again for every attribute)
    if db.vendor == "postgresql":
        # The same conditional UPDATE and event INSERT as below, as one statement: one round trip and, outside
        # a transaction, one commit, straight after the 250. (Fewer round trips also shorten the window in
        # which a crash would send the message again.)
        params = {
            "status": str(status),
            "now": now,  # named, so a value used three times is sent once
            "completed": now if status == Status.DELIVERED else None,
            "provider": result.provider,
            "provider_id": result.provider_id,
            "detail": detail,
            "id": notification.pk,
            "worker": worker,
            "sending": str(Status.SENDING),
            "attempt": claim.attempt,
        }
        cursor = _binding_cursor(db)
        cursor.execute(_sql(_ACCEPT_SQL), params, prepare=True)
        if cursor.rowcount != 1:
            logger.warning("Notification %s was taken by another worker after its lease ran out", notification.pk)
            return Status.SENDING
        return status
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification.pk, claimed_by=worker, status=Status.SENDING).update(
            status=status,
            accepted_at=now,
            completed_at=now if status == Status.DELIVERED else None,
            provider=result.provider,
            provider_id=result.provider_id,
            lease_expires_at=None,
            last_error="",
            updated_at=now,
        )
        if not updated:
            logger.warning("Notification %s was taken by another worker after its lease ran out", notification.pk)
            return Status.SENDING
        NotificationEvent.objects.create(
            notification=notification, occurred_at=now, status=status, attempt=claim.attempt, detail=detail
        )
    return status


def _release(notification: Notification, worker: str, **fields: object) -> bool:
    now = timezone.now()
    return bool(
        Notification.objects.filter(pk=notification.pk, claimed_by=worker, status=Status.SENDING).update(
            claimed_by="", lease_expires_at=None, updated_at=now, **fields
        )
    )


def _retry_later(notification: Notification, worker: str, claim: Claim, detail: str) -> str:
    if claim.attempt >= config.max_attempts():
        return _fail(notification, worker, claim, detail, status=Status.TECHNICAL_FAILURE)
    now = timezone.now()
    when = now + backoff_delay(claim.attempt, base=config.backoff_base(), cap=config.backoff_cap())
    if notification.channel == Channel.SMS:
        when = config.quiet_hours().next_allowed(when)
    with transaction.atomic():
        if not _release(notification, worker, status=Status.CREATED, next_attempt_at=when, last_error=detail):
            return Status.SENDING
        NotificationEvent.objects.create(
            notification=notification,
            occurred_at=now,
            status=Status.TECHNICAL_FAILURE,
            attempt=claim.attempt,
            detail=f"{detail} — trying again after {when.isoformat(timespec='seconds')}",
        )
        transaction.on_commit(partial(_enqueue_retry, notification.pk, when))
    return Status.CREATED


def _fail(
    notification: Notification, worker: str, claim: Claim, detail: str, *, status: str = Status.PERMANENT_FAILURE
) -> str:
    now = timezone.now()
    with transaction.atomic():
        if not _release(notification, worker, status=status, last_error=detail, completed_at=now):
            return Status.SENDING
        NotificationEvent.objects.create(
            notification=notification, occurred_at=now, status=status, attempt=claim.attempt, detail=detail
        )
        audit_record(
            organisation=notification.organisation,
            actor=None,
            action=f"notification.{status.replace('-', '_')}",
            object_type="notification",
            object_id=notification.pk,
            data={
                "reference": notification.reference,
                "channel": notification.channel,
                "kind": notification.kind,
                "case_reference": notification.case_reference,
                "attempts": claim.attempt,
                "error": detail,
            },
            actor_fallback="notifications",
        )
    return status


def _enqueue_retry(notification_id: int, run_after: datetime) -> None:
    from townhall.notifications.tasks import deliver_task

    if deliver_task.get_backend().supports_defer:
        deliver_task.using(run_after=run_after).enqueue(notification_id=notification_id)
    # else: the deliver_notifications loop picks the row up when it is due


def notification_release(*, worker: str) -> int:
    """Give back rows this worker claimed but has not started (a clean shutdown part-way through a batch)."""
    return Notification.objects.filter(claimed_by=worker, status=Status.SENDING, accepted_at__isnull=True).update(
        status=Status.CREATED,
        claimed_by="",
        lease_expires_at=None,
        attempts=F("attempts") - 1,
        updated_at=timezone.now(),
    )
