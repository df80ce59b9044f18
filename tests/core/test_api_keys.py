"""API keys: hashed at rest, revocable (then 401), and limited to what their scopes allow."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection
from django.test import Client

from townhall.core.models import ApiKey, AuditEvent
from townhall.core.permissions import roles_in
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create, api_key_revoke


@pytest.fixture
def admin(district, make_staff):
    return make_staff(district, Role.ORGANISATION_ADMIN)


def _call(method: str, path: str, secret: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    if method == "get":
        return client.get(path, **headers)
    return client.post(path, data=json.dumps(body or {}), content_type="application/json", **headers)


def test_a_revoked_key_gets_401_unauthenticated(admin, district):
    key, secret = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    assert _call("get", "/api/v1/me", secret).status_code == 200
    api_key_revoke(actor=admin, organisation=district, key_id=key.pk)
    response = _call("get", "/api/v1/me", secret)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["Content-Type"] == "application/problem+json"


def test_keys_are_hashed_at_rest(admin, district):
    key, secret = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.ANALYST])
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    # No column of any table holds the secret or the random part after its prefix.
    random_part = secret.split("_", 2)[2]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = " ".join(str(value) for value in row)
                assert random_part not in text, f"secret found in {table} ({columns})"


def test_scopes_limit_what_a_key_can_do(admin, district):
    _, caseworker_secret = api_key_create(actor=admin, organisation=district, name="Cases", scopes=[Role.CASEWORKER])
    _, admin_secret = api_key_create(
        actor=admin, organisation=district, name="Provisioning", scopes=[Role.ORGANISATION_ADMIN]
    )
    refused = _call("get", "/api/v1/api-keys", caseworker_secret)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    refused = _call("post", "/api/v1/api-keys", caseworker_secret, {"name": "More", "scopes": ["caseworker"]})
    assert refused.status_code == 403
    assert ApiKey.objects.count() == 2

    listed = _call("get", "/api/v1/api-keys", admin_secret)
    assert listed.status_code == 200
    assert {k["name"]: k["scopes"] for k in listed.json()} == {
        "Cases": ["caseworker"],
        "Provisioning": ["organisation_admin"],
    }
    assert caseworker_secret not in listed.content.decode()


def test_an_admin_key_issues_and_revokes_keys_of_its_own_organisation_only(admin, district, county, make_staff):
    _, secret = api_key_create(
        actor=admin, organisation=district, name="Provisioning", scopes=[Role.ORGANISATION_ADMIN]
    )
    created = _call("post", "/api/v1/api-keys", secret, {"name": "Bins", "scopes": ["caseworker"]})
    assert created.status_code == 201
    new_secret = created.json()["secret"]
    assert _call("get", "/api/v1/me", new_secret).json()["scopes"] == ["caseworker"]

    revoked = _call("post", f"/api/v1/api-keys/{created.json()['prefix']}/revoke", secret)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert _call("get", "/api/v1/me", new_secret).status_code == 401
    assert AuditEvent.objects.filter(action="api_key.revoked", organisation=district).count() == 1

    other_admin = make_staff(county, Role.ORGANISATION_ADMIN)
    other_key, other_secret = api_key_create(
        actor=other_admin, organisation=county, name="County", scopes=[Role.ANALYST]
    )
    response = _call("post", f"/api/v1/api-keys/{other_key.prefix}/revoke", secret)
    assert response.status_code == 404 and response.json()["code"] == "api_key_not_found"
    assert _call("get", "/api/v1/me", other_secret).status_code == 200


def test_unknown_scopes_and_platform_admin_are_refused(admin, district):
    _, secret = api_key_create(
        actor=admin, organisation=district, name="Provisioning", scopes=[Role.ORGANISATION_ADMIN]
    )
    unknown = _call("post", "/api/v1/api-keys", secret, {"name": "X", "scopes": ["wizard"]})
    assert unknown.status_code == 422 and unknown.json()["code"] == "api_key_scope_unknown"
    platform = _call("post", "/api/v1/api-keys", secret, {"name": "X", "scopes": ["platform_admin"]})
    assert platform.status_code == 422 and platform.json()["code"] == "api_key_scope_not_allowed"


def test_a_made_up_key_is_401(db):
    response = _call("get", "/api/v1/api-keys", "th_deadbeef_not-a-real-key")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def _local_cache(seconds: int):  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.test import override_settings

    return override_settings(CACHES={**settings.CACHES, "local": {**settings.CACHES["local"], "TIMEOUT": seconds}})


def test_a_key_revoked_by_another_process_is_refused_once_this_ones_copy_expires(admin, district):
    """Each process remembers a key for LOCAL_CACHE_SECONDS; a revocation made elsewhere waits that long."""
    import time

    from django.utils import timezone

    key, secret = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    with _local_cache(1):
        # The first call records the key's use and reads it afresh next time; the second remembers it.
        assert [_call("get", "/api/v1/me", secret).status_code for _ in range(2)] == [200, 200]
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())  # as another web process would
        assert _call("get", "/api/v1/me", secret).status_code == 200  # still remembered here
        time.sleep(1.1)
        assert _call("get", "/api/v1/me", secret).status_code == 401


def test_local_cache_seconds_0_remembers_no_key(admin, district):
    from django.utils import timezone

    key, secret = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    with _local_cache(0):
        assert _call("get", "/api/v1/me", secret).status_code == 200
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        assert _call("get", "/api/v1/me", secret).status_code == 401


def test_a_role_taken_from_a_keys_user_is_seen_at_once(admin, district):
    from townhall.core.services.organisations import membership_revoke

    key, secret = api_key_create(
        actor=admin, organisation=district, name="Robot", scopes=[Role.ANALYST, Role.CASEWORKER]
    )
    assert _call("get", "/api/v1/me", secret).json()["scopes"] == ["analyst", "caseworker"]
    membership_revoke(actor=admin, organisation=district, user=key.user, role=Role.CASEWORKER)
    assert _call("get", "/api/v1/me", secret).json()["scopes"] == ["analyst"]


def test_a_remembered_key_is_read_once_and_gives_each_request_its_own_copy(admin, district, django_assert_num_queries):
    from townhall.core.services.api_keys import api_key_authenticate

    _key, secret = api_key_create(actor=admin, organisation=district, name="Robot", scopes=[Role.CASEWORKER])
    with django_assert_num_queries(5):  # the key and its roles, its first use recorded; both read again
        api_key_authenticate(secret)
        first = api_key_authenticate(secret)
    assert first is not None and first.last_used_at is not None
    with django_assert_num_queries(0):  # the key, its organisation and its user's roles, all remembered
        second = api_key_authenticate(secret)
        assert second is not None and roles_in(second.user, second.organisation) == {Role.CASEWORKER}
    assert second == first and second is not first and second.organisation is not first.organisation


@pytest.mark.parametrize("name", ["", "   ", "k" * 121])
def test_a_key_name_must_fit_its_column(admin, district, name):
    """ApiKey.name holds 120 characters: a longer one was a 500 on PostgreSQL."""
    _, secret = api_key_create(actor=admin, organisation=district, name="Admin", scopes=[Role.ORGANISATION_ADMIN])
    response = _call("post", "/api/v1/api-keys", secret, {"name": name, "scopes": ["caseworker"]})
    assert response.status_code == 422 and response.json()["code"] == "api_key_name_invalid"
    assert ApiKey.objects.filter(organisation=district).count() == 1
