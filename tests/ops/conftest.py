"""Fixtures for the API-wide tests: an organisation with a key of every scope and the rows its paths can name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalogue.platform_support import small_source
from tests.portfolio.conftest import ITEMS, PROGRAMME
from townhall.cases.services import case_open
from townhall.catalogue.services import definition_import
from townhall.core.models import Organisation
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.core.services.organisations import membership_grant, staff_create
from townhall.portfolio.optimiser.files import write_xlsx
from townhall.portfolio.runs import run_request
from townhall.portfolio.services import programme_import

SCOPES: list[Role] = [r for r in Role if r is not Role.PLATFORM_ADMIN]
ANSWERS = {"location": "Behind the shops", "email": "resident@example.test"}


@pytest.fixture
def organisation_rows(district: Organisation) -> dict[str, Any]:
    """A key with every scope, and the district's rows that the API's paths can name."""
    version = definition_import(
        actor=None, organisation=district, source=small_source(), filename="x.yaml", publish=True
    )
    admin = staff_create(username="keyadmin", email="keyadmin@example.test", password="correct horse battery staple")
    membership_grant(actor=None, organisation=district, user=admin, role=Role.ORGANISATION_ADMIN)
    membership_grant(actor=None, organisation=district, user=admin, role=Role.ANALYST)
    key, secret = api_key_create(actor=admin, organisation=district, name="fuzz", scopes=SCOPES)
    case = case_open(organisation=district, version=version, answers=ANSWERS, channel="online", actor=None)
    programme = programme_import(
        actor=admin,
        organisation=district,
        slug="ict-2027",
        name="ICT",
        filename="p.xlsx",
        data=write_xlsx(PROGRAMME, ITEMS),
    )
    run = run_request(actor=admin, programme=programme)
    return {
        "secret": secret,
        "path": {
            "reference": case.reference,
            "case_reference": case.reference,
            "organisation_code": district.code,
            "service_slug": version.service.slug,
            "number": version.number,
            "slug": programme.slug,
            "code": ITEMS[0].id,
            "run_id": run.pk,
            "prefix": key.prefix,
        },
    }
