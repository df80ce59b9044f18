"""A write whose one statement is its whole transaction (townhall.core.transactions, ADR 0018).

These tests need real transactions (``transaction=True``): inside a test case's own transaction every block
is nested, and ``atomic_write()`` is then plain ``transaction.atomic()``, as it is on SQLite.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from tests.core.test_inserts import first_event, message, written
from townhall.core.inserts import FirstRowRefused, insert, insert_together
from townhall.core.transactions import atomic_write
from townhall.notifications.models import Notification, NotificationEvent

pytestmark = pytest.mark.django_db(transaction=True)
POSTGRESQL = connection.vendor == "postgresql"


def seen_by_another_connection(reference: str) -> bool:
    """Whether a second connection, outside this thread's transaction, finds the row: committed or not."""
    if not POSTGRESQL:  # the tests' in-memory SQLite is one shared cache: a second connection sees uncommitted rows
        raise AssertionError("only asked on PostgreSQL")
    import psycopg

    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as other:
        found = other.execute("SELECT 1 FROM notifications_notification WHERE reference = %s", [reference])
        return found.fetchone() is not None


def test_the_one_statement_commits_as_it_ends_on_postgresql(district: Any) -> None:
    note = message(district, "th-alone")
    with atomic_write():
        insert_together([note, first_event(note)])
        if POSTGRESQL:
            assert seen_by_another_connection("th-alone")  # committed already, before the block ends
            assert not connection.connection.autocommit  # put back as Django left it
    assert written("th-alone") == 1 and NotificationEvent.objects.filter(notification=note).count() == 1


def test_a_statement_after_the_write_is_refused_on_postgresql(district: Any) -> None:
    note = message(district, "th-first")
    if not POSTGRESQL:  # plain atomic(): a later statement joins the transaction
        with atomic_write():
            insert_together([note])
            Notification.objects.filter(pk=note.pk).update(subject="Changed")
        assert Notification.objects.get(pk=note.pk).subject == "Changed"
        return
    with pytest.raises(RuntimeError, match="after the write"), atomic_write():
        insert_together([note])
        Notification.objects.filter(pk=note.pk).update(subject="Changed")
    assert Notification.objects.get(pk=note.pk).subject == "Received"  # the write stands; the update never ran


def test_a_statement_before_the_write_makes_a_real_transaction(district: Any) -> None:
    with pytest.raises(RuntimeError, match="later"), atomic_write():
        assert not Notification.objects.exists()  # a read: the transaction has begun
        insert_together([message(district, "th-rolled-back")])
        if POSTGRESQL:
            assert not seen_by_another_connection("th-rolled-back")
        Notification.objects.count()  # and further statements join it
        raise RuntimeError("failed later")
    assert written("th-rolled-back") == 0


def test_inside_another_transaction_the_write_is_part_of_it(district: Any) -> None:
    with pytest.raises(RuntimeError, match="outer"), transaction.atomic():
        with atomic_write():
            insert_together([message(district, "th-nested")])
        if POSTGRESQL:
            assert not seen_by_another_connection("th-nested")
        raise RuntimeError("the outer block failed")
    assert written("th-nested") == 0


def test_a_refused_write_leaves_nothing_and_the_block_may_try_again(district: Any) -> None:
    insert(message(district, "th-taken"))
    note = message(district, "th-taken")
    with atomic_write():
        with pytest.raises(FirstRowRefused):
            insert_together([note, first_event(note)])
        insert_together([message(district, "th-second-try")])
    assert written("th-taken", "th-second-try") == 2 and not NotificationEvent.objects.exists()


def test_a_failing_statement_writes_nothing_and_the_connection_goes_on(district: Any) -> None:
    insert(message(district, "th-held"))
    with pytest.raises(IntegrityError), atomic_write():
        insert_together([message(district, "th-new"), message(district, "th-held")])
    assert written("th-new") == 0
    assert connections["default"].get_autocommit()  # Django's own state, outside any block
    insert(message(district, "th-after"))
    assert written("th-after") == 1


def test_a_failure_after_the_write_committed_itself_keeps_the_write(district: Any) -> None:
    """ADR 0018: once the statement has committed, Python failing later cannot undo it (on PostgreSQL). The
    caller sees the error; a retry with the same Idempotency-Key finds the submission. On SQLite the block
    is an ordinary transaction and rolls back."""
    with pytest.raises(RuntimeError, match="after"), atomic_write():
        insert_together([message(district, "th-kept")])
        raise RuntimeError("failed after the write")
    assert written("th-kept") == (1 if POSTGRESQL else 0)
    assert connections["default"].get_autocommit()
