"""Hostile input: fuzzed CEL conditions, hostile definitions and malicious uploads are refused cleanly.

Complements tests/catalogue/test_parsing_properties.py (any text parses or raises ValidationFailed) and
tests/catalogue/test_cel_env.py with inputs chosen to hurt: deep nesting, huge sizes, YAML aliases and
object tags, disguised file types, path tricks in file names and broken multipart bodies.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from townhall.catalogue.cel_env import CelCompileError, compile_condition, evaluate_condition
from townhall.catalogue.models import DefinitionVersion
from townhall.catalogue.parsing import parse_definition
from townhall.catalogue.services.definitions import definition_import
from townhall.core.errors import TownhallError, ValidationFailed
from townhall.core.models import Organisation
from townhall.journeys.models import Upload
from townhall.journeys.services.sessions import journey_start
from townhall.journeys.services.uploads import journey_upload

ROOT = Path(__file__).resolve().parents[2]
ALL_TYPES = ROOT / "tests" / "journeys" / "all_types.yaml"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

# --- CEL conditions ----------------------------------------------------------------------

names = st.sampled_from(["points", "benefit", "items", "members", "case.channel", "today", "fee_paid", "nothing"])
literals = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False).map(repr),
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(["null", "true", "false", "[]", "{}", "[1, 2]", '{"a": 1}', "b'\\xff'"]),
)
unary = ["!{}", "-{}", "size({})", "int({})", "string({})", "({})", "has({}.x)", "age_on({}, today)"]
binary = ["{} == {}", "{} < {}", "{} + {}", "{} / {}", "{} % {}", "{} && {}", "{} || {}", "{} in {}", "{}[{}]"]
expressions = st.recursive(
    st.one_of(names, literals),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(unary), inner).map(lambda t: t[0].format(t[1])),
        st.tuples(st.sampled_from(binary), inner, inner).map(lambda t: t[0].format(t[1], t[2])),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} ? {t[1]} : {t[2]}"),
        inner.map(lambda e: f"members.exists(m, {e})"),
    ),
    max_leaves=12,
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "points": st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5)),
        "benefit": st.one_of(st.none(), st.text(max_size=10)),
        "items": st.lists(st.text(max_size=5), max_size=3),
        "members": st.lists(st.fixed_dictionaries({"age": st.integers(-5, 200)}), max_size=3),
    },
)


@given(expressions, answers)
@settings(max_examples=300, deadline=None)
def test_any_generated_condition_either_fails_to_compile_or_answers_true_or_false(expr: str, given: Any) -> None:
    try:
        result = evaluate_condition(expr, given)
    except CelCompileError as error:
        assert str(error)  # a message the definition checker can show
    else:
        assert result is True or result is False


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_as_a_condition_compiles_or_raises_a_compile_error(expr: str) -> None:
    with contextlib.suppress(CelCompileError):
        compile_condition(expr)


@pytest.mark.parametrize(
    "expr",
    [
        "(" * 5000 + "1" + ")" * 5000,
        "!" * 5000 + "true",
        "[" * 5000 + "]" * 5000,
        "1 + " * 5000 + "1",
        '"' + "a" * 60000 + '" == x',
    ],
    ids=["deep-parentheses", "many-negations", "deep-lists", "long-sum", "long-string"],
)
def test_hostile_conditions_are_refused_or_evaluated_without_crashing(expr: str) -> None:
    with contextlib.suppress(CelCompileError):
        assert evaluate_condition(expr, {}) in (True, False)


def test_a_syntax_error_past_column_65535_is_a_compile_error() -> None:
    script = (
        "import sys; sys.path.insert(0, '.')\n"
        "from townhall.catalogue.cel_env import compile_condition, CelCompileError\n"
        "try:\n    compile_condition('x == \"' + 'a' * 70000 + '\" && (')\n"
        "except CelCompileError:\n    print('refused')\n"
    )
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "refused", result.stderr[-500:]


# --- Definitions -------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
    f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
    for i in range(8)
)


@pytest.mark.parametrize(
    "source",
    [
        "!!python/object/apply:os.system ['touch /tmp/townhall-pwned']",
        "id: x\nversion: !!python/name:os.system\n",
        BILLION_LAUGHS,
        "[" * 100_000 + "]" * 100_000,
        "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "\x00\xff\xfe binary",
        b"\xff\xfe\x00\x00not utf-8",
    ],
    ids=["python-object-tag", "python-name-tag", "billion-laughs", "deep-flow", "deep-mapping", "control", "bytes"],
)
def test_hostile_definitions_are_refused_with_validation_failed(source: str | bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_definition(source, max_bytes=512 * 1024)
    assert refused.value.detail or refused.value.errors
    assert not Path("/tmp/townhall-pwned").exists()


@pytest.mark.django_db
def test_an_oversized_definition_is_refused_with_a_clear_message(district: Organisation) -> None:
    source = "id: big\n# " + "x" * (600 * 1024) + "\n"
    with pytest.raises(TownhallError) as refused:
        definition_import(actor=None, organisation=district, source=source, filename="big.yaml", publish=False)
    assert refused.value.code == "definition_too_large" and "the most we accept is" in refused.value.detail


# --- Uploads -----------------------------------------------------------------------------


@pytest.fixture
def everything(district: Organisation) -> DefinitionVersion:
    return definition_import(
        actor=None, organisation=district, source=ALL_TYPES.read_text(), filename="all_types.yaml", publish=True
    )


class Scanner:
    def scan(self, data: bytes, *, filename: str = "") -> bool:
        return EICAR not in data


prefixes = st.sampled_from([b"", PDF, PNG, PDF + EICAR, b"<html><script>alert(1)</script>", b"PK\x03\x04", b"MZ"])
bodies = st.tuples(prefixes, st.binary(max_size=2048), st.sampled_from([0, 0, 0, 100_001, 3_000_000])).map(
    lambda t: t[0] + t[1] + b"\0" * t[2]
)
filenames = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "../../etc/passwd",
            "..\\..\\windows\\win.ini",
            "/absolute/path.pdf",
            "proof.pdf\x00.exe",
            "proof.php.pdf",
            ".htaccess",
            "a" * 1000 + ".pdf",
            "",
            "CON",
        ]
    ),
)
REFUSALS = {"empty_file", "file_too_large", "file_type", "file_virus"}


@pytest.mark.django_db
@given(data=bodies, filename=filenames)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_upload_is_kept_safely_or_refused_with_a_clear_message(
    everything: DefinitionVersion, tmp_path: Path, data: bytes, filename: str, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    session = journey_start(version=everything)
    try:
        upload = journey_upload(
            session=session, question_id="proof", file=io.BytesIO(data), filename=filename, scanner=Scanner()
        )
    except ValidationFailed as refused:
        [error] = refused.errors
        assert error.code in REFUSALS and error.path == "proof" and error.message.startswith("The selected file")
        return
    assert data[:4] in (PDF[:4], PNG[:4]) and EICAR not in data and 0 < len(data) <= 100_000
    assert upload.content_type in {"application/pdf", "image/png"}
    assert "/" not in upload.name and "\\" not in upload.name and len(upload.name) <= 200
    stored = Path(upload.file.path).resolve()
    assert stored.is_relative_to((tmp_path / "media").resolve())
    assert stored.name.startswith(upload.token)  # stored under a random name, never the resident's


BASE = "/services/mid-downs/everything-form/"


@pytest.fixture
def at_evidence(
    client: Client, everything: DefinitionVersion, settings: Any, tmp_path: Path, monkeypatch: Any
) -> Client:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("townhall.journeys.services.uploads.default_scanner", lambda: Scanner())
    from tests.journeys.test_pages import answer_all, start

    start(client)
    answer_all(client)  # every earlier page answered, so the evidence page takes the upload
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (PDF + b"0" * 6_000_000, "huge.pdf", "The selected file must be smaller than"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png", "must be a PDF or PNG"),
        (b"<html><script>alert(document.cookie)</script></html>", "proof.pdf", "must be a PDF or PNG"),
        (b"MZ\x90\x00" + b"\0" * 100, "proof.pdf.exe", "must be a PDF or PNG"),
        (b"PK\x03\x04" + b"\0" * 100, "bomb.zip", "must be a PDF or PNG"),
        (PDF + EICAR, "proof.pdf", "The selected file contains a virus"),
    ],
    ids=["oversized", "svg-script", "html-as-pdf", "executable", "zip", "virus"],
)
def test_malicious_uploads_through_the_page_are_refused_with_a_clear_message(
    at_evidence: Client, content: bytes, name: str, message: str
) -> None:
    response = at_evidence.post(f"{BASE}evidence/", {"proof": SimpleUploadedFile(name, content)})
    assert response.status_code in (200, 400)  # the page again, with the GOV.UK error summary
    page = response.content.decode()
    assert message in page and "govuk-error-summary" in page
    assert not Upload.objects.exists()


@pytest.mark.django_db
def test_a_malformed_multipart_body_is_a_bad_request_not_an_error(at_evidence: Client) -> None:
    response = at_evidence.generic(
        "POST",
        f"{BASE}evidence/",
        b'--broken\r\nContent-Disposition: form-data; name="proof"; filename="a.pdf"\r\n\r\n%PDF',
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert not Upload.objects.exists()
