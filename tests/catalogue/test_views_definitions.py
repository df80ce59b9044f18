"""Back office pages for definitions, the public service directory and the JSON Schema."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.catalogue.platform_support import demo_source, signed_in, small_source
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion
from townhall.catalogue.services import definition_import
from townhall.core.roles import Role


@pytest.fixture
def designer_client(district, make_staff) -> Client:
    return signed_in(make_staff(district, Role.SERVICE_DESIGNER))


def test_the_list_shows_the_organisations_services(designer_client: Client, district):
    definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)
    response = designer_client.get("/staff/definitions/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Report fly-tipping" in page
    assert "/staff/definitions/mid-downs/report-fly-tipping/1/" in page


def test_uploading_a_file_makes_a_draft_and_shows_its_preview(designer_client: Client):
    upload = SimpleUploadedFile("bin.yaml", demo_source("report-missed-bin").encode(), "application/yaml")
    response = designer_client.post(
        "/staff/definitions/upload/", {"organisation": "mid-downs", "definition_file": upload}
    )
    assert response.status_code == 302
    assert response["Location"] == "/staff/definitions/mid-downs/report-missed-bin/1/"
    page = designer_client.get(response["Location"]).content.decode()
    assert "Which bin was missed?" in page  # a question
    assert "Send crew back" in page  # a transition
    assert "postcode.startsWith" in page  # a rule's condition
    assert "Publish version 1" in page
    assert "/staff/journeys/walk/mid-downs/report-missed-bin/1/" in page


def test_a_bad_upload_lists_each_problem_with_its_line(designer_client: Client):
    source = small_source().replace("lgsl: 1150", "lgsl: many").replace("days: 365", "days: -1")
    response = designer_client.post("/staff/definitions/upload/", {"organisation": "mid-downs", "source": source})
    assert response.status_code == 422
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Line 5:" in page  # lgsl
    assert "retention.days" in page
    assert 'href="#source"' in page
    assert "<title>Error:" in page
    assert DefinitionVersion.objects.count() == 0


def test_an_empty_upload_says_what_to_do(designer_client: Client):
    response = designer_client.post("/staff/definitions/upload/", {"organisation": "mid-downs", "source": " "})
    assert response.status_code == 422
    assert "Choose a definition file or paste the definition" in response.content.decode()


def test_a_caseworker_is_refused_the_upload_page(district, make_staff):
    client = signed_in(make_staff(district, Role.CASEWORKER))
    assert client.get("/staff/definitions/upload/").status_code == 403
    refused = client.post("/staff/definitions/upload/", {"organisation": "mid-downs", "source": small_source()})
    assert refused.status_code == 403
    assert DefinitionVersion.objects.count() == 0
    assert client.get("/staff/definitions/").status_code == 200  # caseworkers may read definitions


def test_a_caseworker_cannot_publish(district, make_staff):
    draft = definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    client = signed_in(make_staff(district, Role.CASEWORKER))
    page = client.get("/staff/definitions/mid-downs/report-fly-tipping/1/").content.decode()
    assert "Publish version" not in page
    response = client.post("/staff/definitions/mid-downs/report-fly-tipping/1/publish/")
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT


def test_publish_then_start_a_new_version(designer_client: Client, district):
    definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    response = designer_client.post("/staff/definitions/mid-downs/report-fly-tipping/1/publish/")
    assert response.status_code == 302
    assert DefinitionVersion.objects.get(number=1).status == DefinitionStatus.PUBLISHED
    response = designer_client.post("/staff/definitions/mid-downs/report-fly-tipping/1/new-version/")
    assert response["Location"] == "/staff/definitions/mid-downs/report-fly-tipping/2/"
    export = designer_client.get("/staff/definitions/mid-downs/report-fly-tipping/2/export/")
    assert export["Content-Type"].startswith("application/yaml")
    assert b"version: 2" in export.content


def test_publishing_a_draft_with_errors_shows_them(designer_client: Client, district):
    definition_import(actor=None, organisation=district, source=small_source(start="nowhere"), filename="x.yaml")
    response = designer_client.post("/staff/definitions/mid-downs/report-fly-tipping/1/publish/", follow=True)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "before it can be published" in page
    assert DefinitionVersion.objects.get().status == DefinitionStatus.DRAFT


def test_another_organisations_pages_are_not_found(district, county, make_staff):
    definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    client = signed_in(make_staff(county, Role.SERVICE_DESIGNER))
    assert client.get("/staff/definitions/mid-downs/report-fly-tipping/1/").status_code == 404
    assert client.post("/staff/definitions/mid-downs/report-fly-tipping/1/publish/").status_code == 404
    assert client.get("/staff/definitions/mid-downs/report-fly-tipping/1/export/").status_code == 404


def test_adopt_from_the_directory(district, county, make_staff):
    theirs = definition_import(
        actor=None, organisation=district, source=demo_source("report-missed-bin"), filename="x", publish=True
    )
    client = signed_in(make_staff(county, Role.SERVICE_DESIGNER))
    listing = client.get("/staff/definitions/adopt/").content.decode()
    assert "Report a missed bin collection" in listing
    response = client.post(f"/staff/definitions/adopt/{theirs.pk}/", {"organisation": "downshire"})
    assert response.status_code == 302
    assert response["Location"] == "/staff/definitions/downshire/report-missed-bin/1/"
    page = client.get(response["Location"]).content.decode()
    assert "E07000901/report-missed-bin@1" in page


def test_the_public_directory_lists_published_services_with_lgsl_codes(client: Client, district):
    definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)
    definition_import(
        actor=None, organisation=district, source=small_source(id="draft-only", title="Not yet"), filename="x"
    )
    page = client.get("/services/").content.decode()
    assert "Mid Downs District Council" in page
    assert "Report fly-tipping" in page
    assert "1150" in page
    assert "Not yet" not in page


def test_the_json_schema_is_served(client: Client):
    response = client.get("/schemas/service-definition/v1.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/schema+json"
    assert json.loads(response.content)["properties"]["format"]["const"] == "townhall/service-definition/v1"


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, district):
    response = client.get("/staff/definitions/upload/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in/")


def test_adopting_again_while_a_draft_is_open_says_why_not(district, county, make_staff):
    theirs = definition_import(actor=None, organisation=district, source=small_source(), filename="x", publish=True)
    client = signed_in(make_staff(county, Role.SERVICE_DESIGNER))
    assert client.post(f"/staff/definitions/adopt/{theirs.pk}/", {"organisation": "downshire"}).status_code == 302
    again = client.post(f"/staff/definitions/adopt/{theirs.pk}/", {"organisation": "downshire"})
    assert again.status_code == 409
    page = again.content.decode()
    assert "govuk-error-summary" in page
    assert "You already have a draft of report-fly-tipping" in page
