"""Durable once acknowledged: one transaction, nothing left behind on failure, one submission per journey."""

from __future__ import annotations

from typing import Any

import pytest

from tests.journeys.conftest import EVERYTHING_ANSWERS
from townhall.cases.models import Case
from townhall.core.errors import ValidationFailed
from townhall.core.models import AuditEvent
from townhall.journeys.models import JourneySession, Submission
from townhall.journeys.services.sessions import journey_start
from townhall.journeys.services.submissions import journey_submit, submission_create
from townhall.notifications.models import Notification


def ready_journey(version: Any) -> JourneySession:
    journey = journey_start(version=version)
    definition = version.definition()
    journey.answers = dict(EVERYTHING_ANSWERS)
    journey.completed_pages = [p.id for p in definition.pages]
    journey.save()
    return journey


@pytest.mark.django_db
def test_submit_writes_submission_case_audit_and_outbox_together(everything: Any) -> None:
    journey = ready_journey(everything)
    submission = journey_submit(session=journey)
    assert Case.objects.get(reference=submission.reference).organisation == everything.organisation
    assert AuditEvent.objects.filter(action="journey.submitted", object_id=submission.reference).exists()
    assert AuditEvent.objects.filter(action="case.opened", object_id=submission.reference).exists()
    assert Notification.objects.filter(case_reference=submission.reference, kind="journey_confirmation").exists()
    journey.refresh_from_db()
    assert journey.status == "submitted" and journey.reference == submission.reference


@pytest.mark.django_db(transaction=True)
def test_a_failure_inside_the_transaction_leaves_nothing(everything: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    journey = ready_journey(everything)
    events_before = AuditEvent.objects.count()

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the outbox is on fire")

    monkeypatch.setattr("townhall.journeys.services.submissions._confirmation_email", broken)
    with pytest.raises(RuntimeError):
        journey_submit(session=journey)
    assert Case.objects.count() == 0
    assert Submission.objects.count() == 0
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    journey.refresh_from_db()
    assert journey.status == "in_progress" and journey.reference == ""
    # The resident tries again and it goes through: the reference they are shown exists.
    monkeypatch.undo()
    submission = journey_submit(session=journey)
    assert Case.objects.filter(reference=submission.reference).exists()


@pytest.mark.django_db
def test_submitting_again_returns_the_first_submission(everything: Any) -> None:
    journey = ready_journey(everything)
    first = journey_submit(session=journey)
    stale = JourneySession.objects.get(pk=journey.pk)
    assert journey_submit(session=stale).pk == first.pk
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_answers_are_checked_again_on_submit(everything: Any) -> None:
    journey = ready_journey(everything)
    journey.answers = {**journey.answers, "email": "broken"}
    journey.save()
    with pytest.raises(ValidationFailed) as raised:
        journey_submit(session=journey)
    assert raised.value.code == "answers_invalid"
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_api_idempotency_key_is_per_organisation(everything: Any, make_staff: Any) -> None:
    from townhall.core.roles import Role

    staff = make_staff(everything.organisation, Role.CASEWORKER)
    first, created = submission_create(
        organisation=everything.organisation,
        version=everything,
        answers=EVERYTHING_ANSWERS,
        actor=staff,
        idempotency_key="k",
    )
    again, created_again = submission_create(
        organisation=everything.organisation,
        version=everything,
        answers=EVERYTHING_ANSWERS,
        actor=staff,
        idempotency_key="k",
    )
    assert created and not created_again and first.pk == again.pk


@pytest.mark.django_db
def test_a_taken_reference_is_replaced_and_nothing_from_the_refused_try_remains(
    everything: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from townhall.cases.services import opening
    from townhall.core.selectors.audit import audit_chains_verify
    from townhall.core.services.audit import chain_key

    first = journey_submit(session=ready_journey(everything))
    offered = iter([first.reference, first.reference, "HX7K-9M3T"])
    monkeypatch.setattr(opening, "new_reference", lambda: next(offered))
    second = journey_submit(session=ready_journey(everything))
    assert second.reference == "HX7K-9M3T" and second.case.reference == "HX7K-9M3T"
    assert Case.objects.filter(reference=first.reference).count() == 1
    # The refused tries wrote nothing: one message, one of each audit event, and an intact chain.
    assert Notification.objects.filter(case_reference=first.reference).count() == 1
    assert AuditEvent.objects.filter(action="journey.submitted").count() == 2
    assert AuditEvent.objects.filter(action="case.opened").count() == 2
    assert audit_chains_verify()[chain_key(everything.organisation)] is None


@pytest.mark.django_db
def test_an_api_submission_is_one_statement_on_postgresql(everything: Any, make_staff: Any) -> None:
    from django.db import connection

    from townhall.core.roles import Role

    staff = make_staff(everything.organisation, Role.CASEWORKER)
    statements: list[tuple[str, Any]] = []

    def remember(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(remember):
        submission, _ = submission_create(
            organisation=everything.organisation, version=everything, answers=EVERYTHING_ANSWERS, actor=staff
        )
    writes = [(sql, params) for sql, params in statements if sql.startswith(("INSERT", "WITH", "UPDATE"))]
    if connection.vendor == "postgresql":
        # The case, its event, the message and its event, the submission, the chain's head and its two events.
        assert len(writes) == 1, [sql[:80] for sql, _ in writes]
        from psycopg import _queries

        # psycopg remembers how it converted a statement only up to a size (raised in townhall.core.postgresql).
        sql, params = writes[0]
        assert len(sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
        assert len(params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
        # Eight rows and the chain's head, made by its first events or moved on (ON CONFLICT DO UPDATE).
        assert "INSERT INTO core_auditchain" in sql and "ON CONFLICT (key) DO UPDATE" in sql
        assert sql.count("INSERT INTO") == 8
    else:
        assert len(writes) == 8, [sql[:80] for sql, _ in writes]
    assert Submission.objects.get(pk=submission.pk).case.reference == submission.reference
    from townhall.core.selectors.audit import audit_chains_verify
    from townhall.core.services.audit import chain_key

    events = AuditEvent.objects.filter(object_id=submission.reference).order_by("sequence")
    assert [e.action for e in events] == ["case.opened", "journey.submitted"]
    assert events[1].prev_hash == events[0].hash
    assert audit_chains_verify()[chain_key(everything.organisation)] is None


@pytest.mark.django_db(transaction=True)
def test_an_api_submission_commits_in_its_one_statement_on_postgresql(everything: Any, make_staff: Any) -> None:
    """ADR 0018: no BEGIN and no COMMIT; the statement is the transaction, so the audit chain's head is
    let go as it ends. On SQLite the rows go one statement each, inside an ordinary transaction."""
    from django.db import connection

    from townhall.core.roles import Role

    staff = make_staff(everything.organisation, Role.CASEWORKER)
    autocommit_at_write: list[bool] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith(("INSERT", "WITH")):
            raw = connection.connection  # psycopg's autocommit; sqlite3 (Python 3.11) says only in_transaction
            autocommit_at_write.append(raw.autocommit if connection.vendor == "postgresql" else not raw.in_transaction)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        submission, created = submission_create(
            organisation=everything.organisation, version=everything, answers=EVERYTHING_ANSWERS, actor=staff
        )
    assert created and Submission.objects.filter(reference=submission.reference).exists()
    if connection.vendor == "postgresql":
        assert autocommit_at_write == [True]
    else:
        assert autocommit_at_write and not any(autocommit_at_write)  # every row inside the one transaction
    assert connection.get_autocommit() and not connection.in_atomic_block


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_makes_one_submission(everything: Any, make_staff: Any) -> None:
    """Two requests with one Idempotency-Key, in flight together: one creates, the other gets the first back.

    On PostgreSQL the second waits on the first's uncommitted submission row (its key's unique index) before
    it takes the audit chain's head, so the two cannot deadlock.
    """
    import threading

    from django.db import connection

    from townhall.core.roles import Role

    if connection.vendor != "postgresql":
        # The test database is in-memory SQLite with a shared cache, which refuses a second writer at once
        # ("table is locked"); the file SQLite the platform runs on queues writers (BEGIN IMMEDIATE).
        pytest.skip("two writers at once need PostgreSQL here; the PostgreSQL run (.ci/run) has it")
    staff = make_staff(everything.organisation, Role.CASEWORKER)
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def send() -> None:
        try:
            start.wait()
            outcomes.append(
                submission_create(
                    organisation=everything.organisation,
                    version=everything,
                    answers=EVERYTHING_ANSWERS,
                    actor=staff,
                    idempotency_key="at-once",
                )
            )
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert sorted(created for _, created in outcomes) == [False, True]
    assert len({submission.pk for submission, _ in outcomes}) == 1
    assert Submission.objects.filter(idempotency_key="at-once").count() == 1
    assert Case.objects.count() == 1
