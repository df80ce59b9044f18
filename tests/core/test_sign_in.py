"""Staff sign-in: password, then an authenticator code; enrolment; backup codes; throttling; sign out."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from townhall.core.models import AuditEvent
from townhall.core.roles import Role

from .conftest import current_code

PASSWORD = "correct horse battery staple"
SIGN_IN = "/staff/sign-in/"


@pytest.fixture
def caseworker(district, make_staff):
    user = make_staff(district, Role.CASEWORKER, username="casey")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def _password_step(client: Client, username: str = "casey", password: str = PASSWORD, **extra: str):
    return client.post(SIGN_IN, {"username": username, "password": password, **extra})


def test_the_sign_in_page_asks_for_username_and_password(db):
    response = Client().get(SIGN_IN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body and 'name="password"' in body
    assert "Sign in with your organisation" not in body  # single sign-on is off by default


def test_a_wrong_password_shows_the_error_summary_and_signs_nobody_in(caseworker):
    client = Client()
    response = _password_step(client, password="not the password")
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "The username, email address or password is not right" in body
    assert 'href="#password"' in body
    assert SESSION_KEY not in client.session
    assert client.get(reverse("core:sign-in-code")).status_code == 302  # no pending sign-in


def test_empty_fields_are_named_in_the_error_summary(db):
    body = Client().post(SIGN_IN, {"username": "", "password": ""}).content.decode()
    assert "Enter your username or email address" in body
    assert "Enter your password" in body


def test_password_then_code_signs_in_and_is_audited(caseworker):
    client = Client()
    response = _password_step(client)
    assert response.status_code == 302 and response["Location"] == reverse("core:sign-in-code")
    assert SESSION_KEY not in client.session  # not signed in until the second factor is verified
    assert client.get("/staff/").status_code == 302

    device = TOTPDevice.objects.get(user=caseworker)
    response = client.post(reverse("core:sign-in-code"), {"token": current_code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("core:staff-home")
    home = client.get("/staff/")
    assert home.status_code == 200
    assert "Mid Downs District Council" in home.content.decode()
    event = AuditEvent.objects.filter(action="staff.signed_in").get()
    assert event.actor_id == caseworker.pk and event.data == {"method": "password_totp"}


def test_staff_may_sign_in_with_their_email_address(caseworker):
    response = _password_step(Client(), username=caseworker.email.upper())
    assert response["Location"] == reverse("core:sign-in-code")


def test_a_wrong_code_is_refused_with_the_error_summary(caseworker):
    client = Client()
    _password_step(client)
    response = client.post(reverse("core:sign-in-code"), {"token": "000000"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and 'href="#token"' in body
    assert SESSION_KEY not in client.session


@override_settings(OTP_TOTP_THROTTLE_FACTOR=60)  # a minute's wait after a wrong code, doubling after each
def test_wrong_codes_are_throttled_so_even_the_right_code_waits(caseworker):
    client = Client()
    _password_step(client)
    client.post(reverse("core:sign-in-code"), {"token": "000000"})
    device = TOTPDevice.objects.get(user=caseworker)
    assert device.throttling_failure_count == 1
    response = client.post(reverse("core:sign-in-code"), {"token": current_code(device)})
    assert "too many wrong codes" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_backup_code_signs_in_once(caseworker):
    device = StaticDevice.objects.create(user=caseworker, name="Backup codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd2345")
    client = Client()
    _password_step(client)
    response = client.post(reverse("core:sign-in-code"), {"token": "abcd2345"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="staff.signed_in").get().data == {"method": "backup_code"}
    assert not StaticToken.objects.filter(device=device).exists()

    again = Client()
    _password_step(again)
    assert "govuk-error-summary" in again.post(reverse("core:sign-in-code"), {"token": "abcd2345"}).content.decode()


def test_next_is_kept_when_on_this_site_and_ignored_when_not(caseworker):
    client = Client()
    _password_step(client, next="/staff/organisations/mid-downs/members/")
    device = TOTPDevice.objects.get(user=caseworker)
    response = client.post(reverse("core:sign-in-code"), {"token": current_code(device)})
    assert response["Location"] == "/staff/organisations/mid-downs/members/"

    other = Client()
    _password_step(other, next="https://evil.example/")
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    response = other.post(reverse("core:sign-in-code"), {"token": current_code(device)})
    assert response["Location"] == reverse("core:staff-home")


def test_staff_without_an_authenticator_set_one_up_with_a_qr_code(district, make_staff):
    user = make_staff(district, Role.ANALYST, username="ana")
    client = Client()
    response = _password_step(client, username="ana")
    assert response["Location"] == reverse("core:sign-in-set-up")
    page = client.get(reverse("core:sign-in-set-up"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "otpauth://totp/Townhall%3Aana?secret=" in body
    assert "<svg" in body and "<path" in body  # the QR code, inline
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert client.get("/staff/").status_code == 302  # not signed in yet

    wrong = client.post(reverse("core:sign-in-set-up"), {"token": "123"})
    assert "Enter the 6-digit code" in wrong.content.decode()

    response = client.post(reverse("core:sign-in-set-up"), {"token": current_code(device)})
    assert response["Location"] == reverse("core:backup-codes")
    codes_page = client.get(reverse("core:backup-codes")).content.decode()
    codes = StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    assert client.get(reverse("core:backup-codes")).status_code == 302  # shown once
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.filter(action="staff.totp_enrolled", actor=user).exists()


def test_the_code_steps_need_a_password_first(db):
    client = Client()
    assert client.get(reverse("core:sign-in-code"))["Location"] == reverse("core:sign-in")
    assert client.get(reverse("core:sign-in-set-up"))["Location"] == reverse("core:sign-in")


def test_sign_out_ends_the_session(caseworker, verified_client):
    client = verified_client(caseworker)
    assert client.get("/staff/").status_code == 200
    response = client.post(reverse("core:sign-out"))
    assert response.status_code == 200 and "You have signed out" in response.content.decode()
    assert client.get("/staff/").status_code == 302


@override_settings(AXES_ENABLED=True)
def test_five_wrong_passwords_lock_the_account_out(caseworker):
    client = Client(REMOTE_ADDR="192.0.2.10")
    for _ in range(4):
        assert _password_step(client, password="wrong password").status_code == 200
    locked = _password_step(client, password="wrong password")
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    # Even the right password is refused while locked out.
    response = _password_step(client)
    assert response.status_code == 429
    assert SESSION_KEY not in client.session


@override_settings(AXES_ENABLED=True)
def test_a_right_password_before_the_limit_resets_nothing_dangerous(caseworker):
    client = Client(REMOTE_ADDR="192.0.2.11")
    for _ in range(3):
        _password_step(client, password="wrong password")
    response = _password_step(client)
    assert response.status_code == 302


def test_the_setup_page_never_shows_a_second_device_secret(district, make_staff):
    make_staff(district, Role.ANALYST, username="ana")
    client = Client()
    _password_step(client, username="ana")
    first = re.search(r"secret=([A-Z2-7]+)", client.get(reverse("core:sign-in-set-up")).content.decode())
    second = re.search(r"secret=([A-Z2-7]+)", client.get(reverse("core:sign-in-set-up")).content.decode())
    assert first and second and first.group(1) == second.group(1)
    assert TOTPDevice.objects.count() == 1
