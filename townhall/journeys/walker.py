"""Walk every branch of a definition's journey with generated sample answers, to submission.

Each branch runs in a throwaway transaction that is always rolled back, through the same services a
resident's journey uses. A published version is submitted for real inside that transaction (a case
is opened, then rolled back); a draft cannot open cases, so its walk is a dry run of the submission:
every answer is checked again as ``journey_submit`` would, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from townhall.catalogue.model import Question, QuestionType, ServiceDefinition
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
from townhall.core.errors import TownhallError
from townhall.journeys import flow
from townhall.journeys.answers import clean_all
from townhall.journeys.questions import fields_from_values

MAX_BRANCHES = 64
BRANCHING = (QuestionType.RADIOS, QuestionType.SELECT, QuestionType.YES_NO, QuestionType.CHECKBOXES)


@dataclass
class Branch:
    choices: dict[str, Any]
    pages: list[str] = field(default_factory=list)
    outcome: str = ""  # "submitted", "dry run: would submit", or the problem
    reference: str = ""
    ok: bool = False


class _Rollback(Exception):
    pass


def _domain(question: Question) -> list[Any]:
    if question.type is QuestionType.YES_NO:
        return [True, False]
    values = [o.value for o in question.options]
    if question.type is QuestionType.CHECKBOXES:
        return [[v] for v in values]
    return values


def sample_answer(question: Question) -> Any:
    kind = question.type
    if kind in BRANCHING:
        domain = _domain(question)
        return domain[0] if domain else None
    if kind in (QuestionType.NUMBER, QuestionType.MONEY):
        low, high = question.minimum, question.maximum
        value = low if low is not None else (min(high, 1) if high is not None else 1)
        return float(value) if kind is QuestionType.MONEY else int(value) if float(value).is_integer() else value
    if kind is QuestionType.GROUP:
        count = max(1, int(question.minimum or 1))
        return [{q.id: sample_answer(q) for q in question.questions} for _ in range(count)]
    samples: dict[QuestionType, Any] = {
        QuestionType.TEXT: "Sample answer",
        QuestionType.TEXTAREA: "A sample answer written by the journey walker.",
        QuestionType.EMAIL: "walker@example.com",
        QuestionType.PHONE: "01632960001",
        QuestionType.POSTCODE: "MD1 1AB",
        QuestionType.DATE: "1990-05-17",
        QuestionType.ADDRESS: {
            "uprn": "",
            "line1": "1 Meadow Lane",
            "line2": "",
            "town": "Marlow Downs",
            "postcode": "MD1 1AB",
        },
        QuestionType.FILE: {
            "upload": "walker-sample",
            "name": "sample.pdf",
            "content_type": "application/pdf",
            "size": 1024,
        },
    }
    sample = samples.get(kind, "Sample")
    if isinstance(sample, str) and question.max_length:
        sample = sample[: question.max_length]
    return sample


def _branching_ids(definition: ServiceDefinition) -> set[str]:
    from townhall.catalogue.cel_env import free_variables

    names: set[str] = set()
    for page in definition.pages:
        exprs = [page.condition, *(q.condition for q in page.questions)]
        for expr in exprs:
            if expr:
                try:
                    names |= set(free_variables(expr))
                except ValueError:
                    continue
    return {q.id for q in definition.all_questions() if q.id in names and q.type in BRANCHING}


def _run(version: DefinitionVersion, definition: ServiceDefinition, branch: Branch, seen: set[str]) -> None:
    from townhall.journeys.services.sessions import journey_answer_page, journey_start
    from townhall.journeys.services.submissions import journey_submit

    branching = _branching_ids(definition)
    session = journey_start(version=version, language=definition.languages[0])
    for _step in range(len(definition.pages) + 1):
        page_id = flow.next_page_id(definition, session.answers, session.completed_pages)
        if page_id == flow.CHECK_ANSWERS:
            break
        page = flow.page_by_id(definition, page_id)
        assert page is not None
        values: dict[str, Any] = {}
        for q in flow.page_questions(definition, page, session.answers):
            values[q.id] = branch.choices.get(q.id, sample_answer(q))
            if q.id in branching:
                seen.add(q.id)
        journey_answer_page(session=session, page_id=page_id, data=fields_from_values(page.questions, values))
        branch.pages.append(page_id)
    branch.pages.append(flow.CHECK_ANSWERS)
    if version.status == DefinitionStatus.DRAFT:
        _effective, errors = clean_all(definition, session.answers)
        if errors:
            raise TownhallError(f"{errors[0].field}: {errors[0].message}", code=errors[0].code)
        branch.outcome = "dry run: would submit"
    else:
        if definition.fee:
            session.payment_status = "success"  # the fee is taken as paid inside the throwaway transaction
            session.save(update_fields=["payment_status"])
        submission = journey_submit(session=session)
        branch.reference = submission.reference
        branch.pages.append("confirmation")
        branch.outcome = "submitted"
    branch.ok = True


def walk(version: DefinitionVersion, *, max_branches: int = MAX_BRANCHES) -> list[Branch]:
    """Every branch of the journey (up to ``max_branches``) and the pages each visits."""
    definition = version.definition()
    queue: list[dict[str, Any]] = [{}]
    done: list[Branch] = []
    tried: set[str] = set()
    while queue and len(done) < max_branches:
        choices = queue.pop(0)
        key = repr(sorted(choices.items()))
        if key in tried:
            continue
        tried.add(key)
        branch = Branch(choices=dict(choices))
        seen: set[str] = set()
        try:
            with transaction.atomic():
                try:
                    _run(version, definition, branch, seen)
                except TownhallError as error:
                    branch.outcome = f"{error.code}: {error.detail}"
                except Exception as error:  # a designer's tool: report what broke, keep walking
                    branch.outcome = f"error: {type(error).__name__}: {error}"
                raise _Rollback
        except _Rollback:
            pass
        done.append(branch)
        for qid in sorted(seen):
            if qid in choices:
                continue
            for value in _domain(definition.question(qid))[1:]:
                queue.append({**choices, qid: value})
    # Branches that visit the same pages are one branch to a service designer.
    unique: dict[tuple[str, ...], Branch] = {}
    for branch in done:
        unique.setdefault((*branch.pages, branch.outcome.split(":")[0]), branch)
    return list(unique.values())
