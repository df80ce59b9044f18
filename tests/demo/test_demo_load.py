"""`demo_load` builds the demo once (a second run changes nothing) and `demo_signins` lets people in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.core.models import AuditEvent, Membership, Organisation
from townhall.core.roles import Role
from townhall.demo.loader import demo_load
from townhall.demo.people import DEMO_PASSWORD, PEOPLE

DEFINITIONS = Path(__file__).resolve().parents[2] / "definitions"


def _counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "totp": TOTPDevice.objects.count(),
        "backup codes": StaticToken.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_demo_load_creates_the_contract_organisations_and_staff_in_every_role(db, tmp_path):
    report = demo_load(definitions_dir=tmp_path)
    assert report.ok
    orgs = {o.slug: o for o in Organisation.objects.all()}
    assert {(o.slug, o.kind, o.code) for o in orgs.values()} == {
        ("mid-downs", "district_council", "E07000901"),
        ("downshire", "county_council", "E10000901"),
        ("downshire-hospitals", "nhs_body", "R9X"),
        ("downs-valley-homes", "housing_association", "L9901"),
    }
    assert orgs["mid-downs"].welsh_enabled and orgs["mid-downs"].name == "Mid Downs District Council"
    for council in ("mid-downs", "downshire"):
        roles = set(Membership.objects.filter(organisation__slug=council).values_list("role", flat=True))
        assert roles >= {r.value for r in Role if r != Role.PLATFORM_ADMIN}
    assert Membership.objects.filter(role=Role.PLATFORM_ADMIN).count() == 1
    assert TOTPDevice.objects.filter(confirmed=True).count() == len(PEOPLE)


def test_demo_load_twice_changes_nothing(db, tmp_path):
    call_command("demo_load", definitions=tmp_path, stdout=io.StringIO())
    first = _counts()
    out = io.StringIO()
    call_command("demo_load", definitions=tmp_path, stdout=out)
    assert _counts() == first
    assert "nothing changed" in out.getvalue()


def test_demo_load_publishes_every_definition_and_again_changes_nothing(db):
    from townhall.catalogue.models import DefinitionVersion

    call_command("demo_load", stdout=io.StringIO())
    files = sorted(DEFINITIONS.glob("*.yaml"))
    assert files
    published = DefinitionVersion.objects.filter(status="published")
    assert {v.filename for v in published} == {f.name for f in files}
    first = {**_counts(), "versions": DefinitionVersion.objects.count()}
    call_command("demo_load", stdout=io.StringIO())
    assert {**_counts(), "versions": DefinitionVersion.objects.count()} == first


def test_a_broken_definition_is_reported_the_rest_load_and_the_command_fails(db, tmp_path):
    (tmp_path / "broken.yaml").write_text("format: townhall/service-definition/v1\nid: [not, an, id\n")
    (tmp_path / "nowhere.yaml").write_text("id: x\norganisation: E99999999\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 definition"):
        call_command("demo_load", definitions=tmp_path, stdout=io.StringIO(), stderr=err)
    assert "FAILED broken.yaml" in err.getvalue()
    assert "FAILED nowhere.yaml: no organisation on the platform has the code 'E99999999'" in err.getvalue()
    assert Organisation.objects.count() == 4  # everything else was still loaded


def test_demo_signins_print_a_working_code_and_backup_codes(db, tmp_path):
    demo_load(definitions_dir=tmp_path)
    out = io.StringIO()
    call_command("demo_signins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    person = next(p for p in PEOPLE if p.username == "mid-downs-caseworker")
    line = next(line for line in text.splitlines() if line.startswith(person.username + " "))
    assert all(code in line for code in person.backup_codes)

    client = Client()
    response = client.post("/staff/sign-in/", {"username": person.username, "password": DEMO_PASSWORD})
    assert response["Location"] == "/staff/sign-in/code/"
    code = line.split()[2]  # username, role, code: the printed code is the one a person would type
    assert len(code) == 6 and code.isdigit()
    assert client.post("/staff/sign-in/code/", {"token": code})["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
