"""Error pages: GOV.UK pages in the visitor's language, never a traceback."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.error_pages_urls")]


def test_404_is_a_page_in_the_layout(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found – Townhall</title>" in html
    assert 'href="/accessibility/"' in html


def test_404_in_welsh(client: Client) -> None:
    client.cookies["django_language"] = "cy"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="cy"' in response.content.decode()
    assert "Heb ddod o hyd i'r dudalen" in response.content.decode()


def test_500_never_leaks_a_traceback(settings, client: Client) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "secret detail" not in html
    assert "Traceback" not in html
    assert "RuntimeError" not in html


def test_a_townhall_not_found_from_a_page_is_a_404_page(client: Client) -> None:
    response = client.get("/test-missing-case/")
    assert response.status_code == 404
    assert response["X-Townhall-Error"] == "case_not_found"
    assert "Page not found" in response.content.decode()


def test_other_townhall_errors_show_an_error_summary(client: Client) -> None:
    response = client.get("/test-already-decided/")
    assert response.status_code == 409
    html = response.content.decode()
    assert response["X-Townhall-Error"] == "case_already_decided"
    assert "<title>Error: Sorry, there is a problem with your request – Townhall</title>" in html
    assert "govuk-error-summary" in html
    assert "This case has already been decided" in html


@pytest.mark.parametrize(
    ("status", "title"), [(400, "Sorry, there is a problem with your request"), (403, "You cannot see this page")]
)
def test_400_and_403_handlers(rf, status: int, title: str) -> None:  # type: ignore[no-untyped-def]
    from townhall.core.views import errors

    handler = errors.bad_request if status == 400 else errors.permission_denied
    response = handler(rf.get("/"), Exception())
    assert response.status_code == status
    assert title in response.content.decode()


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query from here on fails as it does while PostgreSQL restarts."""
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("connection failed: the database system is shutting down")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)


@pytest.mark.parametrize(
    "language, heading", [("en", "Sorry, the service is unavailable"), ("cy", "gwasanaeth ar gael")]
)
def test_a_page_while_the_database_is_down_is_a_503_with_retry_after(
    settings, client: Client, database_down: None, language: str, heading: str
) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    client.raise_request_exception = False
    client.cookies["django_language"] = language
    response = client.get("/services/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30" and response["X-Townhall-Error"] == "service_unavailable"
    html = response.content.decode()
    assert heading in html
    assert "shutting down" not in html and "OperationalError" not in html


def test_the_api_while_the_database_is_down_is_a_503_problem(settings, client: Client, database_down: None) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/api/v1/definitions/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json" and response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
