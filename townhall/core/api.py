"""Core API: the caller's identity and the organisations on the platform."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from townhall.core.api_auth import actor_of, api_key_auth
from townhall.core.api_schemas import StrictSchema
from townhall.core.errors import FieldError, ValidationFailed
from townhall.core.models import ApiKey, Organisation
from townhall.core.permissions import roles_in
from townhall.core.roles import Role
from townhall.core.selectors.organisations import api_key_get, api_key_list
from townhall.core.services.api_keys import api_key_create, api_key_revoke

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    slug: str
    name: str
    name_cy: str
    kind: str
    code: str


class WhoAmIOut(Schema):
    organisation: OrganisationOut
    key_name: str
    scopes: list[str]


@router.get("/organisations", response=list[OrganisationOut], auth=None, summary="Organisations on the platform")
def organisation_list(request: HttpRequest) -> list[Organisation]:
    return list(Organisation.objects.filter(is_active=True).order_by("name"))


@router.get("/me", response=WhoAmIOut, auth=api_key_auth, summary="The calling API key and its scopes")
def who_am_i(request: HttpRequest) -> dict[str, object]:
    key: ApiKey = request.auth  # type: ignore[attr-defined]
    return {
        "organisation": key.organisation,
        "key_name": key.name,
        "scopes": sorted(r.value for r in roles_in(key.user, key.organisation)),
    }


# --- API key management (a key with the organisation admin scope manages its organisation's keys) ---


class ApiKeyOut(Schema):
    prefix: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyIn(StrictSchema):
    name: str
    scopes: list[str]


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str


def _key_out(key: ApiKey, scopes: list[str]) -> dict[str, object]:
    return {
        "prefix": key.prefix,
        "name": key.name,
        "scopes": scopes,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
    }


def _roles(values: list[str]) -> list[Role]:
    known = {r.value for r in Role}
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValidationFailed(
            "Unknown scope",
            code="api_key_scope_unknown",
            errors=[FieldError("api_key_scope_unknown", f"{v!r} is not a role", "scopes") for v in unknown],
        )
    return [Role(v) for v in values]


@router.get(
    "/api-keys", response=list[ApiKeyOut], auth=api_key_auth, tags=["api keys"], summary="The organisation's API keys"
)
def api_key_index(request: HttpRequest) -> list[dict[str, object]]:
    caller: ApiKey = request.auth  # type: ignore[attr-defined]
    return [_key_out(k, s) for k, s in api_key_list(organisation=caller.organisation, actor=actor_of(request))]


@router.post(
    "/api-keys", response={201: ApiKeyCreatedOut}, auth=api_key_auth, tags=["api keys"], summary="Issue an API key"
)
def api_key_issue(request: HttpRequest, payload: ApiKeyIn) -> tuple[int, dict[str, object]]:
    caller: ApiKey = request.auth  # type: ignore[attr-defined]
    scopes = _roles(payload.scopes)
    key, secret = api_key_create(
        actor=actor_of(request), organisation=caller.organisation, name=payload.name, scopes=scopes
    )
    return 201, {**_key_out(key, sorted(s.value for s in set(scopes))), "secret": secret}


@router.post(
    "/api-keys/{prefix}/revoke", response=ApiKeyOut, auth=api_key_auth, tags=["api keys"], summary="Revoke an API key"
)
def api_key_revoke_endpoint(request: HttpRequest, prefix: str) -> dict[str, object]:
    caller: ApiKey = request.auth  # type: ignore[attr-defined]
    actor = actor_of(request)
    key = api_key_get(organisation=caller.organisation, actor=actor, prefix=prefix)
    key = api_key_revoke(actor=actor, organisation=caller.organisation, key_id=key.pk)
    scopes = sorted(key.user.memberships.values_list("role", flat=True))
    return _key_out(key, scopes)
