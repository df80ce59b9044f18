from __future__ import annotations

from datetime import date

import pytest

from townhall.core.errors import Conflict, PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.sharing.models import AgreementStatus
from townhall.sharing.services.agreements import (
    AgreementDraft,
    agreement_approve,
    agreement_create,
    agreement_item_add,
    agreement_suspend,
    agreements_expire,
)


def test_an_agreement_comes_into_force_only_when_every_party_approves(
    draft_agreement, county, trust, county_admin, trust_admin
):
    agreement_approve(actor=county_admin, agreement=draft_agreement, organisation=county)
    draft_agreement.refresh_from_db()
    assert draft_agreement.status == AgreementStatus.DRAFT
    agreement_approve(actor=trust_admin, agreement=draft_agreement, organisation=trust)
    draft_agreement.refresh_from_db()
    assert draft_agreement.status == AgreementStatus.ACTIVE
    assert AuditEvent.objects.filter(action="agreement.in_force", object_id=draft_agreement.code).exists()


def test_only_a_partys_own_admin_approves(draft_agreement, trust, county, make_staff, county_admin):
    caseworker = make_staff(trust, Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        agreement_approve(actor=caseworker, agreement=draft_agreement, organisation=trust)
    with pytest.raises(PermissionDenied):  # the county's admin cannot approve for the trust
        agreement_approve(actor=county_admin, agreement=draft_agreement, organisation=trust)


def test_an_agreement_records_the_ico_checklist(county, county_admin):
    with pytest.raises(ValidationFailed) as caught:
        agreement_create(
            actor=county_admin,
            lead=county,
            draft=AgreementDraft(
                title="",
                purposes=["marketing"],
                lawful_basis="because",
                starts_on=date(2027, 1, 1),
                ends_on=date(2026, 1, 1),
                review_on=date(2026, 6, 1),
                retention_days_at_recipient=0,
            ),
        )
    codes = {e.code for e in caught.value.errors}
    assert codes == {
        "title_required",
        "unknown_purpose",
        "unknown_lawful_basis",
        "dates_out_of_order",
        "retention_required",
    }


def test_items_name_real_fields_of_the_holders_service(draft_agreement, county, county_admin):
    with pytest.raises(ValidationFailed) as caught:
        agreement_item_add(
            actor=county_admin, agreement=draft_agreement, holder=county, service_slug="blue-badge", fields=["income"]
        )
    assert caught.value.code == "unknown_field"


def test_an_active_agreement_cannot_be_changed_and_can_be_suspended(
    agreement, county, county_admin, trust, trust_admin
):
    with pytest.raises(Conflict):
        agreement_item_add(
            actor=county_admin, agreement=agreement, holder=county, service_slug="blue-badge", fields=["age"]
        )
    suspended = agreement_suspend(actor=trust_admin, agreement=agreement, organisation=trust, reason="Breach reported")
    assert suspended.status == AgreementStatus.SUSPENDED
    assert not suspended.parties.filter(approved_at__isnull=False).exists()  # every party approves again


def test_agreements_past_their_end_expire_and_the_job_is_safe_to_run_twice(agreement):
    assert agreements_expire(today=date(2029, 1, 1)) == 1
    assert agreements_expire(today=date(2029, 1, 1)) == 0
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
