"""`check_files` and `manage.py definitions check`: output and exit status."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from tests.catalogue.test_checker import CLEAN
from townhall.catalogue.cli import check_files, main

ROOT = Path(__file__).resolve().parents[2]
DEMOS = [str(p) for p in sorted((ROOT / "definitions").glob("*.yaml"))]
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<code>TH\d{3}) (?P<severity>error|warning) (?P<message>.+)$")


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_demo_definitions_pass() -> None:
    out = io.StringIO()
    assert check_files(DEMOS, out=out) == 0
    assert out.getvalue() == "5 file(s) checked: 0 error(s), 0 warning(s).\n"


def test_errors_print_file_line_code_severity_message_path_and_exit_1(tmp_path: Path) -> None:
    source = yaml.safe_dump(CLEAN, sort_keys=False).replace("transition: activate", "transition: activat")
    name = write(tmp_path, "garden.yaml", source)
    out = io.StringIO()
    assert check_files([name], out=out) == 1
    first, summary = out.getvalue().splitlines()
    match = LINE.match(first)
    assert match, first
    assert match["file"] == name and match["code"] == "TH308" and match["severity"] == "error"
    assert int(match["line"]) == source.splitlines().index("    transition: activat") + 1
    assert first.endswith("(workflow.rules[0].transition)")
    assert summary == "1 file(s) checked: 1 error(s), 0 warning(s)."


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    document = yaml.safe_load(yaml.safe_dump(CLEAN))
    document["templates"].append({"id": "spare", "body": {"en": "Spare", "cy": "Sbâr"}})
    name = write(tmp_path, "garden.yaml", yaml.safe_dump(document))
    out = io.StringIO()
    assert check_files([name], out=out) == 0
    assert " TH506 warning " in out.getvalue()


def test_syntax_errors_and_missing_files_are_reported(tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "format: [\n")
    out = io.StringIO()
    assert check_files([broken, str(tmp_path / "missing.yaml"), DEMOS[0]], out=out) == 1
    text = out.getvalue()
    assert f"{broken}:" in text and " TH901 error " in text
    assert f"{tmp_path / 'missing.yaml'}:1: TH900 error" in text
    assert text.endswith("3 file(s) checked: 2 error(s), 0 warning(s).\n")


def test_json_output(tmp_path: Path) -> None:
    source = json.dumps(CLEAN).replace('"bins >= 2"', '"binz >= 2"')
    name = write(tmp_path, "garden.json", source)
    out = io.StringIO()
    assert check_files([name, DEMOS[0]], out=out, output_format="json") == 1
    report = json.loads(out.getvalue())
    assert report["errors"] == 1 and report["warnings"] == 0
    [finding] = report["files"][0]["findings"]
    assert finding["code"] == "TH102"
    assert finding["path"] == "pages[1].condition"
    assert finding["line"] == 1
    assert report["files"][1] == {"file": DEMOS[0], "findings": []}


def test_unknown_output_format() -> None:
    with pytest.raises(ValueError):
        check_files(DEMOS, out=io.StringIO(), output_format="xml")


def test_max_bytes_is_passed_through(tmp_path: Path) -> None:
    out = io.StringIO()
    assert check_files(DEMOS[:1], out=out, max_bytes=50) == 1
    assert " TH902 error " in out.getvalue()


def test_main_runs_without_django_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*DEMOS, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["errors"] == 0


def test_management_command(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("definitions", "check", *DEMOS, stdout=out)
    assert "0 error(s)" in out.getvalue()
    broken = write(tmp_path, "broken.yaml", "format: [\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("definitions", "check", broken, stdout=io.StringIO())
    assert exit_info.value.code == 1
