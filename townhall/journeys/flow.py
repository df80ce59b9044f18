"""Which pages and questions a resident sees, in what order, given their answers so far.

Page and question conditions are CEL (``townhall.catalogue.cel_env``). Answers to questions the
resident can no longer see (because an earlier answer changed) are kept in progress, so going back
restores them, but never leave the journey: ``effective_answers`` drops them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from townhall.catalogue.model import Page, Question, ServiceDefinition

CHECK_ANSWERS = "check-answers"


def _bindings(definition: ServiceDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """Every top-level question id bound (None when unanswered), as the contract for CEL asks."""
    bound: dict[str, Any] = {q.id: None for page in definition.pages for q in page.questions}
    bound.update({k: v for k, v in answers.items() if k in bound})
    return bound


def holds(expr: str | None, definition: ServiceDefinition, answers: dict[str, Any], *, fee_paid: bool = False) -> bool:
    if not expr:
        return True
    from townhall.catalogue.cel_env import evaluate_condition

    bound = _bindings(definition, answers)
    bound["fee_paid"] = fee_paid
    return bool(evaluate_condition(expr, bound))


def page_questions(definition: ServiceDefinition, page: Page, answers: dict[str, Any]) -> list[Question]:
    return [q for q in page.questions if holds(q.condition, definition, answers)]


def visible_pages(definition: ServiceDefinition, answers: dict[str, Any]) -> list[Page]:
    """Pages in order whose condition holds on the answers given on the pages shown before them."""
    shown: list[Page] = []
    effective: dict[str, Any] = {}
    for page in definition.pages:
        if not holds(page.condition, definition, effective):
            continue
        questions = page_questions(definition, page, {**effective, **_only(answers, page.questions)})
        if not questions:
            continue
        shown.append(page)
        effective.update(_only(answers, questions))
    return shown


def _only(answers: dict[str, Any], questions: Iterable[Question]) -> dict[str, Any]:
    return {q.id: answers[q.id] for q in questions if q.id in answers}


def effective_answers(definition: ServiceDefinition, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that count: those to questions on pages the resident can see now."""
    effective: dict[str, Any] = {}
    for page in visible_pages(definition, answers):
        effective.update(_only(answers, page_questions(definition, page, {**effective, **answers})))
    return effective


def page_by_id(definition: ServiceDefinition, page_id: str) -> Page | None:
    return next((p for p in definition.pages if p.id == page_id), None)


def next_page_id(definition: ServiceDefinition, answers: dict[str, Any], completed: Iterable[str]) -> str:
    """The first page the resident can see and has not completed, else check your answers."""
    done = set(completed)
    for page in visible_pages(definition, answers):
        if page.id not in done:
            return page.id
    return CHECK_ANSWERS


def previous_page_id(definition: ServiceDefinition, answers: dict[str, Any], page_id: str) -> str | None:
    pages = [p.id for p in visible_pages(definition, answers)]
    if page_id == CHECK_ANSWERS:
        return pages[-1] if pages else None
    if page_id in pages:
        index = pages.index(page_id)
        return pages[index - 1] if index > 0 else None
    return None


def can_visit(definition: ServiceDefinition, answers: dict[str, Any], completed: Iterable[str], page_id: str) -> bool:
    """A page may be visited when it is shown and every page before it has been completed."""
    done = set(completed)
    for page in visible_pages(definition, answers):
        if page.id == page_id:
            return True
        if page.id not in done:
            return False
    return page_id == CHECK_ANSWERS
