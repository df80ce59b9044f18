"""The public open-data pages, downloads and API; the staff page; bad addresses."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from townhall.core.roles import Role
from townhall.opendata.models import Dataset, DatasetVersion

pytestmark = pytest.mark.django_db

BASE = "/open-data/downshire/service-performance"


def test_the_open_data_page_lists_datasets_with_previews_and_downloads(published, client: Client):
    page = client.get("/open-data/")
    assert page.status_code == 200
    html = page.content.decode()
    for title in ("Service performance by month", "Register of data-sharing agreements", "Service directory"):
        assert title in html
    assert f'href="{BASE}/1.csv"' in html and f'href="{BASE}/1/datapackage.json"' in html
    assert "Blue badge" in html  # a preview row
    assert 'href="/open-data/catalog.ttl"' in html


def test_the_dataset_page_shows_its_change_log(published, client: Client, county, hand_made):
    from tests.opendata.conftest import TODAY
    from townhall.opendata.services import dataset_publish

    hand_made.pop()
    dataset_publish(dataset=Dataset.objects.get(slug="service-performance"), actor=None, today=TODAY, note="Revised")
    html = client.get(BASE + "/").content.decode()
    assert "Change log" in html and "First version: 5 rows" in html and "Revised" in html
    assert f'href="{BASE}/2.csv"' in html and f'href="{BASE}/1.csv"' in html


def test_downloads_are_typed_and_cacheable(published, client: Client):
    response = client.get(BASE + "/1.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "immutable" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5 and rows[0]["volume_phone"] == ""  # withheld
    document = json.loads(client.get(BASE + "/1.json").content)
    assert document["version"] == 1 and document["rows"][0]["volume_phone"] is None
    metadata = client.get(BASE + "/1-metadata.json")
    assert metadata["Content-Type"] == "application/csvm+json"
    assert json.loads(metadata.content)["tableSchema"]["columns"][0]["name"] == "month"
    directory = json.loads(client.get("/open-data/downshire/service-directory/1.json").content)
    [service] = directory["services"]
    assert service["organization"] == {"id": "E10000901", "name": "Downshire County Council"}
    assert service["status"] == "active" and service["service_taxonomys"][0]["taxonomy_term"]["id"] == "lgsl:1088"


@pytest.mark.parametrize(
    "path",
    [
        "/open-data/downshire/no-such-dataset/",
        "/open-data/nowhere/service-performance/1.csv",
        BASE + "/9.csv",
        BASE + "/9-metadata.json",
        BASE + "/9/datapackage.json",
    ],
)
def test_unknown_datasets_and_versions_are_not_found_pages(published, client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_unpublished_datasets_are_not_shown(county, standard, client: Client):
    assert "No datasets have been published yet" in client.get("/open-data/").content.decode()
    assert client.get(BASE + "/").status_code == 404


def test_the_api_lists_datasets_versions_and_rows(published, client: Client):
    listed = client.get("/api/v1/open-data/datasets").json()
    assert {d["slug"] for d in listed} == {"service-performance", "data-sharing-agreements", "service-directory"}
    one = next(d for d in listed if d["slug"] == "service-performance")
    assert one["newest"]["number"] == 1 and one["newest"]["csv"] == f"http://testserver{BASE}/1.csv"
    detail = client.get("/api/v1/open-data/datasets/downshire/service-performance").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    assert detail["columns"][0] == {
        "name": "month",
        "title": "Month",
        "datatype": "date",
        "description": detail["columns"][0]["description"],
    }
    rows = client.get("/api/v1/open-data/datasets/downshire/service-performance/versions/1/rows").json()
    assert rows["version"] == 1 and len(rows["rows"]) == 5 and rows["rows"][0]["volume_phone"] is None


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/open-data/datasets/downshire/nothing", "dataset_not_found"),
        ("/api/v1/open-data/datasets/downshire/nothing/versions/1/rows", "dataset_not_found"),
        ("/api/v1/open-data/datasets/downshire/service-performance/versions/7/rows", "version_not_found"),
    ],
)
def test_the_api_answers_unknown_datasets_with_a_problem(published, client: Client, path: str, code: str):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json" and response.json()["code"] == code


def test_staff_set_up_set_rules_and_publish(county, make_staff, verified_client, hand_made):
    analyst = verified_client(make_staff(county, Role.ANALYST))
    page = analyst.get("/staff/open-data/downshire/")
    assert page.status_code == 200 and "Set up the standard datasets" in page.content.decode()
    assert analyst.post("/staff/open-data/downshire/set-up/").status_code == 302
    assert Dataset.objects.filter(organisation=county).count() == 3
    response = analyst.post(
        "/staff/open-data/downshire/service-performance/rules/", {"threshold": "5", "rounding_base": "1"}
    )
    assert response.status_code == 302
    bad = analyst.post(
        "/staff/open-data/downshire/service-performance/rules/", {"threshold": "x", "rounding_base": "1"}
    )
    assert bad.status_code == 422 and "There is a problem" in bad.content.decode()
    bad = analyst.post(
        "/staff/open-data/downshire/service-performance/rules/", {"threshold": "5", "rounding_base": "0"}
    )
    assert bad.status_code == 422 and "Enter a rounding base from 1 to 100" in bad.content.decode()
    assert analyst.post("/staff/open-data/downshire/service-performance/publish/", {"note": "Hello"}).status_code == 302
    version = DatasetVersion.objects.get()
    assert version.rules == {"threshold": 5, "rounding_base": 1} and version.change_note.endswith("Hello")
    assert analyst.post("/staff/open-data/downshire/no-such/publish/").status_code == 404


def test_staff_without_the_permission_or_from_elsewhere_see_nothing(county, district, make_staff, verified_client):
    for user in (make_staff(county, Role.CASEWORKER), make_staff(district, Role.ANALYST)):
        client = verified_client(user)
        assert client.get("/staff/open-data/downshire/").status_code == 404
        assert client.post("/staff/open-data/downshire/set-up/").status_code == 404
    assert not Dataset.objects.exists()


def test_the_staff_home_links_to_open_data(county, make_staff, verified_client):
    html = verified_client(make_staff(county, Role.ANALYST)).get("/staff/").content.decode()
    assert 'href="/staff/open-data/downshire/"' in html


def test_the_list_pages_read_a_fixed_number_of_queries(
    published, client: Client, district, django_assert_max_num_queries
):
    from townhall.opendata.services import dataset_publish, datasets_create_standard

    for dataset in datasets_create_standard(organisation=district, actor=None):
        dataset_publish(dataset=dataset, actor=None)
    with django_assert_max_num_queries(8):
        assert client.get("/open-data/").status_code == 200
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/open-data/datasets").json()) == 6
    with django_assert_max_num_queries(8):
        assert client.get("/open-data/catalog.ttl").status_code == 200
