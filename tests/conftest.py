"""Fixtures shared by every test: organisations, staff in each role, an actor helper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from townhall.core.models import Organisation
from townhall.core.roles import Role
from townhall.core.services.organisations import membership_grant, organisation_create, staff_create


@pytest.fixture(autouse=True)
def _rate_limits_off() -> Iterator[None]:
    """Rate limits stay off unless a test turns them on (tests/ops/test_ratelimit.py does, per test).

    `make test` runs pytest under the Makefile's DJANGO_SETTINGS_MODULE (townhall.settings, limits on), so
    without this every journey POST after the first 60 in a worker would be a 429.
    """
    with override_settings(RATELIMIT_ENABLE=False):
        yield


@pytest.fixture(autouse=True)
def _local_cache_empty() -> Iterator[None]:
    """Each test starts with nothing remembered (core/local_cache.py): rows from another test's rolled-back
    transaction must not be found in this one."""
    from django.core.cache import caches

    caches["local"].clear()
    yield
    caches["local"].clear()


@pytest.fixture
def district(db: Any) -> Organisation:
    return organisation_create(
        actor=None, slug="mid-downs", name="Mid Downs District Council", kind="district_council", code="E07000901"
    )


@pytest.fixture
def county(db: Any) -> Organisation:
    return organisation_create(
        actor=None, slug="downshire", name="Downshire County Council", kind="county_council", code="E10000901"
    )


@pytest.fixture
def make_staff(db: Any):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def make(organisation: Organisation, *roles: Role, username: str | None = None) -> Any:
        counter["n"] += 1
        user = staff_create(
            username=username or f"staff{counter['n']}",
            email=f"staff{counter['n']}@example.test",
            password="correct horse battery staple",
        )
        for role in roles:
            membership_grant(actor=None, organisation=organisation, user=user, role=role)
        return user

    return make


@pytest.fixture
def verified_client():  # type: ignore[no-untyped-def]
    """A test client signed in as ``user`` with a verified authenticator, as after a real sign-in."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def make(user: Any) -> Client:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=True
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return make
