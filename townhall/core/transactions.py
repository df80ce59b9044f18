"""A write whose only statement is its whole transaction commits as that statement ends (ADR 0018).

A submission on PostgreSQL is one statement (ADR 0017) that ends by locking the organisation's audit chain
head. Inside ``transaction.atomic()`` the head then stays locked until Python sends ``COMMIT``: a further
round trip, and under load a wait for the GIL before it. Measured at 50 clients, 1.3 connections on average
sat "idle in transaction" holding the head while ten queued behind it, and submissions to one organisation
ran at the rate that lock allowed. Run without ``BEGIN``, in autocommit, the statement is a transaction of
its own: PostgreSQL commits it, and lets the head go, the moment the statement ends.

``atomic_write()`` is ``transaction.atomic()`` for such a write. Inside it, ``statement_commits_itself()``
runs the write's statement in autocommit when that is safe: on PostgreSQL, in the outermost block, with
nothing sent since it began. Any statement before it (a read, a lock) means a real transaction, begun as
usual, and the statement runs inside it. Any statement after a statement that committed itself is refused
with ``RuntimeError``, since it could not join the transaction that has already committed: the write's
statement must be its last. Everywhere else (SQLite, inside another transaction, in a test case's
transaction) both are plain ``transaction.atomic()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import transaction

_local = threading.local()


class _Block:
    def __init__(self, connection: Any, atomic: transaction.Atomic) -> None:
        self.connection, self.atomic, self.committed = connection, atomic, False

    def guard(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if self.committed:
            raise RuntimeError("a statement after the write's own commit: it would run outside the write")
        return execute(sql, params, many, context)


@contextmanager
def atomic_write(using: str | None = None) -> Iterator[None]:
    """``transaction.atomic()``, in which the write's one statement may commit itself."""
    connection = transaction.get_connection(using)
    outermost = connection.vendor == "postgresql" and not connection.in_atomic_block
    atomic = transaction.atomic(using=using)
    with atomic:
        if not outermost:
            yield
            return
        block, previous = _Block(connection, atomic), getattr(_local, "block", None)
        _local.block = block
        try:
            with connection.execute_wrapper(block.guard):
                yield
        finally:
            _local.block = previous


def _may_commit_itself(connection: Any) -> _Block | None:
    block: _Block | None = getattr(_local, "block", None)
    if block is None or block.connection is not connection or block.committed:
        return None
    if connection.atomic_blocks != [block.atomic] or connection.needs_rollback:
        return None  # inside a nested block, or one that has failed
    raw = connection.connection
    return block if raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE else None


@contextmanager
def statement_commits_itself(connection: Any) -> Iterator[None]:
    """Run the one statement executed in this block as its own transaction, when ``atomic_write()`` allows.

    Raise inside the block only when the statement wrote nothing (it failed, or wrote no row): the write may
    then try again. A block that ends normally has committed, and nothing more may run in the write."""
    block = _may_commit_itself(connection)
    if block is None:
        yield
        return
    raw = connection.connection
    raw.autocommit = True  # no BEGIN: the statement commits as it ends, or rolls back as it fails
    try:
        yield
        block.committed = True
    finally:
        if not raw.closed:
            raw.autocommit = False  # as Django left it; its COMMIT at the block's end finds nothing to do
