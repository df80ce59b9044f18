"""The CEL environment conditions run in."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.catalogue.cel_env import (
    CelCompileError,
    age_on,
    compile_condition,
    evaluate_condition,
    free_variables,
)


def test_question_ids_are_top_level_variables() -> None:
    assert evaluate_condition('benefit == "pip" && points >= 8', {"benefit": "pip", "points": 8}) is True
    assert evaluate_condition('benefit == "pip" && points >= 8', {"benefit": "pip", "points": 7}) is False


def test_unanswered_questions_are_null_and_never_hold_by_accident() -> None:
    assert evaluate_condition("points == null", {}) is True
    assert evaluate_condition("points >= 8", {}) is False  # null >= 8 is an error: does not hold
    assert evaluate_condition("!(points >= 8)", {}) is False


def test_only_true_holds() -> None:
    assert evaluate_condition("1", {}) is False
    assert evaluate_condition('"true"', {}) is False


def test_reserved_names_have_defaults_and_can_be_given() -> None:
    assert evaluate_condition("fee_paid == false", {}) is True
    assert evaluate_condition(f'today == "{dt.date.today().isoformat()}"', {}) is True
    assert evaluate_condition('case.channel == "phone"', {}, case={"channel": "phone"}) is True
    assert evaluate_condition('case.channel == "phone"', {}) is False
    assert evaluate_condition("fee_paid", {}, case={"fee_paid": True}) is True
    assert evaluate_condition('today == "2026-01-01"', {}, case={"today": "2026-01-01"}) is True


def test_answers_cannot_override_the_case_map() -> None:
    assert evaluate_condition('case.state == "open"', {"case": {"state": "open"}}, case={"state": "closed"}) is False


def test_lists_groups_and_macros() -> None:
    answers = {"items": ["sofa", "fridge"], "members": [{"age": 17}, {"age": 40}]}
    assert evaluate_condition('"fridge" in items', answers) is True
    assert evaluate_condition("members.exists(m, m.age >= 16)", answers) is True
    assert evaluate_condition("members.all(m, m.age >= 18)", answers) is False
    assert free_variables("members.exists(m, m.age >= 16)") == {"members"}


def test_compile_errors_and_caching() -> None:
    with pytest.raises(CelCompileError):
        compile_condition("points >=")
    with pytest.raises(CelCompileError):
        compile_condition("   ")
    with pytest.raises(CelCompileError):
        evaluate_condition("(", {})
    assert compile_condition("a == 1") is compile_condition("a == 1")


def test_age_on() -> None:
    assert age_on("2008-11-23", "2026-11-23") == 18
    assert age_on("2008-11-24", "2026-11-23") == 17
    assert age_on("2000-02-29", "2026-02-28") == 25
    assert age_on(None, "2026-01-01") is None
    assert evaluate_condition("age_on(dob, today) >= 18", {"dob": "2008-11-23"}, case={"today": "2026-11-23"})
    assert not evaluate_condition("age_on(dob, today) >= 18", {"dob": "not a date"})


@given(st.dates(min_value=dt.date(1900, 1, 1)), st.dates(min_value=dt.date(1900, 1, 1)))
def test_age_on_counts_whole_years(born: dt.date, on: dt.date) -> None:
    years = age_on(born.isoformat(), on.isoformat())
    assert years is not None
    if on >= born:
        assert years >= 0
        assert (born.month, born.day) == (2, 29) or born.replace(year=born.year + years) <= on
    else:
        assert years <= 0


@given(st.integers(-100, 100), st.integers(-100, 100))
def test_comparisons_match_python(a: int, b: int) -> None:
    assert evaluate_condition("a < b", {"a": a, "b": b}) is (a < b)
