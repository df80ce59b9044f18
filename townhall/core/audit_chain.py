"""The audit trail's hash chain, as pure functions: no Django.

Each event's hash is SHA-256 over ``prev_hash`` and the event's canonical JSON (sorted
keys, no spaces, ISO timestamps). Verifying walks a chain in sequence order and names the
first event whose link does not hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = (
    "chain",
    "sequence",
    "organisation_id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "data",
)


def canonical(event: Mapping[str, Any]) -> str:
    body = {name: event[name] for name in HASHED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def link_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def canonical_before_sequence(event: Mapping[str, Any]) -> str:
    """The event's canonical JSON up to its sequence: ``canonical(event)`` is this, the sequence's digits and ``}``.

    "sequence" sorts last of the hashed fields, so a database that knows only the sequence can finish the
    text and hash it (``townhall.core.services.audit`` does so on PostgreSQL).
    """
    text = canonical({**event, "sequence": 0})
    if not text.endswith('"sequence":0}'):  # pragma: no cover - only if HASHED_FIELDS gained a later name
        raise ValueError("the sequence is not the last hashed field")
    return text[: -len("0}")]


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    sequence: int
    reason: str


def verify(events: Iterable[Mapping[str, Any]]) -> BrokenLink | None:
    """Check one chain's events, given in sequence order. Returns the first broken link, or None."""
    expected_prev = GENESIS
    expected_sequence = 1
    for event in events:
        chain, sequence = event["chain"], event["sequence"]
        if sequence != expected_sequence:
            return BrokenLink(chain, expected_sequence, f"event {expected_sequence} is missing")
        if event["prev_hash"] != expected_prev:
            return BrokenLink(chain, sequence, "does not follow the event before it")
        if link_hash(event["prev_hash"], event) != event["hash"]:
            return BrokenLink(chain, sequence, "its contents were changed after it was written")
        expected_prev = event["hash"]
        expected_sequence += 1
    return None
