"""How the API reads a JSON body: one JSON object of Unicode text, as RFC 8259 describes it, or a problem.

Python's ``json`` module accepts more than JSON: ``NaN`` and ``Infinity`` (and ``1e999``, which it reads as
infinity), escaped lone surrogates (``"\\ud800"``) that no database can store, and any value at the top of
the body. django-ninja reads a body that is not an object (``"s"``, ``1``, ``[]``) as an object with every
field left out, so a mistyped body took the defaults and was acted on: an assignment with ``"bob"`` as its
body unassigned the case. Each of these is refused here before any endpoint sees it.

The body must also say it is JSON: ``Content-Type: application/json`` (or a ``+json`` type). A JSON body sent
as ``text/plain`` is what a browser's cross-site form or ``fetch`` can send without asking first (CORS has no
preflight for it), and it was read as if it were JSON; it is now a 415 ``unsupported_media_type``. Only
operations with a JSON body call this parser: a multipart import reads its form fields and files instead.
"""

from __future__ import annotations

import json
import math
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja.parser import Parser

from townhall.core.errors import FieldError, TownhallError, ValidationFailed
from townhall.core.views.errors import is_json


class MalformedBody(TownhallError):
    status = 400
    code = "malformed_json"
    title = "The request body is not JSON"


class UnsupportedMediaType(TownhallError):
    status = 415
    code = "unsupported_media_type"
    title = "The request body's media type is not JSON"


def _constant(name: str) -> NoReturn:
    raise MalformedBody(f"{name} is not a JSON number")


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise MalformedBody(f"{text[:40]} is too large for a number")
    return value


def _valid_text(data: Any) -> bool:
    """Every string in the document, keys included, is Unicode text (no lone surrogates)."""
    stack = [data]
    while stack:
        item = stack.pop()
        try:
            if isinstance(item, str):
                item.encode("utf-8")
            elif isinstance(item, dict):
                for key, value in item.items():
                    key.encode("utf-8")
                    stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)
        except UnicodeEncodeError:
            return False
    return True


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if not is_json(request.content_type or ""):
            raise UnsupportedMediaType("Send the body as JSON, with Content-Type: application/json")
        try:
            data = json.loads(request.body, parse_constant=_constant, parse_float=_number)
        except MalformedBody:
            raise
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise MalformedBody("The request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise ValidationFailed(
                "The request body must be a JSON object",
                errors=[FieldError("object_required", "The request body must be a JSON object", "body")],
            )
        if not _valid_text(data):
            raise MalformedBody("The request body holds a lone surrogate (\\ud800 to \\udfff), which is not text")
        return data
