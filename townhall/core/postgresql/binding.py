"""A cursor that binds its parameters on the server, so a statement run again and again is prepared once.

Django's cursors bind on the client: psycopg quotes every value into the SQL text, and PostgreSQL parses and
plans the statement every time. Two hot statements are better prepared: a delivery worker's acceptance
(ADR 0010) and a submission's one statement (ADR 0017). They run on this cursor, kept for each thread as long
as its connection. Django opens connections with ``prepare_threshold=None`` (nothing prepared); setting it to 0
prepares what runs on this cursor at once, and changes nothing for Django's own cursors, which bind on the
client and are never prepared. Behind PgBouncer in transaction mode this needs 1.21+ (docs/scaling.md).
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper

_local = threading.local()


def binding_cursor(db: BaseDatabaseWrapper) -> psycopg.Cursor[Any]:
    """This thread's server-binding cursor on ``db``'s connection (opened if need be)."""
    db.ensure_connection()
    raw = db.connection
    kept: tuple[Any, psycopg.Cursor[Any]] | None = getattr(_local, "cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 0
        kept = _local.cursor = (raw, psycopg.Cursor(raw))
    return kept[1]


def wrapped_binding_cursor(db: BaseDatabaseWrapper) -> Any:
    """The binding cursor inside Django's wrapper: errors become Django's, and query logging and
    ``execute_wrapper`` see its statements as they see any other."""
    raw: Any = binding_cursor(db)  # (django-stubs type the argument as the wrapper it becomes)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
