"""core/local_cache.py: a few seconds' memory of lookups, never of failures, forgotten by the writes."""

from __future__ import annotations

import pytest
from django.db import transaction

from townhall.core.local_cache import forget, forget_all, remembered


def test_a_found_value_is_read_once_and_a_copy_given_each_time() -> None:
    reads: list[int] = []

    def read() -> dict[str, list[int]]:
        reads.append(1)
        return {"roles": [1, 2]}

    first = remembered("thing", ("a", None, 3), read)
    first["roles"].append(99)  # a request changing its copy changes nobody else's
    again = remembered("thing", ("a", None, 3), read)
    assert again == {"roles": [1, 2]} and len(reads) == 1
    assert remembered("thing", ("a", None, 4), read) == {"roles": [1, 2]} and len(reads) == 2


def test_nothing_not_found_and_no_failure_is_kept() -> None:
    calls: list[int] = []

    def missing() -> None:
        calls.append(1)

    def failing() -> int:
        calls.append(1)
        raise LookupError("not there")

    assert remembered("thing", ("x",), missing) is None
    assert remembered("thing", ("x",), missing) is None
    for _ in range(2):
        with pytest.raises(LookupError):
            remembered("thing", ("y",), failing)
    assert len(calls) == 4


def test_any_key_a_request_sends_is_safe_to_use() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns of keys memcached would refuse
        remembered("published-version", ("ñ\x0c 😀" * 200, None), lambda: 1)
        assert remembered("published-version", ("ñ\x0c 😀" * 200, None), lambda: 2) == 1


@pytest.mark.django_db(transaction=True)
def test_forgetting_inside_a_write_forgets_again_when_it_commits() -> None:
    with transaction.atomic():
        remembered("thing", ("k",), lambda: "old")
        forget_all()
        assert remembered("thing", ("k",), lambda: None) is None
        remembered("thing", ("k",), lambda: "read before the commit")  # another request, mid-write
    assert remembered("thing", ("k",), lambda: "fresh") == "fresh"


def test_forgetting_one_lookup_keeps_the_others() -> None:
    remembered("thing", ("a",), lambda: "a")
    remembered("thing", ("b",), lambda: "b")
    forget("thing", ("a",))
    assert remembered("thing", ("a",), lambda: "read again") == "read again"
    assert remembered("thing", ("b",), lambda: "read again") == "b"
