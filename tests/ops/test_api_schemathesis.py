"""schemathesis against the served /api/v1/openapi.json: no 5xx, and every response is one the schema documents.

Every operation is exercised three times: without credentials; with an API key holding every scope of an
organisation that has a published service, a case and a programme; and with that key and the path naming
that organisation's real rows (its case, service, programme, initiative, run and key), so the answers with
data are checked too, not only the 404s. Each response must have a documented status code and content
type, and match its documented schema: problems included (application/problem+json, ``ProblemOut``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.media_types import YAML_MEDIA_TYPES
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schemathesis.deserializer(*YAML_MEDIA_TYPES)
def _yaml_is_text(ctx: Any, response: Any) -> str:
    """A definition's export is YAML text (its schema says a string): check it as the text it is."""
    return str(response.content.decode("utf-8"))


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_anonymous_calls_never_fail_and_match_the_schema(case: Any, connection_kept: None) -> None:
    case.call_and_validate(app=app, checks=CHECKS)


@pytest.mark.slow
@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_calls_with_a_key_never_fail_and_match_the_schema(
    case: Any, organisation_rows: dict[str, Any], connection_kept: None
) -> None:
    case.call_and_validate(app=app, checks=CHECKS, headers={"Authorization": f"Bearer {organisation_rows['secret']}"})


@pytest.mark.slow
@pytest.mark.django_db
@schema.include(path_regex=r"\{").parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_calls_naming_real_rows_never_fail_and_match_the_schema(
    case: Any, organisation_rows: dict[str, Any], connection_kept: None
) -> None:
    if case.path_parameters:
        known = organisation_rows["path"]
        case.path_parameters = {name: known.get(name, value) for name, value in case.path_parameters.items()}
    case.call_and_validate(app=app, checks=CHECKS, headers={"Authorization": f"Bearer {organisation_rows['secret']}"})
