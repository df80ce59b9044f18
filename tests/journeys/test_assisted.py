"""Assisted digital: staff complete a journey for a resident and the channel is recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.journeys.test_pages import BASE, answer_all
from townhall.cases.models import Case
from townhall.core.errors import PermissionDenied, ValidationFailed
from townhall.core.roles import Role
from townhall.journeys.services.sessions import journey_start


@pytest.mark.django_db
def test_staff_take_an_application_by_phone(client: Client, everything: Any, make_staff: Any) -> None:
    caseworker = make_staff(everything.organisation, Role.CASEWORKER)
    client.force_login(caseworker)
    page = client.get("/staff/assisted/mid-downs/").content.decode()
    assert "Everything form" in page and "How did the resident contact you?" in page
    errors = client.post("/staff/assisted/mid-downs/", {"version": str(everything.pk)}).content.decode()
    assert "Select how the resident contacted you" in errors
    response = client.post("/staff/assisted/mid-downs/", {"version": str(everything.pk), "channel": "phone"})
    assert response["Location"].endswith(f"{BASE}name/")
    answer_all(client)
    client.post(f"{BASE}check-answers/", {"declaration": "yes"})
    case = Case.objects.get()
    assert case.channel == "phone"
    assert "Give the resident this reference number." in client.get(f"{BASE}confirmation/").content.decode()


@pytest.mark.django_db
def test_only_staff_with_assisted_digital_in_that_organisation(
    client: Client, everything: Any, make_staff: Any, county: Any
) -> None:
    analyst = make_staff(everything.organisation, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        journey_start(version=everything, actor=analyst, channel="phone")
    outsider = make_staff(county, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        journey_start(version=everything, actor=outsider, channel="phone")
    client.force_login(outsider)
    assert client.get("/staff/assisted/mid-downs/").status_code == 403
    with pytest.raises(ValidationFailed):
        journey_start(version=everything, actor=None, channel="phone")
    assert client.get("/staff/assisted/no-such-council/").status_code == 404
