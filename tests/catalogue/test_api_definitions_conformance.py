"""The definitions API answers as its OpenAPI schema says, for generated requests (schemathesis)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_public_reads_conform_to_the_schema(case, published):
    case.call_and_validate(app=get_wsgi_application())
