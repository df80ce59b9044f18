"""docs/security.md's ASVS table covers every chapter, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASVS = (ROOT / "docs" / "security.md").read_text().split("## OWASP ASVS", 1)[1]


def test_every_asvs_chapter_is_covered() -> None:
    chapters = {int(n) for n in re.findall(r"^\| V(\d+)\.", ASVS, re.MULTILINE)}
    assert set(range(1, 15)) <= chapters


def test_every_named_test_exists() -> None:
    missing, current = [], ""
    for match in re.finditer(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`…::(\w+)`", ASVS):
        current = match.group(1) or current
        name = match.group(2) or match.group(3)
        path = ROOT / current
        if not path.exists() or (name and f"def {name}(" not in path.read_text()):
            missing.append(f"{current}::{name or ''}")
    assert missing == []
