"""Access decisions under data-sharing agreements, decided by Cedar. Pure: no Django.

Each agreement compiles to a small Cedar policy set: one ``permit`` for the parties that may
receive data, and one ``forbid`` for every condition of the agreement (in force, dates, purpose,
case reference, the agreed fields). Cedar decides each requested field on its own, so only
agreed fields come back, and the ``forbid`` policies that fired are the reasons for a refusal.

Policy sets are kept per agreement: a decision evaluates only the agreement the request names,
so its cost does not grow with the number of agreements loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import cedarpy


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"


class PartyRole(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"


class AccessAction(StrEnum):
    REFERRAL = "referral"
    DATA_REQUEST = "data_request"
    READ = "read"


@dataclass(frozen=True)
class DataItem:
    """Fields of one service's cases that one party (the holder) shares."""

    holder: str  # organisation code
    definition: str  # service definition id
    fields: frozenset[str]


@dataclass(frozen=True)
class AgreementTerms:
    id: str
    parties: dict[str, PartyRole]  # organisation code → role
    recipients: frozenset[str]  # the parties that may receive data
    purposes: frozenset[str]
    items: tuple[DataItem, ...]
    status: AgreementStatus
    starts_on: date
    ends_on: date
    actions: frozenset[AccessAction] = field(default_factory=lambda: frozenset(AccessAction))


@dataclass(frozen=True)
class AccessRequest:
    requester: str  # organisation code of the party asking
    agreement_id: str
    purpose: str
    action: AccessAction
    holder: str  # organisation code holding the data
    definition: str
    fields: tuple[str, ...]
    case_reference: str
    on: date


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool  # at least one field may be shared
    fields: tuple[str, ...]  # the fields that may be shared
    refused_fields: tuple[str, ...]
    reasons: tuple[str, ...]  # stable codes: why anything was refused
    policies: tuple[str, ...] = ()  # the permit policies that allowed it


# The reason each forbid policy stands for, in the order they are compiled.
REASON_NOT_ACTIVE = "agreement_not_active"
REASON_OUTSIDE_DATES = "agreement_outside_dates"
REASON_WRONG_PURPOSE = "purpose_not_agreed"
REASON_NO_CASE = "case_reference_missing"
REASON_FIELD = "field_not_agreed"
REASON_NOT_PARTY = "not_a_recipient"
REASON_ACTION = "action_not_agreed"
REASON_NO_AGREEMENT = "no_such_agreement"
REASON_NOT_COVERED = "case_not_covered"  # the agreement shares nothing of the case's service (holder, definition)
REASON_CASE_NOT_FOUND = "case_not_found"  # no organisation holds a case with the reference asked for
# Refusals that tell the requester nothing, not even whether the case exists: those of a requester outside the
# agreement, and of a reference that no organisation holds or whose service the agreement does not cover (so a
# party can learn that a reference exists only among the cases of a service the agreement shares).
OUTSIDER_REASONS = frozenset({REASON_NO_AGREEMENT, REASON_NOT_PARTY, REASON_NOT_COVERED, REASON_CASE_NOT_FOUND})
OUTSIDER_REFUSAL = "No data can be shared for that request"


def _s(value: str) -> str:
    """A Cedar string literal."""
    return json.dumps(value)


def _day(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def field_uid(holder: str, definition: str, name: str) -> str:
    return f"Field::{_s(f'{holder}/{definition}/{name}')}"


def compile_agreement(terms: AgreementTerms) -> tuple[str, list[str]]:
    """Cedar policy text for one agreement, and the meaning of each policy in order."""
    recipients = ", ".join(f"Organisation::{_s(code)}" for code in sorted(terms.recipients))
    actions = ", ".join(f"Action::{_s(a.value)}" for a in sorted(terms.actions))
    purposes = ", ".join(_s(p) for p in sorted(terms.purposes))
    fields = ", ".join(field_uid(i.holder, i.definition, f) for i in terms.items for f in sorted(i.fields))
    policies: list[tuple[str, str]] = [
        (
            "permit",
            f"permit(principal, action, resource) when {{ [{recipients}].contains(principal) "
            f"&& [{actions}].contains(action) }};",
        ),
    ]
    if terms.status != AgreementStatus.ACTIVE:
        policies.append((REASON_NOT_ACTIVE, "forbid(principal, action, resource);"))
    policies += [
        (
            REASON_OUTSIDE_DATES,
            f"forbid(principal, action, resource) when {{ context.today < {_day(terms.starts_on)} "
            f"|| context.today > {_day(terms.ends_on)} }};",
        ),
        (
            REASON_WRONG_PURPOSE,
            f"forbid(principal, action, resource) unless {{ [{purposes}].contains(context.purpose) }};",
        ),
        (REASON_NO_CASE, 'forbid(principal, action, resource) when { context.case_reference == "" };'),
        (REASON_FIELD, f"forbid(principal, action, resource) unless {{ [{fields}].contains(resource) }};"),
    ]
    return "\n".join(text for _, text in policies), [meaning for meaning, _ in policies]


@dataclass
class _Compiled:
    policy_set: cedarpy.PolicySet
    meanings: list[str]
    terms: AgreementTerms


def _outsider_reason(compiled: _Compiled | None, request: AccessRequest) -> str | None:
    """Why a request that must learn nothing is refused, or None: decided before Cedar is asked, so such a
    refusal costs the same whatever the request holds and whether the case exists or not."""
    if compiled is None:
        return REASON_NO_AGREEMENT
    if request.requester not in compiled.terms.recipients:
        return REASON_NOT_PARTY
    if all((item.holder, item.definition) != (request.holder, request.definition) for item in compiled.terms.items):
        return REASON_NOT_COVERED
    return None


class PolicyDecisionPoint:
    """Holds every agreement's compiled policies and decides requests against them."""

    def __init__(self, agreements: Iterable[AgreementTerms] = ()):
        self._compiled: dict[str, _Compiled] = {}
        self._entities = cedarpy.Entities.from_json_str("[]")
        for terms in agreements:
            self.load(terms)

    def load(self, terms: AgreementTerms) -> None:
        """Add or replace an agreement: a suspension or expiry takes effect on the next decision."""
        text, meanings = compile_agreement(terms)
        self._compiled[terms.id] = _Compiled(cedarpy.PolicySet.from_str(text), meanings, terms)

    def unload(self, agreement_id: str) -> None:
        self._compiled.pop(agreement_id, None)

    def __len__(self) -> int:
        return len(self._compiled)

    def decide(self, request: AccessRequest) -> AccessDecision:
        compiled = self._compiled.get(request.agreement_id)
        outsider = _outsider_reason(compiled, request)
        if compiled is None or outsider is not None or not request.fields:
            return AccessDecision(False, (), tuple(request.fields), (outsider or REASON_FIELD,))
        context = {"purpose": request.purpose, "today": _day(request.on), "case_reference": request.case_reference}
        requests = [
            {
                "principal": f"Organisation::{_s(request.requester)}",
                "action": f"Action::{_s(request.action.value)}",
                "resource": field_uid(request.holder, request.definition, name),
                "context": context,
            }
            for name in request.fields
        ]
        results = cedarpy.is_authorized_batch(requests, compiled.policy_set, self._entities)
        allowed, refused, reasons, permits = [], [], [], set()
        for name, result in zip(request.fields, results, strict=True):
            fired = [compiled.meanings[int(pid.removeprefix("policy"))] for pid in result.diagnostics.reasons]
            if result.allowed:
                allowed.append(name)
                permits.update(fired)
                continue
            refused.append(name)
            forbids = [m for m in fired if m != "permit"]
            reasons.extend(forbids or [REASON_ACTION])  # (a recipient, so only an action not agreed is left)
        return AccessDecision(
            allowed=bool(allowed),
            fields=tuple(allowed),
            refused_fields=tuple(refused),
            reasons=tuple(dict.fromkeys(reasons)),
            policies=tuple(sorted(permits)),
        )
