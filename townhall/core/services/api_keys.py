"""API keys: issued once, stored as a digest, scoped by their service user's roles, revocable."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from townhall.core.errors import NotFound, ValidationFailed
from townhall.core.local_cache import forget, forget_all, remembered
from townhall.core.models import ApiKey, Membership, Organisation
from townhall.core.permissions import require, roles_in
from townhall.core.roles import Permission, Role
from townhall.core.services.audit import audit_record

KEY_PREFIX = "th_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, actor: Any, organisation: Organisation, name: str, scopes: list[Role]) -> tuple[ApiKey, str]:
    """Issue a key. Returns the key and its secret, which is shown once and never stored."""
    require(actor, organisation, Permission.MANAGE_API_KEYS)
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Give the key a name of up to 120 characters", code="api_key_name_invalid")
    if not scopes:
        raise ValidationFailed("Give the key at least one scope", code="api_key_scope_required")
    if Role.PLATFORM_ADMIN in scopes:
        raise ValidationFailed("An API key cannot be a platform admin", code="api_key_scope_not_allowed")
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(username=f"apikey-{prefix}", password=None)
        key = ApiKey.objects.create(
            organisation=organisation, name=name, prefix=prefix, digest=_digest(secret), user=user, created_by=actor
        )
        Membership.objects.bulk_create(
            [Membership(user=user, organisation=organisation, role=scope.value) for scope in set(scopes)]
        )
        audit_record(
            organisation=organisation,
            actor=actor,
            action="api_key.created",
            object_type="api_key",
            object_id=key.pk,
            data={"name": name, "prefix": prefix, "scopes": sorted(s.value for s in scopes)},
        )
    return key, secret


def api_key_revoke(*, actor: Any, organisation: Organisation, key_id: int) -> ApiKey:
    require(actor, organisation, Permission.MANAGE_API_KEYS)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(pk=key_id, organisation=organisation).first()
        if key is None:
            raise NotFound("No such API key", code="api_key_not_found")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            key.user.is_active = False
            key.user.save(update_fields=["is_active"])
            audit_record(
                organisation=organisation,
                actor=actor,
                action="api_key.revoked",
                object_type="api_key",
                object_id=key.pk,
            )
            forget_all()
    return key


def _live_key(digest: str) -> ApiKey | None:
    try:  # the digest is unique: a plain get, with no ordering to build
        key = ApiKey.objects.select_related("user", "organisation").get(
            digest=digest, revoked_at__isnull=True, organisation__is_active=True
        )
    except ApiKey.DoesNotExist:
        return None
    roles_in(key.user, key.organisation)  # read now, so the remembered key carries its user's roles
    return key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The live key for a secret, or None. Constant-time in the secret: only its digest is looked up.

    The key is remembered for a few seconds in this process (core/local_cache.py); its last use is
    written at most once a minute.
    """
    if not secret.startswith(KEY_PREFIX):
        return None
    digest = _digest(secret)
    key = remembered("api-key", (digest,), lambda: _live_key(digest))
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        forget("api-key", (digest,))  # the next request reads the key as written, and need not write it again
    return key
