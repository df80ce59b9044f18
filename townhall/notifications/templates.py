"""((placeholder)) templates, as GOV.UK Notify writes them. Pure: no Django."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\(\(\s*([A-Za-z0-9_][A-Za-z0-9_ .\-]*?)\s*\)\)")


class MissingPersonalisation(KeyError):
    """A template names placeholders the personalisation does not supply."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(f"Missing personalisation: {', '.join(missing)}")

    def __str__(self) -> str:
        return f"Missing personalisation: {', '.join(self.missing)}"


def placeholders(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def render(text: str, personalisation: Mapping[str, Any]) -> str:
    missing = [name for name in placeholders(text) if name not in personalisation]
    if missing:
        raise MissingPersonalisation(missing)

    def value(match: re.Match[str]) -> str:
        item = personalisation[match.group(1)]
        return "" if item is None else str(item)

    return PLACEHOLDER.sub(value, text)
