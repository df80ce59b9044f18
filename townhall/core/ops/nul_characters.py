"""Middleware: a request carrying a NUL character is refused with a 400, before any view reads it.

PostgreSQL can neither store nor compare text that holds NUL (0x00), so such a value reaching a query was a
500 (``DataError``). Nothing a resident or a client sends has a use for one. The address, the query string,
the fields of a form (a page's, or the API's multipart import) and the strings of a JSON body (whatever its
method: POST, PATCH, PUT) are checked.
Uploaded files may hold any bytes: only their names are checked.

The API answers a JSON problem with the stable code ``nul_character``; pages answer the 400 error page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from townhall.core.errors import Problem
from townhall.core.views.errors import bad_request, is_api, is_json, problem_response

CODE = "nul_character"
# \u0000 inside a JSON string: the escape, not preceded by another backslash that would escape it.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _in_fields(fields: dict[str, list[str]]) -> bool:
    return any("\x00" in name or any("\x00" in value for value in values) for name, values in fields.items())


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or _in_fields(dict(request.GET.lists())):
        return True
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return False
    if is_json(request.content_type or ""):  # a POST's, a PATCH's or a PUT's
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False  # too large to read here; the view refuses it
        body = request.body
        # The plain search first: the pattern, tried at every byte, cost a JSON request about 20 µs.
        return b"\x00" in body or (b"\\u0000" in body and _JSON_NUL.search(body) is not None)
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        # The API's forms too (a programme's import is multipart): a NUL in a field there was a 500.
        files = [f.name or "" for _field, uploads in request.FILES.lists() for f in uploads]
        return _in_fields(dict(request.POST.lists())) or any("\x00" in name for name in files)
    return False


def _refusal(request: HttpRequest) -> HttpResponse:
    detail = "The request holds a NUL character (0x00), which no field accepts"
    if is_api(request):
        response = problem_response(Problem(400, CODE, "The request could not be processed", detail))
    else:
        response = bad_request(request)
    response["X-Townhall-Error"] = CODE
    return response


class NulCharacterRefusal:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            return _refusal(request)
        return self.get_response(request)
