"""The checker: every finding code is triggered by a broken definition and absent from a clean one."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from townhall.catalogue.checker import CODES, Finding, check_definition, has_errors
from townhall.catalogue.parsing import definition_from_document, definition_to_document, parse_definition_with_lines

ROOT = Path(__file__).resolve().parents[2]
DEMOS = sorted((ROOT / "definitions").glob("*.yaml"))


def t(en: str) -> dict[str, str]:
    return {"en": en, "cy": f"{en} (cy)"}


CLEAN: dict[str, Any] = {
    "format": "townhall/service-definition/v1",
    "id": "garden-waste",
    "version": 1,
    "organisation": "E07000901",
    "lgsl": 525,
    "title": t("Subscribe to garden waste"),
    "description": t("A brown bin emptied every two weeks"),
    "languages": ["en", "cy"],
    "pages": [
        {
            "id": "bins",
            "title": t("Your bins"),
            "questions": [
                {"id": "bins", "type": "number", "label": t("How many bins?"), "min": 1, "max": 3, "unit": "bins"},
                {
                    "id": "size",
                    "type": "radios",
                    "label": t("Which size?"),
                    "options": [{"value": "small", "label": t("Small")}, {"value": "large", "label": t("Large")}],
                },
            ],
        },
        {
            "id": "discount",
            "title": t("Discount"),
            "condition": "bins >= 2",
            "questions": [{"id": "concession", "type": "yes_no", "label": t("Do you get a concession?")}],
        },
        {
            "id": "contact",
            "title": t("Contact"),
            "questions": [
                {"id": "email", "type": "email", "label": t("Email"), "pii_role": "email"},
                {
                    "id": "card",
                    "type": "text",
                    "label": t("Card"),
                    "condition": "concession == true",
                    "required": False,
                },
            ],
        },
    ],
    "workflow": {
        "start": "received",
        "service_level_days": 5,
        "states": [
            {"id": "received", "label": t("Received")},
            {"id": "active", "label": t("Active"), "final": True},
            {"id": "refused", "label": t("Refused"), "final": True},
        ],
        "transitions": [
            {"id": "activate", "from": ["received"], "to": "active", "label": t("Activate"), "roles": ["caseworker"]},
            {"id": "refuse", "from": ["received"], "to": "refused", "label": t("Refuse"), "roles": ["team_manager"]},
        ],
        "rules": [
            {"id": "paid", "on": "submitted", "when": "fee_paid == true && bins <= 3", "transition": "activate"},
            {"id": "route", "on": "entered:active", "when": 'size == "large"', "assign_team": "crew"},
        ],
    },
    "notifications": [{"on": "submitted", "channel": "email", "template": "thanks"}],
    "templates": [{"id": "thanks", "subject": t("Thanks ((reference))"), "body": t("((bins)) bins by ((due_date))")}],
    "fee": {"amount_pence": 4500, "description": t("A year of collections")},
    "retention": {"days": 365, "action": "delete"},
}


def doc(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(CLEAN)
    document.update(changes)
    return document


def codes(document: dict[str, Any]) -> list[str]:
    return [f.code for f in check_definition(definition_from_document(document))]


def findings(document: dict[str, Any], code: str) -> list[Finding]:
    return [f for f in check_definition(definition_from_document(document)) if f.code == code]


def test_the_clean_definition_has_no_findings() -> None:
    assert check_definition(definition_from_document(CLEAN)) == []


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_each_demo_definition_checks_clean(path: Path) -> None:
    defn, lines = parse_definition_with_lines(path.read_bytes(), filename=path.name)
    found = check_definition(defn, lines=lines)
    assert not has_errors(found), found
    assert found == []


def test_every_code_is_documented_in_the_table() -> None:
    text = (ROOT / "docs" / "definitions.md").read_text()
    documented = set(re.findall(r"^\| (TH\d{3}) \|", text, re.MULTILINE))
    assert documented == set(CODES)
    for code, (severity, _) in CODES.items():
        assert re.search(rf"^\| {code} \| {severity} \|", text, re.MULTILINE), code


def test_findings_carry_path_line_and_severity() -> None:
    source = (ROOT / "definitions" / "report-missed-bin.yaml").read_text()
    broken = source.replace("transition: close_too_early", "transition: close_too_erly")
    defn, lines = parse_definition_with_lines(broken)
    [finding] = check_definition(defn, lines=lines)
    assert finding.code == "TH308"
    assert finding.severity == "error"
    assert finding.path == "workflow.rules[0].transition"
    line_no = broken.splitlines().index("      transition: close_too_erly") + 1
    assert finding.line == line_no
    assert finding.as_dict()["line"] == line_no


def test_has_errors_ignores_warnings() -> None:
    warning = Finding("TH506", "warning", "unused", "templates[0]", 3)
    error = Finding("TH101", "error", "bad", "pages[0].condition", 4)
    assert has_errors([warning]) is False
    assert has_errors([warning, error]) is True


def test_the_worked_example_in_the_docs_checks_clean() -> None:
    text = (ROOT / "docs" / "definitions.md").read_text()
    match = re.search(r"## Worked example.*?```yaml\n(.*?)```", text, re.DOTALL)
    assert match
    defn, lines = parse_definition_with_lines(match.group(1))
    assert defn.id == "replacement-bin"
    assert check_definition(defn, lines=lines) == []
    assert definition_from_document(definition_to_document(defn)) == defn
