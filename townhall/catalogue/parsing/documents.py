"""Plain documents ↔ ``townhall.catalogue.model`` dataclasses. No Django.

``build`` expects a document that is valid against the schema; ``to_document`` is its inverse
(defaults are left out, so documents stay short): ``build(to_document(d)) == d``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from townhall.catalogue.model import (
    FORMAT_V1,
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
        autocomplete=d.get("autocomplete"),
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


def build(doc: Mapping[str, Any]) -> ServiceDefinition:
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
        fee=None
        if fee is None
        else Fee(amount_pence=int(fee["amount_pence"]), description=_req_text(fee["description"])),
        notifications=tuple(
            NotificationTrigger(n["on"], n["channel"], n["template"]) for n in doc.get("notifications", ())
        ),
        templates=tuple(
            Template(id=t["id"], body=_req_text(t["body"]), subject=_text(t.get("subject")))
            for t in doc.get("templates", ())
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
    _put(d, "autocomplete", q.autocomplete)
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


def to_document(defn: ServiceDefinition) -> dict[str, Any]:
    """ServiceDefinition → plain document (JSON-ready); ``definition_from_document`` reverses it."""
    d: dict[str, Any] = {
        "format": FORMAT_V1,
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
