"""schemathesis against the served /api/v1/openapi.json: no 5xx, and every response matches the schema.

Every operation is exercised twice: without credentials and with an API key holding every scope of an
organisation that has a published service, so both refusals and real answers are checked.
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
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.catalogue.platform_support import small_source
from townhall.catalogue.services import definition_import
from townhall.core.models import Organisation
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.core.services.organisations import membership_grant, staff_create

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
CHECKS = [not_a_server_error, response_schema_conformance]
SCOPES: list[Role] = [r for r in Role if r is not Role.PLATFORM_ADMIN]


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(district: Organisation) -> str:
    definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)
    admin = staff_create(username="keyadmin", email="keyadmin@example.test", password="correct horse battery staple")
    membership_grant(actor=None, organisation=district, user=admin, role=Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=district, name="fuzz", scopes=SCOPES)
    return secret


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
def test_calls_with_a_key_never_fail_and_match_the_schema(case: Any, api_key: str, connection_kept: None) -> None:
    case.call_and_validate(app=app, checks=CHECKS, headers={"Authorization": f"Bearer {api_key}"})
