"""The definitions API answers as its OpenAPI schema says, for generated requests (schemathesis)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tests.catalogue.platform_support import small_source
from townhall.api import api
from townhall.catalogue.services import definition_import

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/")).include(
    path_regex="^/api/v1/definitions", method="GET"
)


@pytest.fixture
def published(district):
    return definition_import(actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True)


@pytest.fixture
def connection_kept():  # type: ignore[no-untyped-def]
    """Keep the test's database connection across requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_public_reads_conform_to_the_schema(case, published, connection_kept):
    case.call_and_validate(app=get_wsgi_application())
