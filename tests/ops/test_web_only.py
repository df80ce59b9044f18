"""Pages go through sessions, CSRF, sign-in, messages and lockout; the JSON API goes past them (ADR 0019)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings

from townhall.core.ops.web_only import WebOnlyMiddleware, web_only_middleware_check

WEB_ONLY_ATTRIBUTES = ("session", "user", "_messages")


def through_web_only(path: str) -> tuple[set[str], int]:
    """Which of the web-only middleware's marks a request to ``path`` carried when it reached the view, and
    the status that came back when the view reported a sign-in lockout (django-axes answers it, after the
    view, with its own response)."""
    found: set[str] = set()

    def view(request: HttpRequest) -> HttpResponse:
        found.update(name for name in WEB_ONLY_ATTRIBUTES if hasattr(request, name))
        if hasattr(getattr(request, "user", None), "is_verified"):  # django-otp's second factor, on the user
            found.add("user.is_verified")
        request.axes_locked_out = True  # type: ignore[attr-defined]
        return HttpResponse("ok")

    response = WebOnlyMiddleware(view)(RequestFactory().get(path))
    return found, response.status_code


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True)
def test_a_page_request_goes_through_every_web_only_middleware() -> None:
    seen, status = through_web_only("/services/")
    assert seen == {*WEB_ONLY_ATTRIBUTES, "user.is_verified"}
    assert status == 429  # axes turned the reported lockout into its refusal (core.views.auth.locked_out)


@override_settings(AXES_ENABLED=True)
def test_an_api_request_goes_past_them() -> None:
    assert through_web_only("/api/v1/services") == (set(), 200)


def test_a_page_post_without_its_csrf_token_is_still_refused(district: Any) -> None:
    """CSRF stays in MIDDLEWARE: its process_view still refuses a page's POST without the token."""
    response = Client(enforce_csrf_checks=True).post("/staff/sign-in/", {"username": "x", "password": "y"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_api_response_sets_no_cookie_and_keeps_the_security_headers(client: Client) -> None:
    client.get("/services/")  # a page: a session may begin, and the CSRF cookie is set
    response = client.get("/api/v1/services", HTTP_ACCEPT="application/json")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in response
    assert response["X-Request-Id"]


@pytest.mark.django_db
def test_a_signed_in_staff_session_means_nothing_to_the_api(client: Client, make_staff: Any, district: Any) -> None:
    from townhall.core.roles import Role

    staff = make_staff(district, Role.CASEWORKER)
    client.force_login(staff)
    response = client.get("/api/v1/cases", HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


class HandlesExceptions:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)  # pragma: no cover

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:  # pragma: no cover
        return None


@override_settings(WEB_ONLY_MIDDLEWARE=[f"{__name__}.HandlesExceptions"])
def test_a_hook_the_chain_cannot_run_is_refused_not_ignored() -> None:
    with pytest.raises(ImproperlyConfigured, match="process_exception"):
        WebOnlyMiddleware(lambda request: HttpResponse())


def test_the_check_asks_for_sessions_sign_in_messages_and_lockout_in_order() -> None:
    assert web_only_middleware_check() == []
    without = [path for path in settings.MIDDLEWARE if not path.endswith("WebOnlyMiddleware")]
    with override_settings(MIDDLEWARE=without):  # and nothing in MIDDLEWARE does their work instead
        assert [e.id for e in web_only_middleware_check()] == ["townhall.E001"]
    with override_settings(
        WEB_ONLY_MIDDLEWARE=[
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "axes.middleware.AxesMiddleware",
        ]
    ):
        assert [e.id for e in web_only_middleware_check()] == ["townhall.E001"]
