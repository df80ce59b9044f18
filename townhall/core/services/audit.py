"""Appending to the audit trail. Called inside the transaction of the write it records."""

from __future__ import annotations

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
    try:
        with transaction.atomic():
            AuditChain.objects.get_or_create(key=key)
    except IntegrityError:
        pass  # another transaction created it first
    return AuditChain.objects.select_for_update().get(key=key)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))  # type: ignore[no-any-return]


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
    with transaction.atomic():
        key = chain_key(organisation)
        head = _locked_head(key)
        user: Any = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
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
