"""Fixtures shared by every test: organisations, staff in each role, an actor helper."""

from __future__ import annotations

from typing import Any

import pytest

from townhall.core.models import Organisation
from townhall.core.roles import Role
from townhall.core.services.organisations import membership_grant, organisation_create, staff_create


@pytest.fixture
def district(db: Any) -> Organisation:
    return organisation_create(
        actor=None, slug="mid-downs", name="Mid Downs District Council", kind="district_council", code="E07000901"
    )


@pytest.fixture
def county(db: Any) -> Organisation:
    return organisation_create(
        actor=None, slug="downshire", name="Downshire County Council", kind="county_council", code="E10000901"
    )


@pytest.fixture
def make_staff(db: Any):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def make(organisation: Organisation, *roles: Role, username: str | None = None) -> Any:
        counter["n"] += 1
        user = staff_create(
            username=username or f"staff{counter['n']}",
            email=f"staff{counter['n']}@example.test",
            password="correct horse battery staple",
        )
        for role in roles:
            membership_grant(actor=None, organisation=organisation, user=user, role=role)
        return user

    return make
