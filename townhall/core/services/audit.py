"""Appending to the audit trail. Called inside the transaction of the write it records.

Appending locks the chain's head row until the transaction ends, so writes to one organisation's chain
queue behind each other. A busy write (a submission records two events) can wrap itself in
``audit_deferred()``: its events are then appended together when the block ends, still inside the same
transaction, so the head is locked once and only for the last few statements before the commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.core import audit_chain
from townhall.core.models import AuditChain, AuditEvent, Organisation

PLATFORM_CHAIN = "platform"

Actor = AbstractBaseUser | AnonymousUser | None


def chain_key(organisation: Organisation | None) -> str:
    return f"org:{organisation.pk}" if organisation is not None else PLATFORM_CHAIN


def actor_label(actor: Actor, fallback: str = "system") -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return fallback
    return str(actor.get_username())


def _locked_head(key: str) -> AuditChain:
    try:  # the key is unique: a plain get, with no ordering to build
        return AuditChain.objects.select_for_update().get(key=key)
    except AuditChain.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            AuditChain.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # another transaction created it first
    return AuditChain.objects.select_for_update().get(key=key)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


_pending = threading.local()


@contextmanager
def audit_deferred() -> Iterator[None]:
    """Within this block ``audit_record`` holds its events and appends them all when the block ends.

    Use it inside ``transaction.atomic()`` and end it just before the transaction commits: the events are
    written in the same transaction, in the order they were recorded, with one lock on each chain's head.
    If the block raises, nothing is appended (the transaction is rolling back). Nested blocks join the
    outermost one. Events returned inside the block are saved (sequence, hashes, pk) when it ends.
    """
    if getattr(_pending, "events", None) is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_deferred() must run inside transaction.atomic()")
    _pending.events = []
    try:
        yield
        events: list[AuditEvent] = _pending.events
    finally:
        _pending.events = None
    _append(events)


def _append(events: list[AuditEvent]) -> None:
    """Link and write held events: each chain's head locked once, chains in a fixed order."""
    for key in sorted({event.chain for event in events}):
        head = _locked_head(key)
        for event in (e for e in events if e.chain == key):
            event.sequence = head.last_sequence + 1
            event.occurred_at = timezone.now().isoformat()  # type: ignore[assignment]
            event.prev_hash = head.last_hash
            event.hash = audit_chain.link_hash(head.last_hash, _hashed_fields(event))
            head.last_sequence, head.last_hash = event.sequence, event.hash
        AuditEvent.objects.bulk_create([e for e in events if e.chain == key])
        head.save(update_fields=["last_sequence", "last_hash"])


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
    """Append one event to the organisation's chain (or the platform's when organisation is None)."""
    held: list[AuditEvent] | None = getattr(_pending, "events", None)
    if held is not None:
        user: Any = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            chain=chain_key(organisation),
            organisation=organisation,
            actor=user,
            actor_label=actor_label(actor, actor_fallback),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=_json_safe(data or {}),
        )
        held.append(event)
        return event
    with transaction.atomic(savepoint=False):  # joins the write it records; no savepoint
        key = chain_key(organisation)
        head = _locked_head(key)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        fields: dict[str, Any] = {
            "chain": key,
            "sequence": head.last_sequence + 1,
            "organisation_id": organisation.pk if organisation is not None else None,
            "occurred_at": timezone.now().isoformat(),
            "actor_id": user.pk if user is not None else None,
            "actor_label": actor_label(actor, actor_fallback),
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "data": _json_safe(data or {}),
        }
        digest = audit_chain.link_hash(head.last_hash, fields)
        event = AuditEvent.objects.create(
            chain=key,
            sequence=fields["sequence"],
            organisation=organisation,
            occurred_at=fields["occurred_at"],
            actor=user,
            actor_label=fields["actor_label"],
            action=action,
            object_type=object_type,
            object_id=fields["object_id"],
            data=fields["data"],
            prev_hash=head.last_hash,
            hash=digest,
        )
        head.last_sequence = fields["sequence"]
        head.last_hash = digest
        head.save(update_fields=["last_sequence", "last_hash"])
        return event
