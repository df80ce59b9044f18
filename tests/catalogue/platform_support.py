"""Definition texts and helpers for the catalogue's platform-side tests (services, selectors, API, pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

DEFINITIONS_DIR = Path(__file__).resolve().parents[2] / "definitions"


def demo_source(name: str) -> str:
    return (DEFINITIONS_DIR / f"{name}.yaml").read_text(encoding="utf-8")


def small_source(
    *,
    id: str = "report-fly-tipping",
    organisation: str = "E07000901",
    version: int = 1,
    title: str = "Report fly-tipping",
    lgsl: int = 1150,
    start: str = "reported",
) -> str:
    """A small valid definition. ``start`` naming a state that does not exist makes the checker find an error."""
    return f"""\
format: townhall/service-definition/v1
id: {id}
version: {version}
organisation: {organisation}
lgsl: {lgsl}
title: {{en: {title}, cy: Rhoi gwybod am dipio anghyfreithlon}}
description: {{en: Tell us about rubbish dumped in a public place, cy: Rhowch wybod i ni}}
languages: [en, cy]
pages:
  - id: where
    title: {{en: "Where is it?", cy: "Ble mae e?"}}
    questions:
      - id: location
        type: textarea
        personal: false
        label: {{en: Describe where it is, cy: Disgrifiwch ble mae e}}
      - id: email
        type: email
        pii_role: email
        label: {{en: Email address, cy: Cyfeiriad e-bost}}
workflow:
  start: {start}
  states:
    - id: reported
      label: {{en: Reported, cy: Wedi rhoi gwybod}}
    - id: cleared
      label: {{en: Cleared, cy: Wedi clirio}}
      final: true
  transitions:
    - id: clear
      from: [reported]
      to: cleared
      label: {{en: Mark as cleared, cy: Marcio fel wedi clirio}}
      roles: [caseworker]
retention:
  days: 365
"""


def signed_in(user: Any) -> Client:
    """A client signed in as ``user`` with a verified authenticator, as after a real sign-in."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
