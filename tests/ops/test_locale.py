"""Pages take the resident's language; the JSON API always runs in the default one (core/ops/locale.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_a_page_takes_the_browsers_language_and_the_api_after_it_does_not(client: Client, district: Any) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="cy")
    assert page.status_code == 200 and page["Content-Language"] == "cy"
    assert "Accept-Language" in page["Vary"]
    assert translation.get_language() == "cy"  # the thread's language, as the next request finds it

    api = client.get("/api/v1/open-data/datasets", HTTP_ACCEPT_LANGUAGE="cy")
    assert api.status_code == 200
    assert "Content-Language" not in api and "Accept-Language" not in api.get("Vary", "")
    assert translation.get_language() == "en"  # not the Welsh the page before it left behind


def test_an_api_problem_is_in_english_whatever_the_browser_asks(client: Client, district: Any) -> None:
    problem = client.get("/api/v1/cases", HTTP_ACCEPT_LANGUAGE="cy", HTTP_ACCEPT="application/json")
    english = client.get("/api/v1/cases", HTTP_ACCEPT="application/json")
    assert problem.status_code == english.status_code == 401
    assert problem["Content-Type"].startswith("application/problem+json") and "Content-Language" not in problem
    assert problem.json() == english.json()
