"""Core API: the caller's identity and the organisations on the platform."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from townhall.core.api_auth import api_key_auth
from townhall.core.models import ApiKey, Organisation
from townhall.core.permissions import roles_in

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
