from __future__ import annotations

from django.conf import settings
from django.db import models

from townhall.core.models.base import TimestampedModel
from townhall.core.models.organisations import Organisation


class ApiKey(TimestampedModel):
    """A key another system uses to call the API for one organisation.

    Only a SHA-256 digest of the secret is stored. Each key acts through its own service
    user, whose memberships are the key's scopes, so every service and selector treats a
    key exactly as it treats a member of staff.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="api_keys_created"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
