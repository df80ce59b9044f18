"""HEAD is answered as GET is, without the body (townhall/core/ops/head.py), on the API and on pages.

Before, every API route and every page behind ``require_GET`` or ``require_http_methods`` answered a HEAD
with 405: link checkers, uptime monitors and caches were told the address takes no HEAD.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import FileResponse, HttpResponse, HttpResponseNotAllowed
from django.test import Client, RequestFactory

from townhall.api import api
from townhall.core.ops.head import HeadAsGet

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
GETS = [path for path, operations in SCHEMA["paths"].items() if "get" in operations]


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def _same_but_the_body(get: Any, head: Any) -> None:
    assert head.status_code == get.status_code, (head.status_code, get.status_code)
    assert head["Content-Type"] == get["Content-Type"]
    assert head.content == b""
    if not get.streaming:
        assert head["Content-Length"] == str(len(get.content))


@pytest.mark.parametrize("path", GETS)
def test_head_on_every_get_operation_of_the_api_answers_as_get_does(
    client: Client, organisation_rows: dict[str, Any], path: str
) -> None:
    url = path.format(**{"organisation": "mid-downs", "dataset": "no-such-dataset", **organisation_rows["path"]})
    auth = {"HTTP_AUTHORIZATION": f"Bearer {organisation_rows['secret']}"}
    get, head = client.get(url, **auth), client.head(url, **auth)
    assert head.status_code != 405
    _same_but_the_body(get, head)


@pytest.mark.parametrize(
    "url", ["/services/", "/services/mid-downs/{service_slug}/", "/open-data/", "/your-applications/", "/"]
)
def test_head_on_pages_answers_as_get_does(client: Client, organisation_rows: dict[str, Any], url: str) -> None:
    url = url.format(**organisation_rows["path"])
    get, head = client.get(url), client.head(url)
    assert get.status_code == 200
    _same_but_the_body(get, head)


def test_head_where_only_post_is_taken_is_still_405(client: Client) -> None:
    response = client.head("/api/v1/cases/status")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response["Content-Type"] == "application/problem+json"


def test_a_405_that_allows_get_allows_head_too(client: Client) -> None:
    response = client.delete("/api/v1/organisations")
    assert response.status_code == 405
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "HEAD"}


def test_the_body_is_dropped_by_the_middleware_itself_not_only_by_the_server(tmp_path: Any) -> None:
    """The test client (like gunicorn) drops a HEAD's body anyway: the middleware must not rely on it."""
    seen: list[str] = []

    def view(request: Any) -> HttpResponse:
        seen.append(request.method)
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return HttpResponse(b"x" * 42, content_type="text/plain")

    request = RequestFactory().head("/anything/")
    response = HeadAsGet(view)(request)
    assert seen == ["GET"] and request.method == "HEAD"
    assert (response.status_code, response.content, response["Content-Length"]) == (200, b"", "42")

    (tmp_path / "data.csv").write_bytes(b"a,b\n1,2\n")
    streamed = HeadAsGet(lambda request: FileResponse((tmp_path / "data.csv").open("rb")))(RequestFactory().head("/"))
    assert b"".join(streamed.streaming_content) == b"" and streamed["Content-Length"] == "8"  # type: ignore[attr-defined]
    streamed.close()
