"""Page titles on a resident's journey, as the GOV.UK page title pattern has them:
"Error: " when the page has errors, the page's heading or question, the service's name, then the site's name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.journeys.test_pages import BASE, GOOD_PAGES, answer_all, start


def title(response: Any) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert found, "no title"
    return found.group(1)


@pytest.mark.django_db
def test_each_page_of_the_journey_names_its_question_then_the_service(client: Client, everything: Any) -> None:
    # The start page's heading is the service's name: it is not said twice.
    assert title(client.get(BASE)) == "Everything form – Townhall"
    start(client)
    assert title(client.get(f"{BASE}name/")) == "What is your full name? – Everything form – Townhall"
    assert (
        title(client.post(f"{BASE}name/", {"full_name": ""}))
        == "Error: What is your full name? – Everything form – Townhall"
    )
    client.post(f"{BASE}name/", GOOD_PAGES[0][1])
    assert title(client.get(f"{BASE}contact/")) == "Contact details – Everything form – Townhall"  # two questions
    for page_id, data in GOOD_PAGES[1:]:
        client.post(f"{BASE}{page_id}/", data)
    assert title(client.get(f"{BASE}household/add/")) == "Person 1 – Everything form – Townhall"
    client.post(f"{BASE}household/add/", {"person_name": "Charles Babbage", "person_age": "40"})
    assert title(client.get(f"{BASE}household/")) == "Other people in your home – Everything form – Townhall"
    assert (
        title(client.post(f"{BASE}household/", {})) == "Error: Other people in your home – Everything form – Townhall"
    )
    assert title(client.get(f"{BASE}household/0/remove/")) == (
        "Are you sure you want to remove this? – Everything form – Townhall"
    )
    client.post(f"{BASE}household/", {"add_another": "no"})
    client.post(f"{BASE}evidence/", {})
    client.post(f"{BASE}notes/", {"notes": ""})
    check = "Check your answers before sending your application – Everything form – Townhall"
    assert title(client.get(f"{BASE}check-answers/")) == check
    assert title(client.post(f"{BASE}check-answers/", {})) == f"Error: {check}"
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    assert title(client.get(f"{BASE}confirmation/")) == "Application complete – Everything form – Townhall"


@pytest.mark.django_db
def test_welsh_titles_name_the_service_in_welsh(client: Client, everything: Any) -> None:
    client.cookies["django_language"] = "cy"
    assert title(client.get(BASE)) == "Ffurflen popeth – Townhall"
    start(client)
    assert title(client.get(f"{BASE}name/")) == "Beth yw eich enw llawn? – Ffurflen popeth – Townhall"
    assert (
        title(client.post(f"{BASE}name/", {"full_name": ""}))
        == "Gwall: Beth yw eich enw llawn? – Ffurflen popeth – Townhall"
    )
    answer_all(client)
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    assert title(client.get(f"{BASE}confirmation/")).endswith(" – Ffurflen popeth – Townhall")


@pytest.mark.django_db
def test_pages_outside_a_service_keep_the_site_name_alone(client: Client) -> None:
    assert title(client.get("/services/")).endswith(" – Townhall")
    assert title(client.get("/services/")).count(" – ") == 1
