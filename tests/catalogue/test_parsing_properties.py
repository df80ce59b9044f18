"""Properties of the reader: round-trip identity, and any input either parses or raises ValidationFailed."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalogue.test_checker import CLEAN
from townhall.catalogue.checker import check_definition
from townhall.catalogue.model import (
    AUTOCOMPLETE_TOKENS,
    Fee,
    NotificationTrigger,
    Option,
    Page,
    Question,
    QuestionType,
    Retention,
    Rule,
    ServiceDefinition,
    State,
    Template,
    Text,
    Transition,
    Workflow,
)
from townhall.catalogue.parsing import (
    definition_from_document,
    definition_to_document,
    dump_document,
    parse_definition,
)
from townhall.core.errors import ValidationFailed

words = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
ids = st.from_regex(r"\A[a-z][a-z0-9_-]{0,8}\Z")
question_ids = st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z")
texts = st.builds(Text, en=words, cy=st.one_of(st.just(""), words))
maybe_text = st.none() | texts
numbers = st.none() | st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False)
options = st.builds(Option, value=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,6}\Z"), label=texts, hint=maybe_text)


def questions(depth: int = 1) -> st.SearchStrategy[Question]:
    inner = st.lists(questions(depth - 1), max_size=2).map(tuple) if depth else st.just(())
    return st.builds(
        Question,
        id=question_ids,
        type=st.sampled_from(QuestionType),
        label=texts,
        hint=maybe_text,
        required=st.booleans(),
        condition=st.none() | st.just("x == 1"),
        options=st.lists(options, max_size=3).map(tuple),
        minimum=numbers,
        maximum=numbers,
        unit=st.none() | words,
        max_length=st.none() | st.integers(1, 5000),
        accept=st.lists(st.sampled_from(["application/pdf", "image/png"]), unique=True).map(tuple),
        max_bytes=st.none() | st.integers(1, 10**8),
        questions=inner,
        personal=st.booleans(),
        pii_role=st.none() | st.sampled_from(["name", "email", "phone", "postcode", "address"]),
        autocomplete=st.none() | st.sampled_from(sorted(set().union(*AUTOCOMPLETE_TOKENS.values()))),
    )


workflows = st.builds(
    Workflow,
    start=ids,
    states=st.lists(
        st.builds(
            State, id=ids, label=texts, final=st.booleans(), waiting_for_resident=st.booleans(), description=maybe_text
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    transitions=st.lists(
        st.builds(
            Transition,
            id=ids,
            sources=st.lists(ids, min_size=1, max_size=2).map(tuple),
            target=ids,
            label=texts,
            roles=st.lists(words, max_size=2).map(tuple),
            requires_reason=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    rules=st.lists(
        st.builds(
            Rule,
            id=ids,
            on=words,
            when=st.just("true"),
            transition=ids,
            assign_team=st.none() | words,
            description=maybe_text,
        ),
        max_size=2,
    ).map(tuple),
    service_level_days=st.none() | st.integers(1, 100),
    default_team=st.just("") | words,
)

definitions = st.builds(
    ServiceDefinition,
    id=st.from_regex(r"\A[a-z0-9]+(-[a-z0-9]+)?\Z"),
    version=st.integers(1, 1000),
    organisation=words,
    lgsl=st.integers(0, 5000),
    title=texts,
    description=texts,
    pages=st.lists(
        st.builds(
            Page,
            id=ids,
            title=texts,
            questions=st.lists(questions(), min_size=1, max_size=3).map(tuple),
            condition=st.none() | st.just("true"),
            description=maybe_text,
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    workflow=workflows,
    retention=st.builds(Retention, days=st.integers(1, 10_000), action=st.sampled_from(["anonymise", "delete"])),
    languages=st.sampled_from([("en",), ("en", "cy"), ("cy", "en")]),
    fee=st.none() | st.builds(Fee, amount_pence=st.integers(0, 10**6), description=texts),
    notifications=st.lists(
        st.builds(NotificationTrigger, on=words, channel=st.sampled_from(["email", "sms"]), template=ids), max_size=2
    ).map(tuple),
    templates=st.lists(st.builds(Template, id=ids, body=texts, subject=maybe_text), max_size=2).map(tuple),
    what_happens_next=maybe_text,
    origin=st.none() | words,
    extra=st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions)
def test_definition_to_document_round_trips(defn: ServiceDefinition) -> None:
    document = definition_to_document(defn)
    assert definition_from_document(document) == defn
    assert definition_from_document(json.loads(json.dumps(document))) == defn
    assert parse_definition(json.dumps(document)) == defn
    assert parse_definition(dump_document(document)) == defn


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions)
def test_the_checker_never_crashes_on_a_readable_definition(defn: ServiceDefinition) -> None:
    for finding in check_definition(defn):
        assert finding.severity in {"error", "warning"}


def _parses_or_fails_cleanly(source: str | bytes) -> None:
    try:
        defn = parse_definition(source, max_bytes=64 * 1024)
    except ValidationFailed as failure:
        assert failure.errors
        assert all(e.code.startswith("TH9") and e.message and e.line for e in failure.errors), failure.errors
    else:
        assert isinstance(defn, ServiceDefinition)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.binary(max_size=400))
def test_any_text_parses_or_raises_validation_failed(source: str | bytes) -> None:
    _parses_or_fails_cleanly(source)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    _containers,
    max_leaves=10,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None)
@given(st.data(), json_values, st.booleans())
def test_any_mutation_of_a_valid_definition_parses_or_raises(
    data: st.DataObject, replacement: Any, as_json: bool
) -> None:
    document = copy.deepcopy(CLEAN)
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    target = document
    for part in path[:-1]:
        target = target[part]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    source = json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True)
    _parses_or_fails_cleanly(source)
    try:
        defn = definition_from_document(document)
    except ValidationFailed:
        return
    check_definition(defn)


YAML_TOKENS = [
    "a", "on", "yes", "1", "017", "1e5", "0x1F", ".inf", "~", "null", "true", "16:00", "2026-01-01",
    ": ", "- ", "\n", "  ", "{", "}", "[", "]", ", ", '"', "'", "\\u00e9", "\\ud83d", "#",
    "!!float ", "!!int ", "!!set ", "!!binary ", "!!python/object:os.system ", "!x ", "&a ", "*a", "? ", "---\n",
    "|\n", ">\n", "\t", "\x00", "\x85", "\ufeff", "é",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(YAML_TOKENS), max_size=40).map("".join))
def test_any_yaml_like_text_parses_or_raises_validation_failed(source: str) -> None:
    _parses_or_fails_cleanly(source)
    _parses_or_fails_cleanly(source.encode("utf-8", "surrogatepass"))
