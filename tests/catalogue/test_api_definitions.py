"""The definitions API: public reads, uploads and publishing with a key, problems with stable codes."""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client

from tests.catalogue.platform_support import small_source
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
from townhall.catalogue.services import definition_import
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create

BASE = "/api/v1/definitions"


@pytest.fixture
def published(district):
    return definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)


@pytest.fixture
def county_draft(county):
    return definition_import(
        actor=None, organisation=county, source=small_source(id="secret-plan", organisation=county.code), filename="x"
    )


def _key(organisation, make_staff, *scopes: Role) -> str:
    admin = make_staff(organisation, Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=organisation, name="Design tools", scopes=list(scopes))
    return secret


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_anyone_can_list_published_definitions(client: Client, published, county_draft):
    response = client.get(f"{BASE}/")
    assert response.status_code == 200
    body = response.json()
    assert [(d["organisation"], d["id"], d["version"]) for d in body] == [("E07000901", "report-fly-tipping", 1)]
    assert body[0]["lgsl"] == 1150
    assert body[0]["title_cy"]
    assert client.get(f"{BASE}/", {"organisation": "E10000901"}).json() == []
    assert len(client.get(f"{BASE}/", {"lgsl": 1150}).json()) == 1
    assert client.get(f"{BASE}/", {"lgsl": 1}).json() == []


def test_get_the_newest_or_a_version_by_number(client: Client, published):
    latest = client.get(f"{BASE}/E07000901/report-fly-tipping")
    assert latest.status_code == 200
    assert latest.json()["version"] == 1
    assert latest.json()["document"]["id"] == "report-fly-tipping"
    assert client.get(f"{BASE}/E07000901/report-fly-tipping", {"version": 1}).json()["status"] == "published"
    missing = client.get(f"{BASE}/E07000901/report-fly-tipping", {"version": 7})
    assert missing.status_code == 404
    assert missing.json()["code"] == "definition_not_found"
    assert missing.headers["Content-Type"] == "application/problem+json"
    nobody = client.get(f"{BASE}/E99999999/report-fly-tipping", {"version": 1})
    assert nobody.json()["code"] == "organisation_not_found"


def test_export_is_yaml(client: Client, published):
    response = client.get(f"{BASE}/E07000901/report-fly-tipping/export")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content)["id"] == "report-fly-tipping"
    assert "E07000901-report-fly-tipping-v1.yaml" in response["Content-Disposition"]


def test_another_organisations_draft_is_404(client: Client, district, county_draft, make_staff):
    district_key = _key(district, make_staff, Role.SERVICE_DESIGNER)
    for path in ("", "/export"):
        response = client.get(f"{BASE}/E10000901/secret-plan{path}", {"version": 1}, **_bearer(district_key))
        assert response.status_code == 404
        assert response.json()["code"] == "definition_not_found"
        anonymous = client.get(f"{BASE}/E10000901/secret-plan{path}", {"version": 1})
        assert anonymous.status_code == 404
    assert client.get(f"{BASE}/E10000901/secret-plan").status_code == 404


@pytest.mark.parametrize("bearer", [{}, {"HTTP_AUTHORIZATION": "Bearer th_not-a-key"}], ids=["no-key", "bad-key"])
def test_a_staff_session_without_a_key_does_not_see_drafts(client: Client, county, county_draft, make_staff, bearer):
    """The API acts only for API keys: a browser's staff session (here not even past its second factor) is
    nobody to it, as the module says: drafts are seen only with a key of their own organisation."""
    client.force_login(make_staff(county, Role.SERVICE_DESIGNER, Role.ORGANISATION_ADMIN))
    for path in ("", "/export"):
        response = client.get(f"{BASE}/E10000901/secret-plan{path}", {"version": 1}, **bearer)
        assert response.status_code == 404, response.content[:200]
        assert response.json()["code"] == "definition_not_found"


def test_an_organisations_own_key_sees_its_draft(client: Client, county, county_draft, make_staff):
    key = _key(county, make_staff, Role.CASEWORKER)
    response = client.get(f"{BASE}/E10000901/secret-plan", {"version": 1}, **_bearer(key))
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_upload_and_publish_with_a_designers_key(client: Client, district, make_staff):
    key = _key(district, make_staff, Role.SERVICE_DESIGNER)
    response = client.post(
        f"{BASE}/",
        json.dumps({"source": small_source(), "filename": "fly.yaml"}),
        content_type="application/json",
        **_bearer(key),
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    assert response.json()["findings"] == []
    published = client.post(f"{BASE}/E07000901/report-fly-tipping/versions/1/publish", **_bearer(key))
    assert published.status_code == 200, published.content
    assert published.json()["status"] == "published"
    again = client.post(f"{BASE}/E07000901/report-fly-tipping/versions/1/publish", **_bearer(key))
    assert again.status_code == 409
    assert again.json()["code"] == "version_not_draft"


def test_upload_problems_have_stable_codes(client: Client, district, county, make_staff, settings):
    key = _key(district, make_staff, Role.SERVICE_DESIGNER)

    def upload(source: str):  # type: ignore[no-untyped-def]
        return client.post(f"{BASE}/", json.dumps({"source": source}), content_type="application/json", **_bearer(key))

    wrong = upload(small_source(organisation="E10000901"))
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "organisation_mismatch"
    assert wrong.json()["errors"][0]["path"] == "organisation"
    broken = upload("id: [unclosed\n")
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["line"]
    settings.DEFINITION_MAX_BYTES = 100
    large = upload(small_source())
    assert large.status_code == 413
    assert large.json()["code"] == "definition_too_large"
    assert DefinitionVersion.objects.count() == 0


def test_uploading_and_publishing_need_the_right_key(client: Client, district, county, county_draft, make_staff):
    anonymous = client.post(f"{BASE}/", json.dumps({"source": small_source()}), content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    caseworker_key = _key(district, make_staff, Role.CASEWORKER)
    refused = client.post(
        f"{BASE}/", json.dumps({"source": small_source()}), content_type="application/json", **_bearer(caseworker_key)
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    designer_key = _key(district, make_staff, Role.SERVICE_DESIGNER)
    theirs = client.post(f"{BASE}/E10000901/secret-plan/versions/1/publish", **_bearer(designer_key))
    assert theirs.status_code == 404
    county_draft.refresh_from_db()
    assert county_draft.status == DefinitionStatus.DRAFT


def test_the_openapi_schema_describes_the_definitions_api(client: Client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/definitions/{organisation_code}/{service_slug}/export" in schema["paths"]


def test_the_list_takes_one_query_however_many_services(client: Client, district, county, django_assert_num_queries):
    for n in range(3):
        definition_import(
            actor=None, organisation=district, source=small_source(id=f"service-{n}"), filename="x", publish=True
        )
    with django_assert_num_queries(1):
        assert len(client.get(f"{BASE}/").json()) == 3
