"""Read a service definition (YAML or JSON, same structure) into ``townhall.catalogue.model``. No Django.

``parse_definition(source)`` is the front door: size check, YAML/JSON syntax, the JSON Schema
(``schema/v1.json``), then the dataclasses. Every problem is a ``FieldError`` with a stable code,
the JSON path and the source line, raised together in one ``ValidationFailed``.

YAML is read with YAML 1.2 scalars: only ``true``/``false`` are booleans (so ``on:`` stays a key and
``yes`` stays text), dates stay text, and anchors/aliases are refused.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

import yaml

from townhall.catalogue.model import (
    Fee,
    NotificationTrigger,
    Option,
    Page,
    Question,
    QuestionType,
    Retention,
    Rule,
    ServiceDefinition,
    State,
    Template,
    Text,
    Transition,
    Workflow,
)
from townhall.catalogue.schema import schema_errors
from townhall.core.errors import FieldError, ValidationFailed

DEFAULT_MAX_BYTES = 512 * 1024
_STR_TAG = "tag:yaml.org,2002:str"

__all__ = [
    "DEFAULT_MAX_BYTES",
    "definition_from_document",
    "definition_to_document",
    "load_document",
    "parse_definition",
    "parse_definition_with_lines",
]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|false)$"),
    list("tf"),
)


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


def _fail(code: str, message: str, path: str = "", line: int | None = None) -> ValidationFailed:
    return ValidationFailed(message, code="definition_invalid", errors=[FieldError(code, message, path, line)])


def _map_lines(node: yaml.Node) -> tuple[dict[str, int], list[FieldError]]:
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


def load_document(
    source: str | bytes, *, filename: str = "<definition>", max_bytes: int | None = None
) -> tuple[Any, dict[str, int]]:
    """YAML/JSON text → (plain data, JSON path → line). Raises ValidationFailed (TH901/2/3/9/10/11)."""
    limit = _max_bytes(max_bytes)
    size = len(source) if isinstance(source, bytes) else len(source.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise _fail("TH902", f"{filename} is {size} bytes; a definition may be at most {limit} bytes.")
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _fail("TH909", f"{filename} is not UTF-8 text (byte {exc.start}).") from exc
    else:
        text = source
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _fail("TH903", f"{filename} is empty: a definition is a mapping of fields.", "", 1)
        lines, problems = _map_lines(node)
        if problems:
            raise ValidationFailed("The definition is not valid.", code="definition_invalid", errors=problems)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail("TH901", f"{filename} is not valid YAML or JSON: {problem}.", "", line) from exc
    except RecursionError as exc:
        raise _fail("TH901", f"{filename} nests too deeply to read.") from exc
    finally:
        loader.dispose()
    return data, lines


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
        raise _fail("TH903", "A definition is a mapping of fields (format, id, version, ...).", "", 1 if lines else None)
    try:
        errors = schema_errors(doc, lines)
    except RecursionError as exc:
        raise _fail("TH901", "The definition nests too deeply to read.") from exc
    if errors:
        raise ValidationFailed(f"The definition has {len(errors)} problem(s).", code="definition_invalid", errors=errors)
    return _build(doc)


# ---- document → dataclasses (the document is valid against the schema here) -----------------------


def _text(data: Mapping[str, Any] | None) -> Text | None:
    return None if data is None else Text(en=data["en"], cy=data.get("cy", ""))


def _req_text(data: Mapping[str, Any]) -> Text:
    return Text(en=data["en"], cy=data.get("cy", ""))


def _question(d: Mapping[str, Any]) -> Question:
    return Question(
        id=d["id"],
        type=QuestionType(d["type"]),
        label=_req_text(d["label"]),
        hint=_text(d.get("hint")),
        required=d.get("required", True),
        condition=d.get("condition"),
        options=tuple(Option(o["value"], _req_text(o["label"]), _text(o.get("hint"))) for o in d.get("options", ())),
        minimum=d.get("min"),
        maximum=d.get("max"),
        unit=d.get("unit"),
        max_length=d.get("max_length"),
        accept=tuple(d.get("accept", ())),
        max_bytes=d.get("max_bytes"),
        questions=tuple(_question(q) for q in d.get("questions", ())),
        personal=d.get("personal", True),
        pii_role=d.get("pii_role"),
    )


def _workflow(d: Mapping[str, Any]) -> Workflow:
    return Workflow(
        start=d["start"],
        states=tuple(
            State(
                id=s["id"],
                label=_req_text(s["label"]),
                final=s.get("final", False),
                waiting_for_resident=s.get("waiting_for_resident", False),
                description=_text(s.get("description")),
            )
            for s in d["states"]
        ),
        transitions=tuple(
            Transition(
                id=t["id"],
                sources=tuple(t["from"]),
                target=t["to"],
                label=_req_text(t["label"]),
                roles=tuple(t["roles"]),
                requires_reason=t.get("requires_reason", False),
            )
            for t in d["transitions"]
        ),
        rules=tuple(
            Rule(
                id=r["id"],
                on=r["on"],
                when=r["when"],
                transition=r.get("transition"),
                assign_team=r.get("assign_team"),
                description=_text(r.get("description")),
            )
            for r in d.get("rules", ())
        ),
        service_level_days=d.get("service_level_days"),
        default_team=d.get("default_team", ""),
    )


def _build(doc: Mapping[str, Any]) -> ServiceDefinition:
    fee = doc.get("fee")
    return ServiceDefinition(
        id=doc["id"],
        version=int(doc["version"]),
        organisation=doc["organisation"],
        lgsl=int(doc["lgsl"]),
        title=_req_text(doc["title"]),
        description=_req_text(doc["description"]),
        pages=tuple(
            Page(
                id=p["id"],
                title=_req_text(p["title"]),
                questions=tuple(_question(q) for q in p["questions"]),
                condition=p.get("condition"),
                description=_text(p.get("description")),
            )
            for p in doc["pages"]
        ),
        workflow=_workflow(doc["workflow"]),
        retention=Retention(days=int(doc["retention"]["days"]), action=doc["retention"].get("action", "anonymise")),
        languages=tuple(doc.get("languages", ("en",))),
        fee=None if fee is None else Fee(amount_pence=int(fee["amount_pence"]), description=_req_text(fee["description"])),
        notifications=tuple(NotificationTrigger(n["on"], n["channel"], n["template"]) for n in doc.get("notifications", ())),
        templates=tuple(
            Template(id=t["id"], body=_req_text(t["body"]), subject=_text(t.get("subject"))) for t in doc.get("templates", ())
        ),
        what_happens_next=_text(doc.get("what_happens_next")),
        origin=doc.get("origin"),
        extra=dict(doc.get("extra", {})),
    )


# ---- dataclasses → document -------------------------------------------------------------------------


def _doc_text(text: Text) -> dict[str, str]:
    return {"en": text.en, "cy": text.cy} if text.cy else {"en": text.en}


def _put(target: dict[str, Any], key: str, value: Any, default: Any = None) -> None:
    if value != default and value is not None:
        target[key] = _doc_text(value) if isinstance(value, Text) else value


def _doc_question(q: Question) -> dict[str, Any]:
    d: dict[str, Any] = {"id": q.id, "type": q.type.value, "label": _doc_text(q.label)}
    _put(d, "hint", q.hint)
    _put(d, "required", q.required, True)
    _put(d, "condition", q.condition)
    if q.options:
        d["options"] = []
        for o in q.options:
            option: dict[str, Any] = {"value": o.value, "label": _doc_text(o.label)}
            _put(option, "hint", o.hint)
            d["options"].append(option)
    _put(d, "min", q.minimum)
    _put(d, "max", q.maximum)
    _put(d, "unit", q.unit)
    _put(d, "max_length", q.max_length)
    if q.accept:
        d["accept"] = list(q.accept)
    _put(d, "max_bytes", q.max_bytes)
    if q.questions:
        d["questions"] = [_doc_question(inner) for inner in q.questions]
    _put(d, "personal", q.personal, True)
    _put(d, "pii_role", q.pii_role)
    return d


def _doc_workflow(w: Workflow) -> dict[str, Any]:
    d: dict[str, Any] = {"start": w.start}
    _put(d, "service_level_days", w.service_level_days)
    _put(d, "default_team", w.default_team, "")
    d["states"] = []
    for s in w.states:
        state: dict[str, Any] = {"id": s.id, "label": _doc_text(s.label)}
        _put(state, "final", s.final, False)
        _put(state, "waiting_for_resident", s.waiting_for_resident, False)
        _put(state, "description", s.description)
        d["states"].append(state)
    d["transitions"] = []
    for t in w.transitions:
        transition: dict[str, Any] = {
            "id": t.id,
            "from": list(t.sources),
            "to": t.target,
            "label": _doc_text(t.label),
            "roles": list(t.roles),
        }
        _put(transition, "requires_reason", t.requires_reason, False)
        d["transitions"].append(transition)
    if w.rules:
        d["rules"] = []
        for r in w.rules:
            rule: dict[str, Any] = {"id": r.id, "on": r.on, "when": r.when}
            _put(rule, "transition", r.transition)
            _put(rule, "assign_team", r.assign_team)
            _put(rule, "description", r.description)
            d["rules"].append(rule)
    return d


def definition_to_document(defn: ServiceDefinition) -> dict[str, Any]:
    """ServiceDefinition → plain document (JSON-ready); ``definition_from_document`` reverses it."""
    d: dict[str, Any] = {
        "format": "townhall/service-definition/v1",
        "id": defn.id,
        "version": defn.version,
        "organisation": defn.organisation,
        "lgsl": defn.lgsl,
        "title": _doc_text(defn.title),
        "description": _doc_text(defn.description),
        "languages": list(defn.languages),
        "pages": [],
    }
    for page in defn.pages:
        p: dict[str, Any] = {"id": page.id, "title": _doc_text(page.title)}
        _put(p, "description", page.description)
        _put(p, "condition", page.condition)
        p["questions"] = [_doc_question(q) for q in page.questions]
        d["pages"].append(p)
    d["workflow"] = _doc_workflow(defn.workflow)
    if defn.notifications:
        d["notifications"] = [{"on": n.on, "channel": n.channel, "template": n.template} for n in defn.notifications]
    if defn.templates:
        d["templates"] = []
        for t in defn.templates:
            template: dict[str, Any] = {"id": t.id}
            _put(template, "subject", t.subject)
            template["body"] = _doc_text(t.body)
            d["templates"].append(template)
    if defn.fee is not None:
        d["fee"] = {"amount_pence": defn.fee.amount_pence, "description": _doc_text(defn.fee.description)}
    d["retention"] = {"days": defn.retention.days, "action": defn.retention.action}
    _put(d, "what_happens_next", defn.what_happens_next)
    _put(d, "origin", defn.origin)
    if defn.extra:
        d["extra"] = dict(defn.extra)
    return d

