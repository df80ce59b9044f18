"""Reads of service definitions: the public directory, and drafts only for their own organisation."""

from __future__ import annotations

import pytest

from tests.catalogue.platform_support import small_source
from townhall.catalogue.selectors import (
    definition_list,
    published_services,
    published_version,
    service_get,
    version_get,
)
from townhall.catalogue.services import definition_import, definition_new_draft, definition_publish
from townhall.core.errors import NotFound, PermissionDenied, ValidationFailed
from townhall.core.roles import Role


@pytest.fixture
def catalogue(district, county):
    """Fly-tipping v1 and v2 published by the district, a county draft, a county service published once."""
    v1 = definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)
    v2 = definition_new_draft(actor=None, organisation=district, service=v1.service)
    definition_publish(actor=None, organisation=district, version=v2)
    county_pub = definition_import(
        actor=None,
        organisation=county,
        source=small_source(id="school-transport", organisation=county.code, title="School transport", lgsl=23),
        filename="x.yaml",
        publish=True,
    )
    county_draft = definition_import(
        actor=None,
        organisation=county,
        source=small_source(id="secret-plan", organisation=county.code, title="Not ready"),
        filename="x.yaml",
    )
    return {"v1": v1, "v2": v2, "county_pub": county_pub, "county_draft": county_draft}


def test_the_directory_lists_each_services_newest_published_version(catalogue):
    listed = published_services()
    assert [(v.service.slug, v.number) for v in listed] == [("school-transport", 1), ("report-fly-tipping", 2)]
    assert [v.service.slug for v in published_services(organisation_code="E07000901")] == ["report-fly-tipping"]
    assert [v.service.slug for v in published_services(lgsl=23)] == ["school-transport"]
    assert published_services(lgsl=999) == []


def test_the_directory_does_not_grow_its_queries_with_the_services(catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        listed = published_services()
        [v.organisation.name for v in listed]


def test_published_version_without_an_organisation_needs_a_unique_slug(catalogue, district, county):
    assert published_version(service_slug="school-transport") == catalogue["county_pub"]
    definition_import(
        actor=None,
        organisation=county,
        source=small_source(organisation=county.code),
        filename="x.yaml",
        publish=True,
    )
    with pytest.raises(ValidationFailed) as caught:
        published_version(service_slug="report-fly-tipping")
    assert caught.value.code == "organisation_required"
    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping").number == 2


def test_a_draft_is_not_a_published_version(catalogue, county):
    with pytest.raises(NotFound):
        published_version(organisation_code=county.code, service_slug="secret-plan")
    with pytest.raises(NotFound):
        published_version(organisation_code=county.code, service_slug="secret-plan", version=1)


def test_another_organisations_draft_does_not_exist(catalogue, county, district, make_staff):
    district_designer = make_staff(district, Role.SERVICE_DESIGNER)
    with pytest.raises(NotFound):
        version_get(organisation=county, actor=district_designer, service_slug="secret-plan", number=1)
    with pytest.raises(NotFound):
        version_get(organisation=county, actor=None, service_slug="secret-plan", number=1)
    county_caseworker = make_staff(county, Role.CASEWORKER)
    found = version_get(organisation=county, actor=county_caseworker, service_slug="secret-plan", number=1)
    assert found == catalogue["county_draft"]
    # Published versions are public.
    assert version_get(organisation=county, actor=None, service_slug="school-transport", number=1)


def test_the_list_of_services_needs_the_view_permission(catalogue, county, district, make_staff):
    designer = make_staff(county, Role.SERVICE_DESIGNER)
    services = definition_list(organisation=county, actor=designer)
    assert [s.slug for s in services] == ["secret-plan", "school-transport"]
    assert service_get(organisation=county, actor=designer, service_slug="secret-plan").title == "Not ready"
    with pytest.raises(PermissionDenied):
        definition_list(organisation=district, actor=designer)
    partner = make_staff(county, Role.PARTNER_OFFICER)
    with pytest.raises(PermissionDenied):
        definition_list(organisation=county, actor=partner)


def test_the_list_of_services_does_not_grow_its_queries(catalogue, county, make_staff, django_assert_num_queries):
    designer = make_staff(county, Role.SERVICE_DESIGNER)
    definition_list(organisation=county, actor=designer)  # reads the designer's roles once
    with django_assert_num_queries(2):
        services = definition_list(organisation=county, actor=designer)
        [[v.number for v in s.versions.all()] for s in services]


def test_publishing_and_retiring_are_seen_at_once_by_the_process_that_made_them(
    catalogue, district, django_assert_num_queries
):
    from townhall.catalogue.services import definition_retire

    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping").number == 2
    with django_assert_num_queries(0):  # remembered (core/local_cache.py)
        again = published_version(organisation_code=district.code, service_slug="report-fly-tipping")
    assert again.number == 2 and again.service.organisation == district
    definition_retire(actor=None, organisation=district, version=catalogue["v2"])
    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping").number == 1
    v3 = definition_new_draft(actor=None, organisation=district, service=catalogue["v1"].service)
    definition_publish(actor=None, organisation=district, version=v3)
    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping").number == 3
