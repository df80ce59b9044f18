"""Checks of pages and questions (TH203–TH212). No Django."""

from __future__ import annotations

from townhall.catalogue.checker.findings import Report
from townhall.catalogue.checker.walk import duplicates, placed_questions
from townhall.catalogue.model import (
    AUTOCOMPLETE_TOKENS,
    CHOICE_TYPES,
    RESERVED_NAMES,
    QuestionType,
    ServiceDefinition,
)

_NUMERIC = {QuestionType.NUMBER, QuestionType.MONEY, QuestionType.GROUP}
_TEXTUAL = {QuestionType.TEXT, QuestionType.TEXTAREA}


def check_questions(defn: ServiceDefinition, report: Report) -> None:
    for index, page_id in duplicates([p.id for p in defn.pages]):
        report.add("TH203", f"The page id '{page_id}' is used twice.", f"pages[{index}].id")
    placed = placed_questions(defn)
    for index, question_id in duplicates([pl.question.id for pl in placed]):
        report.add("TH204", f"The question id '{question_id}' is used twice.", f"{placed[index].path}.id")
    for pl in placed:
        q, path = pl.question, pl.path
        if q.id in RESERVED_NAMES:
            report.add("TH208", f"'{q.id}' is a reserved name in conditions; choose another question id.", f"{path}.id")
        for k, value in duplicates([o.value for o in q.options]):
            report.add("TH205", f"The option value '{value}' is used twice in '{q.id}'.", f"{path}.options[{k}].value")
        if q.type in CHOICE_TYPES and len(q.options) < 2:
            report.add("TH206", f"'{q.id}' is {q.type.value} and needs at least two options.", path)
        if q.type not in CHOICE_TYPES and q.options:
            report.add("TH207", f"'{q.id}' is {q.type.value}; its options are ignored.", f"{path}.options")
        if q.minimum is not None and q.maximum is not None and q.minimum > q.maximum:
            report.add("TH209", f"'{q.id}' has min {q.minimum} greater than max {q.maximum}.", f"{path}.min")
        if q.type is QuestionType.GROUP and not q.questions:
            report.add("TH210", f"The group '{q.id}' has no questions of its own.", path)
        if q.type is not QuestionType.GROUP and q.questions:
            report.add(
                "TH210", f"'{q.id}' is {q.type.value}, not a group, so it cannot hold questions.", f"{path}.questions"
            )
        if pl.group is not None and q.type is QuestionType.GROUP:
            report.add("TH210", f"The group '{q.id}' is inside another group; groups do not nest.", path)
        _unused_fields(q, path, report)
        _autocomplete(q, path, report)


def _autocomplete(q, path: str, report: Report) -> None:  # type: ignore[no-untyped-def]
    if q.autocomplete is None or q.autocomplete in AUTOCOMPLETE_TOKENS.get(q.type, frozenset()):
        return
    takers = sorted(t.value for t, tokens in AUTOCOMPLETE_TOKENS.items() if q.autocomplete in tokens)
    allowed = sorted(AUTOCOMPLETE_TOKENS.get(q.type, frozenset()))
    message = f"'{q.id}' is {q.type.value}, so autocomplete '{q.autocomplete}' does not apply"
    message += f" (it is for {', '.join(takers)})" if takers else ""
    message += f"; {q.type.value} takes {', '.join(allowed)}." if allowed else f"; {q.type.value} takes none."
    report.add("TH212", message, f"{path}.autocomplete")


def _unused_fields(q, path: str, report: Report) -> None:  # type: ignore[no-untyped-def]
    unused = []
    if q.type not in _NUMERIC and (q.minimum is not None or q.maximum is not None):
        unused.append("min/max")
    if q.type is not QuestionType.NUMBER and q.unit:
        unused.append("unit")
    if q.type not in _TEXTUAL and q.max_length is not None:
        unused.append("max_length")
    if q.type is not QuestionType.FILE and (q.accept or q.max_bytes is not None):
        unused.append("accept/max_bytes")
    for name in unused:
        report.add("TH211", f"'{q.id}' is {q.type.value}, which does not use {name}.", path)
