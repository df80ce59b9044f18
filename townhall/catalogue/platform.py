"""Services the platform gives every organisation, worked in the back office only. No Django.

They are published like any other service, so their cases sit in the casework queue with their
clocks, but residents do not start them online and they are not offered for other councils to
adopt: the app that owns each one opens its cases (``townhall.sharing`` opens data protection
requests once a resident's identity has been checked).
"""

from __future__ import annotations

DATA_PROTECTION_REQUEST = "data-protection-request"

STAFF_ONLY_SERVICES = frozenset({DATA_PROTECTION_REQUEST})


def is_staff_only(service_slug: str) -> bool:
    return service_slug in STAFF_ONLY_SERVICES
