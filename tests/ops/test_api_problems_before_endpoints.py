"""Under /api/ even what Django refuses before an endpoint runs is a JSON problem, never an HTML page.

A client of the API reads problems (application/problem+json, a stable ``code``); before these were
answered under /api/ as they are for pages: an address no endpoint has got the HTML 404 page, a method the
endpoint does not take a text/html "Method not allowed", a body over DATA_UPLOAD_MAX_MEMORY_SIZE the HTML
400 page, and an unexpected error the HTML 500 page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    return body


@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/v1/cases/", "/api/v2/cases", "/api/"])
def test_an_address_no_endpoint_has_is_a_problem(client: Client, path: str) -> None:
    _problem(client.get(path), 404, "not_found")


def test_an_address_outside_the_api_is_still_the_page(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/v1/organisations", "GET, HEAD"),
        ("put", "/api/v1/cases/status", "POST"),
        ("options", "/api/v1/definitions/", "GET, POST, HEAD"),
    ],
)
def test_a_method_the_endpoint_does_not_take_is_a_problem_with_allow(
    client: Client, method: str, path: str, allowed: str
) -> None:
    response = getattr(client, method)(path)
    _problem(response, 405, "method_not_allowed")
    assert {m.strip() for m in response["Allow"].split(",")} == {m.strip() for m in allowed.split(",")}


def test_a_body_over_the_upload_limit_is_a_problem(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"reference": "' + "x" * 2048 + '", "email": "a@example.test"}'
    _problem(client.post("/api/v1/cases/status", body, content_type="application/json"), 413, "request_too_large")


def test_an_unexpected_error_in_an_endpoint_is_a_problem_without_a_traceback(client: Client, monkeypatch: Any) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("townhall.opendata.api.published_datasets", broken)
    response = client.get("/api/v1/open-data/datasets")
    _problem(response, 500, "server_error")
    assert b"secret internals" not in response.content and b"Traceback" not in response.content
