"""Who may do what, where. Every service and selector asks here before it reads or writes."""

from __future__ import annotations

from typing import Any

from townhall.core.errors import PermissionDenied
from townhall.core.local_cache import forget_all
from townhall.core.models import Membership, Organisation
from townhall.core.roles import Permission, Role, permissions_for

_CACHE_ATTR = "_townhall_roles"


def _all_roles(actor: Any) -> dict[int, frozenset[Role]]:
    """Every organisation id → roles the actor holds there, read once per actor object."""
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    roles: dict[int, set[Role]] = {}
    if actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False):
        for org_id, role in Membership.objects.filter(user=actor, organisation__is_active=True).values_list(
            "organisation_id", "role"
        ):
            roles.setdefault(org_id, set()).add(Role(role))
    frozen = {org_id: frozenset(r) for org_id, r in roles.items()}
    if actor is not None:
        setattr(actor, _CACHE_ATTR, frozen)
    return frozen


def forget_roles(actor: Any) -> None:
    """After a change of the actor's roles: also drops the API keys this process remembers with theirs."""
    if actor is not None and hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)
    forget_all()


def is_platform_admin(actor: Any) -> bool:
    return any(Role.PLATFORM_ADMIN in roles for roles in _all_roles(actor).values())


def roles_in(actor: Any, organisation: Organisation) -> frozenset[Role]:
    return _all_roles(actor).get(organisation.pk, frozenset())


def can(actor: Any, organisation: Organisation, permission: Permission) -> bool:
    if is_platform_admin(actor):
        return True
    return permission in permissions_for(roles_in(actor, organisation))


def require(actor: Any, organisation: Organisation, permission: Permission) -> None:
    if not can(actor, organisation, permission):
        raise PermissionDenied(f"You need the {permission.value.replace('_', ' ')} permission in {organisation.name}")


def organisations_of(actor: Any) -> list[Organisation]:
    """The organisations an actor belongs to, in name order."""
    ids = list(_all_roles(actor))
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name"))
