"""Django's PostgreSQL backend with three changes: the insert compiler in ``compiler.py``, psycopg's cache of
converted queries raised to hold a submission's one statement (ADR 0017), and query logging that shows a
prepared statement's text (``binding.py``)."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base, operations
from psycopg import _queries

# psycopg converts each query's %s placeholders with a regular expression, and remembers the result only for
# queries of at most 4,096 characters and 50 parameters. A submission's rows go in one statement of about
# 6,000 characters and 90 parameters (townhall.core.inserts), so it was converted afresh every time: about a
# tenth of a submission's web CPU. The statement's text is the same for every submission to a service, so
# remembering it is enough. psycopg keeps 128 queries; these limits only let longer ones in.
QUERY_CACHE_LENGTH = 16_384
QUERY_CACHE_PARAMETERS = 400
_queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, QUERY_CACHE_LENGTH)
_queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, QUERY_CACHE_PARAMETERS)


class DatabaseOperations(operations.DatabaseOperations):
    compiler_module = "townhall.core.postgresql.compiler"

    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        """What query logging shows; for a statement prepared on the server (``binding.py``), psycopg keeps no
        text with the values in, so the statement with its placeholders."""
        return str(super().last_executed_query(cursor, sql, params) or sql)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
