"""Appending to the audit trail. Called inside the transaction of the write it records.

Appending locks the chain's head row until the transaction ends, so writes to one organisation's chain
queue behind each other. A busy write (a submission records two events) can wrap itself in
``audit_deferred()``: its events are then appended together when the block ends, still inside the same
transaction, so the head is locked once and only for the last few statements before the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.core import audit_chain
from townhall.core.inserts import (
    Tail,
    held_list,
    insert_select_sql,
    insert_sql,
    insert_together,
    mark_saved,
    new_row,
    rows_held,
)
from townhall.core.models import AuditChain, AuditEvent, Organisation

PLATFORM_CHAIN = "platform"

Actor = AbstractBaseUser | AnonymousUser | None


def chain_key(organisation: Organisation | None) -> str:
    return f"org:{organisation.pk}" if organisation is not None else PLATFORM_CHAIN


def actor_label(actor: Actor, fallback: str = "system") -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return fallback
    return str(actor.get_username())


def _advance_head(key: str, count: int) -> tuple[int, str]:
    """Lock the chain's head and move it on by ``count`` events: the sequence and hash it had before.

    One ``UPDATE ... RETURNING`` takes the lock and reads the head; the new hash is written with the events.
    """
    with transaction.get_connection().cursor() as cursor:
        for _attempt in range(2):
            cursor.execute(
                "UPDATE core_auditchain SET last_sequence = last_sequence + %s WHERE key = %s"
                " RETURNING last_sequence, last_hash",
                [count, key],
            )
            found = cursor.fetchone()
            if found is not None:
                return int(found[0]) - count, str(found[1])
            try:  # the chain's first event
                with transaction.atomic():
                    AuditChain.objects.get_or_create(key=key)
            except IntegrityError:
                pass  # another transaction created it first
    raise RuntimeError(f"audit chain {key} could not be created")  # pragma: no cover


def _write_events(key: str, events: list[AuditEvent], last_hash: str) -> None:
    """Insert a chain's linked events and record its new last hash; on PostgreSQL in one statement."""
    connection = transaction.get_connection()
    sql, params = insert_sql(events, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH e AS ({sql}), h AS (UPDATE core_auditchain SET last_hash = %s WHERE key = %s)"  # noqa: S608
                " SELECT e.key FROM e",
                [*params, last_hash, key],
            )
        else:
            cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
        if connection.vendor != "postgresql":
            cursor.execute("UPDATE core_auditchain SET last_hash = %s WHERE key = %s", [last_hash, key])
    mark_saved(events, keys, connection.alias)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


_pending = threading.local()


@contextmanager
def audit_deferred() -> Iterator[None]:
    """Within this block ``audit_record`` holds its events and appends them all when the block ends.

    Use it inside ``transaction.atomic()`` and end it just before the transaction commits: the events are
    written in the same transaction, in the order they were recorded, with one lock on each chain's head.
    If the block raises, nothing recorded inside it is appended: the transaction is rolling back, or the
    caller is trying the write again. Nested blocks join the outermost one. Events returned inside the
    block are saved (sequence, hashes, pk) when it ends.
    """
    held: list[AuditEvent] | None = getattr(_pending, "events", None)
    if held is not None:
        mark = len(held)
        try:
            yield
        except BaseException:
            del held[mark:]
            raise
        return
    with _events_held() as events:
        yield
    _append(events)


def _events_held() -> AbstractContextManager[list[AuditEvent]]:
    return held_list(_pending, "events")


@contextmanager
def written_together() -> Iterator[None]:
    """Hold a write's new rows (``insert``) and audit events (``audit_record``); write them as the block ends.

    On PostgreSQL, with the events in one chain, that is one statement: the rows, then the chain's head
    locked and moved on (or made, for a chain's first events) and the events linked to it, by the database
    (``_chain_tail``), so the head is locked only from that statement to the commit; inside
    ``core.transactions.atomic_write()`` the statement may be the whole transaction (ADR 0018). Elsewhere
    the rows are written as ``inserts_held()`` writes them, then the events appended as ``audit_deferred()``
    appends them. If a unique index refuses the first row, nothing is written and ``FirstRowRefused`` comes
    from the end of the block.
    """
    if getattr(_pending, "events", None) is not None:
        raise RuntimeError("written_together() cannot run inside audit_deferred()")
    with rows_held() as rows, _events_held() as events:
        yield
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not rows or len({e.chain for e in events}) != 1:
        insert_together(rows)
        _append(events)
        return
    _stamp(events)
    linked = insert_together(rows, tail=_chain_tail(events, len(rows), connection))
    for event, (sequence, prev_hash, digest) in zip(events, _by_event(linked[1:]), strict=True):
        event.sequence, event.prev_hash, event.hash = sequence, prev_hash, digest  # as PostgreSQL wrote them
    mark_saved(events, linked[1::4], connection.alias)


def _by_event(found: list[Any]) -> list[tuple[Any, ...]]:
    """(sequence, prev_hash, hash) for each event, from the statement's key, sequence, prev_hash, hash ..."""
    return [tuple(found[i + 1 : i + 4]) for i in range(0, len(found), 4)]


def _chain_tail(events: list[AuditEvent], row_count: int, connection: Any) -> Tail:
    """The statement's end: the head moved on by len(events), and the events, hashed by PostgreSQL.

    An event's hash is SHA-256 over the previous hash and its canonical JSON (``audit_chain``); only the
    sequence is not known until the head is locked, and it is the JSON's last field, so each hash is
    ``sha256(previous || text before the sequence || sequence || '}')``. The head keeps the hash it had in
    ``prior_hash`` so the events can follow it. The head is updated only once every row is written
    (``EXISTS``), so a repeated key waits on the first transaction's row, not on the head it holds. A chain
    with no head yet gets one (``INSERT ... ON CONFLICT DO UPDATE``), so the statement never leaves its
    events to a statement after it.
    """
    prefixes = [audit_chain.canonical_before_sequence(_hashed_fields(event)) for event in events]

    def hashes(previous: str, base: str) -> list[tuple[str, list[Any]]]:
        chained, params = previous, list[Any]()
        found: list[tuple[str, list[Any]]] = []
        for k, prefix in enumerate(prefixes, start=1):
            chained = (
                f"encode(sha256(convert_to({chained} || %s::text || ({base} + {k})::text || '}}', 'UTF8')), 'hex')"
            )
            params = [*params, prefix]
            found.append((chained, params))
        return found

    n, every_row = len(events), ", ".join(f"r{i}" for i in range(row_count))
    first_sql, first_params = hashes(f"'{audit_chain.GENESIS}'", "0")[-1]  # the chain's first events: a new head
    last_sql, last_params = hashes("head.last_hash", "head.last_sequence")[-1]
    tail = Tail(
        ctes=[
            "h AS (INSERT INTO core_auditchain AS head (key, last_sequence, prior_hash, last_hash)"  # noqa: S608
            f" SELECT %s, {n}, '{audit_chain.GENESIS}', {first_sql} WHERE EXISTS (SELECT 1 FROM {every_row})"
            f" ON CONFLICT (key) DO UPDATE SET last_sequence = head.last_sequence + {n},"
            f" prior_hash = head.last_hash, last_hash = {last_sql}"
            f" RETURNING head.last_sequence - {n} AS base, head.prior_hash AS prev)"
        ],
        params=[events[0].chain, *first_params, *last_params],
        results=["(SELECT base FROM h)"],
    )
    linked = hashes("h.prev", "h.base")
    written = ("sequence", "prev_hash", "hash")
    for k, event in enumerate(events, start=1):
        prev = linked[k - 2] if k > 1 else ("h.prev", [])
        columns = {"sequence": (f"h.base + {k}", []), "prev_hash": prev, "hash": linked[k - 1]}
        sql, params = insert_select_sql(event, connection, "h", columns, also=written)
        tail.ctes.append(f"a{k} AS ({sql})")
        tail.params.extend(params)
        tail.results += [f"(SELECT {column} FROM a{k})" for column in ("key", *written)]  # noqa: S608
    return tail


def _stamp(events: list[AuditEvent]) -> None:
    for event in events:
        event.occurred_at = timezone.now().isoformat()  # type: ignore[assignment]


def _link(events: list[AuditEvent], sequence: int, last_hash: str) -> str:
    """Number and hash events after ``sequence`` and ``last_hash``; returns the last event's hash."""
    for event in events:
        sequence += 1
        event.sequence = sequence
        event.prev_hash = last_hash
        event.hash = last_hash = audit_chain.link_hash(last_hash, _hashed_fields(event))
    return last_hash


def _append(events: list[AuditEvent]) -> None:
    """Link and write events: each chain's head locked once, chains in a fixed order."""
    for key in sorted({event.chain for event in events}):
        chained = [e for e in events if e.chain == key]
        sequence, last_hash = _advance_head(key, len(chained))
        _stamp(chained)
        _write_events(key, chained, _link(chained, sequence, last_hash))


def _hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "sequence": event.sequence,
        "organisation_id": event.organisation_id,
        "occurred_at": event.occurred_at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
    }


def audit_record(
    *,
    organisation: Organisation | None,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    data: dict[str, Any] | None = None,
    actor_fallback: str = "system",
) -> AuditEvent:
    """Append one event to the organisation's chain (or the platform's when organisation is None).

    Inside ``audit_deferred()`` the event is held and appended when the block ends.
    """
    user: Any = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    event = new_row(
        AuditEvent,
        chain=chain_key(organisation),
        organisation=organisation,
        actor=user,
        actor_label=actor_label(actor, actor_fallback),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=_json_safe(data or {}),
    )
    held: list[AuditEvent] | None = getattr(_pending, "events", None)
    if held is not None:
        held.append(event)
    else:
        with transaction.atomic(savepoint=False):  # joins the write it records; no savepoint
            _append([event])
    return event
