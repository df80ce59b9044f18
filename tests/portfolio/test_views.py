"""Back-office pages: forms with GOV.UK error summaries, 403 without manage_portfolio, 404 across organisations."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.portfolio import models
from townhall.portfolio.optimiser.files import write_xlsx

from .conftest import ITEMS, PROGRAMME


def _url(name: str, **kwargs: Any) -> str:
    return reverse(f"portfolio:{name}", kwargs={"organisation_slug": "mid-downs", **kwargs})


def test_staff_home_links_to_the_portfolio(district: Any, analyst: Any, verified_client: Any) -> None:
    page = verified_client(analyst).get(reverse("core:staff-home"))
    assert _url("initiatives") in page.content.decode()


def test_without_manage_portfolio_every_page_is_refused(
    district: Any, make_staff: Any, verified_client: Any, make_programme: Any
) -> None:
    make_programme()
    client = verified_client(make_staff(district, Role.CASEWORKER))
    p = {"programme_slug": "ict-2027"}
    for url in (
        _url("initiatives"),
        _url("programme", **p),
        _url("initiative", code="crm", **p),
        _url("scenarios", **p),
        _url("sensitivity", **p),
        _url("roadmap", **p),
        _url("programme-settings", **p),
        _url("programme-new"),
        _url("export", file_format="xlsx", **p),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(_url("initiative-status", code="crm", **p), {"rag": "red", "note": "x"}).status_code == 403
    assert not models.StatusUpdate.objects.exists()


def test_another_organisations_programme_is_not_found(
    district: Any, county: Any, make_staff: Any, verified_client: Any, make_programme: Any
) -> None:
    make_programme()
    theirs = verified_client(make_staff(county, Role.ANALYST))
    url = reverse("portfolio:programme", kwargs={"organisation_slug": "downshire", "programme_slug": "ict-2027"})
    assert theirs.get(url).status_code == 404
    assert theirs.get(_url("programme", programme_slug="ict-2027")).status_code == 404


def test_import_then_list_add_and_edit_with_error_summaries(district: Any, analyst: Any, verified_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = verified_client(analyst)
    missing = client.post(_url("initiatives"), {"name": "ICT", "slug": "ict"})
    assert missing.status_code == 422
    body = missing.content.decode()
    assert "There is a problem" in body and 'href="#file"' in body and "Choose a file to import" in body
    upload = SimpleUploadedFile("programme.xlsx", write_xlsx(PROGRAMME, ITEMS))
    done = client.post(_url("initiatives"), {"name": "ICT", "slug": "ict", "file": upload})
    assert done.status_code == 302 and done["Location"] == _url("programme", programme_slug="ict")
    listing = client.get(done["Location"]).content.decode()
    assert "Crm" in listing and "Portal" in listing and "Not reported" in listing

    bad = client.post(
        _url("initiative-new", programme_slug="ict"),
        {"id": "chat", "name": "Chat", "category": "", "capex": "lots", "requires": "nope"},
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "There is a problem" in page and 'href="#category"' in page and 'href="#capex"' in page
    assert "Enter numbers separated by semicolons" in page
    assert 'value="lots"' in page  # what was typed is kept

    good = client.post(
        _url("initiative-new", programme_slug="ict"),
        {
            "id": "chat",
            "name": "Web chat",
            "category": "channel shift",
            "capex": "40",
            "savings": "30;30",
            "requires": "crm",
        },
    )
    assert good.status_code == 302
    edit_url = _url("initiative", programme_slug="ict", code="chat")
    form = client.get(edit_url).content.decode()
    assert 'value="Web chat"' in form and 'value="30;30"' in form
    changed = client.post(edit_url, {"name": "Web chat and bot", "category": "channel shift", "savings": "35"})
    assert changed.status_code == 302
    assert models.Initiative.objects.get(code="chat").savings == [35.0]
    assert AuditEvent.objects.filter(action="portfolio.initiative_changed").count() == 1
    export = client.get(_url("export", programme_slug="ict", file_format="csv"))
    assert export.status_code == 200 and b"Web chat and bot" in export.content


def test_rag_status_is_recorded_audited_and_shown(
    district: Any, analyst: Any, verified_client: Any, make_programme: Any
) -> None:
    make_programme()
    client = verified_client(analyst)
    status_url = _url("initiative-status", programme_slug="ict-2027", code="crm")
    refused = client.post(status_url, {"rag": "", "note": ""})
    assert refused.status_code == 422
    assert 'href="#rag"' in refused.content.decode() and 'href="#note"' in refused.content.decode()
    assert client.post(status_url, {"rag": "red", "note": "Supplier insolvent"}).status_code == 302
    event = AuditEvent.objects.get(action="portfolio.initiative_status_recorded")
    assert event.actor_id == analyst.pk and event.data["rag"] == "red"
    listing = client.get(_url("programme", programme_slug="ict-2027")).content.decode()
    assert "govuk-tag--red" in listing


def test_scenarios_solve_compare_sensitivity_and_roadmap(
    district: Any, analyst: Any, verified_client: Any, make_programme: Any
) -> None:
    make_programme()
    client = verified_client(analyst)
    p = {"programme_slug": "ict-2027"}
    bad = client.post(_url("scenarios", **p), {"name": "", "budget_cut": "lots"})
    assert bad.status_code == 422 and 'href="#budget_cut"' in bad.content.decode()
    assert client.post(_url("scenarios", **p), {"name": "Lean", "budget_cut": "50"}).status_code == 302
    assert models.Scenario.objects.get(name="Lean").budget_cut == 0.5
    solved = client.post(_url("solve", **p), {"scenario": ""})
    assert solved.status_code == 302
    result = client.get(solved["Location"]).content.decode()
    assert "Optimality gap proved" in result and "Chosen initiatives" in result
    lean = client.get(client.post(_url("solve", **p), {"scenario": "Lean"})["Location"]).content.decode()
    assert "Shortfall against the target" in lean and "What binds" in lean
    compared = client.get(_url("scenarios", **p)).content.decode()
    assert "As planned" in compared and "Lean" in compared and "Not solved yet" not in compared

    few = client.post(_url("solve", **p), {"kind": "sensitivity", "runs": "1"})
    assert few.status_code == 422 and 'href="#runs"' in few.content.decode()
    assert client.post(_url("solve", **p), {"kind": "sensitivity", "runs": "4"}).status_code == 302
    study = client.get(_url("sensitivity", **p)).content.decode()
    assert 'role="img"' in study and "<title" in study and 'id="sensitivity-table"' in study

    road = client.get(_url("roadmap", **p)).content.decode()
    assert 'role="img"' in road and 'id="roadmap-table"' in road and "(critical)" in road
