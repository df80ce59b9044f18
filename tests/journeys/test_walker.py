"""`definitions walk ID` and the back-office walk page: every branch to submission, nothing kept."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.journeys.conftest import DEFINITIONS, HERE, publish
from townhall.cases.models import Case
from townhall.catalogue.services.definitions import definition_import
from townhall.core.roles import Role
from townhall.journeys.models import JourneySession, Submission
from townhall.journeys.walker import walk


@pytest.mark.django_db
def test_walks_every_branch_of_a_published_definition_and_keeps_nothing(everything: Any) -> None:
    branches = walk(everything)
    assert all(b.ok for b in branches), [b.outcome for b in branches]
    paths = {tuple(b.pages) for b in branches}
    with_pets = [p for p in paths if "which-pets" in p]
    without_pets = [p for p in paths if "which-pets" not in p]
    assert with_pets and without_pets
    assert any("other-pet" in p for p in with_pets) and any("other-pet" not in p for p in with_pets)
    assert all(p[-2:] == ("check-answers", "confirmation") for p in paths)
    assert all(b.outcome == "submitted" and b.reference for b in branches)
    assert Case.objects.count() == 0 and Submission.objects.count() == 0 and JourneySession.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(p.name for p in DEFINITIONS.glob("*.yaml")))
def test_every_demo_definition_walks_to_submission(district: Any, county: Any, name: str) -> None:
    path = DEFINITIONS / name
    organisation = county if "E10000901" in path.read_text() else district
    version = publish(organisation, path)
    branches = walk(version)
    assert branches and all(b.ok for b in branches), [(b.choices, b.outcome) for b in branches]


@pytest.mark.django_db
def test_a_draft_is_walked_as_a_dry_run(district: Any) -> None:
    draft = definition_import(
        actor=None, organisation=district, source=(HERE / "all_types.yaml").read_text(), filename="all.yaml"
    )
    branches = walk(draft)
    assert branches and all(b.outcome == "dry run: would submit" for b in branches)
    assert JourneySession.objects.count() == 0


@pytest.mark.django_db
def test_the_command_reports_pages_per_branch(everything: Any) -> None:
    out = StringIO()
    call_command("definitions", "walk", "everything-form", stdout=out)
    text = out.getvalue()
    assert "submitted in a throwaway transaction" in text
    assert "Branch 1:" in text and "pages visited" in text and "name → contact" in text
    assert ", 0 failed" in text


@pytest.mark.django_db
def test_the_back_office_walk_page(client: Any, everything: Any, make_staff: Any, county: Any) -> None:
    designer = make_staff(everything.organisation, Role.SERVICE_DESIGNER)
    client.force_login(designer)
    url = f"/staff/journeys/walk/mid-downs/everything-form/{everything.number}/"
    assert "Walk the journey" in client.get(url).content.decode()
    page = client.post(url).content.decode()
    assert "Pages visited" in page and "submitted" in page
    outsider = make_staff(county, Role.SERVICE_DESIGNER)
    client.force_login(outsider)
    assert client.get(url).status_code == 403
