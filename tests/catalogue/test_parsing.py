"""Reading definitions: the demo files, every TH9xx error with its path and line, YAML 1.2 rules."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.catalogue.test_checker import CLEAN
from townhall.catalogue.model import FORMAT_V1, QuestionType, ServiceDefinition
from townhall.catalogue.parsing import (
    DEFAULT_MAX_BYTES,
    definition_from_document,
    definition_to_document,
    dump_document,
    load_document,
    parse_definition,
    parse_definition_with_lines,
)
from townhall.catalogue.schema import schema_v1
from townhall.core.errors import FieldError, ValidationFailed

ROOT = Path(__file__).resolve().parents[2]
DEMOS = sorted((ROOT / "definitions").glob("*.yaml"))
EXPECTED = {
    "childminder-approval": "E10000901",
    "report-missed-bin": "E07000901",
    "blue-badge": "E10000901",
    "council-tax-single-person-discount": "E07000901",
    "bulky-waste-collection": "E07000901",
}
CLEAN_YAML = yaml.safe_dump(CLEAN, sort_keys=False, allow_unicode=True)


def errors_of(source: str | bytes, **kwargs: int) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        parse_definition(source, **kwargs)  # type: ignore[arg-type]
    assert caught.value.errors
    assert all(isinstance(e.line, int) and e.line >= 1 for e in caught.value.errors)  # every error has a line
    return caught.value.errors


def demo(name: str) -> ServiceDefinition:
    return parse_definition((ROOT / "definitions" / f"{name}.yaml").read_bytes())


def test_the_five_demo_definitions_are_there_and_parse() -> None:
    assert {p.stem for p in DEMOS} == set(EXPECTED)
    for path in DEMOS:
        defn = parse_definition(path.read_bytes(), filename=path.name)
        assert defn.id == path.stem
        assert defn.organisation == EXPECTED[path.stem]
        assert defn.languages == ("en", "cy")


def test_every_question_type_appears_in_a_demo_definition() -> None:
    used = {q.type for path in DEMOS for q in parse_definition(path.read_bytes()).all_questions()}
    assert used == set(QuestionType)


def test_demo_details_the_other_apps_rely_on() -> None:
    childminder = demo("childminder-approval")
    assert childminder.question("household_members").type is QuestionType.GROUP
    assert childminder.question("dbs_certificate").type is QuestionType.FILE
    assert any(s.waiting_for_resident for s in childminder.workflow.states)
    assert {n.on for n in childminder.notifications} >= {"submitted", "entered:approved", "entered:refused"}
    bins = demo("report-missed-bin")
    assert bins.workflow.service_level_days == 2
    assert sum(1 for r in bins.workflow.rules if r.assign_team) >= 2
    badge = demo("blue-badge")
    assert badge.workflow.service_level_days == 12
    assert any("pip_mobility_points >= 8" in r.when for r in badge.workflow.rules)
    assert demo("council-tax-single-person-discount").workflow.service_level_days == 10
    bulky = demo("bulky-waste-collection")
    assert bulky.fee is not None and bulky.fee.amount_pence == 3500
    assert bulky.question("item_count").unit == "items"


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_demo_round_trips_through_the_document(path: Path) -> None:
    defn = parse_definition(path.read_bytes())
    document = definition_to_document(defn)
    assert definition_from_document(document) == defn
    assert definition_from_document(json.loads(json.dumps(document))) == defn
    assert parse_definition(dump_document(document)) == defn


def test_json_and_yaml_read_the_same() -> None:
    assert parse_definition(json.dumps(CLEAN)) == parse_definition(CLEAN_YAML)


def test_the_schema_has_its_id_and_dialect() -> None:
    schema = schema_v1()
    assert schema["$id"] == "/schemas/service-definition/v1.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["format"]["const"] == FORMAT_V1


def test_lines_map_every_path_to_its_source_line() -> None:
    source = (ROOT / "definitions" / "blue-badge.yaml").read_text()
    _, lines = parse_definition_with_lines(source)
    numbered = source.splitlines()
    assert numbered[lines["workflow"] - 1].startswith("workflow:")
    assert "id: pip-points" in numbered[lines["pages[2]"] - 1]
    assert numbered[lines["pages[2].condition"] - 1].strip().startswith("condition:")


def test_yaml_1_2_scalars_on_stays_a_key_and_dates_stay_text() -> None:
    data, _ = load_document("on: yes\nwhen: 2026-04-01\nflag: true\nother: no\n")
    assert data == {"on": "yes", "when": "2026-04-01", "flag": True, "other": "no"}


def _line_of(source: str, needle: str) -> int:
    return next(i for i, text in enumerate(source.splitlines(), 1) if needle in text)


def test_unknown_field_has_code_path_line_and_suggestion() -> None:
    source = CLEAN_YAML.replace("  service_level_days: 5", "  service_level_dayz: 5")
    [error] = errors_of(source)
    assert (error.code, error.path) == ("TH904", "workflow.service_level_dayz")
    assert error.line == _line_of(source, "service_level_dayz")
    assert "Did you mean 'service_level_days'" in error.message


def test_unknown_question_type() -> None:
    source = CLEAN_YAML.replace("type: yes_no", "type: slider")
    [error] = errors_of(source)
    assert (error.code, error.path) == ("TH906", "pages[1].questions[0].type")
    assert error.line == _line_of(source, "type: slider")


def test_wrong_type() -> None:
    source = CLEAN_YAML.replace("version: 1", "version: one")
    [error] = errors_of(source)
    assert (error.code, error.path, error.line) == ("TH903", "version", _line_of(source, "version: one"))
    assert "whole number" in error.message


def test_missing_field_points_at_the_enclosing_mapping() -> None:
    document = copy.deepcopy(CLEAN)
    del document["workflow"]["states"][1]["label"]
    source = yaml.safe_dump(document, sort_keys=False)
    [error] = errors_of(source)
    assert (error.code, error.path) == ("TH905", "workflow.states[1].label")
    assert error.line == _line_of(source, "- id: active")


def test_rules_need_a_transition_or_a_team() -> None:
    document = copy.deepcopy(CLEAN)
    del document["workflow"]["rules"][1]["assign_team"]
    [error] = errors_of(json.dumps(document))
    assert (error.code, error.path) == ("TH905", "workflow.rules[1]")


def test_unsupported_format() -> None:
    [error] = errors_of(CLEAN_YAML.replace(FORMAT_V1, "townhall/service-definition/v2"))
    assert (error.code, error.path, error.line) == ("TH907", "format", 1)


def test_value_not_allowed() -> None:
    [error] = errors_of(CLEAN_YAML.replace("id: garden-waste", "id: Garden Waste"))
    assert (error.code, error.path) == ("TH908", "id")
    [error] = errors_of(CLEAN_YAML.replace("channel: email", "channel: pigeon"))
    assert (error.code, error.path) == ("TH908", "notifications[0].channel")


def test_autocomplete_is_an_html_autofill_token_kept_on_the_question() -> None:
    document = copy.deepcopy(CLEAN)
    document["pages"][2]["questions"][0]["autocomplete"] = "off"
    email = definition_from_document(document).question("email")
    assert email.autocomplete == "off"
    written = definition_to_document(definition_from_document(document))
    assert written["pages"][2]["questions"][0]["autocomplete"] == "off"
    document["pages"][2]["questions"][0]["autocomplete"] = "birthday"
    with pytest.raises(ValidationFailed) as caught:
        definition_from_document(document)
    assert [(e.code, e.path) for e in caught.value.errors] == [("TH908", "pages[2].questions[0].autocomplete")]
    assert demo("blue-badge").question("date_of_birth").autocomplete == "bday"


def test_malformed_yaml_has_a_line() -> None:
    [error] = errors_of("format: x\npages: [\n  - a\n")
    assert error.code == "TH901"
    assert error.line is not None


def test_too_large_by_parameter_and_by_setting(settings) -> None:  # type: ignore[no-untyped-def]
    [error] = errors_of(CLEAN_YAML, max_bytes=100)
    assert error.code == "TH902"
    settings.DEFINITION_MAX_BYTES = 200
    assert errors_of(CLEAN_YAML)[0].code == "TH902"
    settings.DEFINITION_MAX_BYTES = DEFAULT_MAX_BYTES
    assert parse_definition(CLEAN_YAML).id == "garden-waste"


def test_not_utf8() -> None:
    [error] = errors_of(b"format: x\nid: \xff\xfe\n")
    assert (error.code, error.line) == ("TH909", 2)


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_definition("\ufeff".encode() + CLEAN_YAML.encode()).id == "garden-waste"


def test_duplicate_keys() -> None:
    source = CLEAN_YAML.replace("version: 1\n", "version: 1\nversion: 2\n")
    [error] = errors_of(source)
    assert (error.code, error.path, error.line) == ("TH910", "version", 4)  # the second "version:"


def test_anchors_and_aliases_are_refused() -> None:
    source = CLEAN_YAML.replace("title:\n  en: Subscribe", "title: &t\n  en: Subscribe").replace(
        "description:\n  en: A brown bin emptied every two weeks\n  cy: A brown bin emptied every two weeks (cy)\n",
        "description: *t\n",
    )
    assert "*t" in source
    assert {e.code for e in errors_of(source)} == {"TH911"}


@pytest.mark.parametrize(
    "source",
    ["", "[1, 2]", "just text", "1: a\n", "---\na: 1\n---\nb: 2\n", "!!python/object:os.system {}", "a: " + "[" * 5000],
)
def test_not_a_definition_at_all(source: str) -> None:
    errors = errors_of(source)
    assert all(re.fullmatch(r"TH9\d\d", e.code) for e in errors)


def test_from_document_validates_too() -> None:
    with pytest.raises(ValidationFailed) as caught:
        definition_from_document({"format": FORMAT_V1})
    assert {e.code for e in caught.value.errors} == {"TH905"}
    assert all(e.line is None for e in caught.value.errors)


def test_defaults_are_filled_in() -> None:
    defn = parse_definition(CLEAN_YAML)
    q = defn.question("bins")
    assert q.required is True and q.personal is True and q.options == ()
    assert defn.workflow.default_team == ""
    assert defn.retention.action == "delete"
    assert defn.question("size").options[1].label.get("cy") == "Large (cy)"


@pytest.mark.parametrize(
    "value", ["!!float abc", "!!int 0x1F", "!!set {a}", "!!binary aGk=", "!!timestamp 2026-01-01", "!custom x"]
)
def test_explicit_yaml_tags_are_refused(value: str) -> None:
    source = CLEAN_YAML.replace("lgsl: 525", f"lgsl: {value}")
    [error] = errors_of(source)
    assert (error.code, error.path, error.line) == ("TH911", "lgsl", _line_of(source, "lgsl:"))


def test_numbers_read_as_in_json() -> None:
    data, _ = load_document("a: 1e+16\nb: 017\nc: -3\nd: 2.5\ne: 0x1F\nf: 1_000\n")
    assert data == {"a": 1e16, "b": 17, "c": -3, "d": 2.5, "e": "0x1F", "f": "1_000"}


def test_dump_document_writes_yaml_that_reads_the_same() -> None:
    document = {"a": "1e5", "b": "yes", "c": "2026-01-01", "d": "017", "e": "Cymraeg: ŵ ŷ", "f": 1e5, "g": "a\x85b"}
    text = dump_document(document)
    assert "ŵ ŷ" in text  # Welsh stays readable
    assert load_document(text)[0] == document
