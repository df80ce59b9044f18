"""New rows written together (townhall.core.inserts): one statement on PostgreSQL, linked keys, all or nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from townhall.core.inserts import FirstRowRefused, insert, insert_together, inserts_held
from townhall.notifications.models import Notification, NotificationEvent

pytestmark = pytest.mark.django_db


def message(organisation: Any, reference: str) -> Notification:
    now = timezone.now()
    return Notification(
        organisation=organisation,
        channel="email",
        to="resident@example.test",
        subject="Received",
        body="We have your report",
        reference=reference,
        next_attempt_at=now,
    )


def first_event(notification: Notification) -> NotificationEvent:
    return NotificationEvent(notification=notification, occurred_at=timezone.now(), status="created")


def written(*references: str) -> int:
    return Notification.objects.filter(reference__in=references).count()


def test_linked_rows_are_written_with_the_keys_of_the_rows_they_point_at(district: Any) -> None:
    note, other = message(district, "th-a"), message(district, "th-b")
    rows = [note, first_event(note), other, first_event(other)]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        insert_together(rows)
    inserts = [q for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 4)
    assert all(row.pk is not None and not row._state.adding for row in rows)
    assert rows[1].notification_id == note.pk and rows[3].notification_id == other.pk
    stored = NotificationEvent.objects.get(pk=rows[3].pk)
    assert stored.notification.reference == "th-b"
    assert note.created_at is not None  # auto_now_add ran, as save() would run it
    assert Notification.objects.get(pk=note.pk).created_at == note.created_at


def test_a_first_row_a_unique_index_refuses_writes_nothing(district: Any) -> None:
    insert(message(district, "th-taken"))
    note = message(district, "th-taken")
    with transaction.atomic():
        with pytest.raises(FirstRowRefused):
            insert_together([note, first_event(note), message(district, "th-free")])
        # The transaction goes on: no error aborted it, so the write can be tried again.
        insert_together([message(district, "th-fresh")])
    assert written("th-taken", "th-free", "th-fresh") == 2
    assert not NotificationEvent.objects.exists()


def test_a_later_row_a_unique_index_refuses_fails_the_write(district: Any) -> None:
    insert(message(district, "th-taken"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_together([message(district, "th-new"), message(district, "th-taken")])
    assert written("th-new") == 0


def test_a_row_pointing_at_an_unsaved_row_not_in_the_write_is_refused(district: Any) -> None:
    orphan = first_event(message(district, "th-never"))
    with pytest.raises(ValueError, match="notification"), transaction.atomic():
        insert_together([orphan])


def test_a_row_pointing_at_a_row_saved_since_takes_its_key(district: Any) -> None:
    note = message(district, "th-saved")
    event = first_event(note)
    note.save()
    with transaction.atomic():
        insert_together([event])
    assert event.notification_id == note.pk


def test_held_rows_are_written_as_the_block_ends_and_not_at_all_if_it_fails(district: Any) -> None:
    with transaction.atomic(), inserts_held():
        note = insert(message(district, "th-held"))
        with inserts_held():  # joins the outer block
            insert(first_event(note))
        assert note.pk is None and written("th-held") == 0
    assert note.pk is not None and NotificationEvent.objects.filter(notification=note).count() == 1
    with pytest.raises(RuntimeError, match="failed"), transaction.atomic(), inserts_held():
        insert(message(district, "th-dropped"))
        raise RuntimeError("the write failed")
    assert written("th-dropped") == 0


@pytest.mark.django_db(transaction=True)
def test_holding_needs_a_transaction(district: Any) -> None:
    with pytest.raises(RuntimeError, match="atomic"), inserts_held():
        pass  # pragma: no cover


def test_values_are_prepared_as_save_prepares_them(district: Any) -> None:
    later = timezone.now() + timedelta(hours=3)
    note = message(district, "th-json")
    note.send_after = later
    event = first_event(note)
    event.detail = 'it\'s "quoted" and has a % sign and ünïcode'
    with transaction.atomic():
        insert_together([note, event])
    assert Notification.objects.get(pk=note.pk).send_after == later
    assert NotificationEvent.objects.get(pk=event.pk).detail == event.detail


def test_values_passed_as_they_are_are_what_django_would_prepare(district: Any) -> None:
    """The fields whose values skip Django's preparation (``_AS_IS``, and foreign keys to integer keys) read the
    attribute in ``pre_save`` and hand back the very object from ``get_db_prep_save``, on this engine: not an
    equal one of another type, which would change the types the statement is prepared with."""
    from django.apps import apps
    from django.db.models import Field

    from townhall.core.inserts import _as_is

    samples = {str: ["", "it's ünïcode", "x" * 300], int: [0, -7, 2**40], bool: [True, False]}
    checked = 0
    for model in apps.get_models():
        row = model()
        for field in model._meta.concrete_fields:
            types = _as_is(field)
            if not types:
                continue
            assert type(field).pre_save is Field.pre_save, field
            for value in [None, *(v for t in types for v in samples[t])]:
                setattr(row, field.attname, value)
                assert field.get_db_prep_save(field.pre_save(row, add=True), connection=connection) is value
                checked += 1
    assert checked > 500  # every app's models, not a handful


def _same_row(made: Any, expected: Any) -> None:
    """``made`` is the instance ``expected`` is: the same attributes, cached related rows and state. A field
    whose default is a callable (a timestamp, a new id) may differ in value, not in type."""
    callable_defaults = {f.attname for f in type(expected)._meta.fields if callable(f.default)}
    mine = {k: v for k, v in made.__dict__.items() if k != "_state"}
    theirs = {k: v for k, v in expected.__dict__.items() if k != "_state"}
    assert mine.keys() == theirs.keys()
    for name, value in theirs.items():
        if name in callable_defaults:
            assert type(mine[name]) is type(value), name
        else:
            assert mine[name] == value, name
    assert made._state.adding == expected._state.adding and made._state.db == expected._state.db
    assert made._state.fields_cache.keys() == expected._state.fields_cache.keys()
    for name, value in expected._state.fields_cache.items():
        assert made._state.fields_cache[name] is value, name


def test_new_row_makes_every_model_as_its_constructor_does() -> None:
    from django.apps import apps

    from townhall.core.inserts import new_row

    for model in apps.get_models():
        _same_row(new_row(model), model())


def test_new_row_takes_values_related_rows_and_keys_as_the_constructor_does(district: Any) -> None:
    from townhall.cases.models import Case
    from townhall.core.inserts import new_row
    from townhall.journeys.models import Submission

    values = {
        "organisation": district,
        "channel": "email",
        "to": "resident@example.test",
        "subject": "Received",
        "reference": "th-new-row",
        "next_attempt_at": timezone.now(),
    }
    note = new_row(Notification, **values)
    _same_row(note, Notification(**values))
    expected = first_event(note)
    _same_row(
        new_row(NotificationEvent, notification=note, occurred_at=expected.occurred_at, status="created"), expected
    )
    _same_row(
        new_row(Notification, organisation_id=district.pk, subject="By key"),
        Notification(organisation_id=district.pk, subject="By key"),
    )
    # A one-to-one caches the row both ways, as the constructor's descriptor does.
    case = Case(organisation=district)
    expected = Submission(case=case, reference="X")
    assert case._state.fields_cache["submission"] is expected
    made = new_row(Submission, case=case, reference="X")
    _same_row(made, expected)
    assert case._state.fields_cache["submission"] is made


def test_new_row_refuses_what_the_constructor_refuses(district: Any) -> None:
    from townhall.core.inserts import new_row

    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        new_row(Notification, colour="red")
    with pytest.raises(ValueError, match="must be a"):
        new_row(NotificationEvent, notification=district)
