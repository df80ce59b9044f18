"""Django's PostgreSQL compilers; a bulk insert of a few rows is written as VALUES, not UNNEST.

Django writes every multi-row insert as ``SELECT * FROM UNNEST(%s::type[], ...)``, one array for each column,
so that PostgreSQL plans a long insert quickly. For the two to four rows a submission inserts at a time (its
case events, its audit events) that costs more than it saves: psycopg builds each array in Python, which was
about a tenth of a submission's web CPU, and planning a short VALUES list is cheap (ADR 0015)."""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import compiler
from django.db.backends.postgresql.compiler import (
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.models.sql.compiler import SQLInsertCompiler as PlainInsertCompiler

__all__ = ["SQLAggregateCompiler", "SQLCompiler", "SQLDeleteCompiler", "SQLInsertCompiler", "SQLUpdateCompiler"]

UNNEST_FROM_ROWS = 50  # below this many rows, VALUES (...), (...)


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def assemble_as_sql(self, fields: Any, value_rows: Any) -> Any:
        if len(value_rows) < UNNEST_FROM_ROWS:
            return PlainInsertCompiler.assemble_as_sql(self, fields, value_rows)
        return super().assemble_as_sql(fields, value_rows)
