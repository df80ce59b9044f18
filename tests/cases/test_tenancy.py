"""Every casework page and endpoint, requested by another organisation's staff and by each role lacking the
permission: refused with 404 or 403, and nothing about the case in the answer. List pages pin their queries."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.test_documents import PNG, FakeScanner
from townhall.cases.models import Case
from townhall.cases.services import document_upload
from townhall.core.permissions import permissions_for
from townhall.core.roles import Permission, Role
from townhall.core.services.api_keys import api_key_create


@pytest.fixture
def case(open_case, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    found = open_case()
    document_upload(case=found, file=io.BytesIO(PNG), filename="p.png", actor=None, scanner=FakeScanner())
    return found


def pages(case: Case) -> list[tuple[str, str, dict[str, str], Permission]]:
    org, ref = case.organisation.slug, case.reference
    kw = {"organisation_slug": org, "reference": ref}
    doc = case.documents.get()
    return [
        ("get", reverse("cases:queue", kwargs={"organisation_slug": org}), {}, Permission.VIEW_CASES),
        ("get", reverse("cases:my-work", kwargs={"organisation_slug": org}), {}, Permission.VIEW_CASES),
        (
            "post",
            reverse("cases:bulk-assign", kwargs={"organisation_slug": org}),
            {"reference": ref},
            Permission.ASSIGN_CASES,
        ),
        ("get", reverse("cases:case", kwargs=kw), {}, Permission.VIEW_CASES),
        ("post", reverse("cases:decide", kwargs=kw), {"transition": "start_assessment"}, Permission.WORK_CASES),
        ("post", reverse("cases:note", kwargs=kw), {"text": "hello"}, Permission.WORK_CASES),
        ("post", reverse("cases:assign", kwargs=kw), {"assignee": ""}, Permission.ASSIGN_CASES),
        ("post", reverse("cases:link", kwargs=kw), {"other_reference": ref}, Permission.WORK_CASES),
        ("get", reverse("cases:document", kwargs={**kw, "document_id": doc.pk}), {}, Permission.VIEW_CASES),
    ]


def endpoints(case: Case) -> list[tuple[str, str, dict[str, str], Permission]]:
    base = f"/api/v1/cases/{case.reference}"
    return [
        ("get", "/api/v1/cases", {}, Permission.VIEW_CASES),
        ("get", base, {}, Permission.VIEW_CASES),
        ("post", f"{base}/transitions", {"transition": "start_assessment"}, Permission.WORK_CASES),
        ("post", f"{base}/notes", {"text": "hello"}, Permission.WORK_CASES),
        ("post", f"{base}/assignment", {"assignee": None}, Permission.ASSIGN_CASES),  # type: ignore[dict-item]
    ]


def _assert_refused(response, case: Case, allowed=(403, 404)) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in allowed, (response.status_code, response.request)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert case.resident_name.encode() not in body
    assert PNG not in body


def _unchanged(case: Case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.assignee_id) == ("received", None)
    assert not fresh.events.filter(kind__in=["note", "linked", "transition", "assigned"]).exists()


def test_pages_refuse_another_organisations_staff(case, district, make_staff, verified_client) -> None:
    outsider = verified_client(make_staff(district, Role.TEAM_MANAGER, Role.CASEWORKER, Role.ORGANISATION_ADMIN))
    for method, url, data, _ in pages(case):
        _assert_refused(getattr(outsider, method)(url, data), case, allowed=(404,))
    _unchanged(case)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PLATFORM_ADMIN])
def test_pages_refuse_each_role_lacking_the_permission(role, case, county, make_staff, verified_client) -> None:
    client = verified_client(make_staff(county, role))
    granted = permissions_for({role})
    for method, url, data, needed in pages(case):
        if needed in granted:
            continue
        _assert_refused(getattr(client, method)(url, data), case)
    _unchanged(case)


def _key(make_staff, organisation, *scopes: Role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    admin = make_staff(organisation, Role.ORGANISATION_ADMIN)
    _, secret = api_key_create(actor=admin, organisation=organisation, name="k", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_api_refuses_another_organisations_key(case, district, make_staff, client) -> None:
    headers = _key(make_staff, district, Role.TEAM_MANAGER, Role.CASEWORKER)
    for method, url, data, _ in endpoints(case):
        response = getattr(client, method)(url, data, content_type="application/json", **headers)
        if url == "/api/v1/cases":
            assert response.status_code == 200 and response.json()["count"] == 0  # its own (empty) queue
        else:
            _assert_refused(response, case, allowed=(404,))
    _unchanged(case)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PLATFORM_ADMIN])
def test_api_refuses_each_scope_lacking_the_permission(role, case, county, make_staff, client) -> None:
    headers = _key(make_staff, county, role)
    granted = permissions_for({role})
    for method, url, data, needed in endpoints(case):
        if needed in granted:
            continue
        response = getattr(client, method)(url, data, content_type="application/json", **headers)
        _assert_refused(response, case)
    _unchanged(case)


def _count_queries(callable_) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)


def test_list_pages_and_endpoint_do_not_grow_with_cases(
    county, open_case, make_staff, verified_client, client, django_assert_num_queries
) -> None:
    manager = make_staff(county, Role.TEAM_MANAGER)
    browser = verified_client(manager)
    headers = _key(make_staff, county, Role.TEAM_MANAGER)
    queue = reverse("cases:queue", kwargs={"organisation_slug": county.slug})
    mine = reverse("cases:my-work", kwargs={"organisation_slug": county.slug})
    for _ in range(2):
        Case.objects.filter(pk=open_case().pk).update(assignee=manager)
    browser.get(queue)  # warm the per-process definition cache and the key's last-used time
    for _ in range(2):  # the first call records the key's use and forgets it; the second remembers it
        client.get("/api/v1/cases", **headers)
    few = {
        "queue": _count_queries(lambda: browser.get(queue)),
        "mine": _count_queries(lambda: browser.get(mine)),
        "api": _count_queries(lambda: client.get("/api/v1/cases", **headers)),
    }
    for _ in range(8):
        Case.objects.filter(pk=open_case().pk).update(assignee=manager)
    with django_assert_num_queries(few["queue"]):
        assert browser.get(queue).status_code == 200
    with django_assert_num_queries(few["mine"]):
        assert browser.get(mine).status_code == 200
    with django_assert_num_queries(few["api"]):
        assert client.get("/api/v1/cases", **headers).json()["count"] == 10
