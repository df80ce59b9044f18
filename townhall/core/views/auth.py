"""Staff sign-in: password (throttled by django-axes), then an authenticator code (throttled by django-otp).

Between the two steps the account is only *pending* in the session; the member of staff is
signed in (``django.contrib.auth.login``) once the second factor is verified, so no page ever
sees a half-signed-in user.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from townhall.core.errors import TownhallError
from townhall.core.forms import CodeForm, SignInForm, add_service_error, error_list, field_error
from townhall.core.services import sign_in, two_factor

PENDING_USER = "townhall_pending_user"
PENDING_BACKEND = "townhall_pending_backend"
PENDING_AT = "townhall_pending_at"
PENDING_NEXT = "townhall_pending_next"
PENDING_SECONDS = 10 * 60


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout page: too many wrong passwords for this username from this address."""
    return render(request, "core/locked_out.html", {}, status=429)


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return value
    return reverse("core:staff-home")


def _username_for(identifier: str) -> str:
    """Staff may sign in with their email address: find the username it belongs to (when unambiguous)."""
    if "@" not in identifier:
        return identifier
    User = get_user_model()
    usernames = list(User.objects.filter(email__iexact=identifier).values_list("username", flat=True)[:2])
    return usernames[0] if len(usernames) == 1 else identifier


def _oidc_url() -> str | None:
    if not getattr(settings, "OIDC_ENABLED", False):
        return None
    try:
        return reverse("oidc_authentication_init")
    except NoReverseMatch:
        return None


def sign_in_page(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=_username_for(form.cleaned_data["username"]),
            password=form.cleaned_data["password"],
        )
        if user is not None and user.is_active:
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_BACKEND] = user.backend  # type: ignore[attr-defined]
            request.session[PENDING_AT] = time.time()
            request.session[PENDING_NEXT] = _safe_next(request, next_url)
            if two_factor.has_confirmed_totp(user):
                return redirect("core:sign-in-code")
            return redirect("core:sign-in-set-up")
        form.add_error("password", _("The username, email address or password is not right"))
    context = {
        "form": form,
        "errors": error_list(form),
        "field_error": lambda name: field_error(form, name),
        "next": next_url,
        "oidc_url": _oidc_url(),
    }
    return render(request, "core/sign_in.html", context)


def _pending_user(request: HttpRequest) -> Any:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if user_id is None or time.time() - float(started) > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _complete(request: HttpRequest, user: Any, device: Any, method: str) -> HttpResponse:
    backend = request.session.get(PENDING_BACKEND)
    next_url = request.session.get(PENDING_NEXT) or reverse("core:staff-home")
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT, PENDING_NEXT):
        request.session.pop(key, None)
    login(request, user, backend=backend)
    otp_login(request, device)
    sign_in.staff_sign_in_record(user=user, method=method)
    return HttpResponseRedirect(next_url)


def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("core:sign-in")
    if not two_factor.has_confirmed_totp(user):
        return redirect("core:sign-in-set-up")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = sign_in.second_factor_check(user=user, token=form.cleaned_data["token"])
        except TownhallError as error:
            add_service_error(form, error, "token")
        else:
            method = "backup_code" if isinstance(device, StaticDevice) else "password_totp"
            return _complete(request, user, device, method)
    context = {"form": form, "errors": error_list(form), "token_error": field_error(form, "token")}
    return render(request, "core/sign_in_code.html", context)


def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up an authenticator app by scanning a QR code, then confirm one code."""
    user = _pending_user(request)
    if user is None:
        return redirect("core:sign-in")
    if two_factor.has_confirmed_totp(user):
        return redirect("core:sign-in-code")
    device = two_factor.totp_enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.totp_enrolment_confirm(user=user, token=form.cleaned_data["token"])
        except TownhallError as error:
            add_service_error(form, error, "token")
        else:
            response = _complete(request, user, device, "password_totp_enrolled")
            request.session["townhall_backup_codes"] = codes
            request.session["townhall_backup_next"] = response["Location"]
            return redirect("core:backup-codes")
    uri = device.config_url
    context = {
        "form": form,
        "errors": error_list(form),
        "token_error": field_error(form, "token"),
        "otpauth_uri": uri,
        "secret": uri.split("secret=", 1)[1].split("&", 1)[0],
        "qr_svg": two_factor.qr_code_svg(uri),
    }
    return render(request, "core/sign_in_set_up.html", context)


def backup_codes(request: HttpRequest) -> HttpResponse:
    """The backup codes issued at enrolment, shown once."""
    codes = request.session.pop("townhall_backup_codes", None)
    if not codes or not request.user.is_authenticated:
        return redirect("core:staff-home")
    next_url = request.session.pop("townhall_backup_next", None) or reverse("core:staff-home")
    return render(request, "core/backup_codes.html", {"codes": codes, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "core/signed_out.html", {})
