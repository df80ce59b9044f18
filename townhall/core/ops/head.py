"""Middleware: a HEAD request is answered as its GET is, without the body (RFC 9110, section 9.3.2).

django-ninja routes a request only to an operation declared for its method, and Django's ``require_GET`` and
``require_http_methods(["GET", "POST"])`` take only the methods they name, so a HEAD (what link checkers,
uptime monitors and caches send) was a 405 on every API route and on most pages. Here a HEAD runs the view
as a GET and the body is dropped; the status and headers, ``Content-Length`` included, are the GET's.
Any 405 that allows GET says it allows HEAD too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def _allow_head(response: HttpResponse) -> None:
    allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
    if "GET" in allowed and "HEAD" not in allowed:
        response["Allow"] = ", ".join([*allowed, "HEAD"])


class HeadAsGet:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            if head:
                request.method = "HEAD"  # what the logs and metrics record once the response is made
        if response.status_code == 405:  # DELETE where only GET is taken: HEAD is taken too
            _allow_head(response)
        if head:
            _without_body(response)
        return response


def _without_body(response: HttpResponse) -> None:
    if response.streaming:
        response.streaming_content = []  # type: ignore[attr-defined]  # a file stays open until close()
        return
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    response.content = b""
