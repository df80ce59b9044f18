"""OpenID Connect single sign-on for staff (Microsoft Entra ID or any OIDC identity provider).

Switched on by ``OIDC_ENABLED=1`` (see settings.py and docs/operations.md). The identity
provider proves who the person is and enforces its own multi-factor authentication, so a
session signed in this way counts as second-factor verified (see ``core.views.access``).

Matching is by *verified* email address to an *existing*, active account that holds at least
one membership: nobody can register themselves through single sign-on.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import URLPattern, path, reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from townhall.core.services.sign_in import staff_sign_in_record

logger = logging.getLogger(__name__)


def _email_verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


class TownhallOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """Signs in existing staff whose verified email the identity provider asserts."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email")) and _email_verified(claims)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        User = get_user_model()
        email = (claims.get("email") or "").strip()
        if not email or not _email_verified(claims):
            return User.objects.none()
        return (
            User.objects.filter(email__iexact=email, is_active=True, memberships__isnull=False, api_key__isnull=True)
            .distinct()
            .order_by("pk")
        )

    def create_user(self, claims: dict[str, Any]) -> None:
        """No self-registration: an administrator must give the person a membership first."""
        logger.info("Single sign-on refused: no member of staff matches the asserted email address")
        return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None:
            staff_sign_in_record(user=user, method="oidc")
        return user


class TownhallOIDCCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc]
    """Back to the sign-in page (with a message) when single sign-on does not find the person."""

    @property
    def failure_url(self) -> str:
        return f"{reverse('core:sign-in')}?sso=failed"


def oidc_urlpatterns() -> list[URLPattern]:
    """mozilla-django-oidc's views under their own names (the library reverses them unnamespaced)."""
    return [
        path("callback/", TownhallOIDCCallbackView.as_view(), name="oidc_authentication_callback"),
        path("authenticate/", OIDCAuthenticationRequestView.as_view(), name="oidc_authentication_init"),
    ]
