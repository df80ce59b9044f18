"""Referral throughput: cases referred to a partner per second, through the whole service.

Each referral runs the real ``referral_create``: the Cedar decision, the access log, audit events in
both organisations' chains, the partner's case opened by ``case_open`` (rules, notifications) and the
resident's email queued. The baseline, measured in the same run, is ``case_open`` alone: the ratio
says what sharing adds on top of opening a case.

It runs in a throwaway test database on the configured engine (SQLite by default; set
``DATABASE_URL`` for PostgreSQL), created and destroyed by Django's test machinery.
"""

from __future__ import annotations

import os
import time
from datetime import date

NAME = "referrals"


def _world():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from townhall.catalogue.models import DefinitionStatus, DefinitionVersion, Service
    from townhall.catalogue.parsing import definition_to_document, parse_definition
    from townhall.core.roles import Role
    from townhall.core.services.organisations import membership_grant, organisation_create, staff_create
    from townhall.sharing.services.agreements import (
        AgreementDraft,
        agreement_approve,
        agreement_create,
        agreement_item_add,
        agreement_party_add,
    )

    county = organisation_create(actor=None, slug="county", name="County", kind="county_council", code="E10000999")
    trust = organisation_create(actor=None, slug="trust", name="Trust", kind="nhs_body", code="R9Z")

    def publish(organisation, source: str):  # type: ignore[no-untyped-def]
        source = source.replace("E10000901", organisation.code).replace("R9X", organisation.code)
        definition = parse_definition(source)
        service = Service.objects.create(organisation=organisation, slug=definition.id, title=definition.title.en)
        return DefinitionVersion.objects.create(
            service=service,
            number=1,
            status=DefinitionStatus.PUBLISHED,
            source=source,
            document=definition_to_document(definition),
            published_at=timezone.now(),
        )

    from tests.cases.conftest import BLUE_BADGE
    from tests.sharing.conftest import DISCHARGE

    badge = publish(county, BLUE_BADGE)
    publish(trust, DISCHARGE)
    admins = {}
    for org in (county, trust):
        admins[org.pk] = staff_create(username=f"admin-{org.slug}", email=f"a@{org.slug}.test", password=None)
        membership_grant(actor=None, organisation=org, user=admins[org.pk], role=Role.ORGANISATION_ADMIN)
    caseworker = staff_create(username="caseworker", email="c@county.test", password=None)
    membership_grant(actor=None, organisation=county, user=caseworker, role=Role.CASEWORKER)
    agreement = agreement_create(
        actor=admins[county.pk],
        lead=county,
        draft=AgreementDraft(
            title="Discharge",
            purposes=["hospital-discharge"],
            lawful_basis="public_task",
            starts_on=date(2020, 1, 1),
            ends_on=date(2099, 12, 31),
            review_on=date(2030, 1, 1),
            retention_days_at_recipient=365,
        ),
    )
    agreement_party_add(
        actor=admins[county.pk], agreement=agreement, organisation=trust, role="joint_controller", receives=True
    )
    fields = ["full_name", "postcode", "case.resident_email"]
    agreement_item_add(
        actor=admins[county.pk], agreement=agreement, holder=county, service_slug=badge.service.slug, fields=fields
    )
    for org in (county, trust):
        agreement_approve(actor=admins[org.pk], agreement=agreement, organisation=org)
    return county, trust, badge, caseworker, agreement


def run(quick: bool = False) -> str:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    from townhall.cases.services import case_open
    from townhall.sharing.services.referrals import referral_create

    count = 100 if quick else 1000
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        county, trust, badge, caseworker, agreement = _world()
        answers = {
            "full_name": "Gwen Jones",
            "email": "gwen@example.test",
            "postcode": "DN1 2AB",
            "receives_pip": False,
            "age": 40,
        }
        start = time.perf_counter()
        cases = [
            case_open(organisation=county, version=badge, answers=dict(answers), channel="online", actor=None)
            for _ in range(count)
        ]
        opened = time.perf_counter() - start
        start = time.perf_counter()
        for case in cases:
            referral_create(
                actor=caseworker,
                case=case,
                agreement_ref=agreement.code,
                purpose="hospital-discharge",
                partner=trust,
                partner_service="hospital-discharge-support",
            )
        referred = time.perf_counter() - start
        engine = connection.vendor
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    open_rate, refer_rate = count / opened, count / referred
    return f"""## Data sharing: referral throughput (issue 6)

{count:,} blue badge cases referred one after another, by one process, to an NHS trust's discharge
service under an agreement in force, on {engine}. Each referral is the whole service: Cedar's decision,
the access log, audit events in both chains, the partner's case opened (rules, notifications) and the
resident told.

| | per second | ms each |
|---|---|---|
| opening a case (`case_open`, baseline) | {open_rate:,.0f} | {1000 / open_rate:.1f} |
| referring a case (`referral_create`) | {refer_rate:,.0f} | {1000 / refer_rate:.1f} |

A referral costs {open_rate / refer_rate:.2f}× opening a case: it opens one (the partner's) and adds the
decision, the log and the audit events."""
