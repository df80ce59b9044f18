"""Reads on agreements, referrals and the access log, each scoped to an organisation and an actor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from townhall.cases.models import Case
from townhall.catalogue.models import DefinitionStatus, Service
from townhall.core.errors import NotFound
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.sharing.models import (
    AccessDecisionLog,
    Agreement,
    AgreementStatus,
    RecipientNotice,
    Referral,
    RightsRequest,
)


def agreement_list(*, organisation: Organisation, actor: Any) -> QuerySet[Agreement]:
    """Agreements the organisation is a party to."""
    require(actor, organisation, Permission.MANAGE_AGREEMENTS)
    return (
        Agreement.objects.filter(parties__organisation=organisation)
        .prefetch_related("parties__organisation", "items__holder")
        .order_by("-created_at")
        .distinct()
    )


def agreement_get(*, organisation: Organisation, actor: Any, agreement_ref: str) -> Agreement:
    digits = agreement_ref.removeprefix("DSA-").lstrip("0")
    agreement = (
        agreement_list(organisation=organisation, actor=actor).filter(pk=int(digits)).first()
        if digits.isdigit()
        else None
    )
    if agreement is None:
        raise NotFound("No such agreement", code="agreement_not_found")
    return agreement


def agreement_register() -> QuerySet[Agreement]:
    """The public register: agreements in force, with parties, purposes and data items — no personal data."""
    return (
        Agreement.objects.filter(status=AgreementStatus.ACTIVE)
        .prefetch_related("parties__organisation", "items__holder")
        .order_by("pk")
    )


def referrals_for_case(*, organisation: Organisation, actor: Any, case: Case) -> list[Referral]:
    """Referrals made from, or received into, a case; the partner case's state is read live."""
    require(actor, organisation, Permission.VIEW_CASES)
    if case.organisation_id != organisation.pk:
        raise NotFound("No such case", code="case_not_found")
    return list(
        Referral.objects.filter(Q(source_case=case) | Q(target_case=case)).select_related(
            "target_case", "source_case", "target_organisation", "source_organisation", "agreement"
        )
    )


def access_log_for_case(*, organisation: Organisation, actor: Any, case_reference: str) -> QuerySet[AccessDecisionLog]:
    """Who asked for this case's data, under which agreement, and what they were given."""
    require(actor, organisation, Permission.VIEW_CASES)
    return (
        AccessDecisionLog.objects.filter(holder=organisation, case_reference=case_reference)
        .select_related("requester")
        .order_by("-occurred_at")
    )


@dataclass(frozen=True)
class ReferralOption:
    """One place a case may be referred: an agreement in force, a purpose, a partner's published service."""

    agreement_ref: str
    agreement_title: str
    purpose: str
    partner: Organisation
    service_slug: str
    service_title: str

    @property
    def key(self) -> str:
        return f"{self.agreement_ref}|{self.purpose}|{self.partner.code}|{self.service_slug}"


def referral_options(*, organisation: Organisation, actor: Any, case: Case) -> list[ReferralOption]:
    """Where this case may go: agreements in force that share its service's data with a recipient."""
    require(actor, organisation, Permission.WORK_CASES)
    agreements = (
        Agreement.objects.filter(
            status=AgreementStatus.ACTIVE,
            items__holder=organisation,
            items__service_slug=case.version.service.slug,
        )
        .prefetch_related("parties__organisation")
        .distinct()
    )
    options = []
    for agreement in agreements:
        recipients = [p.organisation for p in agreement.parties.all() if p.receives and p.organisation != organisation]
        services = (
            Service.objects.filter(organisation__in=recipients, versions__status=DefinitionStatus.PUBLISHED)
            .select_related("organisation")
            .distinct()
        )
        for service in services:
            for purpose in agreement.purposes:
                options.append(
                    ReferralOption(
                        agreement.code, agreement.title, purpose, service.organisation, service.slug, service.title
                    )
                )
    return options


def rights_requests(*, organisation: Organisation, actor: Any) -> QuerySet[RightsRequest]:
    """Residents' rights requests made to this organisation, soonest due first."""
    require(actor, organisation, Permission.MANAGE_AGREEMENTS)
    return (
        RightsRequest.objects.filter(organisation=organisation)
        .select_related("case")
        .prefetch_related("notices__recipient")
        .order_by("completed_at", "due_on")
    )


def rights_notices_received(*, organisation: Organisation, actor: Any) -> QuerySet[RecipientNotice]:
    """Erasures and corrections other organisations passed to this one, not yet done first."""
    require(actor, organisation, Permission.MANAGE_AGREEMENTS)
    return (
        RecipientNotice.objects.filter(recipient=organisation)
        .select_related("request", "request__organisation")
        .order_by("completed_at", "sent_at")
    )
