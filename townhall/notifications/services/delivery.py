"""The delivery worker's writes once it holds a claim (``claims``): send, record the outcome, retry with backoff.

Retries ask Notify first whether it already holds our reference; SMTP has no such question, so the one window
where a message can be sent twice is between the relay's 250 reply and our commit of ``accepted_at`` (see
docs/adr/0010-notification-outbox.md). A retry waits in the outbox until its ``next_attempt_at``, when a
delivery loop claims it like any other due row.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone

from townhall.core.postgresql.binding import binding_cursor
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
from townhall.notifications.services.claims import Claim, pg_statement
from townhall.notifications.tokens import reply_address

logger = logging.getLogger("townhall.notifications.delivery")


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


# How long to wait between tries at recording an acceptance while the database does not answer, and what
# "does not answer" is: a lost or refused connection (Django's wrappers, and psycopg's own from the kept cursor).
RECORD_RETRY_FIRST, RECORD_RETRY_MOST = 0.2, 5.0
_UNREACHABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def _accepted(notification: Notification, worker: str, claim: Claim, result: ProviderResult) -> str:
    """Record the provider's acceptance, trying again while the database is unreachable.

    The provider has the message now. Giving up here would leave the row looking unsent, and once the lease ran
    out another worker would send it again; so the worker keeps trying for as long as its lease lasts (a
    database restart takes seconds, the lease minutes), reconnecting each time.
    """
    delay = RECORD_RETRY_FIRST
    while True:
        try:
            return _record_accepted(notification, worker, claim, result)
        except _UNREACHABLE as exc:
            lease = notification.lease_expires_at
            if lease is None or timezone.now() + timedelta(seconds=delay) >= lease:
                logger.error(
                    "Notification %s was accepted by %s but the database could not record it before the lease ran "
                    "out: it may be sent again",
                    notification.pk,
                    result.provider,
                )
                raise
            logger.warning(
                "Notification %s was accepted by %s; recording it failed (%s), trying again in %.1f s",
                notification.pk,
                result.provider,
                exc.__class__.__name__,
                delay,
            )
            connections[DEFAULT_DB_ALIAS].close()  # a fresh connection next time
            time.sleep(delay)
            delay = min(delay * 2, RECORD_RETRY_MOST)


def _record_accepted(notification: Notification, worker: str, claim: Claim, result: ProviderResult) -> str:
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
        cursor = binding_cursor(db)  # the acceptance is prepared once per connection
        cursor.execute(pg_statement(_ACCEPT_SQL), params, prepare=True)
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
