"""Loading the demo: organisations, staff in every role with known sign-ins, published definitions.

Idempotent: everything is looked up before it is created, so a second run changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.core.errors import TownhallError
from townhall.core.models import Membership, Organisation
from townhall.core.roles import Role
from townhall.core.services.organisations import membership_grant, organisation_create, staff_create
from townhall.core.services.two_factor import BACKUP_DEVICE_NAME, TOTP_DEVICE_NAME
from townhall.demo.people import DEMO_PASSWORD, ORGANISATIONS, PEOPLE, DemoPerson
from townhall.opendata.models import Dataset
from townhall.opendata.services import dataset_publish, datasets_create_standard

DEFINITIONS_DIR = Path(settings.BASE_DIR) / "definitions"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    definitions_published: list[str] = field(default_factory=list)
    definitions_unchanged: list[str] = field(default_factory=list)
    definitions_failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.definitions_failed


def _organisations(report: LoadReport) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for demo in ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=demo.slug).first()
        if organisation is None:
            organisation = organisation_create(
                actor=None,
                slug=demo.slug,
                name=demo.name,
                kind=demo.kind,
                code=demo.code,
                name_cy=demo.name_cy,
                welsh_enabled=demo.welsh_enabled,
            )
            report.created.append(f"organisation {demo.slug}")
        found[demo.slug] = organisation
    return found


def _second_factor(user: Any, person: DemoPerson, report: LoadReport) -> None:
    if not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=person.totp_key_hex, confirmed=True)
        report.created.append(f"authenticator for {person.username}")
    if not StaticDevice.objects.filter(user=user).exists():
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in person.backup_codes])
        report.created.append(f"backup codes for {person.username}")


def _staff(organisations: dict[str, Organisation], report: LoadReport) -> dict[str, Any]:
    User = get_user_model()
    users: dict[str, Any] = {}
    for person in PEOPLE:
        with transaction.atomic():
            user = User.objects.filter(username=person.username).first()
            if user is None:
                user = staff_create(
                    username=person.username,
                    email=person.address,
                    password=DEMO_PASSWORD,
                    full_name=person.full_name,
                )
                report.created.append(f"staff {person.username}")
            organisation = organisations[person.organisation]
            if not Membership.objects.filter(user=user, organisation=organisation, role=person.role).exists():
                membership_grant(
                    actor=None, organisation=organisation, user=user, role=Role(person.role), team=person.team
                )
                report.created.append(f"{person.role} role for {person.username}")
            _second_factor(user, person, report)
        users[person.username] = user
    return users


def _normalised(document: Any) -> Any:
    return json.loads(json.dumps(document, sort_keys=True, default=str))


def _already_published(organisation: Organisation, source: str, filename: str) -> bool:
    """Whether the service's latest published version already says what this file says."""
    import dataclasses

    from townhall.catalogue.models import DefinitionVersion
    from townhall.catalogue.parsing import definition_to_document, parse_definition

    defn = parse_definition(source, filename=filename)
    latest = (
        DefinitionVersion.objects.filter(service__organisation=organisation, service__slug=defn.id, status="published")
        .order_by("-number")
        .first()
    )
    if latest is None:
        return False
    expected = definition_to_document(dataclasses.replace(defn, version=latest.number, origin=latest.origin or None))
    return bool(_normalised(expected) == _normalised(latest.document))


def _definitions(report: LoadReport, directory: Path) -> None:
    try:
        from townhall.catalogue.services import definition_import
    except ImportError as error:
        report.warnings.append(f"Definitions not loaded: the catalogue cannot import them yet ({error})")
        return
    import yaml

    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            source = path.read_text(encoding="utf-8")
            code = str((yaml.safe_load(source) or {}).get("organisation", ""))
            organisation = Organisation.objects.filter(code=code).first()
            if organisation is None:
                raise TownhallError(f"no organisation on the platform has the code {code!r}")
            if _already_published(organisation, source, path.name):
                report.definitions_unchanged.append(path.name)
                continue
            definition_import(actor=None, organisation=organisation, source=source, filename=path.name, publish=True)
            report.definitions_published.append(path.name)
        except Exception as error:  # report every file's problem and carry on with the rest
            report.definitions_failed.append((path.name, _describe(error)))


def _describe(error: Exception) -> str:
    if isinstance(error, TownhallError):
        details = "; ".join(
            f"{'line ' + str(e.line) + ': ' if e.line else ''}{e.message}{' (' + e.path + ')' if e.path else ''}"
            for e in error.errors[:10]
        )
        return f"{error.detail}{': ' + details if details else ''}"
    return f"{type(error).__name__}: {error}"


def demo_load(*, definitions_dir: Path | None = None) -> LoadReport:
    report = LoadReport()
    organisations = _organisations(report)
    _staff(organisations, report)
    _definitions(report, definitions_dir or DEFINITIONS_DIR)
    _open_data(organisations, report)
    return report


def _open_data(organisations: dict[str, Organisation], report: LoadReport) -> None:
    """The standard open datasets for every demo organisation, published (a new version only on change)."""
    for organisation in organisations.values():
        for dataset in datasets_create_standard(organisation=organisation, actor=None):
            report.created.append(f"dataset {organisation.slug}/{dataset.slug}")
        for dataset in Dataset.objects.filter(organisation=organisation):
            dataset_publish(dataset=dataset, actor=None)
