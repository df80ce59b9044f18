"""Single sign-on: matching by verified email to existing staff only, and the OIDC_ENABLED switch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory, override_settings

from townhall.core.models import AuditEvent
from townhall.core.roles import Role

OIDC_SETTINGS = {
    "OIDC_RP_CLIENT_ID": "townhall",
    "OIDC_RP_CLIENT_SECRET": "not-a-secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
    "OIDC_RP_SIGN_ALGO": "RS256",
}


@pytest.fixture
def backend():  # type: ignore[no-untyped-def]
    # Single sign-on's URLs are only mounted when OIDC_ENABLED=1 at start-up (tested below in a subprocess);
    # here the redirect URI the backend sends to the (stubbed) identity provider names another page.
    with override_settings(**OIDC_SETTINGS, OIDC_AUTHENTICATION_CALLBACK_URL="core:sign-in"):
        from townhall.core.oidc import TownhallOIDCBackend

        yield TownhallOIDCBackend()


def _sign_in(backend, claims):  # type: ignore[no-untyped-def]
    """The backend's whole authenticate(), with the identity provider's answers stubbed (no IdP here)."""
    request = RequestFactory().get("/staff/oidc/callback/", {"code": "code", "state": "state"})
    request.session = SessionStore()
    with (
        mock.patch.object(backend, "get_token", return_value={"id_token": "id", "access_token": "access"}),
        mock.patch.object(backend, "verify_token", return_value={"sub": "someone"}),
        mock.patch.object(backend, "get_userinfo", return_value=claims),
    ):
        return backend.authenticate(request, nonce="nonce")


def test_a_verified_email_signs_in_the_matching_member_of_staff(backend, district, make_staff):
    user = make_staff(district, Role.CASEWORKER)
    signed_in = _sign_in(backend, {"email": user.email.upper(), "email_verified": True})
    assert signed_in == user
    event = AuditEvent.objects.filter(action="staff.signed_in").get()
    assert event.actor_id == user.pk and event.data == {"method": "oidc"}


def test_an_unverified_email_matches_nobody(backend, district, make_staff):
    user = make_staff(district, Role.CASEWORKER)
    assert _sign_in(backend, {"email": user.email, "email_verified": False}) is None
    assert _sign_in(backend, {"email": user.email}) is None
    assert not AuditEvent.objects.filter(action="staff.signed_in").exists()


def test_nobody_registers_themselves(backend, db):
    users_before = get_user_model().objects.count()
    assert _sign_in(backend, {"email": "new.person@example.test", "email_verified": True}) is None
    assert get_user_model().objects.count() == users_before


def test_staff_without_a_membership_or_inactive_are_refused(backend, district, make_staff):
    no_roles = make_staff(district)
    assert _sign_in(backend, {"email": no_roles.email, "email_verified": True}) is None
    gone = make_staff(district, Role.CASEWORKER)
    gone.is_active = False
    gone.save()
    assert _sign_in(backend, {"email": gone.email, "email_verified": "true"}) is None


def test_an_email_shared_by_two_accounts_signs_in_neither(backend, district, make_staff):
    first = make_staff(district, Role.CASEWORKER)
    second = make_staff(district, Role.ANALYST)
    second.email = first.email
    second.save()
    assert _sign_in(backend, {"email": first.email, "email_verified": True}) is None


def test_one_membership_row_per_role_does_not_duplicate_the_match(backend, district, county, make_staff):
    user = make_staff(district, Role.CASEWORKER, Role.ANALYST)
    from townhall.core.services.organisations import membership_grant

    membership_grant(actor=None, organisation=county, user=user, role=Role.CASEWORKER)
    assert list(backend.filter_users_by_claims({"email": user.email, "email_verified": True})) == [user]


def _run_with(env: dict[str, str], tmp_path: Path, code: str) -> str:
    root = Path(__file__).resolve().parents[2]
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "townhall.settings",
        "TOWNHALL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=root,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


SWITCH_PROBE = """
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse
print("backend", "townhall.core.oidc.TownhallOIDCBackend" in settings.AUTHENTICATION_BACKENDS)
try:
    print("url", reverse("oidc_authentication_init"), reverse("oidc_authentication_callback"))
except NoReverseMatch:
    print("url none")
body = Client().get("/staff/sign-in/").content.decode()
label = "Sign in with your organisation"
print("button", label + "&#39;s account" in body or label + "'s account" in body)
"""


def test_oidc_enabled_switches_on_the_backend_the_urls_and_the_button(tmp_path):
    env = {"OIDC_ENABLED": "1", **OIDC_SETTINGS}
    out = _run_with(env, tmp_path, SWITCH_PROBE)
    assert "backend True" in out
    assert "url /staff/oidc/authenticate/ /staff/oidc/callback/" in out
    assert "button True" in out


def test_oidc_is_off_unless_enabled(tmp_path):
    out = _run_with({"OIDC_ENABLED": "0"}, tmp_path, SWITCH_PROBE)
    assert "backend False" in out and "url none" in out and "button False" in out
