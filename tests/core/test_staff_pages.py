"""Organisation admin pages: members and API keys, refused to caseworkers and to other organisations."""

from __future__ import annotations

import hashlib
import re

import pytest

from townhall.core.models import ApiKey, AuditEvent, Membership, Organisation
from townhall.core.roles import Role


@pytest.fixture
def admin(district, make_staff):
    return make_staff(district, Role.ORGANISATION_ADMIN, username="admin")


MEMBERS = "/staff/organisations/mid-downs/members/"
KEYS = "/staff/organisations/mid-downs/api-keys/"


def test_staff_home_links_an_admin_to_members_and_api_keys(admin, verified_client):
    body = verified_client(admin).get("/staff/").content.decode()
    assert 'href="/staff/organisations/mid-downs/members/"' in body
    assert 'href="/staff/organisations/mid-downs/api-keys/"' in body
    assert "Add an organisation" not in body


def test_staff_home_gives_a_caseworker_no_admin_links(district, make_staff, verified_client):
    body = verified_client(make_staff(district, Role.CASEWORKER)).get("/staff/").content.decode()
    assert "/members/" not in body and "/api-keys/" not in body


def test_an_admin_sees_members_and_grants_a_role_by_email(admin, district, make_staff, verified_client):
    colleague = make_staff(district, Role.CASEWORKER, username="colleague")
    client = verified_client(admin)
    page = client.get(MEMBERS)
    assert page.status_code == 200
    assert "colleague" in page.content.decode()

    response = client.post(MEMBERS, {"identifier": colleague.email, "role": "team_manager", "team": "Waste"})
    assert response.status_code == 302
    assert Membership.objects.filter(user=colleague, organisation=district, role="team_manager", team="Waste").exists()
    assert AuditEvent.objects.filter(action="membership.granted", actor=admin, object_id=str(colleague.pk)).exists()
    assert "colleague is now team manager" in client.get(MEMBERS).content.decode()


def test_granting_to_an_unknown_person_shows_the_error_summary(admin, verified_client):
    response = verified_client(admin).post(MEMBERS, {"identifier": "nobody@example.test", "role": "caseworker"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and 'href="#identifier"' in body
    assert "No member of staff has that username or email address" in body


def test_an_admin_removes_a_role(admin, district, make_staff, verified_client):
    colleague = make_staff(district, Role.CASEWORKER, username="colleague")
    response = verified_client(admin).post(MEMBERS + "remove/", {"user_id": colleague.pk, "role": "caseworker"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=colleague, organisation=district).exists()
    assert AuditEvent.objects.filter(action="membership.revoked", actor=admin).exists()


def test_an_admin_cannot_make_a_platform_admin(admin, district, make_staff, verified_client):
    colleague = make_staff(district, Role.CASEWORKER, username="colleague")
    verified_client(admin).post(MEMBERS, {"identifier": "colleague", "role": "platform_admin"})
    assert not Membership.objects.filter(user=colleague, role="platform_admin").exists()


@pytest.mark.parametrize("path", [MEMBERS, KEYS])
def test_a_caseworker_is_refused_admin_pages(district, make_staff, verified_client, path):
    client = verified_client(make_staff(district, Role.CASEWORKER))
    assert client.get(path).status_code == 403
    assert (
        client.post(path, {"identifier": "x", "role": "caseworker", "name": "x", "scopes": ["analyst"]}).status_code
        == 403
    )


@pytest.mark.parametrize("path", [MEMBERS, KEYS])
def test_another_organisations_admin_gets_not_found(district, county, make_staff, verified_client, path):
    client = verified_client(make_staff(county, Role.ORGANISATION_ADMIN))
    assert client.get(path).status_code == 404
    assert client.post(path, {"identifier": "x", "role": "caseworker"}).status_code == 404
    assert client.get("/staff/organisations/no-such-place/members/").status_code == 404


def test_another_organisations_admin_cannot_revoke_a_key_or_role(district, county, admin, make_staff, verified_client):
    from townhall.core.services.api_keys import api_key_create

    key, _ = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    outsider = verified_client(make_staff(county, Role.ORGANISATION_ADMIN))
    assert outsider.post(f"{KEYS}{key.pk}/revoke/").status_code == 404
    assert outsider.post(f"/staff/organisations/downshire/api-keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
    assert outsider.post(MEMBERS + "remove/", {"user_id": admin.pk, "role": "organisation_admin"}).status_code == 404
    assert Membership.objects.filter(user=admin, role="organisation_admin").exists()


def test_an_admin_creates_a_key_and_sees_the_secret_once(admin, verified_client):
    client = verified_client(admin)
    response = client.post(KEYS, {"name": "Waste round planner", "scopes": ["caseworker", "analyst"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(r'value="(th_[^"]+)"', response.content.decode()).group(1)
    key = ApiKey.objects.get(name="Waste round planner")
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()

    listing = client.get(KEYS).content.decode()
    assert secret not in listing
    assert f"th_{key.prefix}_" in listing and "analyst, caseworker" in listing and "Never" in listing


def test_a_key_needs_a_name_and_a_scope(admin, verified_client):
    body = verified_client(admin).post(KEYS, {"name": ""}).content.decode()
    assert "Enter a name for the key" in body and "Select at least one scope" in body
    assert 'href="#scopes"' in body
    assert not ApiKey.objects.exists()


def test_an_admin_revokes_a_key(admin, district, verified_client):
    from townhall.core.services.api_keys import api_key_create

    key, _ = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    client = verified_client(admin)
    assert client.post(f"{KEYS}{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in client.get(KEYS).content.decode()


def test_a_platform_admin_adds_an_organisation(district, make_staff, verified_client):
    client = verified_client(make_staff(district, Role.PLATFORM_ADMIN))
    assert client.get("/staff/organisations/new/").status_code == 200
    response = client.post(
        "/staff/organisations/new/",
        {"name": "Downshire Police", "slug": "downshire-police", "kind": "police", "code": "DP01"},
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(slug="downshire-police", code="DP01").exists()


def test_a_wrong_gss_code_is_explained_next_to_the_field(district, make_staff, verified_client):
    client = verified_client(make_staff(district, Role.PLATFORM_ADMIN))
    response = client.post(
        "/staff/organisations/new/",
        {"name": "Somewhere Council", "slug": "somewhere", "kind": "district_council", "code": "X123"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "is not a valid GSS code, like E07000223" in body and 'href="#code"' in body
    assert not Organisation.objects.filter(slug="somewhere").exists()

    taken = client.post(
        "/staff/organisations/new/",
        {"name": "Again", "slug": "mid-downs", "kind": "district_council", "code": "E07000999"},
    ).content.decode()
    assert "already exists" in taken and 'href="#slug"' in taken


def test_only_a_platform_admin_adds_organisations(admin, verified_client):
    client = verified_client(admin)
    assert client.get("/staff/organisations/new/").status_code == 403
    client.post("/staff/organisations/new/", {"name": "X", "slug": "x", "kind": "police", "code": "XX01"})
    assert not Organisation.objects.filter(slug="x").exists()


def test_staff_home_links_to_other_back_office_areas_that_exist(district, make_staff, verified_client):
    body = verified_client(make_staff(district, Role.CASEWORKER)).get("/staff/").content.decode()
    assert 'href="/staff/cases/mid-downs/"' in body  # the casework queue
    assert 'href="/staff/definitions/"' in body  # caseworkers may read definitions
    assert "Data-sharing agreements" not in body  # no link a caseworker's role does not allow


def test_a_platform_admin_sees_and_manages_every_organisation(district, county, make_staff, verified_client):
    client = verified_client(make_staff(district, Role.PLATFORM_ADMIN))
    body = client.get("/staff/").content.decode()
    assert "Downshire County Council" in body and "E10000901" in body
    assert 'href="/staff/organisations/downshire/members/"' in body
    assert client.get("/staff/organisations/downshire/members/").status_code == 200
    assert client.get("/staff/organisations/downshire/api-keys/").status_code == 200


def test_an_organisation_admin_cannot_remove_a_platform_admin(admin, district, make_staff, verified_client):
    platform_admin = make_staff(district, Role.PLATFORM_ADMIN)
    response = verified_client(admin).post(
        MEMBERS + "remove/", {"user_id": platform_admin.pk, "role": "platform_admin"}
    )
    assert response.status_code == 403
    assert Membership.objects.filter(user=platform_admin, role="platform_admin").exists()
