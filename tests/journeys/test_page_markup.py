"""The markup of the question pages against the GOV.UK Design System's guidance for each pattern:
autocomplete and keyboards, error highlighting, hints tied to their fieldset, answers shown as given."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template import engines
from django.test import Client

from tests.journeys.conftest import EVERYTHING_ANSWERS
from tests.journeys.test_pages import BASE, GOOD_PAGES, answer_all, start
from townhall.catalogue.model import Question, QuestionType, Text
from townhall.core.models import Organisation


def render_question(question: Question, fields: dict[str, Any] | None = None) -> str:
    template = engines["jinja2"].from_string(
        '{% from "journeys/_questions.html" import question %}{{ question(q, "en", fields, {}) }}'
    )
    return template.render({"q": question, "fields": fields or {}})


def input_tag(page: str, input_id: str) -> str:
    found = re.search(rf'<input\s[^>]*\bid="{re.escape(input_id)}"[^>]*>', page)
    assert found, f"no input {input_id}"
    return found.group(0)


@pytest.mark.django_db
def test_the_residents_name_is_autocompleted_and_not_spellchecked(client: Client, everything: Any) -> None:
    """Names pattern: autocomplete="name" on a full name field, and spellcheck off."""
    start(client)
    tag = input_tag(client.get(f"{BASE}name/").content.decode(), "full_name")
    assert 'autocomplete="name"' in tag and 'spellcheck="false"' in tag
    # A text question that is not the resident's name is left alone: the browser would fill in their own.
    other = render_question(Question(id="pet", type=QuestionType.TEXT, label=Text("What other pet?")))
    assert "autocomplete" not in input_tag(other, "pet") and "spellcheck" not in input_tag(other, "pet")


@pytest.mark.django_db
def test_numbers_and_money_are_not_spellchecked_and_get_a_keypad_only_when_never_negative(
    client: Client, everything: Any
) -> None:
    """Text input guidance: spellcheck off for numbers; inputmode="decimal" unless the number can be negative."""
    start(client)
    for page_id, data in GOOD_PAGES[:3]:
        client.post(f"{BASE}{page_id}/", data)
    page = client.get(f"{BASE}about/").content.decode()
    children = input_tag(page, "children")  # min: 0
    assert 'spellcheck="false"' in children and 'inputmode="decimal"' in children
    rent = input_tag(page, "rent")  # money with no minimum: a negative amount is accepted
    assert 'spellcheck="false"' in rent and "inputmode" not in rent
    paid = render_question(Question(id="paid", type=QuestionType.MONEY, label=Text("Paid"), minimum=0))
    assert 'inputmode="decimal"' in input_tag(paid, "paid")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "month", "year", "highlighted"),
    [
        ("", "", "1990", {"day", "month"}),
        ("17", "", "1990", {"month"}),
        ("17", "5", "90", {"year"}),
        ("31", "2", "1990", {"day", "month", "year"}),
        ("", "", "", {"day", "month", "year"}),
    ],
)
def test_a_date_error_highlights_only_the_parts_at_fault(
    client: Client, everything: Any, day: str, month: str, year: str, highlighted: set[str]
) -> None:
    """Date input guidance: highlight the fields that are missing or wrong, all three only for the whole date."""
    start(client)
    for page_id, data in GOOD_PAGES[:3]:
        client.post(f"{BASE}{page_id}/", data)
    posted = {"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year, "children": "1"}
    page = client.post(f"{BASE}about/", posted).content.decode()
    tags = {part: input_tag(page, f"date_of_birth-{part}") for part in ("day", "month", "year")}
    marked = {part for part, tag in tags.items() if "govuk-input--error" in tag}
    assert marked == highlighted
    assert f'value="{day}"' in input_tag(page, "date_of_birth-day")  # what was typed is kept


@pytest.mark.django_db
def test_a_date_of_birth_is_autocompleted_part_by_part(client: Client, everything: Any) -> None:
    """WCAG 1.3.5 and the date input guidance: a date of birth (autocomplete: bday) gets bday-day, bday-month and
    bday-year; another date (when something happened) gets nothing the browser would fill in."""
    start(client)
    for page_id, data in GOOD_PAGES[:3]:
        client.post(f"{BASE}{page_id}/", data)
    page = client.get(f"{BASE}about/").content.decode()
    for part in ("day", "month", "year"):
        assert f'autocomplete="bday-{part}"' in input_tag(page, f"date_of_birth-{part}")
    other = render_question(Question(id="moved", type=QuestionType.DATE, label=Text("When did you move in?")))
    assert "autocomplete" not in other


def test_a_questions_autocomplete_token_overrides_its_types_own() -> None:
    """A question names the autofill token for what it asks (a given name), or turns the type's default off
    (someone else's email address, which the browser would fill in with the resident's own)."""
    given = render_question(
        Question(id="first", type=QuestionType.TEXT, label=Text("First name"), autocomplete="given-name")
    )
    tag = input_tag(given, "first")
    assert 'autocomplete="given-name"' in tag and 'spellcheck="false"' in tag
    theirs = render_question(
        Question(id="their_email", type=QuestionType.EMAIL, label=Text("Their email"), autocomplete="off")
    )
    assert 'autocomplete="off"' in input_tag(theirs, "their_email")
    own = render_question(Question(id="email", type=QuestionType.EMAIL, label=Text("Email")))
    assert 'autocomplete="email"' in input_tag(own, "email")
    where = render_question(
        Question(id="where", type=QuestionType.TEXTAREA, label=Text("Address"), autocomplete="street-address")
    )
    assert re.search(r'<textarea[^>]*autocomplete="street-address"', where)


def test_an_address_hint_is_read_out_with_its_fieldset() -> None:
    """Fieldset guidance: a hint inside a fieldset is tied to it with aria-describedby."""
    html = render_question(
        Question(id="home", type=QuestionType.ADDRESS, label=Text("Your address"), hint=Text("Where you live now"))
    )
    fieldset = re.search(r"<fieldset[^>]*>", html)
    assert fieldset and 'aria-describedby="home-hint"' in fieldset.group(0)
    assert 'id="home-hint"' in html


@pytest.mark.django_db
def test_welsh_error_messages_are_announced_in_welsh(client: Client, everything: Any) -> None:
    """Every inline error starts with a visually hidden prefix for screen readers: "Gwall:" in Welsh."""
    client.cookies["django_language"] = "cy"
    start(client)
    welsh = client.post(f"{BASE}name/", {"full_name": ""}).content.decode()
    assert "<title>Gwall:" in welsh
    assert '<span class="govuk-visually-hidden">Gwall:</span> Rhowch eich ateb' in welsh
    assert ">Error:<" not in welsh


@pytest.mark.django_db
def test_errors_are_in_the_language_the_page_is_shown_in_after_switching(client: Client, everything: Any) -> None:
    """The language toggle is on every page: after switching, error messages follow it, not the start page's."""
    start(client)  # in English
    english = client.post(f"{BASE}name/", {"full_name": ""}).content.decode()
    assert '<span class="govuk-visually-hidden">Error:</span> Enter your answer' in english
    client.cookies["django_language"] = "cy"
    welsh = client.post(f"{BASE}name/", {"full_name": ""}).content.decode()
    assert "Rhowch eich ateb" in welsh and "Enter your answer" not in welsh
    client.post(f"{BASE}name/", {"full_name": "Ada Lovelace"})
    assert "Rhowch gyfeiriad e-bost" in client.post(f"{BASE}save/", {"email": ""}).content.decode()
    client.post(f"{BASE}contact/", GOOD_PAGES[1][1])
    client.post(f"{BASE}home/", GOOD_PAGES[2][1])
    for page_id, data in GOOD_PAGES[3:]:
        client.post(f"{BASE}{page_id}/", data)
    item = client.post(f"{BASE}household/add/", {"person_name": "", "person_age": "1"}).content.decode()
    assert "Rhowch eich ateb" in item


@pytest.mark.django_db
def test_check_answers_shows_each_line_of_an_answer_on_its_own_line(client: Client, everything: Any) -> None:
    """Check answers pattern: an address (and any answer of several lines) keeps its lines, escaped."""
    start(client)
    answer_all(client)
    client.post(f"{BASE}notes/?change=1", {"notes": "Ring the bell\n<b>twice</b>"})
    page = client.get(f"{BASE}check-answers/").content.decode()
    address = EVERYTHING_ANSWERS["home_address"]
    assert f"{address['line1']}<br>{address['town']}<br>{address['postcode']}" in page
    assert "Dog<br>Other" in page
    assert "Ring the bell<br>&lt;b&gt;twice&lt;/b&gt;" in page


GROUP_SERVICE = """
format: townhall/service-definition/v1
id: household-form
version: 1
organisation: E07000901
lgsl: 1
title: {en: "Household form"}
description: {en: "Tell us who lives with you."}
languages: [en]
pages:
  - id: household
    title: {en: "People who live with you"}
    description: {en: "Each person will need a background check. We will email them a link."}
    questions:
      - id: people
        type: group
        min: 1
        label: {en: "Person"}
        questions:
          - id: person_name
            type: text
            label: {en: "Full name"}
workflow:
  start: received
  states:
    - id: received
      label: {en: "Received"}
    - id: done
      label: {en: "Done"}
      final: true
  transitions:
    - id: finish
      from: [received]
      to: done
      label: {en: "Finish"}
      roles: [caseworker]
retention:
  days: 30
"""


@pytest.mark.django_db
def test_a_group_pages_description_is_shown(client: Client, district: Organisation) -> None:
    """A page's description reaches the resident on a repeating group's pages, as on any other page."""
    from townhall.catalogue.services.definitions import definition_import

    definition_import(actor=None, organisation=district, source=GROUP_SERVICE, filename="g.yaml", publish=True)
    base = "/services/mid-downs/household-form/"
    assert client.post(base)["Location"].endswith("/household/")
    description = "Each person will need a background check. We will email them a link."
    assert description in client.get(f"{base}household/add/").content.decode()
    client.post(f"{base}household/add/", {"person_name": "Ada Lovelace"})
    assert description in client.get(f"{base}household/").content.decode()
