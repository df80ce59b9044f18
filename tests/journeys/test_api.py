"""POST /api/v1/submissions: same rules, same codes, idempotent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.journeys.conftest import EVERYTHING_ANSWERS
from townhall.cases.models import Case
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.journeys.models import Submission


def new_key(make_staff: Any, organisation: Any, scope: Role) -> str:
    admin = make_staff(organisation, Role.ORGANISATION_ADMIN)
    _key, secret = api_key_create(actor=admin, organisation=organisation, name=f"key-{scope}", scopes=[scope])
    return secret


@pytest.fixture
def api_key(district: Any, make_staff: Any) -> str:
    return new_key(make_staff, district, Role.CASEWORKER)


def post(client: Client, key: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        "/api/v1/submissions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}", **headers},
    )


@pytest.mark.django_db
def test_a_valid_submission_opens_a_case(client: Client, everything: Any, api_key: str) -> None:
    response = post(client, api_key, {"service": "everything-form", "answers": EVERYTHING_ANSWERS, "channel": "phone"})
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.channel == "phone" and case.answers["postcode"] == "MD1 1AB"
    assert body["what_happens_next"] == "We will look at your form within 5 working days."


@pytest.mark.django_db
def test_thousands_of_invalid_answers_get_the_first_100_errors_and_a_count_of_the_rest(
    client: Client, everything: Any, api_key: str
) -> None:
    answers = {**EVERYTHING_ANSWERS, **{f"q{n}": "x" for n in range(5000)}}
    response = post(client, api_key, {"service": "everything-form", "answers": answers})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "answers_invalid"
    assert len(problem["errors"]) == 100
    assert problem["errors"][0] == {"code": "unknown_question", "message": "No question 'q0'", "path": "q0"}
    assert problem["errors_omitted"] == 4900
    assert Case.objects.count() == 0
    few = post(client, api_key, {"service": "everything-form", "answers": {**EVERYTHING_ANSWERS, "q0": "x"}}).json()
    assert len(few["errors"]) == 1 and "errors_omitted" not in few


@pytest.mark.django_db
def test_same_rules_and_codes_as_the_pages(client: Client, everything: Any, api_key: str) -> None:
    answers = {**EVERYTHING_ANSWERS, "email": "not-an-email", "children": 11, "date_of_birth": "1990-02-31"}
    answers.pop("full_name")
    response = post(client, api_key, {"service": "everything-form", "answers": answers})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "answers_invalid"
    found = {(e["path"], e["code"]) for e in problem["errors"]}
    assert {
        ("full_name", "required"),
        ("email", "invalid_email"),
        ("children", "too_large"),
        ("date_of_birth-day", "invalid_date"),
    } <= found
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_unknown_questions_and_files_are_refused(client: Client, everything: Any, api_key: str) -> None:
    answers = {**EVERYTHING_ANSWERS, "shoe_size": 9, "proof": {"upload": "x"}}
    problem = post(client, api_key, {"service": "everything-form", "answers": answers}).json()
    assert {(e["path"], e["code"]) for e in problem["errors"]} == {
        ("shoe_size", "unknown_question"),
        ("proof", "file_not_supported"),
    }


@pytest.mark.django_db
def test_the_same_idempotency_key_never_creates_two(client: Client, everything: Any, api_key: str) -> None:
    body = {"service": "everything-form", "answers": EVERYTHING_ANSWERS}
    first = post(client, api_key, body, **{"Idempotency-Key": "abc-123"})
    again = post(client, api_key, body, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Submission.objects.count() == 1 and Case.objects.count() == 1
    other = post(client, api_key, body, **{"Idempotency-Key": "def-456"})
    assert other.json()["reference"] != first.json()["reference"]


@pytest.mark.django_db
def test_a_repeated_key_replays_the_first_whatever_the_repeat_holds(
    client: Client, everything: Any, api_key: str
) -> None:
    from townhall.core.models import AuditEvent
    from townhall.notifications.models import Notification

    body = {"service": "everything-form", "answers": EVERYTHING_ANSWERS}
    first = post(client, api_key, body, **{"Idempotency-Key": "abc-123"})
    written = (AuditEvent.objects.count(), Notification.objects.count(), Case.objects.count())
    for repeat in ({**body, "answers": {**EVERYTHING_ANSWERS, "shoe_size": 9}}, {**body, "answers": {}}, body):
        again = post(client, api_key, repeat, **{"Idempotency-Key": "abc-123"})
        assert again.status_code == 201 and again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
    # Each repeat's case, events and messages rolled back with its transaction.
    assert (AuditEvent.objects.count(), Notification.objects.count(), Case.objects.count()) == written
    refused = post(client, api_key, {**body, "answers": {}}, **{"Idempotency-Key": "new-key"})
    assert refused.status_code == 422 and refused.json()["code"] == "answers_invalid"


@pytest.mark.django_db
def test_needs_a_key_and_finds_only_its_own_organisations_services(
    client: Client, everything: Any, county: Any, make_staff: Any
) -> None:
    response = client.post("/api/v1/submissions", data="{}", content_type="application/json")
    assert response.status_code == 401
    secret = new_key(make_staff, county, Role.CASEWORKER)
    response = post(client, secret, {"service": "everything-form", "answers": EVERYTHING_ANSWERS})
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_key_without_the_assisted_digital_scope_is_refused(
    client: Client, everything: Any, district: Any, make_staff: Any
) -> None:
    secret = new_key(make_staff, district, Role.ANALYST)
    response = post(client, secret, {"service": "everything-form", "answers": EVERYTHING_ANSWERS})
    assert response.status_code == 403
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_fee_services_cannot_be_submitted_without_payment(client: Client, bulky_waste: Any, api_key: str) -> None:
    response = post(client, api_key, {"service": "bulky-waste-collection", "answers": {}})
    assert response.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "x" * 5000, "a@" + "b" * 300 + ".test"])
def test_a_resident_email_that_is_not_an_address_is_refused(
    client: Client, everything: Any, api_key: str, email: str
) -> None:
    response = post(
        client, api_key, {"service": "everything-form", "answers": EVERYTHING_ANSWERS, "resident_email": email}
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "resident_email_invalid"
    assert not Case.objects.exists()
