"""The cases API: API keys with the right scope, the organisation's own cases only, and the public status."""

from __future__ import annotations

import pytest
from django.test import Client

from townhall.cases.models import Case, CaseEventKind
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create

BASE = "/api/v1/cases"


@pytest.fixture
def key_for(make_staff):  # type: ignore[no-untyped-def]
    def make(organisation, *scopes: Role) -> dict[str, str]:
        admin = make_staff(organisation, Role.ORGANISATION_ADMIN)
        _, secret = api_key_create(actor=admin, organisation=organisation, name="Case system", scopes=list(scopes))
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make


def test_list_get_transition_note_assign(client: Client, county, open_case, key_for, make_staff) -> None:
    gwen, ali = open_case(), open_case(full_name="Ali Khan", receives_pip=True, age=30)
    headers = key_for(county, Role.TEAM_MANAGER)
    listing = client.get(BASE, {"state": "received", "limit": 10}, **headers)
    assert listing.status_code == 200, listing.content
    data = listing.json()
    assert data["count"] == 1 and [c["reference"] for c in data["items"]] == [gwen.reference]
    assert client.get(BASE, {"q": "ali"}, **headers).json()["items"][0]["reference"] == ali.reference

    one = client.get(f"{BASE}/{gwen.reference}", **headers).json()
    assert one["answers"]["full_name"] == "Gwen Jones"
    assert one["answer_labels"][0] == {"question": "full_name", "label": "Full name", "value": "Gwen Jones"}
    assert "approve" in one["transitions_available"]

    refused = client.post(
        f"{BASE}/{gwen.reference}/transitions", {"transition": "refuse"}, content_type="application/json", **headers
    )
    assert refused.status_code == 422 and refused.json()["code"] == "reason_required"
    moved = client.post(
        f"{BASE}/{gwen.reference}/transitions",
        {"transition": "refuse", "reason": "Not eligible"},
        content_type="application/json",
        **headers,
    )
    assert moved.status_code == 200 and moved.json()["state"] == "refused"

    note = client.post(f"{BASE}/{gwen.reference}/notes", {"text": "Called"}, content_type="application/json", **headers)
    assert note.status_code == 201
    worker = make_staff(county, Role.CASEWORKER)
    assigned = client.post(
        f"{BASE}/{ali.reference}/assignment", {"assignee": worker.username}, content_type="application/json", **headers
    )
    assert assigned.status_code == 200 and assigned.json()["assignee"] == worker.username
    assert Case.objects.get(pk=gwen.pk).events.filter(kind=CaseEventKind.NOTE).count() == 1


def test_resident_status_is_public_and_does_not_leak(client: Client, open_case) -> None:
    case = open_case()
    ok = client.post(
        f"{BASE}/status", {"reference": case.reference, "email": "gwen@example.test"}, content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["state"] == "Received" and ok.json()["reference"] == case.reference
    welsh = client.post(
        f"{BASE}/status",
        {"reference": case.reference, "email": "gwen@example.test", "language": "cy"},
        content_type="application/json",
    )
    assert welsh.json()["state"] == "Wedi dod i law"
    wrong_email = client.post(
        f"{BASE}/status", {"reference": case.reference, "email": "x@example.test"}, content_type="application/json"
    )
    unknown = client.post(
        f"{BASE}/status", {"reference": "HX7K-9M3T", "email": "gwen@example.test"}, content_type="application/json"
    )
    assert wrong_email.status_code == unknown.status_code == 404
    assert wrong_email.json() == unknown.json()
    assert "Gwen" not in wrong_email.content.decode()


def test_api_needs_a_key(client: Client, open_case) -> None:
    case = open_case()
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{case.reference}").status_code == 401


@pytest.mark.parametrize("offset", [2**31, 2**63, 10**30])
def test_an_offset_beyond_the_databases_integers_is_a_problem_not_a_500(
    client: Client, county, key_for, offset
) -> None:
    response = client.get(BASE, {"offset": offset}, **key_for(county, Role.CASEWORKER))
    assert response.status_code == 422 and response.json()["errors"][0]["path"].endswith("offset")
