"""How the API knows who is calling: an organisation's API key, sent as a bearer token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from townhall.core.models import ApiKey
from townhall.core.services.api_keys import api_key_authenticate


class ApiKeyAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = api_key_authenticate(token)
        if key is not None:
            request.user = key.user  # services receive the key's service user as the actor
        return key


api_key_auth = ApiKeyAuth()


def actor_of(request: HttpRequest) -> Any:
    """The actor for an API request: the API key's service user, else nobody.

    Never the browser's signed-in member of staff: the API authenticates keys only, and a staff session
    (perhaps not yet past its second factor) must not reach drafts through an endpoint a key is optional on.
    """
    key = getattr(request, "auth", None)
    if isinstance(key, ApiKey):
        return key.user
    return AnonymousUser()
