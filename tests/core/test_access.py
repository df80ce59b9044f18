"""`staff_required`: signed in, second factor verified (or single sign-on), and a member somewhere."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import Client, RequestFactory

from townhall.core.roles import Role
from townhall.core.views import staff_required
from townhall.core.views.access import OIDC_BACKEND


@staff_required
def _page(request):  # type: ignore[no-untyped-def]
    return HttpResponse("back office")


def test_anonymous_visitors_are_sent_to_sign_in_and_back(db):
    response = Client().get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/sign-in/?next=%2Fstaff%2F"


def test_signed_in_without_a_verified_second_factor_is_refused(district, make_staff):
    user = make_staff(district, Role.ORGANISATION_ADMIN)
    client = Client()
    client.force_login(user)  # password only: no authenticator code this session
    assert client.get("/staff/").status_code == 302
    assert client.get("/staff/organisations/mid-downs/members/").status_code == 302


def test_verified_staff_without_any_membership_are_refused(db, make_staff, verified_client, district):
    user = make_staff(district)  # no roles
    response = verified_client(user).get("/staff/")
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


def test_verified_staff_with_a_membership_pass(district, make_staff, verified_client):
    user = make_staff(district, Role.CASEWORKER)
    response = verified_client(user).get("/staff/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mid Downs District Council" in body and "Caseworker" in body


def test_single_sign_on_counts_as_a_verified_second_factor(district, make_staff):
    user = make_staff(district, Role.CASEWORKER)
    request = RequestFactory().get("/staff/x/")
    request.user = user
    request.session = SessionStore()
    request.session[BACKEND_SESSION_KEY] = OIDC_BACKEND
    assert _page(request).status_code == 200

    request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    assert _page(request).status_code == 302


def test_an_api_keys_service_user_is_not_staff(district, make_staff):
    from townhall.core.services.api_keys import api_key_create

    admin = make_staff(district, Role.ORGANISATION_ADMIN)
    key, _ = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    request = RequestFactory().get("/staff/x/")
    request.user = key.user
    request.session = SessionStore()
    request.session[BACKEND_SESSION_KEY] = OIDC_BACKEND
    assert _page(request).status_code == 403
