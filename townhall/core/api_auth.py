"""How the API knows who is calling: an organisation's API key, sent as a bearer token."""

from __future__ import annotations

from typing import Any

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
    """The actor for a request: the API key's service user, or the signed-in member of staff."""
    return request.user
