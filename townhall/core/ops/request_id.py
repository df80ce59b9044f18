"""A request id on every request, its response (``X-Request-Id``) and every log record written meanwhile.

A well-formed incoming ``X-Request-Id`` (from the proxy or the caller) is kept so one id follows a request
through every tier; anything else is replaced by a fresh one, so a caller cannot inject text into the logs.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-Id"
_WELL_FORMED = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{7,127}\Z")

request_id_var: ContextVar[str | None] = ContextVar("townhall_request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def accept_or_generate(incoming: str | None) -> str:
    if incoming and _WELL_FORMED.match(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request id (or ``None`` outside a request) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Outermost middleware: sets the id before anything logs and clears it after the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = accept_or_generate(request.headers.get(HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            return response
        finally:
            request_id_var.reset(token)
