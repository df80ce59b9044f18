"""The resident's journey through the pages, with the Django test client (JavaScript off by definition)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from townhall.cases.models import Case
from townhall.journeys.models import JourneySession, SatisfactionResponse, Submission
from townhall.notifications.models import Notification

BASE = "/services/mid-downs/everything-form/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

GOOD_PAGES: list[tuple[str, dict[str, Any]]] = [
    ("name", {"full_name": "Ada Lovelace"}),
    ("contact", {"email": "ada@example.com", "phone": "07700 900 982"}),
    (
        "home",
        {
            "home_address-line1": "1 Meadow Lane",
            "home_address-town": "Marlow Downs",
            "home_address-postcode": "md1 1ab",
        },
    ),
    ("about", {"date_of_birth-day": "17", "date_of_birth-month": "5", "date_of_birth-year": "1990", "children": "2"}),
    ("pets", {"has_pets": "yes"}),
    ("which-pets", {"pet_kinds": ["dog", "other"]}),
    ("other-pet", {"other_pet": "Tortoise"}),
    ("contact-preference", {"contact_by": "email", "area": "north", "postcode": "MD1 1AB"}),
]


def start(client: Client) -> str:
    response = client.post(BASE)
    assert response.status_code == 302
    return str(response["Location"])


def answer_all(client: Client, pages: list[tuple[str, dict[str, Any]]] = GOOD_PAGES) -> None:
    for page_id, data in pages:
        response = client.post(f"{BASE}{page_id}/", data)
        assert response.status_code == 302, (page_id, response.content.decode()[:500])
    # The household group: add a person, then say no more.
    assert client.get(f"{BASE}household/")["Location"].endswith("/household/add/")
    assert (
        client.post(f"{BASE}household/add/", {"person_name": "Charles Babbage", "person_age": "40"}).status_code == 302
    )
    response = client.post(f"{BASE}household/", {"add_another": "no"})
    assert response["Location"].endswith("/evidence/")
    assert client.post(f"{BASE}evidence/", {}).status_code == 302
    response = client.post(f"{BASE}notes/", {"notes": ""})
    assert response["Location"].endswith("/check-answers/")


@pytest.mark.django_db
def test_start_page_then_every_page_to_confirmation(client: Client, everything: Any) -> None:
    page = client.get(BASE).content.decode()
    assert "Everything form" in page and "Start now" in page
    assert start(client).endswith("/name/")
    answer_all(client)
    check = client.get(f"{BASE}check-answers/").content.decode()
    for shown in ("Ada Lovelace", "17 May 1990", "2 children", "Dog", "Tortoise", "MD1 1AB", "Charles Babbage, 40"):
        assert shown in check
    response = client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    assert response["Location"].endswith("/confirmation/")
    confirmation = client.get(f"{BASE}confirmation/").content.decode()
    submission = Submission.objects.get()
    assert submission.reference in confirmation
    assert "We will look at your form within 5 working days." in confirmation
    case = Case.objects.get(reference=submission.reference)
    assert case.answers["people"] == [{"person_name": "Charles Babbage", "person_age": 40}]
    assert case.answers["has_pets"] is True and case.answers["postcode"] == "MD1 1AB"
    assert case.channel == "online" and case.resident_email == "ada@example.com"
    email = Notification.objects.get(kind="journey_confirmation")
    assert email.to == "ada@example.com" and submission.reference in email.body


@pytest.mark.django_db
def test_an_answer_with_an_error_is_never_lost(client: Client, everything: Any) -> None:
    start(client)
    client.post(f"{BASE}name/", {"full_name": "Ada"})
    response = client.post(f"{BASE}contact/", {"email": "not-an-email", "phone": "12"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error:" in page
    assert 'href="#email"' in page and "Enter an email address in the correct format, like name@example.com" in page
    assert 'href="#phone"' in page and 'value="not-an-email"' in page and 'value="12"' in page


@pytest.mark.django_db
def test_date_errors_name_the_missing_part(client: Client, everything: Any) -> None:
    start(client)
    for page_id, data in GOOD_PAGES[:3]:
        client.post(f"{BASE}{page_id}/", data)
    page = client.post(
        f"{BASE}about/",
        {"date_of_birth-day": "17", "date_of_birth-month": "", "date_of_birth-year": "1990", "children": "11"},
    ).content.decode()
    assert "Date must include a month" in page and 'href="#date_of_birth-month"' in page
    assert "Your answer must be 10 or less" in page and 'value="17"' in page


@pytest.mark.django_db
def test_page_condition_skips_a_page_and_its_answers_do_not_count(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    # Change "Do you have pets?" to no: the pet pages disappear and their answers are not sent.
    response = client.post(f"{BASE}pets/?change=1", {"has_pets": "no"})
    assert response["Location"].endswith("/check-answers/")
    check = client.get(f"{BASE}check-answers/").content.decode()
    assert "Tortoise" not in check
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    answers = Case.objects.get().answers
    assert answers["has_pets"] is False and "pet_kinds" not in answers and "other_pet" not in answers


@pytest.mark.django_db
def test_change_link_returns_to_check_answers(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    check = client.get(f"{BASE}check-answers/").content.decode()
    assert f'href="{BASE}name/?change=1"' in check
    response = client.post(f"{BASE}name/?change=1", {"full_name": "Augusta Ada King"})
    assert response["Location"].endswith("/check-answers/")
    assert "Augusta Ada King" in client.get(f"{BASE}check-answers/").content.decode()


@pytest.mark.django_db
def test_change_that_opens_a_new_page_goes_there_first(client: Client, everything: Any) -> None:
    pages = [p for p in GOOD_PAGES if p[0] not in ("which-pets", "other-pet")]
    pages = [(p, {"has_pets": "no"}) if p == "pets" else (p, d) for p, d in pages]
    start(client)
    answer_all(client, pages)
    response = client.post(f"{BASE}pets/?change=1", {"has_pets": "yes"})
    assert response["Location"].endswith("/which-pets/")


@pytest.mark.django_db
def test_declaration_is_required_and_submitting_twice_makes_one_submission(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    page = client.post(f"{BASE}check-answers/", {}).content.decode()
    assert "Confirm that the information you have given is correct" in page and 'href="#declaration"' in page
    first = client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    second = client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1 and Case.objects.count() == 1


@pytest.mark.django_db
def test_answers_found_invalid_on_sending_link_to_their_own_pages(client: Client, everything: Any) -> None:
    """Check answers pattern: the fields are not on check your answers, so each error links to the question's
    page with ?change=1 (which returns here), never to a field id that is not on the page."""
    start(client)
    answer_all(client)
    journey = JourneySession.objects.get()
    answers = dict(journey.answers)
    answers["full_name"] = "x" * 41  # became too long (max_length 40)
    del answers["email"]  # a required answer missing
    answers["people"] = [{"person_name": "Charles Babbage", "person_age": 200}]
    journey.answers = answers
    journey.save(update_fields=["answers"])
    page = client.post(f"{BASE}check-answers/", {"declaration": "yes"}).content.decode()
    summary = page.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    hrefs = re.findall(r'href="([^"]+)"', summary)
    assert hrefs == [f"{BASE}name/?change=1", f"{BASE}contact/?change=1", f"{BASE}household/?change=1"]
    assert Submission.objects.count() == 0
    response = client.post(f"{BASE}name/?change=1", {"full_name": "Ada Lovelace"})
    assert response["Location"].endswith("/check-answers/")


@pytest.mark.django_db
def test_pages_cannot_be_skipped(client: Client, everything: Any) -> None:
    start(client)
    response = client.get(f"{BASE}contact-preference/")
    assert response["Location"].endswith("/name/")
    assert client.get(f"{BASE}check-answers/")["Location"].endswith("/name/")


@pytest.mark.django_db
def test_no_journey_without_the_start_page(client: Client, everything: Any) -> None:
    assert client.get(f"{BASE}name/").status_code == 404
    assert client.get("/services/mid-downs/no-such-service/").status_code == 404


@pytest.mark.django_db
def test_answers_are_held_on_the_server_not_in_the_cookie(client: Client, everything: Any) -> None:
    start(client)
    client.post(f"{BASE}name/", {"full_name": "Ada Lovelace"})
    journey = JourneySession.objects.get()
    assert journey.answers == {"full_name": "Ada Lovelace"}
    assert client.session[f"journey:{everything.service_id}"] == journey.token
    assert "Ada" not in str(client.cookies)


@pytest.mark.django_db
def test_satisfaction_question_is_stored(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    page = client.get(f"{BASE}confirmation/").content.decode()
    assert "Overall, how did you feel about the service you received today?" in page
    assert "Select how satisfied" in client.post(f"{BASE}confirmation/", {}).content.decode()
    thanks = client.post(f"{BASE}confirmation/", {"rating": "satisfied", "comment": "Quick"}).content.decode()
    assert "Thank you for your feedback." in thanks
    assert SatisfactionResponse.objects.get().rating == "satisfied"


@pytest.mark.django_db
def test_group_items_can_be_changed_and_removed(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    client.post(f"{BASE}household/", {"add_another": "yes"})
    client.post(f"{BASE}household/add/", {"person_name": "Mary Somerville", "person_age": "50"})
    summary = client.get(f"{BASE}household/").content.decode()
    assert "Charles Babbage" in summary and "Mary Somerville" in summary
    errors = client.post(f"{BASE}household/add/", {"person_name": "", "person_age": "200"}).content.decode()
    assert 'href="#person_name"' in errors and "Your answer must be 120 or less" in errors
    client.post(f"{BASE}household/0/", {"person_name": "Charles B", "person_age": "41"})
    assert "Are you sure" in client.get(f"{BASE}household/1/remove/").content.decode()
    client.post(f"{BASE}household/1/remove/", {"confirm": "yes"})
    journey = JourneySession.objects.get()
    assert journey.answers["people"] == [{"person_name": "Charles B", "person_age": 41}]


@pytest.mark.django_db
def test_the_group_summary_names_what_was_added_and_which_item_each_link_acts_on(
    client: Client, everything: Any
) -> None:
    """Add multiple things and summary list guidance: the page says what was added, in the group's own words,
    and each Change and Remove link's visually hidden text names its item, not just a number."""
    start(client)
    answer_all(client)
    page = client.get(f"{BASE}household/").content.decode()
    assert "You have added 1 item (Person)." in page
    client.post(f"{BASE}household/add/", {"person_name": "Mary Somerville", "person_age": "50"})
    page = client.get(f"{BASE}household/").content.decode()
    assert "You have added 2 items (Person)." in page
    listed = page.split('class="govuk-summary-list', 1)[1].split("</dl>", 1)[0]
    hidden = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r'govuk-visually-hidden">(.*?)</span>', listed, re.S)]
    assert hidden == ["Person 1", "Person 1", "Person 2", "Person 2"]
    assert re.search(r'govuk-summary-list__key">\s*Person 2\s*<', page)
    client.cookies["django_language"] = "cy"
    page = client.get(f"{BASE}household/").content.decode()
    assert "Rydych wedi ychwanegu 2 eitem (Person)." in page


OPTIONAL_GROUP = """
format: townhall/service-definition/v1
id: lodgers-form
version: 1
organisation: E07000901
lgsl: 1
title: {en: "Lodgers form", cy: "Ffurflen lletywyr"}
description: {en: "Tell us about your lodgers.", cy: "Dywedwch wrthym am eich lletywyr."}
languages: [en, cy]
pages:
  - id: lodgers
    title: {en: "Your lodgers", cy: "Eich lletywyr"}
    questions:
      - id: lodgers
        type: group
        required: false
        label: {en: "Lodger", cy: "Lletywr"}
        questions:
          - id: lodger_name
            type: text
            label: {en: "Full name", cy: "Enw llawn"}
workflow:
  start: received
  states:
    - id: received
      label: {en: "Received", cy: "Wedi dod i law"}
    - id: done
      label: {en: "Done", cy: "Wedi gorffen"}
      final: true
  transitions:
    - id: finish
      from: [received]
      to: done
      label: {en: "Finish", cy: "Gorffen"}
      roles: [caseworker]
retention:
  days: 30
"""


@pytest.mark.django_db
def test_an_empty_group_summary_says_what_has_not_been_added(client: Client, district: Any) -> None:
    """Add multiple things guidance: before anything is added, the summary still names the group."""
    from townhall.catalogue.services.definitions import definition_import

    district.welsh_enabled = True
    district.save()
    definition_import(actor=None, organisation=district, source=OPTIONAL_GROUP, filename="l.yaml", publish=True)
    base = "/services/mid-downs/lodgers-form/"
    assert client.post(base)["Location"].endswith("/lodgers/")
    page = client.get(f"{base}lodgers/").content.decode()
    assert "You have not added any items (Lodger) yet." in page
    client.cookies["django_language"] = "cy"
    page = client.get(f"{base}lodgers/").content.decode()
    assert "Nid ydych wedi ychwanegu unrhyw eitemau (Lletywr) eto." in page


@pytest.mark.django_db
def test_adding_past_the_groups_maximum_says_why_and_stores_nothing(client: Client, everything: Any) -> None:
    """The summary stops offering "add another" at the maximum (3 people); the add URL itself, typed or
    bookmarked, shows the summary with an error that says why instead of a form that silently does nothing."""
    start(client)
    answer_all(client)
    for name in ("Mary Somerville", "Caroline Herschel"):
        client.post(f"{BASE}household/add/", {"person_name": name, "person_age": "50"})
    assert len(JourneySession.objects.get().answers["people"]) == 3
    for response in (
        client.get(f"{BASE}household/add/"),
        client.post(f"{BASE}household/add/", {"person_name": "Emmy Noether", "person_age": "40"}),
    ):
        page = response.content.decode()
        assert "You can add up to 3 items (Person)." in page and 'href="#add_another"' in page
        assert 'id="add_another"' in page and "You cannot add any more." in page
        assert 'name="person_name"' not in page
    client.cookies["django_language"] = "cy"
    assert "Gallwch ychwanegu hyd at 3 eitem (Person)." in client.get(f"{BASE}household/add/").content.decode()
    assert [p["person_name"] for p in JourneySession.objects.get().answers["people"]] == [
        "Charles Babbage",
        "Mary Somerville",
        "Caroline Herschel",
    ]


@pytest.mark.django_db
def test_address_lookup_without_javascript(client: Client, everything: Any) -> None:
    start(client)
    for page_id, data in GOOD_PAGES[:2]:
        client.post(f"{BASE}{page_id}/", data)
    page = client.post(f"{BASE}home/", {"lookup": "home_address", "home_address-lookup": "md1 1ab"}).content.decode()
    assert "7 addresses found" in page and "1 Meadow Lane, Marlow Downs, MD1 1AB" in page
    uprn = re.search(r'<option value="(\d+)"\s*>\s*1 Meadow Lane', page)
    assert uprn
    response = client.post(f"{BASE}home/", {"home_address-uprn": uprn.group(1)})
    assert response.status_code == 302
    address = JourneySession.objects.get().answers["home_address"]
    assert address["uprn"] == uprn.group(1) and address["postcode"] == "MD1 1AB"
    none_found = client.post(f"{BASE}home/", {"lookup": "home_address", "home_address-lookup": "MD9 9ZZ"})
    assert "Enter the address below" in none_found.content.decode()


@pytest.mark.django_db
def test_an_address_not_chosen_from_the_list_is_an_error_on_a_visible_field(client: Client, everything: Any) -> None:
    """Error message guidance: the summary links to the field at fault and the message is shown with it. An
    unknown UPRN used to link to a hidden input, with no message on the page but the summary's."""
    start(client)
    for page_id, data in GOOD_PAGES[:2]:
        client.post(f"{BASE}{page_id}/", data)
    posted = {"home_address-lookup": "MD1 1AB", "home_address-uprn": "999999999999"}
    page = client.post(f"{BASE}home/", posted).content.decode()
    assert 'href="#home_address-uprn"' in page
    select = re.search(r'<select\s[^>]*\bid="home_address-uprn"[^>]*>', page)
    assert select and 'aria-describedby="home_address-uprn-error"' in select.group(0)
    assert re.search(
        r'id="home_address-uprn-error"[^>]*>\s*<span[^>]*>[^<]*</span>\s*Select an address from the list', page
    )
    assert "7 addresses found" in page and 'type="hidden" name="home_address-uprn"' not in page
    # With no postcode to find the list again, the error goes with the postcode to look up.
    page = client.post(f"{BASE}home/", {"home_address-uprn": "999999999999"}).content.decode()
    assert 'href="#home_address-lookup"' in page and 'id="home_address-lookup-error"' in page
    assert JourneySession.objects.get().answers.get("home_address") is None


@pytest.mark.django_db
def test_file_upload_sniffs_type_checks_size_and_scans(client: Client, everything: Any, scanner: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    start(client)
    answer_all(client)
    fake = SimpleUploadedFile("proof.pdf", b"just text pretending", content_type="application/pdf")
    page = client.post(f"{BASE}evidence/?change=1", {"proof": fake}).content.decode()
    assert "The selected file must be a PDF or PNG" in page
    virus = SimpleUploadedFile("proof.pdf", PDF + b"EICAR", content_type="application/pdf")
    assert "The selected file contains a virus" in client.post(f"{BASE}evidence/", {"proof": virus}).content.decode()
    big = SimpleUploadedFile("proof.pdf", PDF + b"0" * 100_001, content_type="application/pdf")
    assert "must be smaller than" in client.post(f"{BASE}evidence/", {"proof": big}).content.decode()
    good = SimpleUploadedFile("my proof.pdf", PDF, content_type="text/plain")
    assert client.post(f"{BASE}evidence/?change=1", {"proof": good}).status_code == 302
    answer = JourneySession.objects.get().answers["proof"]
    assert answer["name"] == "my proof.pdf" and answer["content_type"] == "application/pdf"
    assert "my proof.pdf" in client.get(f"{BASE}check-answers/").content.decode()


@pytest.mark.django_db
def test_welsh_throughout(client: Client, everything: Any) -> None:
    client.cookies["django_language"] = "cy"
    page = client.get(BASE).content.decode()
    assert "Ffurflen popeth" in page and 'lang="cy"' in page
    start(client)
    page = client.get(f"{BASE}name/").content.decode()
    assert "Beth yw eich enw llawn?" in page and "Parhau" in page and "Cadw a dod yn ôl yn nes ymlaen" in page
    page = client.post(f"{BASE}name/", {"full_name": ""}).content.decode()
    assert "Rhowch eich ateb" in page


@pytest.mark.django_db
def test_switching_to_welsh_part_way_is_recorded_on_the_case(client: Client, everything: Any) -> None:
    start(client)
    answer_all(client)
    client.cookies["django_language"] = "cy"
    page = client.get(f"{BASE}check-answers/").content.decode()
    assert "Gwiriwch eich atebion cyn anfon eich cais" in page
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    assert Case.objects.get().language == "cy"
    assert "Cais wedi'i gwblhau" in client.get(f"{BASE}confirmation/").content.decode()
