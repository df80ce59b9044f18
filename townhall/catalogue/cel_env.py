"""The CEL environment every condition in a service definition runs in. Pure Python: no Django.

Each question's id is a top-level variable holding its answer; a question that has not been
answered (or was skipped because its own condition did not hold) is ``null``. Three names are
reserved: ``case`` (a map: state, channel, received_on, service), ``today`` (an ISO date string,
``"2026-11-23"``) and ``fee_paid`` (bool).

A condition *holds* only when it evaluates to ``true``. Any other result, and any evaluation error
(comparing ``null`` with a number, reading a missing key of ``case``), means it does not hold: an
unanswered question never makes a page appear by accident.

Beyond standard CEL, one function: ``age_on(date_of_birth, date)``, whole years between two ISO
dates (``age_on(date_of_birth, today) >= 18``).
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import cel

from townhall.catalogue.model import RESERVED_NAMES

__all__ = [
    "FUNCTIONS",
    "CelCompileError",
    "bound_names",
    "compile_condition",
    "evaluate_condition",
    "free_variables",
]

# Names a comprehension macro binds: ``household.exists(m, m.age >= 16)`` binds ``m``.
_MACRO_BINDING = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,")


def age_on(date_of_birth: Any, on: Any) -> int | None:
    """Whole years from ``date_of_birth`` to ``on`` (ISO dates; 2008-11-23 is 18 on 2026-11-23); null if not dates."""
    try:
        born = dt.date.fromisoformat(str(date_of_birth))
        then = dt.date.fromisoformat(str(on))
    except ValueError:
        return None
    return then.year - born.year - ((then.month, then.day) < (born.month, born.day))


FUNCTIONS: dict[str, Any] = {"age_on": age_on}


class CelCompileError(ValueError):
    """The expression is not valid CEL. ``str()`` holds the compiler's message."""


MAX_CONDITION_CHARS = 4096  # far beyond any real rule; the extension panics past column 65,535


@lru_cache(maxsize=4096)
def compile_condition(expr: str) -> cel.Program:
    """Compile ``expr`` once per process. Raises ``CelCompileError`` when it is not valid CEL."""
    if not isinstance(expr, str) or not expr.strip():
        raise CelCompileError("The expression is empty.")
    if len(expr) > MAX_CONDITION_CHARS:
        raise CelCompileError(f"The expression is longer than {MAX_CONDITION_CHARS} characters.")
    try:
        return cel.compile(expr)
    except Exception as exc:  # the extension raises ValueError, sometimes RuntimeError
        raise CelCompileError(_first_line(str(exc))) from exc
    except BaseException as exc:  # a panic inside the Rust extension (pyo3's PanicException)
        if type(exc).__name__ != "PanicException":
            raise
        raise CelCompileError("The expression could not be read.") from exc


def bound_names(expr: str) -> frozenset[str]:
    """Names bound by comprehension macros in ``expr`` (not free variables)."""
    return frozenset(_MACRO_BINDING.findall(expr))


def free_variables(expr: str) -> frozenset[str]:
    """Top-level names ``expr`` reads: question ids and reserved names. Raises ``CelCompileError``."""
    program = compile_condition(expr)
    return frozenset(program.variables()) - bound_names(expr)


def _context(program: cel.Program, answers: dict[str, Any], case: dict[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = dict.fromkeys(program.variables())
    context["today"] = dt.date.today().isoformat()
    context["fee_paid"] = False
    context["case"] = {}
    context.update({key: value for key, value in answers.items() if key not in RESERVED_NAMES})
    if case is not None:
        context["case"] = dict(case)
        if "today" in case:
            context["today"] = str(case["today"])
        if "fee_paid" in case:
            context["fee_paid"] = bool(case["fee_paid"])
    for reserved in ("today", "fee_paid"):
        if reserved in answers:
            context[reserved] = answers[reserved]
    return context


def evaluate_condition(expr: str, answers: dict[str, Any], *, case: dict[str, Any] | None = None) -> bool:
    """Does ``expr`` hold for these answers? Only a ``true`` result holds; errors do not.

    ``answers`` maps question ids to answers (questions missing from it are ``null``). ``case`` is
    the ``case`` map; it may also carry ``today`` and ``fee_paid`` to override their defaults
    (today's date and false). Raises ``CelCompileError`` when ``expr`` does not compile.
    """
    program = compile_condition(expr)
    try:
        result = program.execute(cel.Context(variables=_context(program, answers, case), functions=FUNCTIONS))
    except Exception:  # no such overload, missing key, division by zero: the condition does not hold
        return False
    return result is True


def evaluate(expr: str, variables: dict[str, Any]) -> Any:
    """Evaluate ``expr`` with exactly these variables (the checker's reachability search uses it)."""
    return compile_condition(expr).execute(cel.Context(variables=variables, functions=FUNCTIONS))


def _first_line(message: str) -> str:
    message = message.strip()
    return message.splitlines()[0] if message else "invalid CEL"
