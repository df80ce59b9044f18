"""YAML/JSON text → plain data plus a JSON path → line map, with the reader's own errors. No Django.

YAML is read with YAML 1.2 scalars: only ``true``/``false`` are booleans (so ``on:`` stays a key and
``yes`` stays text), dates stay text, and anchors/aliases are refused.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

from townhall.core.errors import FieldError, ValidationFailed

DEFAULT_MAX_BYTES = 512 * 1024
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's scalars: JSON's numbers and booleans, no timestamps."""


_REPLACED = {f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "timestamp")}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    """Decimal only, as in JSON and YAML 1.2 (``017`` is 17, not octal 15)."""
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    try:
        return int(text.replace("_", "x"))  # underscores are not digits here
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, f"{text!r} is not a whole number", node.start_mark) from exc


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class _Dumper(yaml.SafeDumper):
    """Writes YAML that ``_Loader`` reads back unchanged: quotes exactly the strings it would not read as text."""


_Dumper.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """YAML reads U+0085, U+2028 and U+2029 as line breaks unless escaped: only double quotes escape them."""
    style = '"' if _LINE_BREAKS.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_document(document: Any) -> str:
    """A document as YAML text in the platform's own style (keys in document order, Unicode kept)."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _max_bytes(explicit: int | None) -> int:
    """The explicit limit, else settings.DEFINITION_MAX_BYTES when Django is configured, else 512 KiB."""
    if explicit is not None:
        return explicit
    conf = sys.modules.get("django.conf")  # read, never imported: this module stays free of Django
    settings = getattr(conf, "settings", None)
    try:
        if settings is not None and settings.configured:
            return int(getattr(settings, "DEFINITION_MAX_BYTES", DEFAULT_MAX_BYTES))
    except Exception:  # settings that cannot be read: fall back to the default
        return DEFAULT_MAX_BYTES
    return DEFAULT_MAX_BYTES


def fail(code: str, message: str, path: str = "", line: int | None = None) -> ValidationFailed:
    return ValidationFailed(message, code="definition_invalid", errors=[FieldError(code, message, path, line)])


_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_TAG}{name}" for name in ("int", "float", "bool", "null")}


def _tag_problem(node: yaml.Node, loader: yaml.SafeLoader) -> bool:
    """Is this node explicitly tagged (``!!float abc``, ``!!set``, ``!custom``)? Only plain JSON-like data is read."""
    if isinstance(node, yaml.MappingNode):
        return node.tag != f"{_TAG}map"
    if isinstance(node, yaml.SequenceNode):
        return node.tag != f"{_TAG}seq"
    if node.tag == _STR_TAG:
        return False
    return node.tag not in _PLAIN_TAGS or loader.resolve(yaml.ScalarNode, node.value, (True, False)) != node.tag


def _map_lines(node: yaml.Node, loader: yaml.SafeLoader) -> tuple[dict[str, int], list[FieldError]]:
    """Walk the YAML node tree: JSON path → 1-based line, plus structural problems."""
    lines: dict[str, int] = {"": node.start_mark.line + 1}
    problems: list[FieldError] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(node, "")]
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            problems.append(FieldError("TH911", "Anchors and aliases (& and *) are not allowed.", path, lines[path]))
            continue
        seen.add(id(current))
        if _tag_problem(current, loader):
            problems.append(FieldError("TH911", f"YAML tags ({current.tag}) are not allowed.", path, lines[path]))
            continue
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in current.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                    problems.append(FieldError("TH903", "Field names must be text.", path, line))
                    continue
                key = str(key_node.value)
                child = f"{path}.{key}" if path else key
                if key in keys:
                    problems.append(FieldError("TH910", f"The field '{key}' appears twice.", child, line))
                keys.add(key)
                lines.setdefault(child, line)
                stack.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                child = f"{path}[{index}]"
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((item, child))
    problems.sort(key=lambda e: e.line or 0)
    return lines, problems


_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(value: Any) -> Any:
    """JSON escapes astral characters as surrogate pairs ("\\ud83d\\ude00"), which YAML keeps apart: join them."""
    if isinstance(value, str):
        if not _SURROGATE.search(value):
            return value
        try:
            return value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError as exc:
            raise fail("TH909", "The text holds a broken (unpaired) surrogate escape.", "", 1) from exc
    if isinstance(value, list):
        return [_join_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_join_surrogates(key): _join_surrogates(item) for key, item in value.items()}
    return value


def load_document(
    source: str | bytes, *, filename: str = "<definition>", max_bytes: int | None = None
) -> tuple[Any, dict[str, int]]:
    """YAML/JSON text → (plain data, JSON path → line). Raises ValidationFailed (TH901/2/3/9/10/11)."""
    limit = _max_bytes(max_bytes)
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise fail("TH902", f"{filename} is {size} bytes; a definition may be at most {limit} bytes.", "", 1)
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = source.count(b"\n", 0, exc.start) + 1
            raise fail("TH909", f"{filename} is not UTF-8 text (byte {exc.start}).", "", line) from exc
    else:
        text = source
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
        if node is None:
            raise fail("TH903", f"{filename} is empty: a definition is a mapping of fields.", "", 1)
        lines, problems = _map_lines(node, loader)
        if problems:
            raise ValidationFailed("The definition is not valid.", code="definition_invalid", errors=problems)
        data = _join_surrogates(loader.construct_document(node))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise fail("TH901", f"{filename} is not valid YAML or JSON: {problem}.", "", line) from exc
    except RecursionError as exc:
        raise fail("TH901", f"{filename} nests too deeply to read.", "", 1) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines
