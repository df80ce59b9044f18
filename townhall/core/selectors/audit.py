"""Reading the audit trail: an organisation's events, and verification of every chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db.models import QuerySet

from townhall.core import audit_chain
from townhall.core.models import AuditEvent, Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission


def audit_event_list(
    *, organisation: Organisation, actor: Any, object_type: str = "", object_id: str = ""
) -> QuerySet[AuditEvent]:
    require(actor, organisation, Permission.VIEW_AUDIT)
    events = AuditEvent.objects.filter(organisation=organisation).select_related("actor")
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    return events.order_by("-sequence")


def _as_link(event: AuditEvent) -> dict[str, Any]:
    return {
        "chain": event.chain,
        "sequence": event.sequence,
        "organisation_id": event.organisation_id,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _chain_events(chain: str) -> Iterator[dict[str, Any]]:
    for event in AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000):
        yield _as_link(event)


def audit_chains_verify(*, chains: list[str] | None = None) -> dict[str, audit_chain.BrokenLink | None]:
    """Verify each chain (every chain when none are named). Platform operators only: run from manage.py."""
    from townhall.core.models import AuditChain

    keys = chains or list(AuditChain.objects.order_by("key").values_list("key", flat=True))
    results: dict[str, audit_chain.BrokenLink | None] = {}
    for key in keys:
        broken = audit_chain.verify(_chain_events(key))
        if broken is None:
            head = AuditChain.objects.filter(key=key).first()
            stored = AuditEvent.objects.filter(chain=key).count()
            if head is not None and head.last_sequence != stored:
                broken = audit_chain.BrokenLink(key, stored + 1, "events after it were removed")
        results[key] = broken
    return results
