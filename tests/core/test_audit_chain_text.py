"""The canonical text PostgreSQL finishes and hashes (townhall.core.audit_chain, ADR 0017)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from townhall.core import audit_chain

text = st.text(max_size=30)


@given(
    sequence=st.integers(min_value=1, max_value=10**15),
    organisation_id=st.none() | st.integers(min_value=1, max_value=10**6),
    label=text,
    data=st.dictionaries(text, text | st.integers(), max_size=4),
)
def test_the_text_before_the_sequence_finishes_as_the_canonical_json(
    sequence: int, organisation_id: int | None, label: str, data: dict[str, object]
) -> None:
    event = {
        "chain": "org:1",
        "sequence": sequence,
        "organisation_id": organisation_id,
        "occurred_at": "2026-12-04T19:00:09.638411+00:00",
        "actor_id": None,
        "actor_label": label,
        "action": "journey.submitted",
        "object_type": "submission",
        "object_id": "HX7K-9M3T",
        "data": data,
    }
    before = audit_chain.canonical_before_sequence(event)
    assert before + str(sequence) + "}" == audit_chain.canonical(event)
