"""`staff_required`: the door to every back-office page.

A member of staff passes when they are signed in, their second factor is verified (an
authenticator code or backup code this session, or single sign-on through the organisation's
identity provider, which enforces its own MFA) and they hold at least one role somewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from townhall.core.errors import TownhallError
from townhall.core.permissions import organisations_of
from townhall.core.roles import Permission

OIDC_BACKEND = "townhall.core.oidc.TownhallOIDCBackend"


def second_factor_verified(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated:
        return False
    if request.session.get(BACKEND_SESSION_KEY) == OIDC_BACKEND:
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{reverse('core:sign-in')}?{urlencode({'next': request.get_full_path()})}")


def staff_refusal(request: HttpRequest) -> HttpResponse | None:
    """The response refusing this request to a back-office page, or None when it may go ahead."""
    if not request.user.is_authenticated or not second_factor_verified(request):
        return _to_sign_in(request)
    if getattr(request.user, "api_key", None) is not None or not organisations_of(request.user):
        return render(request, "core/no_access.html", {}, status=403)
    return None


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a back-office view: see the module docstring for who passes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = staff_refusal(request)
        if refusal is not None:
            return refusal
        return view(request, *args, **kwargs)

    return wrapper


class StaffRequiredMixin:
    """The same door for class-based views."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = staff_refusal(request)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def organisation_page(permission: Permission) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A back-office view for one organisation, named by ``organisation_slug`` in the address.

    The view receives the Organisation instead of the slug. Another organisation is a 404 (its existence
    does not leak); a member without ``permission`` gets the 403 page.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, organisation_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            from townhall.core.selectors.organisations import organisation_for_staff
            from townhall.core.views.rendering import error_page

            try:
                organisation = organisation_for_staff(slug=organisation_slug, actor=request.user, permission=permission)
            except TownhallError as error:
                return error_page(request, error)
            return view(request, organisation, *args, **kwargs)

        return wrapper

    return decorate
