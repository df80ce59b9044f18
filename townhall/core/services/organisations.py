"""Writes on organisations and their staff."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from townhall.core.errors import Conflict, ValidationFailed
from townhall.core.models import Membership, Organisation, OrganisationKind
from townhall.core.permissions import forget_roles, is_platform_admin, require
from townhall.core.roles import Permission, Role
from townhall.core.services.audit import audit_record

# Official codes by kind of organisation. GSS: a letter and 8 digits (E07000223);
# ODS: 3 to 6 letters and digits (RXH, R1F); police: force code; others: registration numbers.
CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    **{kind: re.compile(r"^[EWSN]\d{8}$") for kind in OrganisationKind.councils()},
    OrganisationKind.NHS_BODY: re.compile(r"^[A-Z0-9]{3,6}$"),
    OrganisationKind.POLICE: re.compile(r"^[A-Z0-9]{2,10}$"),
    OrganisationKind.HOUSING_ASSOCIATION: re.compile(r"^[A-Z0-9]{2,10}$"),
    OrganisationKind.SCHOOL: re.compile(r"^\d{6,7}$"),
    OrganisationKind.VOLUNTARY: re.compile(r"^[A-Z0-9]{4,12}$"),
}

CODE_NAMES = {
    **dict.fromkeys(OrganisationKind.councils(), "GSS code, like E07000223"),
    OrganisationKind.NHS_BODY: "ODS code, like RXH",
    OrganisationKind.SCHOOL: "unique reference number (URN), like 123456",
}


def validate_organisation_code(*, kind: str, code: str) -> None:
    if kind not in OrganisationKind.values:
        raise ValidationFailed(f"Unknown kind of organisation: {kind!r}", code="unknown_organisation_kind")
    if not CODE_PATTERNS[kind].match(code):
        expected = CODE_NAMES.get(kind, "official registration code")
        raise ValidationFailed(f"{code!r} is not a valid {expected}", code="invalid_organisation_code")


def organisation_create(
    *, actor: Any, slug: str, name: str, kind: str, code: str, name_cy: str = "", welsh_enabled: bool = False
) -> Organisation:
    """Create a tenant. Only platform admins may; ``actor=None`` is the platform itself (set-up, demo)."""
    if actor is not None and not is_platform_admin(actor):
        from townhall.core.errors import PermissionDenied

        raise PermissionDenied("Only a platform admin can create an organisation")
    code = code.strip().upper()
    validate_organisation_code(kind=kind, code=code)
    with transaction.atomic():
        if Organisation.objects.filter(code=code).exists():
            raise Conflict(f"An organisation with code {code} already exists", code="organisation_code_taken")
        if Organisation.objects.filter(slug=slug).exists():
            raise Conflict(f"An organisation called {slug} already exists", code="organisation_slug_taken")
        organisation = Organisation.objects.create(
            slug=slug, name=name, name_cy=name_cy, kind=kind, code=code, welsh_enabled=welsh_enabled
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="organisation.created",
            object_type="organisation",
            object_id=organisation.pk,
            data={"code": code, "kind": kind, "name": name},
        )
    return organisation


def membership_grant(*, actor: Any, organisation: Organisation, user: Any, role: Role, team: str = "") -> Membership:
    if actor is not None:
        require(actor, organisation, Permission.MANAGE_MEMBERS)
        if role == Role.PLATFORM_ADMIN and not is_platform_admin(actor):
            from townhall.core.errors import PermissionDenied

            raise PermissionDenied("Only a platform admin can make another platform admin")
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role.value, defaults={"team": team}
        )
        if created:
            audit_record(
                organisation=organisation,
                actor=actor,
                action="membership.granted",
                object_type="user",
                object_id=user.pk,
                data={"role": role.value, "team": team, "username": user.get_username()},
            )
    forget_roles(user)
    return membership


def membership_revoke(*, actor: Any, organisation: Organisation, user: Any, role: Role) -> None:
    require(actor, organisation, Permission.MANAGE_MEMBERS)
    if role == Role.PLATFORM_ADMIN and not is_platform_admin(actor):
        from townhall.core.errors import PermissionDenied

        raise PermissionDenied("Only a platform admin can remove a platform admin")
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(user=user, organisation=organisation, role=role.value).delete()
        if deleted:
            audit_record(
                organisation=organisation,
                actor=actor,
                action="membership.revoked",
                object_type="user",
                object_id=user.pk,
                data={"role": role.value},
            )
    forget_roles(user)


def staff_create(*, username: str, email: str, password: str | None, full_name: str = "") -> Any:
    """A member of staff's account. Memberships are granted separately."""
    User = get_user_model()
    first, _, last = full_name.partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password)
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        audit_record(
            organisation=None,
            actor=None,
            action="staff.created",
            object_type="user",
            object_id=user.pk,
            data={"username": username},
        )
    return user
