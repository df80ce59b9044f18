"""Reads for the back office: an organisation as a member of staff sees it, its members and API keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from townhall.core.errors import NotFound
from townhall.core.models import ApiKey, Membership, Organisation
from townhall.core.permissions import is_platform_admin, organisations_of, require, roles_in
from townhall.core.roles import Permission, Role


@dataclass(frozen=True)
class StaffOrganisation:
    organisation: Organisation
    roles: list[Role]


def staff_organisations(*, actor: Any) -> list[StaffOrganisation]:
    """The organisations a member of staff belongs to, with their roles in each."""
    return [
        StaffOrganisation(org, sorted(roles_in(actor, org), key=lambda r: list(Role).index(r)))
        for org in organisations_of(actor)
    ]


def organisation_for_staff(*, slug: str, actor: Any, permission: Permission) -> Organisation:
    """The organisation called ``slug`` if the actor may act there with ``permission``.

    An organisation the actor does not belong to is a NotFound, so existence does not leak;
    a member without the permission gets a PermissionDenied.
    """
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not (roles_in(actor, organisation) or is_platform_admin(actor)):
        raise NotFound("No such organisation", code="organisation_not_found")
    require(actor, organisation, permission)
    return organisation


def membership_list(*, organisation: Organisation, actor: Any) -> QuerySet[Membership]:
    """Staff memberships (API keys' service users left out), by name then role."""
    require(actor, organisation, Permission.MANAGE_MEMBERS)
    return (
        Membership.objects.filter(organisation=organisation, user__api_key__isnull=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    )


def staff_find(*, organisation: Organisation, actor: Any, identifier: str) -> Any:
    """An active member of staff's account by username or email, for granting a role."""
    require(actor, organisation, Permission.MANAGE_MEMBERS)
    identifier = identifier.strip()
    User = get_user_model()
    matches = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier), is_active=True)
        .filter(api_key__isnull=True)
        .distinct()[:2]
    )
    if len(matches) != 1:
        raise NotFound("No member of staff has that username or email address", code="staff_not_found")
    return matches[0]


def api_key_list(*, organisation: Organisation, actor: Any) -> list[tuple[ApiKey, list[str]]]:
    """The organisation's API keys, newest first, each with its scopes (the roles of its service user)."""
    require(actor, organisation, Permission.MANAGE_API_KEYS)
    keys = list(
        ApiKey.objects.filter(organisation=organisation)
        .select_related("created_by")
        .order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
    )
    scopes: dict[int, list[str]] = {}
    for user_id, role in Membership.objects.filter(
        organisation=organisation, user_id__in=[k.user_id for k in keys]
    ).values_list("user_id", "role"):
        scopes.setdefault(user_id, []).append(role)
    return [(key, sorted(scopes.get(key.user_id, []))) for key in keys]


def api_key_get(*, organisation: Organisation, actor: Any, prefix: str) -> ApiKey:
    require(actor, organisation, Permission.MANAGE_API_KEYS)
    key = ApiKey.objects.filter(organisation=organisation, prefix=prefix).first()
    if key is None:
        raise NotFound("No such API key", code="api_key_not_found")
    return key


def organisation_list_for_platform(*, actor: Any) -> QuerySet[Organisation]:
    """Every organisation on the platform, for a platform admin; nobody else may list them all here."""
    if not is_platform_admin(actor):
        from townhall.core.errors import PermissionDenied

        raise PermissionDenied("Only a platform admin can see every organisation")
    return Organisation.objects.order_by("name")
