"""Address lookup by postcode behind one Protocol; the default is the local gazetteer (a CSV we ship)."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from townhall.journeys.questions import normalise_postcode

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"


@dataclass(frozen=True)
class Address:
    uprn: str
    line1: str
    line2: str
    town: str
    postcode: str

    @property
    def label(self) -> str:
        return ", ".join(part for part in (self.line1, self.line2, self.town, self.postcode) if part)

    def as_answer(self) -> dict[str, Any]:
        return asdict(self)


@runtime_checkable
class AddressLookup(Protocol):
    def find(self, postcode: str) -> list[Address]:
        """Addresses at a postcode, in a sensible order; an empty list when none are known."""
        ...

    def get(self, uprn: str) -> Address | None: ...


class LocalGazetteer:
    """Addresses read from a CSV with columns uprn, line1, line2, town, postcode."""

    def __init__(self, path: Path | str = DEFAULT_GAZETTEER):
        self.by_postcode: dict[str, list[Address]] = {}
        self.by_uprn: dict[str, Address] = {}
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                address = Address(
                    uprn=row["uprn"].strip(),
                    line1=row["line1"].strip(),
                    line2=(row.get("line2") or "").strip(),
                    town=row["town"].strip(),
                    postcode=normalise_postcode(row["postcode"]),
                )
                self.by_postcode.setdefault(address.postcode, []).append(address)
                self.by_uprn[address.uprn] = address

    def find(self, postcode: str) -> list[Address]:
        return list(self.by_postcode.get(normalise_postcode(postcode), []))

    def get(self, uprn: str) -> Address | None:
        return self.by_uprn.get(uprn)


@cache
def address_lookup() -> AddressLookup:
    """The configured lookup: ``ADDRESS_LOOKUP`` names a class; the local gazetteer by default."""
    dotted = getattr(settings, "ADDRESS_LOOKUP", "")
    if dotted:
        return import_string(dotted)()  # type: ignore[no-any-return]
    return LocalGazetteer(getattr(settings, "ADDRESS_GAZETTEER_CSV", DEFAULT_GAZETTEER))
