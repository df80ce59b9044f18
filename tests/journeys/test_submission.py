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
