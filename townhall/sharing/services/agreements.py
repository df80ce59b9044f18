"""Drafting, approving, suspending and expiring data-sharing agreements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from townhall.catalogue.models import Service
from townhall.catalogue.selectors import published_version
from townhall.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from townhall.core.models import Organisation
from townhall.core.permissions import require, roles_in
from townhall.core.roles import Permission, Role
from townhall.core.services.audit import audit_record
from townhall.sharing.models import Agreement, AgreementItem, AgreementParty, AgreementStatus, PartyRole
from townhall.sharing.purposes import ARTICLE_6_BASES, ARTICLE_9_CONDITIONS, CASE_FIELDS, PURPOSES


@dataclass(frozen=True)
class AgreementDraft:
    title: str
    purposes: list[str]
    lawful_basis: str
    starts_on: date
    ends_on: date
    review_on: date
    retention_days_at_recipient: int
    special_category_condition: str = ""
    statutory_power: str = ""
    summary: str = ""


def _validate(draft: AgreementDraft) -> None:
    errors = []
    if not draft.title.strip():
        errors.append(FieldError("title_required", "Enter a title for the agreement", "title"))
    unknown = [p for p in draft.purposes if p not in PURPOSES]
    if not draft.purposes or unknown:
        errors.append(FieldError("unknown_purpose", f"Choose purposes from the published list: {unknown}", "purposes"))
    if draft.lawful_basis not in ARTICLE_6_BASES:
        errors.append(FieldError("unknown_lawful_basis", "Choose an Article 6 lawful basis", "lawful_basis"))
    if draft.special_category_condition and draft.special_category_condition not in ARTICLE_9_CONDITIONS:
        errors.append(
            FieldError("unknown_article_9_condition", "Choose an Article 9 condition", "special_category_condition")
        )
    if not draft.starts_on <= draft.review_on <= draft.ends_on:
        errors.append(
            FieldError("dates_out_of_order", "The agreement must start, then be reviewed, then end", "ends_on")
        )
    if draft.retention_days_at_recipient < 1:
        errors.append(
            FieldError("retention_required", "Say how long recipients keep the data", "retention_days_at_recipient")
        )
    if errors:
        raise ValidationFailed("The agreement is not complete", code="agreement_invalid", errors=errors)


def _editable(agreement: Agreement) -> None:
    if agreement.status != AgreementStatus.DRAFT:
        raise Conflict("Only a draft agreement can be changed", code="agreement_not_draft")


def agreement_create(*, actor: Any, lead: Organisation, draft: AgreementDraft) -> Agreement:
    require(actor, lead, Permission.MANAGE_AGREEMENTS)
    _validate(draft)
    with transaction.atomic():
        agreement = Agreement.objects.create(lead=lead, created_by=actor, **draft.__dict__)
        AgreementParty.objects.create(agreement=agreement, organisation=lead, role=PartyRole.CONTROLLER)
        audit_record(
            organisation=lead,
            actor=actor,
            action="agreement.drafted",
            object_type="agreement",
            object_id=agreement.code,
            data={"title": draft.title, "purposes": draft.purposes},
        )
    return agreement


def agreement_party_add(
    *, actor: Any, agreement: Agreement, organisation: Organisation, role: str, receives: bool
) -> AgreementParty:
    require(actor, agreement.lead, Permission.MANAGE_AGREEMENTS)
    _editable(agreement)
    if role not in PartyRole.values:
        raise ValidationFailed(f"Unknown party role {role!r}", code="unknown_party_role")
    with transaction.atomic():
        party, _ = AgreementParty.objects.update_or_create(
            agreement=agreement, organisation=organisation, defaults={"role": role, "receives": receives}
        )
        AgreementParty.objects.filter(agreement=agreement).update(approved_at=None, approved_by=None)
        audit_record(
            organisation=agreement.lead,
            actor=actor,
            action="agreement.party_added",
            object_type="agreement",
            object_id=agreement.code,
            data={"organisation": organisation.code, "role": role, "receives": receives},
        )
    return party


def agreement_item_add(
    *,
    actor: Any,
    agreement: Agreement,
    holder: Organisation,
    service_slug: str,
    fields: list[str],
    special_category: bool = False,
) -> AgreementItem:
    require(actor, agreement.lead, Permission.MANAGE_AGREEMENTS)
    _editable(agreement)
    if not agreement.parties.filter(organisation=holder).exists():
        raise ValidationFailed("The holder of shared data must be a party", code="holder_not_party")
    if not Service.objects.filter(organisation=holder, slug=service_slug).exists():
        raise NotFound(f"{holder.name} has no service {service_slug}", code="service_not_found")
    version = published_version(organisation_code=holder.code, service_slug=service_slug)
    known = {q.id for q in version.definition().all_questions()}
    unknown = [f for f in fields if f not in known and f not in CASE_FIELDS]
    if not fields or unknown:
        raise ValidationFailed(
            f"Name the fields to share, from the service's questions or case data; unknown: {unknown}",
            code="unknown_field",
        )
    if special_category and not agreement.special_category_condition:
        raise ValidationFailed("Special category data needs an Article 9 condition", code="article_9_required")
    with transaction.atomic():
        item = AgreementItem.objects.create(
            agreement=agreement,
            holder=holder,
            service_slug=service_slug,
            fields=sorted(set(fields)),
            special_category=special_category,
        )
        AgreementParty.objects.filter(agreement=agreement).update(approved_at=None, approved_by=None)
        audit_record(
            organisation=agreement.lead,
            actor=actor,
            action="agreement.item_added",
            object_type="agreement",
            object_id=agreement.code,
            data={"holder": holder.code, "service": service_slug, "fields": item.fields},
        )
    return item


def agreement_approve(*, actor: Any, agreement: Agreement, organisation: Organisation) -> Agreement:
    """One party's organisation admin approves; with every party approved, the agreement comes into force."""
    if Role.ORGANISATION_ADMIN not in roles_in(actor, organisation):
        raise PermissionDenied("Only the organisation's admin can approve an agreement", code="not_organisation_admin")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status not in (AgreementStatus.DRAFT, AgreementStatus.SUSPENDED):
            raise Conflict("This agreement cannot be approved now", code="agreement_not_approvable")
        party = agreement.parties.filter(organisation=organisation).first()
        if party is None:
            raise NotFound("No such agreement", code="agreement_not_found")
        if not agreement.items.exists() or not agreement.parties.filter(receives=True).exists():
            raise ValidationFailed("Name the data shared and who receives it first", code="agreement_incomplete")
        party.approved_at, party.approved_by = timezone.now(), actor
        party.save(update_fields=["approved_at", "approved_by"])
        audit_record(
            organisation=organisation,
            actor=actor,
            action="agreement.approved",
            object_type="agreement",
            object_id=agreement.code,
        )
        if not agreement.parties.filter(approved_at__isnull=True).exists():
            agreement.status = AgreementStatus.ACTIVE
            agreement.save(update_fields=["status", "updated_at"])
            audit_record(
                organisation=agreement.lead,
                actor=actor,
                action="agreement.in_force",
                object_type="agreement",
                object_id=agreement.code,
            )
    return agreement


def agreement_suspend(*, actor: Any, agreement: Agreement, organisation: Organisation, reason: str) -> Agreement:
    """Any party's admin can suspend at once; coming back into force needs every party's approval again."""
    if Role.ORGANISATION_ADMIN not in roles_in(actor, organisation):
        raise PermissionDenied("Only the organisation's admin can suspend an agreement", code="not_organisation_admin")
    if not reason.strip():
        raise ValidationFailed("Give the reason for suspending", code="reason_required")
    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if not agreement.parties.filter(organisation=organisation).exists():
            raise NotFound("No such agreement", code="agreement_not_found")
        if agreement.status != AgreementStatus.ACTIVE:
            raise Conflict("Only an agreement in force can be suspended", code="agreement_not_active")
        agreement.status = AgreementStatus.SUSPENDED
        agreement.save(update_fields=["status", "updated_at"])
        agreement.parties.update(approved_at=None, approved_by=None)
        audit_record(
            organisation=agreement.lead,
            actor=actor,
            action="agreement.suspended",
            object_type="agreement",
            object_id=agreement.code,
            data={"by": organisation.code, "reason": reason},
        )
    return agreement


def agreements_expire(*, today: date | None = None) -> int:
    """Expire agreements past their end date. A scheduled job; safe to run twice."""
    today = today or timezone.localdate()
    expired = 0
    for agreement in Agreement.objects.filter(ends_on__lt=today).exclude(status=AgreementStatus.EXPIRED):
        with transaction.atomic():
            Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.EXPIRED, updated_at=timezone.now())
            audit_record(
                organisation=agreement.lead,
                actor=None,
                action="agreement.expired",
                object_type="agreement",
                object_id=agreement.code,
            )
        expired += 1
    return expired


def agreement_draft_from_terms(
    *,
    actor: Any,
    lead: Organisation,
    draft: AgreementDraft,
    parties: list[tuple[str, str, bool]],
    items: list[tuple[str, str, list[str], bool]],
) -> Agreement:
    """Draft a whole agreement at once (parties by code, data items by holder code): all of it, or nothing."""
    codes = {code for code, _, _ in parties} | {holder for holder, _, _, _ in items}
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes, is_active=True)}
    unknown = sorted(codes - set(organisations))
    if unknown:
        raise ValidationFailed(f"No organisation with code {', '.join(unknown)}", code="unknown_organisation")
    with transaction.atomic():
        agreement = agreement_create(actor=actor, lead=lead, draft=draft)
        for code, role, receives in parties:
            agreement_party_add(
                actor=actor, agreement=agreement, organisation=organisations[code], role=role, receives=receives
            )
        for holder, service_slug, fields, special in items:
            agreement_item_add(
                actor=actor,
                agreement=agreement,
                holder=organisations[holder],
                service_slug=service_slug,
                fields=fields,
                special_category=special,
            )
    return agreement
