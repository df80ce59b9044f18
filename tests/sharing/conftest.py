"""Fixtures for sharing: a county council, an NHS trust and an agreement between them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.cases.conftest import BLUE_BADGE, publish
from townhall.cases.models import Case
from townhall.cases.services import case_open
from townhall.catalogue.models import DefinitionVersion
from townhall.core.models import Organisation
from townhall.core.roles import Role
from townhall.core.services.organisations import organisation_create
from townhall.sharing.models import Agreement
from townhall.sharing.services.agreements import (
    AgreementDraft,
    agreement_approve,
    agreement_create,
    agreement_item_add,
    agreement_party_add,
)

DISCHARGE = """
format: townhall/service-definition/v1
id: hospital-discharge-support
version: 1
organisation: R9X
lgsl: 1
title: {en: Hospital discharge support}
description: {en: Support to leave hospital safely}
pages:
  - id: person
    title: {en: The person}
    questions:
      - {id: full_name, type: text, label: {en: Full name}, pii_role: name}
      - {id: postcode, type: postcode, label: {en: Postcode}, pii_role: postcode}
workflow:
  start: referred
  states:
    - {id: referred, label: {en: Referred}}
    - {id: supported, label: {en: Supported}, final: true}
  transitions:
    - {id: support, from: [referred], to: supported, label: {en: Support}, roles: [caseworker]}
retention: {days: 365}
"""


@pytest.fixture
def blue_badge(county: Organisation) -> DefinitionVersion:
    return publish(county, BLUE_BADGE)


@pytest.fixture
def trust(db: Any) -> Organisation:
    return organisation_create(
        actor=None, slug="downshire-hospitals", name="Downshire Hospitals NHS Trust", kind="nhs_body", code="R9X"
    )


@pytest.fixture
def discharge(trust: Organisation) -> DefinitionVersion:
    return publish(trust, DISCHARGE)


@pytest.fixture
def county_admin(county: Organisation, make_staff: Any) -> Any:
    return make_staff(county, Role.ORGANISATION_ADMIN)


@pytest.fixture
def trust_admin(trust: Organisation, make_staff: Any) -> Any:
    return make_staff(trust, Role.ORGANISATION_ADMIN)


@pytest.fixture
def draft_agreement(county: Organisation, trust: Organisation, county_admin: Any, blue_badge: Any) -> Agreement:
    agreement = agreement_create(
        actor=county_admin,
        lead=county,
        draft=AgreementDraft(
            title="Hospital discharge support",
            purposes=["hospital-discharge"],
            lawful_basis="public_task",
            special_category_condition="health_social_care",
            statutory_power="Care Act 2014, section 82",
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 12, 31),
            review_on=date(2027, 6, 30),
            retention_days_at_recipient=365,
        ),
    )
    agreement_party_add(
        actor=county_admin, agreement=agreement, organisation=trust, role="joint_controller", receives=True
    )
    agreement_item_add(
        actor=county_admin,
        agreement=agreement,
        holder=county,
        service_slug="blue-badge",
        fields=["full_name", "postcode", "case.resident_email"],
    )
    return agreement


@pytest.fixture
def agreement(
    draft_agreement: Agreement, county: Organisation, trust: Organisation, county_admin: Any, trust_admin: Any
) -> Agreement:
    agreement_approve(actor=county_admin, agreement=draft_agreement, organisation=county)
    return agreement_approve(actor=trust_admin, agreement=draft_agreement, organisation=trust)


@pytest.fixture
def resident_case(county: Organisation, blue_badge: DefinitionVersion) -> Case:
    return case_open(
        organisation=county,
        version=blue_badge,
        answers={
            "full_name": "Gwen Jones",
            "email": "gwen@example.test",
            "phone": "07700 900123",
            "postcode": "DN1 2AB",
            "receives_pip": False,
            "age": 40,
        },
        channel="online",
        actor=None,
    )
