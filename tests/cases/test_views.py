"""The back office pages: work queue, filters, bulk assign, the case page and its forms."""

from __future__ import annotations

from django.urls import reverse

from townhall.cases.models import Case, CaseEventKind
from townhall.core.roles import Role


def queue_url(org) -> str:
    return reverse("cases:queue", kwargs={"organisation_slug": org.slug})


def case_url(case, name: str = "cases:case") -> str:
    return reverse(name, kwargs={"organisation_slug": case.organisation.slug, "reference": case.reference})


def test_queue_lists_filters_and_searches(county, open_case, make_staff, verified_client) -> None:
    gwen = open_case()
    ali = open_case(full_name="Ali Khan", postcode="DN9 9ZZ", receives_pip=True, age=20)
    client = verified_client(make_staff(county, Role.CASEWORKER))
    page = client.get(queue_url(county))
    assert page.status_code == 200
    body = page.content.decode()
    assert gwen.reference in body and ali.reference in body and "Apply for a Blue Badge" in body
    for query, shown, hidden in [
        ({"q": "ali"}, ali, gwen),
        ({"q": "dn1 2"}, gwen, ali),
        ({"q": gwen.reference.lower()}, gwen, ali),
        ({"state": "assessing"}, ali, gwen),
        ({"assignee": "none", "service": "blue-badge", "sort": "oldest"}, gwen, None),
    ]:
        body = client.get(queue_url(county), query).content.decode()
        assert shown.reference in body, query
        if hidden is not None:
            assert hidden.reference not in body, query


def test_overdue_filter(county, open_case, make_staff, verified_client) -> None:
    import datetime as dt

    late, on_time = open_case(), open_case()
    Case.objects.filter(pk=late.pk).update(due_on=dt.date(2020, 1, 2))
    client = verified_client(make_staff(county, Role.CASEWORKER))
    body = client.get(queue_url(county), {"overdue": "1"}).content.decode()
    assert late.reference in body and on_time.reference not in body
    assert "Overdue" in body


def test_bulk_assign_without_javascript(county, open_case, make_staff, verified_client) -> None:
    cases = [open_case() for _ in range(3)]
    worker = make_staff(county, Role.CASEWORKER)
    client = verified_client(make_staff(county, Role.TEAM_MANAGER))
    body = client.get(queue_url(county)).content.decode()
    assert 'name="reference"' in body and "Assign selected cases" in body
    response = client.post(
        reverse("cases:bulk-assign", kwargs={"organisation_slug": county.slug}),
        {"reference": [cases[0].reference, cases[2].reference], "assignee": worker.username, "next": queue_url(county)},
    )
    assert response.status_code == 302
    assert [c.assignee for c in Case.objects.order_by("pk")] == [worker, None, worker]
    mine = verified_client(worker).get(reverse("cases:my-work", kwargs={"organisation_slug": county.slug}))
    assert cases[0].reference in mine.content.decode() and cases[1].reference not in mine.content.decode()


def test_case_page_shows_answers_in_order_and_timeline(county, open_case, make_staff, verified_client) -> None:
    case = open_case(receives_pip=True, age=30)
    client = verified_client(make_staff(county, Role.TEAM_MANAGER))
    body = client.get(case_url(case)).content.decode()
    assert body.index("Full name") < body.index("Postcode") < body.index("Do you get the higher rate")
    assert "Gwen Jones" in body
    assert "Automatic rule pip_automatic" in body
    assert "Email to resident: created" in body
    assert "Approve" in body and "Refuse" in body  # the manager's decisions


def test_deciding_on_the_case_page(county, open_case, make_staff, verified_client) -> None:
    case = open_case()
    client = verified_client(make_staff(county, Role.CASEWORKER))
    missing = client.post(case_url(case, "cases:decide"), {"transition": "refuse", "reason": ""})
    assert missing.status_code == 422
    assert "There is a problem" in missing.content.decode() and 'href="#reason"' in missing.content.decode()
    done = client.post(case_url(case, "cases:decide"), {"transition": "refuse", "reason": "Not eligible"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.state == "refused"
    forbidden = client.post(case_url(case, "cases:decide"), {"transition": "approve"})
    assert forbidden.status_code in (403, 409)


def test_note_assign_and_link_forms(county, open_case, make_staff, verified_client) -> None:
    case, other = open_case(), open_case()
    worker = make_staff(county, Role.CASEWORKER)
    client = verified_client(worker)
    assert client.post(case_url(case, "cases:note"), {"text": "Rang Gwen"}).status_code == 302
    assert client.post(case_url(case, "cases:note"), {"text": ""}).status_code == 422
    assert client.post(case_url(case, "cases:assign"), {"assignee": worker.username}).status_code == 302
    assert client.post(case_url(case, "cases:link"), {"other_reference": other.reference}).status_code == 302
    bad_link = client.post(case_url(case, "cases:link"), {"other_reference": "HX7K-9M3T"})
    assert bad_link.status_code == 422
    case.refresh_from_db()
    assert case.assignee == worker
    kinds = set(case.events.values_list("kind", flat=True))
    assert {CaseEventKind.NOTE, CaseEventKind.ASSIGNED, CaseEventKind.LINKED} <= kinds
    body = client.get(case_url(case)).content.decode()
    assert "Rang Gwen" in body and other.reference in body


def test_document_download_is_audited(county, open_case, make_staff, verified_client, settings, tmp_path) -> None:
    import io

    from tests.cases.test_documents import PNG, FakeScanner
    from townhall.cases.services import document_upload
    from townhall.core.models import AuditEvent

    settings.MEDIA_ROOT = tmp_path
    case = open_case()
    document = document_upload(case=case, file=io.BytesIO(PNG), filename="photo.png", actor=None, scanner=FakeScanner())
    client = verified_client(make_staff(county, Role.CASEWORKER))
    url = reverse(
        "cases:document",
        kwargs={"organisation_slug": county.slug, "reference": case.reference, "document_id": document.pk},
    )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="case.document_viewed").count() == 1
