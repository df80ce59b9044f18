"""Read a service definition (YAML or JSON, same structure) into ``townhall.catalogue.model``. No Django.

``parse_definition(source)`` is the front door: size check, YAML/JSON syntax, the JSON Schema
(``schema/v1.json``), then the dataclasses. Every problem is a ``FieldError`` with a stable code,
the JSON path and the source line, raised together in one ``ValidationFailed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townhall.catalogue.model import ServiceDefinition
from townhall.catalogue.parsing.documents import build, to_document
from townhall.catalogue.parsing.source import DEFAULT_MAX_BYTES, dump_document, fail, load_document
from townhall.catalogue.schema import schema_errors
from townhall.core.errors import ValidationFailed

__all__ = [
    "DEFAULT_MAX_BYTES",
    "definition_from_document",
    "definition_to_document",
    "dump_document",
    "load_document",
    "parse_definition",
    "parse_definition_with_lines",
]


def parse_definition_with_lines(
    source: str | bytes, *, filename: str = "<definition>", max_bytes: int | None = None
) -> tuple[ServiceDefinition, dict[str, int]]:
    """Like ``parse_definition``, also returning the JSON path → line map the checker uses."""
    document, lines = load_document(source, filename=filename, max_bytes=max_bytes)
    return _definition(document, lines), lines


def parse_definition(
    source: str | bytes, *, filename: str = "<definition>", max_bytes: int | None = None
) -> ServiceDefinition:
    """YAML or JSON text → ServiceDefinition. Raises ValidationFailed(errors=[FieldError(...)])."""
    return parse_definition_with_lines(source, filename=filename, max_bytes=max_bytes)[0]


def definition_from_document(doc: dict[str, Any]) -> ServiceDefinition:
    """A plain document (e.g. stored JSON) → ServiceDefinition, checked against the schema first."""
    return _definition(doc, None)


def _definition(doc: Any, lines: Mapping[str, int] | None) -> ServiceDefinition:
    if not isinstance(doc, Mapping):
        raise fail("TH903", "A definition is a mapping of fields (format, id, version, ...).", "", 1 if lines else None)
    try:
        errors = schema_errors(doc, lines)
    except RecursionError as exc:
        raise fail("TH901", "The definition nests too deeply to read.", "", 1 if lines else None) from exc
    if errors:
        raise ValidationFailed(
            f"The definition has {len(errors)} problem(s).", code="definition_invalid", errors=errors
        )
    return build(doc)


def definition_to_document(defn: ServiceDefinition) -> dict[str, Any]:
    """ServiceDefinition → plain document (JSON-ready); ``definition_from_document`` reverses it."""
    return to_document(defn)
