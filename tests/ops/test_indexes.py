"""The tables every submission and journey writes carry no index that another one already covers.

Each index is written with every row: an index whose columns begin another index's (in the same order,
with the same operator classes) serves no query the longer one cannot, and only slows every write
(issue 3's load benchmark). Read from the database itself, on SQLite and on PostgreSQL: from the catalogues,
because Django's ``introspection.get_constraints`` reports neither partial indexes nor operator classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# What one submission writes (submission, case, its events, the audit trail, the outbox) and a journey.
WRITTEN_WITH_EVERY_SUBMISSION = [
    "journeys_submission",
    "journeys_journeysession",
    "cases_case",
    "cases_caseevent",
    "core_auditevent",
    "notifications_notification",
    "notifications_notificationevent",
]

_POSTGRES_INDEXES = """
SELECT i.relname, x.indisunique, x.indpred IS NOT NULL, am.amname,
       array_agg(a.attname || ':' || oc.opcname ORDER BY k.position)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_am am ON am.oid = i.relam
CROSS JOIN LATERAL unnest(x.indkey::int2[], x.indclass::oid[]) WITH ORDINALITY AS k(attnum, opclass, position)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
JOIN pg_opclass oc ON oc.oid = k.opclass
WHERE t.relname = %s AND t.relnamespace = 'public'::regnamespace
GROUP BY i.relname, x.indisunique, x.indpred, am.amname
"""


@dataclass(frozen=True)
class Index:
    name: str
    unique: bool
    partial: bool
    method: str
    columns: tuple[str, ...]  # "column:operator class" on PostgreSQL, the column on SQLite


def indexes(table: str) -> list[Index]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_INDEXES, [table])
            return [Index(n, u, p, m, tuple(cols)) for n, u, p, m, cols in cursor.fetchall()]
        found = []
        for _seq, name, unique, _origin, partial in cursor.execute(f'PRAGMA index_list("{table}")').fetchall():
            columns = cursor.execute(f'PRAGMA index_info("{name}")').fetchall()
            found.append(Index(name, bool(unique), bool(partial), "btree", tuple(c[2] for c in columns)))
        return found


def covered(found: list[Index]) -> list[tuple[str, str]]:
    """(index, the one that covers it): plain, non-unique btree indexes that begin another full btree index."""
    full = [i for i in found if i.method == "btree" and not i.partial]
    return [
        (a.name, b.name)
        for a in full
        if not a.unique
        for b in full
        if b is not a
        and b.columns[: len(a.columns)] == a.columns
        and (len(b.columns) > len(a.columns) or a.name > b.name)
    ]


def test_the_check_finds_an_index_another_covers() -> None:
    found = [
        Index("by_organisation", False, False, "btree", ("organisation_id",)),
        Index("queue", False, False, "btree", ("organisation_id", "received_at")),
        Index("open_queue", False, True, "btree", ("organisation_id", "due_on", "id")),
        Index("open_by_due", False, False, "btree", ("organisation_id", "due_on")),
        Index("name_trigram", False, False, "gin", ("organisation_id", "name_search")),
    ]
    # The partial and GIN indexes cover nothing (they hold some rows, or answer other questions).
    assert covered(found) == [("by_organisation", "queue"), ("by_organisation", "open_by_due")]


@pytest.mark.parametrize("table", WRITTEN_WITH_EVERY_SUBMISSION)
def test_no_index_on_a_table_every_submission_writes_is_covered_by_another(table: str) -> None:
    found = indexes(table)
    assert found, f"{table} has no indexes at all: is it still the table's name?"
    assert covered(found) == []
