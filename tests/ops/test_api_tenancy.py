"""Every API operation that names a row in its path, called with another organisation's key (every scope):
the row's organisation's data is never in the answer, and nothing of it changes.

The operations come from the OpenAPI schema, so a new endpoint is covered as soon as it exists; the answers
allowed are listed per operation (a 404, as the house rule has it, or the public answer anyone gets).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.ops.conftest import SCOPES
from townhall.api import api
from townhall.cases.models import Case, CaseEvent
from townhall.core.models import ApiKey, AuditEvent, Organisation
from townhall.core.roles import Role
from townhall.core.services.api_keys import api_key_create
from townhall.core.services.organisations import membership_grant, staff_create
from townhall.portfolio import models as portfolio

SCHEMA = api.get_openapi_schema(path_prefix="/api/v1/")
NAMED = [
    (method, path)
    for path, operations in SCHEMA["paths"].items()
    for method in operations
    # Open data is published for everyone and holds no other rows (tests/opendata test what is withheld).
    if "{" in path and method in {"get", "post", "put", "patch", "delete"} and not path.startswith("/api/v1/open-data")
]
# Published definitions are public: anyone may read them, with or without a key.
PUBLIC = {
    "/api/v1/definitions/{organisation_code}/{service_slug}",
    "/api/v1/definitions/{organisation_code}/{service_slug}/export",
}
BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/cases/{reference}/transitions": {"transition": "clear"},
    "/api/v1/cases/{reference}/notes": {"text": "Seen"},
    "/api/v1/cases/{reference}/assignment": {"assignee": None},
    "/api/v1/portfolio/programmes/{slug}": {"starts_on": "2027-04-01"},
    "/api/v1/portfolio/programmes/{slug}/initiatives": {"id": "x", "name": "X", "category": "data"},
    "/api/v1/portfolio/programmes/{slug}/initiatives/{code}": {"name": "X", "category": "data"},
    "/api/v1/portfolio/programmes/{slug}/initiatives/{code}/status": {"rag": "red", "note": "Late"},
    "/api/v1/portfolio/programmes/{slug}/initiatives/{code}/channel-shift": {
        "service": "report-fly-tipping",
        "from_channel": "phone",
        "to_channel": "online",
        "shift": 0.5,
        "start": "2026-01-01",
        "end": "2026-06-30",
        "apply": True,
    },
    "/api/v1/portfolio/programmes/{slug}/scenarios": {"name": "Lean"},
    "/api/v1/portfolio/programmes/{slug}/runs": {},
}


@pytest.fixture
def outsider(county: Organisation) -> dict[str, str]:
    admin = staff_create(username="countyadmin", email="c@example.test", password="correct horse battery staple")
    membership_grant(actor=None, organisation=county, user=admin, role=Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=county, name="outsider", scopes=SCOPES)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _state() -> tuple[Any, ...]:
    case = Case.objects.get()
    return (
        case.state,
        case.assignee_id,
        case.team,
        CaseEvent.objects.count(),
        list(portfolio.Initiative.objects.order_by("pk").values_list("code", "name", "savings")),
        portfolio.Scenario.objects.count(),
        portfolio.Run.objects.count(),
        portfolio.StatusUpdate.objects.count(),
        list(portfolio.Programme.objects.values_list("starts_on", flat=True)),
        list(ApiKey.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), NAMED, ids=[f"{m} {p}" for m, p in NAMED])
def test_another_organisations_key_never_reads_or_changes_the_rows_a_path_names(
    method: str,
    path: str,
    organisation_rows: dict[str, Any],
    outsider: dict[str, str],
) -> None:
    url = path.format(**organisation_rows["path"])
    before, audited = _state(), AuditEvent.objects.filter(organisation__slug="mid-downs").count()
    kwargs: dict[str, Any] = {}
    if method != "get":
        kwargs = {"data": json.dumps(BODIES.get(path, {})), "content_type": "application/json"}
    response = getattr(Client(raise_request_exception=False), method)(url, **kwargs, **outsider)
    if path in PUBLIC:
        assert response.status_code == 200
    else:
        assert response.status_code == 404, (response.status_code, response.content[:300])
        assert response["Content-Type"] == "application/problem+json"
    assert _state() == before
    assert AuditEvent.objects.filter(organisation__slug="mid-downs").count() == audited
    if path not in PUBLIC:
        assert organisation_rows["path"]["reference"].encode() not in response.content
