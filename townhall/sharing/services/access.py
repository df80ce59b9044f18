"""Deciding an access across organisations under an agreement, and logging it either way.

The decision itself is Cedar's (``townhall.sharing.policy``). Each agreement's compiled policy
set is cached per process by its ``updated_at``, and the agreement row is read on every
decision, so a suspension or expiry applies to the very next request.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from townhall.cases.models import Case
from townhall.core.errors import Conflict, PermissionDenied
from townhall.core.models import Organisation
from townhall.core.permissions import can
from townhall.core.roles import Permission
from townhall.core.services.audit import actor_label, audit_record
from townhall.sharing import policy
from townhall.sharing.models import AccessDecisionLog, Agreement

_lock = threading.Lock()
_cache: dict[int, tuple[Any, policy.PolicyDecisionPoint]] = {}

REASON_NO_PERMISSION = "actor_lacks_share_permission"


def agreement_terms(agreement: Agreement) -> policy.AgreementTerms:
    parties = list(agreement.parties.select_related("organisation"))
    today = timezone.localdate()
    status = policy.AgreementStatus(agreement.status)
    if status == policy.AgreementStatus.ACTIVE and agreement.ends_on < today:
        status = policy.AgreementStatus.EXPIRED
    return policy.AgreementTerms(
        id=str(agreement.pk),
        parties={p.organisation.code: policy.PartyRole(p.role) for p in parties},
        recipients=frozenset(p.organisation.code for p in parties if p.receives),
        purposes=frozenset(agreement.purposes),
        items=tuple(
            policy.DataItem(i.holder.code, i.service_slug, frozenset(i.fields))
            for i in agreement.items.select_related("holder")
        ),
        status=status,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
    )


def _decision_point(agreement: Agreement) -> policy.PolicyDecisionPoint:
    stamp = (agreement.updated_at, agreement.status, timezone.localdate())
    with _lock:
        cached = _cache.get(agreement.pk)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    pdp = policy.PolicyDecisionPoint([agreement_terms(agreement)])
    with _lock:
        _cache[agreement.pk] = (stamp, pdp)
    return pdp


def _agreement_pk(agreement_ref: str) -> int | None:
    digits = agreement_ref.removeprefix("DSA-").lstrip("0")
    return int(digits) if digits.isdigit() else None


def access_decide(
    *,
    actor: Any,
    requester: Organisation,
    agreement_ref: str,
    purpose: str,
    action: policy.AccessAction,
    case: Case | None,
    fields: list[str],
    request_id: str = "",
    on: date | None = None,
    case_reference: str = "",
) -> policy.AccessDecision:
    """Decide, log and audit one access. Never raises for a refusal: the caller acts on ``allowed``.

    ``case`` is None when no organisation holds a case with the reference asked for (``case_reference``).
    That is refused, logged and audited as a real case's refusal is, so neither the answer nor the work
    behind it (which the time it takes can give away) tells the requester whether the reference exists.
    An allowed access and a referral are audited in the holder's chain and the requester's; a refused data
    request, which shared nothing, in the requester's only. The holder sees every request for its cases in
    its access log.

    A ``request_id`` seen before from the same requester is a replay and is refused (Conflict).
    """
    # An unknown reference is decided as a case of no service held by no one (see below).
    holder, service = (case.organisation, case.version.service.slug) if case is not None else (None, "")
    reference = case.reference if case is not None else case_reference
    pk = _agreement_pk(agreement_ref)
    agreement = Agreement.objects.filter(pk=pk).first() if pk else None
    if agreement is None:
        decision = policy.AccessDecision(False, (), tuple(fields), (policy.REASON_NO_AGREEMENT,))
    elif actor is not None and not can(actor, requester, Permission.SHARE_DATA):
        decision = policy.AccessDecision(False, (), tuple(fields), (REASON_NO_PERMISSION,))
    else:
        # An unknown reference is decided too, as a case of no service, so it takes the same path to its refusal
        # (the policy set compiled if need be, an outsider refused before Cedar is asked) as a real case does.
        decision = _decision_point(agreement).decide(
            policy.AccessRequest(
                requester=requester.code,
                agreement_id=str(agreement.pk),
                purpose=purpose,
                action=action,
                holder=holder.code if holder is not None else "",
                definition=service,
                fields=tuple(fields),
                case_reference=reference,
                on=on or timezone.localdate(),
            )
        )
    if case is None:  # (the access log says so; the requester's own audit trail is told only what it was told)
        decision = policy.AccessDecision(False, (), tuple(fields), (policy.REASON_CASE_NOT_FOUND, *decision.reasons))
    # A refused data request shared nothing of the holder's and was not its doing: it is audited in the
    # requester's chain only (so the work is the same whether the case exists or not), and the holder sees it
    # in its access log. A referral is made by the holder's staff: audited in both chains, refused or not.
    refused_request = not decision.allowed and action == policy.AccessAction.DATA_REQUEST
    audited = {requester} if holder is None or refused_request else {holder, requester}
    try:
        with transaction.atomic():
            AccessDecisionLog.objects.create(
                occurred_at=timezone.now(),
                agreement=agreement,
                agreement_ref=agreement_ref,
                requester=requester,
                holder=holder,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                actor_label=actor_label(actor),
                action=action.value,
                purpose=purpose,
                case_reference=reference,
                fields_requested=list(fields),
                fields_allowed=list(decision.fields),
                reasons=list(decision.reasons),
                allowed=decision.allowed,
                request_id=request_id,
            )
            for organisation in audited:
                audit_record(
                    organisation=organisation,
                    actor=actor,
                    action="sharing.access_allowed" if decision.allowed else "sharing.access_denied",
                    object_type="case",
                    object_id=reference,
                    data={
                        "agreement": agreement_ref,
                        "requester": requester.code,
                        "purpose": purpose,
                        "action": action.value,
                        "fields": list(decision.fields),
                        "refused": list(decision.refused_fields),
                        "reasons": [r for r in decision.reasons if r != policy.REASON_CASE_NOT_FOUND],
                    },
                )
    except IntegrityError:
        audit_record(
            organisation=requester,
            actor=actor,
            action="sharing.replay_refused",
            object_type="case",
            object_id=reference,
            data={"agreement": agreement_ref, "request_id": request_id},
        )
        if not decision.allowed and policy.OUTSIDER_REASONS & set(decision.reasons):
            # A replay of a refusal that told the requester nothing gets the same refusal as the first time.
            raise PermissionDenied(policy.OUTSIDER_REFUSAL, code="access_denied") from None
        raise Conflict("This request id has been used before", code="replayed_request") from None
    return decision
