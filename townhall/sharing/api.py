"""Sharing API: the public register of agreements, and data requests from partner systems."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema

from townhall.cases.models import Case
from townhall.core.api_auth import api_key_auth
from townhall.core.api_schemas import ProblemOut, StrictSchema
from townhall.core.errors import PermissionDenied, ValidationFailed
from townhall.core.models import ApiKey
from townhall.sharing import policy
from townhall.sharing.models import Agreement
from townhall.sharing.selectors import agreement_register
from townhall.sharing.services.access import access_decide
from townhall.sharing.services.agreements import AgreementDraft, agreement_draft_from_terms
from townhall.sharing.services.referrals import CASE_FIELD_SOURCES

router = Router(tags=["sharing"])
MAX_FIELDS = 200  # fields one data request may ask for


class PartyOut(Schema):
    organisation: str
    code: str
    role: str
    receives: bool


class ItemOut(Schema):
    holder: str
    service: str
    fields: list[str]
    special_category: bool


class AgreementOut(Schema):
    id: str
    title: str
    purposes: list[str]
    lawful_basis: str
    special_category_condition: str
    statutory_power: str
    starts_on: date
    ends_on: date
    review_on: date
    retention_days_at_recipient: int
    parties: list[PartyOut]
    items: list[ItemOut]


def _agreement_out(a: Agreement) -> AgreementOut:
    return AgreementOut(
        id=a.code,
        title=a.title,
        purposes=a.purposes,
        lawful_basis=a.lawful_basis,
        special_category_condition=a.special_category_condition,
        statutory_power=a.statutory_power,
        starts_on=a.starts_on,
        ends_on=a.ends_on,
        review_on=a.review_on,
        retention_days_at_recipient=a.retention_days_at_recipient,
        parties=[
            PartyOut(organisation=p.organisation.name, code=p.organisation.code, role=p.role, receives=p.receives)
            for p in a.parties.all()
        ],
        items=[
            ItemOut(holder=i.holder.code, service=i.service_slug, fields=i.fields, special_category=i.special_category)
            for i in a.items.all()
        ],
    )


@router.get("/register", response=list[AgreementOut], auth=None, summary="Agreements in force (no personal data)")
def register(request: HttpRequest) -> list[AgreementOut]:
    return [_agreement_out(a) for a in agreement_register()]


class DataRequestIn(StrictSchema):
    # As long as the access log keeps them (AccessDecisionLog): longer was a 500 on PostgreSQL.
    agreement: str = Field(max_length=40)
    purpose: str = Field(max_length=40)
    case_reference: str = Field(max_length=12)
    # Each field asked for is a policy decision: 1000 of them took a second of the server's time.
    fields: list[str] = Field(max_length=MAX_FIELDS)


class DataRequestOut(Schema):
    case_reference: str
    agreement: str
    fields: dict[str, object]
    refused_fields: list[str]


@router.post(
    "/requests",
    response={200: DataRequestOut, 409: ProblemOut},
    auth=api_key_auth,
    summary="Ask for a case's data under an agreement; only agreed fields come back",
)
def data_request(
    request: HttpRequest, body: DataRequestIn, request_id: str = Header(..., alias="Request-Id")
) -> DataRequestOut:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    if not 8 <= len(request_id) <= 100:
        raise ValidationFailed("Send a unique Request-Id header of 8 to 100 characters", code="request_id_required")
    # An unknown reference is decided, logged and refused as a real case would be (access_decide), so neither
    # the answer nor the time it takes tells the requester whether the case exists. Only what the decision needs
    # is read (a whole case row, answers and all, took measurably longer than finding none); the rest once allowed.
    case = (
        Case.objects.select_related("organisation", "version__service")
        .only("reference", "organisation__code", "version__service__slug")
        .filter(reference=body.case_reference)
        .first()
    )
    decision = access_decide(
        actor=key.user,
        requester=key.organisation,
        agreement_ref=body.agreement,
        purpose=body.purpose,
        action=policy.AccessAction.DATA_REQUEST,
        case=case,
        case_reference=body.case_reference,
        fields=body.fields,
        request_id=request_id,
    )
    if not decision.allowed or case is None:
        # Reasons help a party fix its request; an outsider learns nothing, not even that the case exists.
        shown = [] if policy.OUTSIDER_REASONS & set(decision.reasons) else list(decision.reasons)
        raise PermissionDenied(
            f"{policy.OUTSIDER_REFUSAL}{': ' + ', '.join(shown) if shown else ''}", code="access_denied"
        )
    case = Case.objects.get(pk=case.pk)
    values: dict[str, object] = {}
    for name in decision.fields:
        values[name] = getattr(case, CASE_FIELD_SOURCES[name]) if name in CASE_FIELD_SOURCES else case.answers.get(name)
    return DataRequestOut(
        case_reference=case.reference,
        agreement=body.agreement,
        fields=values,
        refused_fields=list(decision.refused_fields),
    )


class PartyIn(StrictSchema):
    organisation: str  # official code
    role: str
    receives: bool = False


class ItemIn(StrictSchema):
    holder: str  # official code of a party
    service: str
    fields: list[str]
    special_category: bool = False


class AgreementIn(StrictSchema):
    title: str
    summary: str = ""
    purposes: list[str]
    lawful_basis: str
    special_category_condition: str = ""
    statutory_power: str = ""
    starts_on: date
    ends_on: date
    review_on: date
    retention_days_at_recipient: int
    parties: list[PartyIn]
    items: list[ItemIn]


@router.post(
    "/agreements",
    response={201: AgreementOut},
    auth=api_key_auth,
    summary="Draft an agreement led by your organisation; each party's admin approves it in the back office",
)
def agreement_draft(request: HttpRequest, body: AgreementIn) -> tuple[int, AgreementOut]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    agreement = agreement_draft_from_terms(
        actor=key.user,
        lead=key.organisation,
        draft=AgreementDraft(
            title=body.title,
            summary=body.summary,
            purposes=body.purposes,
            lawful_basis=body.lawful_basis,
            special_category_condition=body.special_category_condition,
            statutory_power=body.statutory_power,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            review_on=body.review_on,
            retention_days_at_recipient=body.retention_days_at_recipient,
        ),
        parties=[(p.organisation, p.role, p.receives) for p in body.parties],
        items=[(i.holder, i.service, i.fields, i.special_category) for i in body.items],
    )
    return 201, _agreement_out(agreement)
