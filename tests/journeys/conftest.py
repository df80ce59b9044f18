"""Fixtures for journeys: published definitions (the demo's and one with every question type)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from townhall.catalogue.models import DefinitionVersion
from townhall.catalogue.services.definitions import definition_import
from townhall.core.models import Organisation

HERE = Path(__file__).resolve().parent
DEFINITIONS = HERE.parent.parent / "definitions"


def publish(organisation: Organisation, path: Path) -> DefinitionVersion:
    return definition_import(
        actor=None, organisation=organisation, source=path.read_text(), filename=path.name, publish=True
    )


@pytest.fixture
def everything(district: Organisation) -> DefinitionVersion:
    district.welsh_enabled = True
    district.save()
    return publish(district, HERE / "all_types.yaml")


@pytest.fixture
def missed_bin(district: Organisation) -> DefinitionVersion:
    return publish(district, DEFINITIONS / "report-missed-bin.yaml")


@pytest.fixture
def bulky_waste(district: Organisation) -> DefinitionVersion:
    return publish(district, DEFINITIONS / "bulky-waste-collection.yaml")


class CleanScanner:
    def __init__(self) -> None:
        self.scanned: list[str] = []

    def scan(self, data: bytes, *, filename: str = "") -> Any:
        self.scanned.append(filename)
        return b"EICAR" not in data


@pytest.fixture
def scanner(monkeypatch: pytest.MonkeyPatch) -> CleanScanner:
    found = CleanScanner()
    monkeypatch.setattr("townhall.journeys.services.uploads.default_scanner", lambda: found)
    return found


@pytest.fixture(autouse=True)
def _media(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


EVERYTHING_ANSWERS: dict[str, Any] = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "home_address": {"line1": "1 Meadow Lane", "town": "Marlow Downs", "postcode": "MD1 1AB"},
    "date_of_birth": "1990-05-17",
    "children": 2,
    "has_pets": True,
    "pet_kinds": ["dog", "other"],
    "other_pet": "Tortoise",
    "contact_by": "email",
    "area": "north",
    "postcode": "md1 1ab",
    "people": [{"person_name": "Charles Babbage", "person_age": 40}],
}
