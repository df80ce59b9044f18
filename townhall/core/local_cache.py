"""Each web process's own short memory of lookups that every request makes and few writes change.

An API call reads its key (with the roles of the key's service user) and the published definition it
names; reading them from the database costs more than a third of a submission's web CPU. This keeps
each for ``LOCAL_CACHE_SECONDS`` (default 5; 0 turns it off) in Django's in-memory cache, which pickles
what it holds, so every request gets its own model instances and no request sees another's changes.

A write that changes one of them (revoking a key, a change of roles, publishing or retiring a version)
calls ``forget_all()``: the process that made it sees it at once, every other process within
``LOCAL_CACHE_SECONDS``. docs/adr/0015-fewer-reads-on-every-submission.md says why that is
safe enough. Nothing that was not found is kept, so a new key or service works at once everywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches
from django.db import transaction

T = TypeVar("T")


def _key(what: str, by: tuple[object, ...]) -> str:
    """A short, safe cache key: the parts may be anything a request sent (a service's slug, say)."""
    return f"{what}:{hashlib.sha256(repr(by).encode()).hexdigest()}"


def remembered(what: str, by: tuple[object, ...], read: Callable[[], T]) -> T:
    """What ``read()`` returns for ``what`` found by ``by``, kept for a few seconds unless it is None.

    Exceptions pass through and nothing is kept, so a lookup that fails costs the database every time.
    """
    cache = caches["local"]
    key = _key(what, by)
    found: T | None = cache.get(key)
    if found is None:
        found = read()
        if found is not None:
            cache.set(key, found)
    return found


def forget(what: str, by: tuple[object, ...]) -> None:
    """Drop what is remembered for ``what`` found by ``by``: the next ``remembered`` reads it again."""
    caches["local"].delete(_key(what, by))


def forget_all() -> None:
    """Drop everything this process holds, for a write that changes keys, roles or definitions.

    Called inside the write's transaction, it drops it now and again once the transaction commits, so a
    read made between the two cannot keep what the write is changing.
    """
    cache = caches["local"]
    cache.clear()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(cache.clear)
