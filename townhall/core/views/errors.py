"""Error pages (404, 403, 400, 500) for people, wired as handler404 etc. in townhall/urls.py.

The pages are Jinja templates in templates/errors/ extending base.html, in the visitor's language.
The 500 page never shows a traceback: Django only calls ``server_error`` when DEBUG is off, and if
even the template fails to render it falls back to a fixed page.

``TownhallErrorPages`` is middleware that turns the platform's own errors raised by a page view
(``townhall.core.errors.NotFound`` and friends) into the same pages, with their stable code, so a
view never turns an expected failure into a 500. The JSON API handles these itself (townhall/api.py).
Under /api/ each of these answers a JSON problem instead of a page: an address no endpoint has (404), a
method the endpoint does not take (405, with Allow), a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (413)
and any other refusal Django makes before the API sees the request, so a client never has to read HTML.
It also answers for a database that cannot be reached (restarting, failed over, out of connections): a 503
"service unavailable" page, or a JSON problem with code ``service_unavailable`` under /api/, with
Retry-After, instead of a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render

from townhall.core.errors import FieldError, NotFound, PermissionDenied, Problem, TownhallError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30

_FALLBACK_500 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sorry, there is a problem with the service'
    "</title></head><body><main><h1>Sorry, there is a problem with the service</h1><p>Try again later.</p>"
    "</main></body></html>"
)


_FALLBACK_503 = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sorry, the service is unavailable</title>'
    "</head><body><main><h1>Sorry, the service is unavailable</h1><p>You will be able to use the service later."
    "</p></main></body></html>"
)


def _page(request: HttpRequest, status: int, context: dict[str, Any] | None = None) -> HttpResponse:
    return render(request, f"errors/{status}.html", context or {}, status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


PROBLEM = "application/problem+json"


def is_json(content_type: str) -> bool:
    """``application/json`` or a ``+json`` type of it (``application/merge-patch+json``): what a JSON body is
    sent as. ``content_type`` is ``request.content_type``, without its parameters (``; charset=utf-8``)."""
    media_type = content_type.strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def problem_response(problem: Problem) -> HttpResponse:
    """An RFC 9457 problem: what every refusal under /api/ is, from the API itself or from middleware."""
    return JsonResponse(problem.as_dict(), status=problem.status, content_type=PROBLEM)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return problem_response(Problem(404, "not_found", "Not found", "No endpoint has this address"))
    return _page(request, 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return problem_response(
            Problem(403, "permission_denied", "You do not have permission to do that", "The request was refused")
        )
    return _page(request, 403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            detail = "The request body is larger than the API accepts"
            return problem_response(Problem(413, "request_too_large", "The request is too large", detail))
        return problem_response(
            Problem(400, "bad_request", "The request could not be processed", "The request is malformed")
        )
    return _page(request, 400)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        return problem_response(
            Problem(500, "server_error", "Sorry, there is a problem with the service", "Try again later")
        )
    try:
        return _page(request, 500)
    except Exception:  # the error page itself must never fail, nor show what went wrong
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(_FALLBACK_500)


def _summary(errors: list[FieldError]) -> list[dict[str, str]]:
    return [{"text": e.message, "href": f"#{e.path}" if e.path else "#main-content"} for e in errors]


class TownhallErrorPages:
    """Middleware: a TownhallError escaping a page view becomes an error page with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and is_api(request) and response.get("Content-Type") != PROBLEM:
            allowed = response.get("Allow", "")
            detail = f"This address takes {allowed}" if allowed else "This address takes no requests"
            refusal = problem_response(Problem(405, "method_not_allowed", "Method not allowed", detail))
            refusal["Allow"] = allowed
            return refusal
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return _unavailable(request, exception)
        if not isinstance(exception, TownhallError):
            return None
        if isinstance(exception, NotFound):
            response = _page(request, 404)
        elif isinstance(exception, PermissionDenied):
            response = _page(request, 403)
        else:
            errors = _summary(exception.errors) or [{"text": exception.detail, "href": "#main-content"}]
            response = _page(request, 400, {"errors": errors})
            response.status_code = exception.status
        response["X-Townhall-Error"] = exception.code
        return response


def _unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The database cannot be reached: say so, and when to try again. Nothing here may touch the database."""
    logger.warning("The database is unavailable for %s: %s", request.path, exception)
    if is_api(request):
        response = problem_response(
            Problem(
                503,
                "service_unavailable",
                "Service unavailable",
                "The service is unavailable just now. Try again later",
            )
        )
    else:
        try:
            response = _page(request, 503)
        except Exception:  # e.g. a context processor that reads the database: the fixed page instead
            response = HttpResponse(_FALLBACK_503, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["X-Townhall-Error"] = "service_unavailable"
    return response
