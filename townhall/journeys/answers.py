"""A whole set of answers checked page by page with the same rules the pages use."""

from __future__ import annotations

from typing import Any

from townhall.catalogue.model import Page, QuestionType, ServiceDefinition
from townhall.core.errors import FieldError
from townhall.journeys import flow
from townhall.journeys.questions import AnswerError, clean_questions, fields_from_values


def clean_page(
    definition: ServiceDefinition, page: Page, data: dict[str, Any], answers: dict[str, Any]
) -> tuple[dict[str, Any], list[AnswerError]]:
    """Clean what was posted for one page; questions hidden by their condition are skipped."""
    questions = tuple(flow.page_questions(definition, page, {**answers}))
    return clean_questions(questions, data)


def clean_all(definition: ServiceDefinition, answers: dict[str, Any]) -> tuple[dict[str, Any], list[AnswerError]]:
    """Every visible page's answers cleaned as if posted again. Returns the effective answers and errors."""
    effective: dict[str, Any] = {}
    errors: list[AnswerError] = []
    for page in flow.visible_pages(definition, answers):
        questions = tuple(flow.page_questions(definition, page, {**effective, **answers}))
        cleaned, problems = clean_questions(questions, fields_from_values(questions, answers))
        effective.update(cleaned)
        errors.extend(problems)
    return effective, errors


def unknown_answers(definition: ServiceDefinition, answers: dict[str, Any]) -> list[str]:
    known = {q.id for page in definition.pages for q in page.questions}
    return sorted(set(answers) - known)


def as_field_errors(errors: list[AnswerError]) -> list[FieldError]:
    return [FieldError(code=e.code, message=e.message, path=e.field) for e in errors]


def has_files(definition: ServiceDefinition) -> bool:
    return any(q.type is QuestionType.FILE for q in definition.all_questions())
