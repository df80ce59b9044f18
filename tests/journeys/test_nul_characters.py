"""A NUL character anywhere a request carries text is a 400 with code nul_character, never a 500.

The refusal is middleware (core/ops/nul_characters.py). PostgreSQL refuses NUL in text (a DataError): before
it, each of these was a 500 on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.journeys.conftest import EVERYTHING_ANSWERS
from tests.journeys.test_api import new_key
from townhall.cases.models import Case
from townhall.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/definitions/?organisation=%00", "/api/v1/definitions/?organisation=E07%00", "/api/v1/definitions/x%00y"],
)
def test_an_api_address_or_query_with_nul_is_a_problem(client: Client, everything: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "nul_character"


@pytest.mark.parametrize(
    "change",
    [
        {"answers": {**EVERYTHING_ANSWERS, "full_name": "Gwen\u0000 Jones"}},
        {"service": "everything\u0000-form"},
        {"answers": {**EVERYTHING_ANSWERS, "\u0000": "x"}},
    ],
    ids=["answer", "service", "question-id"],
)
def test_a_json_string_with_nul_is_a_problem_and_opens_no_case(
    client: Client, everything: Any, district: Any, make_staff: Any, change: dict[str, Any]
) -> None:
    secret = new_key(make_staff, district, Role.CASEWORKER)
    body = {"service": "everything-form", "answers": EVERYTHING_ANSWERS, **change}
    response = client.post(
        "/api/v1/submissions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    assert Case.objects.count() == 0


def test_a_nul_in_a_json_body_of_a_json_suffix_type_is_a_problem(
    client: Client, everything: Any, make_staff: Any
) -> None:
    """The API reads application/*+json bodies as JSON, so the NUL check reads them too."""
    secret = new_key(make_staff, everything.organisation, Role.CASEWORKER)
    body = {"service": "everything-form", "answers": {**EVERYTHING_ANSWERS, "full_name": "Gwen\u0000 Jones"}}
    response = client.post(
        "/api/v1/submissions",
        data=json.dumps(body),
        content_type="application/vnd.townhall+json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
    assert Case.objects.count() == 0


def test_an_escaped_backslash_before_u0000_is_text_not_nul(
    client: Client, everything: Any, district: Any, make_staff: Any
) -> None:
    secret = new_key(make_staff, district, Role.CASEWORKER)
    body = {"service": "everything-form", "answers": {**EVERYTHING_ANSWERS, "full_name": "Gwen \\u0000 Jones"}}
    response = client.post(
        "/api/v1/submissions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get().answers["full_name"] == "Gwen \\u0000 Jones"


def test_a_page_form_field_with_nul_gets_the_400_page(client: Client, everything: Any) -> None:
    response = client.post("/services/", {"q": "bins\x00"})
    assert response.status_code == 400 and response["X-Townhall-Error"] == "nul_character"
    assert "Sorry, there is a problem with your request" in response.content.decode()
    assert client.get("/services/?q=bins%00").status_code == 400
    assert client.get("/services/?q=bins").status_code == 200


def test_an_api_form_field_with_nul_is_a_problem(client: Client, district: Any, make_staff: Any) -> None:
    """The portfolio's import is a multipart form under /api/: its fields reached PostgreSQL, a 500."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.portfolio.conftest import ITEMS, PROGRAMME
    from townhall.portfolio.models import Programme
    from townhall.portfolio.optimiser.files import write_xlsx

    secret = new_key(make_staff, district, Role.ANALYST)
    for name in ("ICT\x002027", "\x00"):
        upload = SimpleUploadedFile("p.xlsx", write_xlsx(PROGRAMME, ITEMS))
        response = client.post(
            "/api/v1/portfolio/programmes",
            {"slug": "ict-2027", "name": name, "file": upload},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert response.status_code == 400, response.content
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "nul_character"
    assert not Programme.objects.exists()


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_nul_in_a_json_body_of_a_patch_or_put_is_a_problem(client: Client, method: str) -> None:
    """The portfolio's PATCH and PUT take JSON bodies: a NUL in one is refused as a POST's is, before any view."""
    send = getattr(client, method)
    response = send(
        "/api/v1/portfolio/programmes/x", data='{"starts_on": "2027-04-01\\u0000"}', content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "nul_character"
