"""Services on service definitions: import, publish, new versions, adoption, refusals that save nothing."""

from __future__ import annotations

import json

import pytest
import yaml
from django.db import IntegrityError, transaction

from tests.catalogue.platform_support import demo_source, small_source
from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
from townhall.catalogue.parsing import parse_definition
from townhall.catalogue.selectors import published_version
from townhall.catalogue.services import (
    definition_adopt,
    definition_check,
    definition_draft_update,
    definition_export,
    definition_import,
    definition_new_draft,
    definition_publish,
    definition_retire,
)
from townhall.core.errors import Conflict, NotFound, PermissionDenied, TooLarge, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role


@pytest.fixture
def designer(district, make_staff):
    return make_staff(district, Role.SERVICE_DESIGNER)


@pytest.fixture
def county_designer(county, make_staff):
    return make_staff(county, Role.SERVICE_DESIGNER)


def _nothing_saved() -> None:
    assert Service.objects.count() == 0
    assert DefinitionVersion.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="definition.").exists()


def test_import_creates_the_service_and_a_checked_draft(district, designer):
    draft = definition_import(actor=designer, organisation=district, source=small_source(), filename="fly.yaml")

    assert draft.status == DefinitionStatus.DRAFT
    assert draft.number == 1
    assert draft.published_at is None
    assert draft.service.slug == "report-fly-tipping"
    assert draft.service.organisation == district
    assert draft.service.lgsl == 1150
    assert draft.organisation == district
    assert draft.document["id"] == "report-fly-tipping"
    assert draft.checked_at is not None
    assert not draft.has_errors
    event = AuditEvent.objects.get(action="definition.imported")
    assert event.organisation == district
    assert event.actor == designer
    assert event.object_id == str(draft.pk)


def test_the_demo_definition_imports_and_publishes(district):
    version = definition_import(
        actor=None, organisation=district, source=demo_source("report-missed-bin"), filename="x.yaml", publish=True
    )
    assert version.status == DefinitionStatus.PUBLISHED
    assert version.published_at is not None
    assert version.source == demo_source("report-missed-bin")  # comments and layout kept
    assert published_version(organisation_code="E07000901", service_slug="report-missed-bin") == version
    assert version.definition().title.cy


def test_malformed_yaml_is_refused_and_nothing_is_saved(district, designer):
    with pytest.raises(ValidationFailed) as caught:
        definition_import(
            actor=designer, organisation=district, source="id: [unclosed\ntitle: x\n", filename="bad.yaml"
        )
    assert caught.value.errors
    assert caught.value.errors[0].line is not None
    _nothing_saved()


def test_every_schema_problem_is_reported_together(district, designer):
    source = small_source().replace("lgsl: 1150", "lgsl: many").replace("days: 365", "days: -1")
    with pytest.raises(ValidationFailed) as caught:
        definition_import(actor=designer, organisation=district, source=source, filename="bad.yaml")
    paths = {e.path for e in caught.value.errors}
    assert {"lgsl", "retention.days"} <= paths
    _nothing_saved()


def test_an_oversized_definition_is_refused(district, designer, settings):
    settings.DEFINITION_MAX_BYTES = 200
    with pytest.raises(TooLarge) as caught:
        definition_import(actor=designer, organisation=district, source=small_source(), filename="big.yaml")
    assert caught.value.code == "definition_too_large"
    _nothing_saved()


def test_another_organisations_definition_is_refused(district, county, designer):
    with pytest.raises(ValidationFailed) as caught:
        definition_import(
            actor=designer, organisation=district, source=small_source(organisation=county.code), filename="x.yaml"
        )
    assert caught.value.code == "organisation_mismatch"
    assert caught.value.errors[0].path == "organisation"
    _nothing_saved()


def test_an_unknown_organisation_code_is_refused_clearly(district, designer):
    with pytest.raises(ValidationFailed) as caught:
        definition_import(
            actor=designer, organisation=district, source=small_source(organisation="E99999999"), filename="x.yaml"
        )
    assert caught.value.code == "unknown_organisation"
    assert "E99999999" in caught.value.detail
    _nothing_saved()


def test_a_caseworker_cannot_upload(district, make_staff):
    caseworker = make_staff(district, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        definition_import(actor=caseworker, organisation=district, source=small_source(), filename="x.yaml")
    _nothing_saved()


def test_publishing_needs_the_publish_permission(district, make_staff):
    draft = definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    analyst = make_staff(district, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        definition_publish(actor=analyst, organisation=district, version=draft)
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT


def test_another_organisations_draft_cannot_be_published_or_changed(district, county, county_designer):
    draft = definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    with pytest.raises(PermissionDenied):
        definition_publish(actor=county_designer, organisation=district, version=draft)
    with pytest.raises(NotFound):
        definition_publish(actor=county_designer, organisation=county, version=draft)
    with pytest.raises(NotFound):
        definition_check(actor=county_designer, organisation=county, version=draft)


def test_publishing_is_refused_while_the_checker_finds_errors(district, designer):
    draft = definition_import(
        actor=designer, organisation=district, source=small_source(start="nowhere"), filename="x.yaml"
    )
    assert draft.has_errors
    assert all(f["line"] for f in draft.findings if f["severity"] == "error")
    with pytest.raises(ValidationFailed) as caught:
        definition_publish(actor=designer, organisation=district, version=draft)
    assert caught.value.code == "definition_has_errors"
    assert caught.value.errors
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT
    assert draft.published_at is None
    assert not AuditEvent.objects.filter(action="definition.published").exists()

    fixed = definition_draft_update(actor=designer, organisation=district, version=draft, source=small_source())
    assert fixed.pk == draft.pk
    assert not fixed.has_errors
    published = definition_publish(actor=designer, organisation=district, version=fixed)
    assert published.status == DefinitionStatus.PUBLISHED


def test_a_published_version_never_changes(district, designer):
    version = definition_import(
        actor=designer, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    before = (version.source, version.document, version.published_at)
    with pytest.raises(Conflict) as caught:
        definition_draft_update(
            actor=designer, organisation=district, version=version, source=small_source(title="Changed")
        )
    assert caught.value.code == "version_not_draft"
    with pytest.raises(Conflict):
        definition_publish(actor=designer, organisation=district, version=version)
    with pytest.raises(Conflict):
        definition_check(actor=designer, organisation=district, version=version)
    version.refresh_from_db()
    assert (version.source, version.document, version.published_at) == before


def test_the_database_allows_one_version_per_number(district):
    version = definition_import(
        actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DefinitionVersion.objects.create(
            service=version.service,
            number=1,
            status=DefinitionStatus.PUBLISHED,
            source=version.source,
            document=version.document,
            published_at=version.published_at,
        )


def test_a_new_version_leaves_the_old_one_for_work_already_started(district, designer):
    first = definition_import(
        actor=designer, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    second = definition_new_draft(actor=designer, organisation=district, service=first.service)
    assert second.number == 2
    assert second.document["version"] == 2
    assert second.status == DefinitionStatus.DRAFT
    assert parse_definition(second.source).version == 2
    with pytest.raises(Conflict) as caught:
        definition_new_draft(actor=designer, organisation=district, service=first.service)
    assert caught.value.code == "draft_exists"

    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping") == first
    definition_draft_update(
        actor=designer, organisation=district, version=second, source=small_source(title="Report fly tipping")
    )
    definition_publish(actor=designer, organisation=district, version=second)

    first.refresh_from_db()
    assert first.status == DefinitionStatus.PUBLISHED  # publishing retires nothing
    newest = published_version(organisation_code=district.code, service_slug="report-fly-tipping")
    assert newest.pk == second.pk
    assert newest.definition().title.en == "Report fly tipping"
    kept = published_version(organisation_code=district.code, service_slug="report-fly-tipping", version=1)
    assert kept.pk == first.pk
    assert kept.definition().title.en == "Report fly-tipping"
    first.service.refresh_from_db()
    assert first.service.title == "Report fly tipping"


def test_importing_again_replaces_the_draft_and_numbers_it_after_the_newest(district, designer):
    definition_import(actor=designer, organisation=district, source=small_source(), filename="x.yaml", publish=True)
    draft = definition_import(actor=designer, organisation=district, source=small_source(title="A"), filename="a.yaml")
    again = definition_import(actor=designer, organisation=district, source=small_source(title="B"), filename="b.yaml")
    assert again.pk == draft.pk
    assert again.number == 2
    assert again.document["version"] == 2
    assert again.definition().title.en == "B"
    assert DefinitionVersion.objects.count() == 2


def test_retiring_keeps_the_version_for_cases_but_not_for_new_journeys(district, designer):
    version = definition_import(
        actor=designer, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    definition_retire(actor=designer, organisation=district, version=version)
    version.refresh_from_db()
    assert version.status == DefinitionStatus.RETIRED
    with pytest.raises(NotFound):
        published_version(organisation_code=district.code, service_slug="report-fly-tipping")
    assert published_version(organisation_code=district.code, service_slug="report-fly-tipping", version=1) == version


def test_a_published_definition_is_parsed_once_per_process(district):
    version = definition_import(
        actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    again = DefinitionVersion.objects.get(pk=version.pk)
    assert again.definition() is version.definition()
    draft = definition_new_draft(actor=None, organisation=district, service=version.service)
    assert draft.definition() is not draft.definition()
    assert draft.definition() == draft.definition()


def test_adopting_makes_a_draft_of_your_own_and_records_the_origin(district, county, county_designer):
    theirs = definition_import(
        actor=None, organisation=district, source=demo_source("report-missed-bin"), filename="x.yaml", publish=True
    )
    draft = definition_adopt(actor=county_designer, organisation=county, source_version=theirs)

    assert draft.status == DefinitionStatus.DRAFT
    assert draft.organisation == county
    assert draft.service.slug == "report-missed-bin"
    assert draft.origin == "E07000901/report-missed-bin@1"
    assert draft.document["organisation"] == county.code
    assert draft.document["origin"] == "E07000901/report-missed-bin@1"
    reparsed = parse_definition(draft.source)
    assert reparsed.organisation == county.code
    assert reparsed.origin == "E07000901/report-missed-bin@1"
    event = AuditEvent.objects.get(action="definition.adopted")
    assert event.organisation == county
    assert event.data["adopted_from"] == "E07000901/report-missed-bin@1"
    theirs.refresh_from_db()
    assert theirs.status == DefinitionStatus.PUBLISHED
    assert theirs.service.organisation == district

    published = definition_publish(actor=county_designer, organisation=county, version=draft)
    assert published.origin == "E07000901/report-missed-bin@1"
    assert published_version(organisation_code=county.code, service_slug="report-missed-bin") == published


def test_only_published_definitions_can_be_adopted(district, county, county_designer):
    draft = definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml")
    with pytest.raises(NotFound):
        definition_adopt(actor=county_designer, organisation=county, source_version=draft)
    assert not Service.objects.filter(organisation=county).exists()


def test_adopting_needs_the_edit_permission(district, county, make_staff):
    theirs = definition_import(
        actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    caseworker = make_staff(county, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        definition_adopt(actor=caseworker, organisation=county, source_version=theirs)


def test_export_gives_the_yaml_of_a_published_version_to_anyone(district, make_staff):
    version = definition_import(
        actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    text = definition_export(actor=None, version=version)
    assert parse_definition(text).id == "report-fly-tipping"
    draft = definition_new_draft(actor=None, organisation=district, service=version.service)
    with pytest.raises(NotFound):
        definition_export(actor=None, version=draft)
    caseworker = make_staff(district, Role.CASEWORKER)
    assert parse_definition(definition_export(actor=caseworker, version=draft)).version == 2


@pytest.mark.parametrize(
    ("name", "owner"),
    [
        ("report-missed-bin", "district"),
        ("council-tax-single-person-discount", "district"),
        ("bulky-waste-collection", "district"),
        ("childminder-approval", "county"),
        ("blue-badge", "county"),
    ],
)
def test_every_demo_definition_publishes_for_its_organisation(name, owner, request):
    organisation = request.getfixturevalue(owner)
    version = definition_import(
        actor=None, organisation=organisation, source=demo_source(name), filename=f"{name}.yaml", publish=True
    )
    assert version.status == DefinitionStatus.PUBLISHED
    assert not version.has_errors, version.findings
    assert version.definition().welsh
    assert published_version(organisation_code=organisation.code, service_slug=name).pk == version.pk


def test_json_text_imports_like_yaml(district, designer):
    document = yaml.safe_load(small_source())
    draft = definition_import(actor=designer, organisation=district, source=json.dumps(document), filename="fly.json")
    assert draft.document["id"] == "report-fly-tipping"
    assert draft.filename == "fly.json"


def test_import_and_publish_with_errors_saves_nothing(district):
    with pytest.raises(ValidationFailed) as caught:
        definition_import(
            actor=None, organisation=district, source=small_source(start="nowhere"), filename="x", publish=True
        )
    assert caught.value.code == "definition_has_errors"
    assert caught.value.errors[0].path == "workflow.start"
    _nothing_saved()
