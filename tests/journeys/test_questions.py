"""The cleaning rules for every question type: the one set of rules pages and the API share."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.catalogue.model import Option, Question, QuestionType, Text
from townhall.journeys.questions import clean_answer, fields_from_value


def q(kind: QuestionType, **kwargs: Any) -> Question:
    return Question(id="x", type=kind, label=Text("Label"), **kwargs)


def codes(question: Question, data: dict[str, Any]) -> list[str]:
    return [e.code for e in clean_answer(question, data)[1]]


OPTIONS = (Option("a", Text("A")), Option("b", Text("B")))


@pytest.mark.parametrize(
    ("question", "data", "value"),
    [
        (q(QuestionType.TEXT), {"x": "  hello "}, "hello"),
        (q(QuestionType.NUMBER, minimum=0, maximum=10), {"x": "7"}, 7),
        (q(QuestionType.NUMBER), {"x": "2.5"}, 2.5),
        (q(QuestionType.MONEY), {"x": "£1,234.5"}, 1234.5),
        (q(QuestionType.EMAIL), {"x": "a.b@example.co.uk"}, "a.b@example.co.uk"),
        (q(QuestionType.PHONE), {"x": "+44 808 157 0192"}, "08081570192"),
        (q(QuestionType.PHONE), {"x": "07700 900 982"}, "07700900982"),
        (q(QuestionType.POSTCODE), {"x": "sw1a1aa"}, "SW1A 1AA"),
        (q(QuestionType.DATE), {"x-day": "1", "x-month": "2", "x-year": "2024"}, "2024-02-01"),
        (q(QuestionType.RADIOS, options=OPTIONS), {"x": "b"}, "b"),
        (q(QuestionType.SELECT, options=OPTIONS), {"x": "a"}, "a"),
        (q(QuestionType.CHECKBOXES, options=OPTIONS), {"x": ["b", "a"]}, ["a", "b"]),
        (q(QuestionType.YES_NO), {"x": "no"}, False),
        (q(QuestionType.YES_NO), {"x": "yes"}, True),
        (
            q(QuestionType.ADDRESS),
            {"x-line1": "1 High St", "x-town": "Kingsholt", "x-postcode": "ds11ab"},
            {"line1": "1 High St", "line2": "", "town": "Kingsholt", "postcode": "DS1 1AB", "uprn": ""},
        ),
    ],
)
def test_valid_answers_are_cleaned(question: Question, data: dict[str, Any], value: Any) -> None:
    cleaned, errors = clean_answer(question, data)
    assert errors == []
    assert cleaned == value


@pytest.mark.parametrize(
    ("question", "data", "code"),
    [
        (q(QuestionType.TEXT), {"x": " "}, "required"),
        (q(QuestionType.TEXT, max_length=3), {"x": "abcd"}, "too_long"),
        (q(QuestionType.NUMBER), {"x": "seven"}, "not_a_number"),
        (q(QuestionType.NUMBER, minimum=1), {"x": "0"}, "too_small"),
        (q(QuestionType.NUMBER, maximum=1), {"x": "2"}, "too_large"),
        (q(QuestionType.MONEY), {"x": "1.234"}, "too_precise"),
        (q(QuestionType.EMAIL), {"x": "nope@"}, "invalid_email"),
        (q(QuestionType.PHONE), {"x": "12345"}, "invalid_phone"),
        (q(QuestionType.POSTCODE), {"x": "MD1"}, "invalid_postcode"),
        (q(QuestionType.DATE), {}, "required"),
        (q(QuestionType.DATE), {"x-day": "31", "x-month": "2", "x-year": "2024"}, "invalid_date"),
        (q(QuestionType.DATE), {"x-day": "1", "x-month": "", "x-year": "2024"}, "date_incomplete"),
        (q(QuestionType.RADIOS, options=OPTIONS), {"x": "c"}, "invalid_choice"),
        (q(QuestionType.CHECKBOXES, options=OPTIONS), {"x": []}, "required"),
        (q(QuestionType.YES_NO), {"x": "maybe"}, "invalid_choice"),
        (q(QuestionType.ADDRESS), {"x-line1": "1 High St"}, "required"),
        (q(QuestionType.ADDRESS), {"x-uprn": "999"}, "unknown_uprn"),
        (q(QuestionType.FILE), {}, "required"),
        (q(QuestionType.FILE), {"x": "a string"}, "invalid_file"),
        (q(QuestionType.GROUP, questions=(q(QuestionType.TEXT),)), {"x": []}, "required"),
        (q(QuestionType.GROUP, minimum=2, questions=(q(QuestionType.TEXT),)), {"x": [{"x": "a"}]}, "too_few"),
    ],
)
def test_invalid_answers_fail_with_stable_codes(question: Question, data: dict[str, Any], code: str) -> None:
    assert code in codes(question, data)


def test_optional_questions_may_be_left_blank() -> None:
    assert clean_answer(q(QuestionType.TEXT, required=False), {"x": ""}) == (None, [])
    assert clean_answer(q(QuestionType.DATE, required=False), {}) == (None, [])


def test_date_error_links_to_the_missing_part() -> None:
    _, errors = clean_answer(q(QuestionType.DATE), {"x-day": "1", "x-year": "2024"})
    assert errors[0].field == "x-month"
    assert errors[0].message == "Date must include a month"


def test_address_chosen_from_the_gazetteer_by_uprn() -> None:
    value, errors = clean_answer(q(QuestionType.ADDRESS), {"x-uprn": "100090000001"})
    assert errors == []
    assert value == {
        "uprn": "100090000001",
        "line1": "1 Meadow Lane",
        "line2": "",
        "town": "Marlow Downs",
        "postcode": "MD1 1AB",
    }


@pytest.mark.parametrize(
    ("question", "value"),
    [
        (q(QuestionType.DATE), "2024-02-01"),
        (q(QuestionType.CHECKBOXES, options=OPTIONS), ["a"]),
        (q(QuestionType.YES_NO), True),
        (q(QuestionType.MONEY), 12.5),
        (q(QuestionType.NUMBER), 3),
        (q(QuestionType.POSTCODE), "MD1 1AB"),
    ],
)
def test_stored_answers_round_trip_through_the_form_fields(question: Question, value: Any) -> None:
    assert clean_answer(question, fields_from_value(question, value)) == (value, [])


def test_welsh_messages() -> None:
    from django.utils.translation import override

    with override("cy"):
        _, errors = clean_answer(q(QuestionType.TEXT), {"x": ""})
    assert errors[0].code == "required"
    assert errors[0].message == "Rhowch eich ateb"
