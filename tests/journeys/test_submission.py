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
def test_an_api_submission_is_one_statement_for_its_rows_and_one_for_its_audit_events(
    everything: Any, make_staff: Any
) -> None:
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
        # The case, its event, the message and its event, the submission; the chain's head; its two events.
        assert len(writes) == 3, [sql[:80] for sql, _ in writes]
        from psycopg import _queries

        # psycopg remembers how it converted a statement only up to a size (raised in townhall.core.postgresql).
        rows_sql, rows_params = writes[0]
        assert len(rows_sql.encode()) <= _queries.MAX_CACHED_STATEMENT_LENGTH
        assert len(rows_params) <= _queries.MAX_CACHED_STATEMENT_PARAMS
    else:
        assert len(writes) == 8, [sql[:80] for sql, _ in writes]
    assert Submission.objects.get(pk=submission.pk).case.reference == submission.reference
