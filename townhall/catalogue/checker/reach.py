"""Can a condition ever hold? Evaluate it over generated answers to the questions it names. No Django.

For each name the expression reads we generate a small set of telling values: each option value,
boundary numbers around every number literal in the expression (and the question's min and max),
true/false, the expression's own text literals, empty lists and one-item lists, and null. If the
condition is false for every combination, no resident can ever reach what it guards.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

from townhall.catalogue.cel_env import evaluate
from townhall.catalogue.model import Question, QuestionType, ServiceDefinition

MAX_COMBINATIONS = 20_000
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")
_TODAY = "2026-01-15"
_DATES = ("1950-06-15", "2000-01-01", _TODAY, "2099-12-31")
_CHANNELS = ("online", "phone", "face_to_face", "post", "referral")


def literals(expr: str) -> tuple[list[float | int], list[str]]:
    numbers: list[float | int] = []
    for text in _NUMBER.findall(expr):
        numbers.append(float(text) if "." in text else int(text))
    strings = [a or b for a, b in _STRING.findall(expr)]
    return numbers, strings


def _numbers(q: Question | None, numbers: list[float | int]) -> list[Any]:
    values: list[Any] = [0, 1]
    for n in numbers:
        values += [n - 1, n, n + 1, -n]
        if isinstance(n, float):
            values += [n - 0.01, n + 0.01]
    if q is not None:
        values += [v for v in (q.minimum, q.maximum) if v is not None]
    return [None, *dict.fromkeys(values)]


def _values(q: Question, numbers: list[float | int], strings: list[str]) -> list[Any]:
    t = q.type
    if t in (QuestionType.RADIOS, QuestionType.SELECT):
        return [None, *(o.value for o in q.options), *strings]
    if t is QuestionType.CHECKBOXES:
        values = [o.value for o in q.options]
        return [None, [], *([v] for v in values), values, *([s] for s in strings)]
    if t is QuestionType.YES_NO:
        return [None, True, False]
    if t in (QuestionType.NUMBER, QuestionType.MONEY):
        return _numbers(q, numbers)
    if t is QuestionType.DATE:
        return [None, *dict.fromkeys([*_DATES, *strings])]
    if t is QuestionType.FILE:
        return [None, {"name": "evidence.pdf", "content_type": "application/pdf", "size": 1024}]
    if t is QuestionType.ADDRESS:
        return [None, {"line1": "1 High Street", "town": "Mid Downs", "postcode": "MD1 1AA"}, *strings]
    if t is QuestionType.GROUP:
        inner_values = {inner.id: _values(inner, numbers, strings) for inner in q.questions}
        base = {key: next((v for v in values if v is not None), None) for key, values in inner_values.items()}
        items = [{**base, key: value} for key, values in inner_values.items() for value in values]
        return [None, [], [base, base], *([item] for item in items)]
    return [None, "", "x", *dict.fromkeys(strings)]


def _reserved(name: str, defn: ServiceDefinition, numbers: list[float | int], strings: list[str]) -> list[Any]:
    if name == "fee_paid":
        return [True, False]
    if name == "today":
        return list(dict.fromkeys([_TODAY, *strings]))
    base = {"state": defn.workflow.start, "channel": "online", "received_on": _TODAY, "service": defn.id}
    cases: list[Any] = [base]
    for key in ("state", "channel", "received_on"):
        for value in dict.fromkeys([*strings, *(_CHANNELS if key == "channel" else ())]):
            cases.append({**base, key: value})
    return cases


def _combinations(
    expr: str, names: set[str], defn: ServiceDefinition, questions: dict[str, Question]
) -> tuple[Iterator[dict[str, Any]], bool]:
    """The generated bindings for ``expr`` (at most MAX_COMBINATIONS) and whether they are all of them."""
    numbers, strings = literals(expr)
    ordered = sorted(names)
    domains: list[list[Any]] = []
    for name in ordered:
        if name in questions:
            domains.append(_values(questions[name], numbers, strings))
        else:
            domains.append(_reserved(name, defn, numbers, strings))
    total = 1
    for domain in domains:
        total *= len(domain)
    bindings = (
        dict(zip(ordered, combination, strict=True))
        for combination in itertools.islice(itertools.product(*domains), MAX_COMBINATIONS)
    )
    return bindings, total <= MAX_COMBINATIONS


def _holds(expr: str, binding: dict[str, Any]) -> bool:
    try:
        return evaluate(expr, binding) is True
    except Exception:  # an error means "does not hold"
        return False


def can_hold(expr: str, names: set[str], defn: ServiceDefinition, questions: dict[str, Question]) -> bool | None:
    """True if some generated answers make ``expr`` hold, False if none do, None if we could not tell."""
    bindings, complete = _combinations(expr, names, defn, questions)
    if any(_holds(expr, binding) for binding in bindings):
        return True
    return False if complete else None


def always_holds(expr: str, names: set[str], defn: ServiceDefinition, questions: dict[str, Question]) -> bool:
    """True only if every generated set of answers (all of them, not a sample) makes ``expr`` hold."""
    bindings, complete = _combinations(expr, names, defn, questions)
    return complete and all(_holds(expr, binding) for binding in bindings)
