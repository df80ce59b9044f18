"""Fixtures for the portfolio's API and pages: a stored programme, API keys by scope, an analyst."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.portfolio import models
from townhall.portfolio.optimiser import Programme, SavingsTarget
from townhall.portfolio.optimiser.files import write_xlsx
from townhall.portfolio.services import programme_import

from .factories import initiative

PROGRAMME = Programme(
    horizon_years=4,
    capital_budget=(250.0,) * 4,
    target=SavingsTarget(baseline=1000.0, fraction=0.1, year=4),
    discount_rate=0.0,
)
ITEMS = [
    initiative("crm", capex=(200.0,), savings=(90.0,) * 4, services=("report-missed-bin",)),
    initiative("portal", requires=("crm",), capex=(60.0,), savings=(40.0,) * 4),
    initiative("kiosk", option_group="front door", capex=(30.0,), savings=(25.0,) * 4),
]


@pytest.fixture
def analyst(district: Any, make_staff: Any) -> Any:
    return make_staff(district, Role.ANALYST)


@pytest.fixture
def make_programme(analyst: Any, district: Any):  # type: ignore[no-untyped-def]
    def make(organisation: Any = None, actor: Any = None, slug: str = "ict-2027") -> models.Programme:
        return programme_import(
            actor=actor or analyst,
            organisation=organisation or district,
            slug=slug,
            name="ICT programme 2027-31",
            filename="programme.xlsx",
            data=write_xlsx(PROGRAMME, ITEMS),
        )

    return make


@pytest.fixture
def key_for(make_staff):  # type: ignore[no-untyped-def]
    def make(organisation, *scopes: Role) -> dict[str, str]:
        admin = make_staff(organisation, Role.ORGANISATION_ADMIN)
        _, secret = api_key_create(actor=admin, organisation=organisation, name="Planning tool", scopes=list(scopes))
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    return make
