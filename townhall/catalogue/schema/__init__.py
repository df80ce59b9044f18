"""The JSON Schema of the service-definition format (``v1.json``) and its errors as FieldErrors. No Django.

Each schema violation becomes one ``FieldError`` with a stable code (see docs/definitions.md):

TH903 wrong type · TH904 unknown field · TH905 missing field · TH906 unknown question type ·
TH907 unsupported format · TH908 value not allowed (pattern, range, length, choice).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from townhall.catalogue.model import FORMAT_V1
from townhall.core.errors import FieldError

SCHEMA_ID = "/schemas/service-definition/v1.json"
MAX_ERRORS = 100

_JSON_TYPES = {
    "object": "a mapping of fields",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


@lru_cache(maxsize=1)
def schema_v1() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of format v1."""
    text = resources.files(__package__).joinpath("v1.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = schema_v1()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_path(parts: Iterable[str | int]) -> str:
    """``["pages", 2, "questions", 0, "id"]`` → ``pages[2].questions[0].id``."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def line_for(path: str, lines: Mapping[str, int] | None) -> int | None:
    """The source line of ``path``, or of its nearest enclosing part that has one."""
    if not lines:
        return None
    candidate = path
    while True:
        if candidate in lines:
            return lines[candidate]
        if not candidate:
            return None
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""


def _json_type(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Sequence):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping of fields"
    return type(value).__name__


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _translate(error: jsonschema.ValidationError, lines: Mapping[str, int] | None) -> list[FieldError]:
    parts = list(error.absolute_path)
    path = json_path(parts)
    where = path or "the document"
    validator = error.validator
    expected: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, Mapping) else {}

    def make(code: str, message: str, at: str = path) -> FieldError:
        return FieldError(code=code, message=message[:1].upper() + message[1:], path=at, line=line_for(at, lines))

    if validator == "required" and isinstance(error.instance, Mapping):
        missing = [name for name in expected if name not in error.instance]
        return [make("TH905", f"{where} needs the field '{name}'.", json_path([*parts, name])) for name in missing]
    if validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = sorted(schema.get("properties", {}))
        found = []
        for key in error.instance:
            if key in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Allowed: {', '.join(known)}."
            found.append(make("TH904", f"Unknown field '{key}' in {where}.{hint}", json_path([*parts, str(key)])))
        return found
    if validator == "type":
        wanted = _JSON_TYPES.get(str(expected), str(expected))
        return [make("TH903", f"{where} must be {wanted}, not {_json_type(error.instance)}.")]
    if validator == "enum" and parts and parts[-1] == "type" and "text" in expected:
        allowed = ", ".join(expected)
        return [make("TH906", f"Unknown question type {_short(error.instance)} at {where}. Allowed: {allowed}.")]
    if validator == "const" and parts == ["format"]:
        return [make("TH907", f"Unsupported format {_short(error.instance)}: this platform reads '{FORMAT_V1}'.")]
    if validator == "enum":
        allowed = ", ".join(str(v) for v in expected)
        return [make("TH908", f"{where} is {_short(error.instance)}; it must be one of: {allowed}.")]
    if validator == "anyOf" and parts and parts[-3:-1] == ["workflow", "rules"]:
        return [make("TH905", f"{where} needs a 'transition' or an 'assign_team' (or both).")]
    if validator == "pattern":
        return [
            make("TH908", f"{where} is {_short(error.instance)}, which is not allowed here: {_pattern_hint(parts)}")
        ]
    if validator == "minItems" and expected == 1:
        return [make("TH908", f"{where} must not be empty.")]
    if validator == "minLength" and expected == 1:
        return [make("TH908", f"{where} must not be empty text.")]
    message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
    return [make("TH908", f"{where}: {message}")]


def _pattern_hint(parts: list[str | int]) -> str:
    last = parts[-1] if parts else ""
    if parts == ["id"]:
        return "a definition id is lower-case words joined by hyphens, like 'report-missed-bin'."
    if last == "id" and "questions" in parts:
        return "a question id is lower case letters, digits and underscores, starting with a letter."
    if last == "value":
        return "an option value is letters, digits, '.', '_' or '-', starting with a letter or digit."
    if "accept" in parts:
        return "a MIME type looks like 'application/pdf'."
    return "ids are lower case letters, digits, '_' and '-', starting with a letter."


def schema_errors(document: Any, lines: Mapping[str, int] | None = None) -> list[FieldError]:
    """Every way ``document`` breaks the schema, in source order (at most ``MAX_ERRORS``)."""
    found: list[FieldError] = []
    seen: set[tuple[str, str, str]] = set()
    for error in _validator().iter_errors(document):
        for field_error in _translate(error, lines):
            key = (field_error.code, field_error.path, field_error.message)
            if key not in seen:  # "required" reports every missing field once per missing field
                seen.add(key)
                found.append(field_error)
        if len(found) >= MAX_ERRORS:
            break
    found.sort(key=lambda e: (e.line or 0, e.path, e.code))
    return found[:MAX_ERRORS]
