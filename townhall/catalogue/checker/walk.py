"""Walks over a definition that every check shares: questions with their paths, texts. No Django."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from townhall.catalogue.model import Question, ServiceDefinition, Text


@dataclass(frozen=True)
class Placed:
    """A question and where it sits: its JSON path, its page's index, its enclosing group (if any)."""

    question: Question
    path: str
    page: int
    group: Question | None = None


def placed_questions(defn: ServiceDefinition) -> list[Placed]:
    found: list[Placed] = []

    def walk(questions: tuple[Question, ...], base: str, page: int, group: Question | None) -> None:
        for j, q in enumerate(questions):
            path = f"{base}.questions[{j}]"
            found.append(Placed(q, path, page, group))
            walk(q.questions, path, page, q)

    for i, p in enumerate(defn.pages):
        walk(p.questions, f"pages[{i}]", i, None)
    return found


def top_level_questions(defn: ServiceDefinition) -> dict[str, Placed]:
    """Questions that are CEL variables (not inside a group); the first of any duplicate id wins."""
    found: dict[str, Placed] = {}
    for placed in placed_questions(defn):
        if placed.group is None:
            found.setdefault(placed.question.id, placed)
    return found


def texts(defn: ServiceDefinition) -> Iterator[tuple[str, Text]]:
    """Every piece of resident- or staff-facing text, with its JSON path."""
    yield "title", defn.title
    yield "description", defn.description
    if defn.what_happens_next:
        yield "what_happens_next", defn.what_happens_next
    if defn.fee:
        yield "fee.description", defn.fee.description
    for i, page in enumerate(defn.pages):
        yield f"pages[{i}].title", page.title
        if page.description:
            yield f"pages[{i}].description", page.description
    for placed in placed_questions(defn):
        q = placed.question
        yield f"{placed.path}.label", q.label
        if q.hint:
            yield f"{placed.path}.hint", q.hint
        for k, option in enumerate(q.options):
            yield f"{placed.path}.options[{k}].label", option.label
            if option.hint:
                yield f"{placed.path}.options[{k}].hint", option.hint
    for i, state in enumerate(defn.workflow.states):
        yield f"workflow.states[{i}].label", state.label
        if state.description:
            yield f"workflow.states[{i}].description", state.description
    for i, transition in enumerate(defn.workflow.transitions):
        yield f"workflow.transitions[{i}].label", transition.label
    for i, rule in enumerate(defn.workflow.rules):
        if rule.description:
            yield f"workflow.rules[{i}].description", rule.description
    for i, template in enumerate(defn.templates):
        if template.subject:
            yield f"templates[{i}].subject", template.subject
        yield f"templates[{i}].body", template.body


def duplicates(ids: list[str]) -> list[tuple[int, str]]:
    """(index, id) of every id already seen earlier in the list."""
    seen: set[str] = set()
    found = []
    for index, item in enumerate(ids):
        if item in seen:
            found.append((index, item))
        seen.add(item)
    return found
