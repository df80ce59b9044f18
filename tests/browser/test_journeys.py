"""Every demo journey in Chromium, end to end: error states, branches, Welsh, check your answers, paying,
the confirmation page, with axe-core (WCAG 2.2 A/AA) run on every page visited. One journey by keyboard alone."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from townhall.catalogue.model import Question, QuestionType, ServiceDefinition
from townhall.catalogue.services.definitions import definition_import
from townhall.journeys.models import Submission
from townhall.journeys.questions import fields_from_value
from townhall.journeys.walker import sample_answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEFINITIONS = Path(__file__).resolve().parent.parent.parent / "definitions"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
ORGS = {"E07000901": "mid-downs", "E10000901": "downshire"}

JOURNEYS: dict[str, tuple[str, dict[str, Any], str]] = {
    "missed bin": ("report-missed-bin", {}, "en"),
    "missed bin in Welsh": ("report-missed-bin", {}, "cy"),
    "blue badge, PIP": ("blue-badge", {"benefit": "pip"}, "en"),
    "blue badge, DLA": ("blue-badge", {"benefit": "dla_higher_mobility"}, "en"),
    "blue badge, no benefit, in Welsh": ("blue-badge", {"benefit": "none"}, "cy"),
    "bulky waste, other items, paid": ("bulky-waste-collection", {"items": ["other"]}, "en"),
    "childminder, household and first aid": (
        "childminder-approval",
        {"others_over_16": True, "paediatric_first_aid": True},
        "en",
    ),
    "childminder, living alone, no first aid": (
        "childminder-approval",
        {"others_over_16": False, "paediatric_first_aid": False},
        "en",
    ),
    "single person discount": ("council-tax-single-person-discount", {"lives_alone": True}, "en"),
    "single person discount, other adults, in Welsh": (
        "council-tax-single-person-discount",
        {"lives_alone": False},
        "cy",
    ),
}


@pytest.fixture
def published(district: Any, county: Any) -> dict[str, ServiceDefinition]:
    by_code = {"E07000901": district, "E10000901": county}
    found = {}
    for path in sorted(DEFINITIONS.glob("*.yaml")):
        source = path.read_text()
        code = next(c for c in by_code if f"organisation: {c}" in source)
        version = definition_import(
            actor=None, organisation=by_code[code], source=source, filename=path.name, publish=True
        )
        found[path.stem] = version.definition()
    return found


def file_for(question: Question) -> dict[str, Any]:
    if not question.accept or "application/pdf" in question.accept:
        return {"name": "evidence.pdf", "mimeType": "application/pdf", "buffer": PDF}
    return {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}


def fill(page: Page, question: Question, value: Any) -> None:
    kind = question.type
    if kind in (QuestionType.RADIOS, QuestionType.YES_NO):
        field = fields_from_value(question, value)[question.id]
        page.locator(f'input[name="{question.id}"][value="{field}"]').check()
    elif kind is QuestionType.CHECKBOXES:
        for v in value:
            page.locator(f'input[name="{question.id}"][value="{v}"]').check()
    elif kind is QuestionType.SELECT:
        page.select_option(f"#{question.id}", value)
    elif kind is QuestionType.FILE:
        page.set_input_files(f"#{question.id}", files=[file_for(question)])  # type: ignore[list-item]
    elif kind is QuestionType.ADDRESS:
        page.fill(f"#{question.id}-lookup", "MD1 1AB")
        page.locator(f'button[name="lookup"][value="{question.id}"]').click()
        page.select_option(f"#{question.id}-uprn", index=1)
    else:
        for name, text in fields_from_value(question, value).items():
            page.fill(f"#{name}", str(text))


def continue_(page: Page) -> None:
    page.locator("main form button.govuk-button:not(.govuk-button--secondary)").last.click()


def drive(
    page: Page,
    definition: ServiceDefinition,
    choices: dict[str, Any],
    check: Callable[[Page], None],
) -> list[str]:
    """Answer every page the journey shows, checking each page, until check your answers."""
    visited: list[str] = []
    first = True
    for _step in range(40):
        check(page)
        path = page.url.split("?")[0]
        if path.endswith("/check-answers/"):
            return visited
        parts = path.rstrip("/").split("/")
        if parts[-1] == "add":
            group_page = next(p for p in definition.pages if p.id == parts[-2])
            group = next(q for q in group_page.questions if q.type is QuestionType.GROUP)
            for inner in group.questions:
                fill(page, inner, sample_answer(inner))
            continue_(page)
            continue
        page_id = parts[-1]
        current = next(p for p in definition.pages if p.id == page_id)
        visited.append(page_id)
        if any(q.type is QuestionType.GROUP for q in current.questions):
            page.locator('input[name="add_another"][value="no"]').check()
            continue_(page)
            continue
        if first:  # the error state: nothing answered
            continue_(page)
            expect(page.locator(".govuk-error-summary")).to_be_visible()
            assert page.title().startswith(("Error:", "Gwall:"))
            check(page)
            first = False
        for question in current.questions:
            fill(page, question, choices.get(question.id, sample_answer(question)))
        continue_(page)
    raise AssertionError(f"the journey did not reach check your answers: {visited}")


@pytest.mark.parametrize("name", list(JOURNEYS))
def test_demo_journey_end_to_end(
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
    published: dict[str, ServiceDefinition],
    name: str,
) -> None:
    slug, choices, language = JOURNEYS[name]
    definition = published[slug]
    base = f"/services/{ORGS[definition.organisation]}/{slug}/"
    page = new_page(language=language)
    page.goto(base)
    expect(page.locator("h1")).to_have_text(definition.title.get(language))
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.locator("button.govuk-button--start").click()
    visited = drive(page, definition, choices, assert_accessible)
    # Branches: the pages shown follow the answers.
    conditional = {p.id for p in definition.pages if p.condition}
    assert set(visited) - conditional == {p.id for p in definition.pages if not p.condition}
    # Check your answers: the declaration is needed.
    continue_(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#declaration").check()
    continue_(page)
    if definition.fee:
        expect(page).to_have_url(re.compile(r"/_local/pay/card/"))
        assert_accessible(page)
        page.get_by_role("button", name=re.compile("Confirm payment|Cadarnhau")).click()
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    reference = Submission.objects.get().reference
    expect(page.locator(".govuk-panel")).to_contain_text(reference)
    assert_accessible(page)
    page.locator('input[name="rating"][value="very_satisfied"]').check()
    page.locator("main form button").click()
    assert_accessible(page)
    assert Submission.objects.get().satisfaction.rating == "very_satisfied"


def test_change_link_returns_to_check_answers(
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
    published: dict[str, ServiceDefinition],
) -> None:
    definition = published["report-missed-bin"]
    page = new_page(width=320, javascript=True)
    page.goto("/services/mid-downs/report-missed-bin/")
    page.locator("button.govuk-button--start").click()
    drive(page, definition, {}, assert_accessible)
    page.locator('a[href$="/more-detail/?change=1"]').first.click()
    page.fill("#details", "Behind the side gate")
    continue_(page)
    expect(page).to_have_url(re.compile(r"/check-answers/$"))
    expect(page.locator("main")).to_contain_text("Behind the side gate")
    assert_accessible(page)


def test_a_journey_with_javascript_off_at_320px(
    new_page: Callable[..., Page],
    published: dict[str, ServiceDefinition],
) -> None:
    """Without JavaScript every step is a plain form post (address lookup too). axe-core needs JavaScript in
    the page, so accessibility is checked by the tests above (at 320 px too); this one checks the pages work."""

    def works(page: Page) -> None:
        expect(page.locator("h1")).to_have_count(1)

    definition = published["childminder-approval"]
    page = new_page(width=320, javascript=False)
    page.goto("/services/downshire/childminder-approval/")
    page.locator("button.govuk-button--start").click()
    drive(page, definition, {"others_over_16": True}, works)
    page.locator("#declaration").check()
    continue_(page)
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    expect(page.locator(".govuk-panel")).to_contain_text(Submission.objects.get().reference)


def tab_to(page: Page, selector: str) -> None:
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_a_journey_by_keyboard_alone(
    new_page: Callable[..., Page],
    assert_accessible: Callable[[Page], None],
    published: dict[str, ServiceDefinition],
) -> None:
    page = new_page()
    page.goto("/services/mid-downs/report-missed-bin/")
    tab_to(page, "button.govuk-button--start")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/where/$"))
    tab_to(page, "#postcode")
    page.keyboard.type("MD1 1AB")
    tab_to(page, "#address-lookup")
    page.keyboard.type("MD1 1AB")
    tab_to(page, 'button[name="lookup"]')
    page.keyboard.press("Enter")
    expect(page.locator("#address-uprn")).to_be_visible()
    tab_to(page, "#address-uprn")
    page.keyboard.press("ArrowDown")
    tab_to(page, "main form button.govuk-button:not(.govuk-button--secondary)")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/which-bin/$"))
    tab_to(page, 'input[name="bin_type"]')
    page.keyboard.press("Space")
    for part, text in (("day", "2"), ("month", "11"), ("year", "2026")):
        tab_to(page, f"#collection_date-{part}")
        page.keyboard.type(text)
    tab_to(page, 'input[name="bin_out_by_7am"]')
    page.keyboard.press("Space")
    tab_to(page, "main form button.govuk-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/more-detail/$"))
    tab_to(page, "#email")
    page.keyboard.type("keys@example.com")
    tab_to(page, "main form button.govuk-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/check-answers/$"))
    assert_accessible(page)
    tab_to(page, "#declaration")
    page.keyboard.press("Space")
    tab_to(page, "main form button.govuk-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/confirmation/$"))
    submission = Submission.objects.get()
    assert submission.case.answers["address"]["uprn"]
    assert submission.case.answers["bin_type"] == "general"
    assert_accessible(page)
