"""Hostile JSON bodies sent to the cases API: each is a problem with a stable code, and nothing changes.

The API's body parser (townhall/api_parser.py) takes JSON objects of Unicode text only. Before it, a body
that was not an object was read as an empty one and acted on, and an escaped lone surrogate was a 500.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from townhall.cases.models import Case, CaseEventKind
from townhall.cases.services import case_assign
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create

BASE = "/api/v1/cases"
JSON = "application/json"


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def manager_key(county, make_staff):  # type: ignore[no-untyped-def]
    admin = make_staff(county, Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=county, name="Case system", scopes=[Role.TEAM_MANAGER])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def assigned(open_case, county, make_staff):  # type: ignore[no-untyped-def]
    worker = make_staff(county, Role.CASEWORKER, username="worker")
    return case_assign(case=open_case(), assignee=worker, actor=make_staff(county, Role.TEAM_MANAGER))


@pytest.mark.parametrize("body", ['"bob"', "1", "[]", "null", "true", '[{"assignee": null}]'])
def test_a_body_that_is_not_an_object_is_refused_and_the_case_stays_assigned(
    client: Client, assigned: Case, manager_key: dict[str, str], body: str
) -> None:
    response = client.post(f"{BASE}/{assigned.reference}/assignment", body, content_type=JSON, **manager_key)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert problem["errors"] == [{"code": "object_required", "message": problem["detail"], "path": "body"}]
    assert Case.objects.get(pk=assigned.pk).assignee is not None


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "\\ud800"}',
        '{"text": "ok", "\\udfff": 1}',
        '{"text": ["\\ud83d"]}',
        '{"text": "\\udc00\\ud800"}',
    ],
    ids=["lone-high", "in-a-key", "in-a-list", "reversed-pair"],
)
def test_a_lone_surrogate_is_a_malformed_body_not_a_server_error(
    client: Client, open_case, manager_key: dict[str, str], body: str
) -> None:
    case = open_case()
    response = client.post(f"{BASE}/{case.reference}/notes", body, content_type=JSON, **manager_key)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "malformed_json"
    assert not case.events.filter(kind=CaseEventKind.NOTE).exists()


def test_a_surrogate_pair_is_text_and_is_kept(client: Client, open_case, manager_key: dict[str, str]) -> None:
    case = open_case()
    response = client.post(
        f"{BASE}/{case.reference}/notes", '{"text": "\\ud83d\\ude00"}', content_type=JSON, **manager_key
    )
    assert response.status_code == 201 and response.json()["text"] == "\U0001f600"


@pytest.mark.parametrize(
    "body",
    [
        '{"text": NaN}',
        '{"text": "x", "n": Infinity}',
        '{"text": "x", "n": -Infinity}',
        '{"text": "x", "n": 1e999}',
        "{",
        "",
        "\xff",
        "[" * 100_000 + "]" * 100_000,
        '{"text": "x"} trailing',
    ],
    ids=["nan", "infinity", "minus-infinity", "overflowing", "truncated", "empty", "not-utf-8", "deep", "trailing"],
)
def test_what_is_not_json_is_a_malformed_body(
    client: Client, open_case, manager_key: dict[str, str], body: str
) -> None:
    case = open_case()
    response = client.post(f"{BASE}/{case.reference}/notes", body, content_type=JSON, **manager_key)
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == ("validation_failed" if body == "" else "malformed_json")
    assert not case.events.filter(kind=CaseEventKind.NOTE).exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("assignment", {"asignee": "worker"}),
        ("assignment", {"assignee": "worker", "priority": "high"}),
        ("transitions", {"transition": "start_assessment", "reson": "typo"}),
        ("notes", {"text": "Called", "visible_to_resident": True}),
    ],
)
def test_a_field_the_endpoint_does_not_know_is_refused_and_nothing_changes(
    client: Client, assigned: Case, manager_key: dict[str, str], path: str, body: dict[str, object]
) -> None:
    response = client.post(f"{BASE}/{assigned.reference}/{path}", body, content_type=JSON, **manager_key)
    assert response.status_code == 422, response.content
    [error] = [e for e in response.json()["errors"] if e["code"] == "extra_forbidden"]
    assert error["path"].split(".")[-1] in body
    fresh = Case.objects.get(pk=assigned.pk)
    assert fresh.assignee == assigned.assignee and fresh.state == assigned.state
    assert not fresh.events.filter(kind=CaseEventKind.NOTE).exists()


def test_moving_a_case_to_another_team_keeps_its_assignee(
    client: Client, assigned: Case, manager_key: dict[str, str]
) -> None:
    url = f"{BASE}/{assigned.reference}/assignment"
    moved = client.post(url, {"team": "appeals"}, content_type=JSON, **manager_key)
    assert moved.status_code == 200, moved.content
    assert moved.json()["team"] == "appeals" and moved.json()["assignee"] == "worker"
    empty = client.post(url, {}, content_type=JSON, **manager_key)
    assert empty.status_code == 422 and empty.json()["code"] == "assignment_empty"
    unassigned = client.post(url, {"assignee": None}, content_type=JSON, **manager_key)
    assert unassigned.status_code == 200 and unassigned.json()["assignee"] is None


def test_a_team_longer_than_its_column_is_refused(client: Client, assigned: Case, manager_key: dict[str, str]) -> None:
    """Case.team holds 100 characters: a longer team was a 500 on PostgreSQL."""
    url = f"{BASE}/{assigned.reference}/assignment"
    response = client.post(url, {"team": "t" * 101}, content_type=JSON, **manager_key)
    assert response.status_code == 422 and response.json()["code"] == "team_too_long"
    assert Case.objects.get(pk=assigned.pk).team == assigned.team


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "application/xml", ""],
)
def test_a_json_body_not_sent_as_json_is_an_unsupported_media_type(
    client: Client, open_case, manager_key: dict[str, str], content_type: str
) -> None:
    """A text/plain body is what a browser sends across sites without a CORS preflight: it is never read as JSON."""
    case = open_case()
    response = client.generic(
        "POST", f"{BASE}/{case.reference}/notes", b'{"text": "Seen"}', content_type=content_type, **manager_key
    )
    assert response.status_code == 415, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["code"]) == (415, "unsupported_media_type")
    assert not case.events.filter(kind=CaseEventKind.NOTE).exists()
    public = client.generic(
        "POST", f"{BASE}/status", b'{"reference": "X", "email": "a@b.test"}', content_type=content_type
    )
    assert public.status_code == 415 and public.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", "application/x+json"])
def test_json_media_types_with_parameters_or_a_json_suffix_are_read(
    client: Client, open_case, manager_key: dict[str, str], content_type: str
) -> None:
    case = open_case()
    response = client.post(
        f"{BASE}/{case.reference}/notes", '{"text": "Seen"}', content_type=content_type, **manager_key
    )
    assert response.status_code == 201, response.content


def test_a_body_with_thousands_of_unknown_fields_gets_a_bounded_problem(
    client: Client, open_case, manager_key: dict[str, str]
) -> None:
    """django-ninja reports each unknown field (extra_forbidden): the problem lists 100 and counts the rest."""
    case = open_case()
    body = json.dumps({"text": "Seen", **{f"field{n}": n for n in range(3000)}})
    response = client.post(f"{BASE}/{case.reference}/notes", body, content_type=JSON, **manager_key)
    assert response.status_code == 422, response.content[:300]
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert len(problem["errors"]) == 100 and {e["code"] for e in problem["errors"]} == {"extra_forbidden"}
    assert problem["errors_omitted"] == 2900
    assert not case.events.filter(kind=CaseEventKind.NOTE).exists()
