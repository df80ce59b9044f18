"""The portfolio API: scopes, problems with stable codes, tenancy, and the whole flow from import to results."""

from __future__ import annotations

from typing import Any

from django.test import Client

from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.portfolio import models
from townhall.portfolio.optimiser.files import (
    read_initiatives_csv,
    write_initiatives_csv,
    write_programme_csv,
    write_xlsx,
)

from .conftest import ITEMS, PROGRAMME

BASE = "/api/v1/portfolio/programmes"
JSON = "application/json"


def test_without_a_key_or_without_the_scope_the_api_refuses(client: Client, district: Any, key_for: Any) -> None:
    assert client.get(BASE).json()["code"] == "unauthenticated"
    caseworker = key_for(district, Role.CASEWORKER)
    refused = client.get(BASE, **caseworker)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_import_edit_scenario_solve_compare_and_export(client: Client, district: Any, key_for: Any) -> None:
    headers = key_for(district, Role.ANALYST)
    upload = client.post(
        BASE,
        {"slug": "ict-2027", "name": "ICT 2027", "file": _file("programme.xlsx", write_xlsx(PROGRAMME, ITEMS))},
        **headers,
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["initiatives"] == 3
    assert [p["slug"] for p in client.get(BASE, **headers).json()] == ["ict-2027"]

    added = client.post(
        f"{BASE}/ict-2027/initiatives",
        {"id": "chatbot", "name": "Chatbot", "category": "channel shift", "capex": [40], "savings": [30, 30, 30]},
        content_type=JSON,
        **headers,
    )
    assert added.status_code == 201, added.content
    changed = client.put(
        f"{BASE}/ict-2027/initiatives/chatbot",
        {"name": "Web chat", "category": "channel shift", "capex": [40], "savings": [35, 35], "requires": ["crm"]},
        content_type=JSON,
        **headers,
    )
    assert changed.status_code == 200 and changed.json()["requires"] == ["crm"]
    listing = client.get(f"{BASE}/ict-2027/initiatives", **headers).json()
    assert [i["id"] for i in listing] == ["crm", "portal", "kiosk", "chatbot"]

    scenario = client.post(
        f"{BASE}/ict-2027/scenarios", {"name": "Lean years", "budget_cut": 0.5}, content_type=JSON, **headers
    )
    assert scenario.status_code == 201
    solved = client.post(f"{BASE}/ict-2027/runs", {}, content_type=JSON, **headers)
    assert solved.status_code == 201, solved.content
    plan = solved.json()["plan"]
    assert solved.json()["status"] == "done" and plan["status"] in ("optimal", "target_missed")
    assert plan["mip_gap"] is not None and {s["initiative_id"] for s in plan["scheduled"]} >= {"crm"}
    lean = client.post(f"{BASE}/ict-2027/runs", {"scenario": "Lean years"}, content_type=JSON, **headers).json()
    assert lean["plan"]["status"] == "target_missed"
    assert lean["plan"]["shortfall"]["amount"] > 0 and lean["plan"]["shortfall"]["binding"]
    assert client.get(f"{BASE}/ict-2027/runs/{lean['id']}", **headers).json()["scenario"] == "Lean years"

    compared = client.get(f"{BASE}/ict-2027/comparison", **headers).json()
    assert [c["scenario"] for c in compared] == ["As planned", "Lean years"]
    assert compared[1]["parameters"]["budget_cut"] == 0.5 and compared[1]["plan"]["status"] == "target_missed"

    study = client.post(f"{BASE}/ict-2027/runs", {"kind": "sensitivity", "runs": 5}, content_type=JSON, **headers)
    assert study.status_code == 201 and set(study.json()["sensitivity"]["selected_share"]) == {
        "crm",
        "portal",
        "kiosk",
        "chatbot",
    }

    road = client.get(f"{BASE}/ict-2027/roadmap", **headers).json()
    assert road["run_id"] == solved.json()["id"] and road["critical_path"]

    exported = client.get(f"{BASE}/ict-2027/export", {"format": "csv"}, **headers)
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    assert [i.id for i in read_initiatives_csv(exported.content.decode())][-1] == "chatbot"
    assert client.get(f"{BASE}/ict-2027/export", {"format": "pdf"}, **headers).json()["code"] == "unsupported_format"


def test_a_programme_is_imported_from_its_two_csv_files(client: Client, district: Any, key_for: Any) -> None:
    """The settings CSV is the second file of the form; it was a query parameter, so no CSV import could work."""
    headers = key_for(district, Role.ANALYST)
    files = {
        "file": _file("initiatives.csv", write_initiatives_csv(ITEMS).encode()),
        "programme_file": _file("programme.csv", write_programme_csv(PROGRAMME).encode()),
    }
    upload = client.post(BASE, {"slug": "from-csv", "name": "From CSV", **files}, **headers)
    assert upload.status_code == 201, upload.content
    assert upload.json()["initiatives"] == 3 and upload.json()["horizon_years"] == PROGRAMME.horizon_years


def test_bad_input_gets_problems_with_stable_codes(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    make_programme()
    headers = key_for(district, Role.ANALYST)

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(f"{BASE}/ict-2027{path}", body, content_type=JSON, **headers)

    unknown = post("/initiatives", {"id": "x", "name": "X", "category": "channel shift", "requires": ["nope"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "unknown_initiative"
    assert unknown.json()["errors"][0]["path"] == "requires"
    category = post("/initiatives", {"id": "x", "name": "X", "category": "magic"})
    assert category.status_code == 422 and category.json()["errors"][0]["path"] == "category"
    duplicate = post("/initiatives", {"id": "crm", "name": "CRM again", "category": "data"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "initiative_exists"
    cycle = client.put(
        f"{BASE}/ict-2027/initiatives/crm",
        {"name": "CRM", "category": "data", "requires": ["portal"]},
        content_type=JSON,
        **headers,
    )
    assert cycle.status_code == 422 and cycle.json()["errors"][0]["code"] == "dependency_cycle"
    assert post("/initiatives", {"name": "No category"}).json()["code"] == "validation_failed"
    assert post("/scenarios", {"name": "Cut", "budget_cut": 2}).json()["code"] == "invalid_fraction"
    post("/scenarios", {"name": "Cut", "budget_cut": 0.1})
    assert post("/scenarios", {"name": "Cut"}).json()["code"] == "scenario_exists"
    assert post("/runs", {"scenario": "Nope"}).json()["code"] == "scenario_not_found"
    assert post("/runs", {"kind": "sensitivity", "runs": 1}).json()["errors"][0]["code"] == "invalid_runs"
    rag = post("/initiatives/crm/status", {"rag": "purple", "note": ""})
    assert rag.status_code == 422 and {e["code"] for e in rag.json()["errors"]} == {"invalid_rag", "note_required"}
    assert client.get(f"{BASE}/ict-2027/runs/999999", **headers).json()["code"] == "run_not_found"
    upload = client.post(BASE, {"slug": "bad", "name": "Bad", "file": _file("plan.pdf", b"%PDF")}, **headers)
    assert upload.status_code == 422 and upload.json()["code"] == "unsupported_file"


def test_values_beyond_what_can_be_stored_or_dated_are_problems_not_500s(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    make_programme()
    headers = key_for(district, Role.ANALYST)
    url = f"{BASE}/ict-2027"
    for seed in (2**31, -(2**31) - 1, 10**30):
        run = client.post(f"{url}/runs", {"kind": "sensitivity", "runs": 2, "seed": seed}, content_type=JSON, **headers)
        assert run.status_code == 422 and run.json()["errors"][0]["code"] == "invalid_seed", run.content
    assert not models.Run.objects.exists()
    for day in ("9999-12-31", "0001-01-01"):
        changed = client.patch(url, {"starts_on": day}, content_type=JSON, **headers)
        assert changed.status_code == 422 and changed.json()["errors"][0]["path"] == "starts_on", changed.content
    assert client.post(f"{url}/runs", {}, content_type=JSON, **headers).status_code == 201
    assert client.get(f"{url}/benefits", **headers).status_code == 200
    shift = {"service": "report-missed-bin", "from_channel": "phone", "to_channel": "online", "shift": 0.5}
    for start, end in (("2024-01-01", "9999-12-31"), ("0001-01-01", "2024-01-01")):
        estimate = client.post(
            f"{url}/initiatives/crm/channel-shift", {**shift, "start": start, "end": end}, content_type=JSON, **headers
        )
        assert estimate.status_code == 422 and estimate.json()["errors"][0]["code"] == "invalid_date", estimate.content


def test_text_longer_than_its_column_is_refused(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    """Longer ids, names and option groups, scenario names and programme slugs were 500s on PostgreSQL."""
    make_programme()
    headers = key_for(district, Role.ANALYST)
    url = f"{BASE}/ict-2027"
    for field, length in (("id", 81), ("name", 201), ("option_group", 81)):
        body = {"id": "new", "name": "New", "category": "data", field: "x" * length}
        added = client.post(f"{url}/initiatives", body, content_type=JSON, **headers)
        assert added.status_code == 422, added.content
        assert added.json()["errors"][0] == {
            "code": "too_long",
            "message": added.json()["errors"][0]["message"],
            "path": field,
        }
    changed = client.put(
        f"{url}/initiatives/crm", {"name": "x" * 201, "category": "data"}, content_type=JSON, **headers
    )
    assert changed.status_code == 422 and changed.json()["errors"][0]["code"] == "too_long"
    scenario = client.post(f"{url}/scenarios", {"name": "s" * 201}, content_type=JSON, **headers)
    assert scenario.status_code == 422 and scenario.json()["code"] == "name_too_long"
    upload = client.post(
        BASE, {"slug": "p" * 81, "name": "P", "file": _file("p.xlsx", write_xlsx(PROGRAMME, ITEMS))}, **headers
    )
    assert upload.status_code == 422 and upload.json()["errors"][0]["path"] == "slug"
    assert models.Initiative.objects.count() == 3 and not models.Scenario.objects.exists()


def test_another_organisations_programme_is_never_visible(
    client: Client, district: Any, county: Any, key_for: Any, make_programme: Any, make_staff: Any
) -> None:
    make_programme()
    theirs = key_for(county, Role.ANALYST)
    assert client.get(BASE, **theirs).json() == []
    for path in ("", "/initiatives", "/scenarios", "/runs", "/comparison", "/roadmap", "/benefits", "/export"):
        answer = client.get(f"{BASE}/ict-2027{path}", **theirs)
        assert answer.status_code == 404 and answer.json()["code"] == "programme_not_found", path
    put = client.put(
        f"{BASE}/ict-2027/initiatives/crm", {"name": "Mine", "category": "data"}, content_type=JSON, **theirs
    )
    assert put.status_code == 404
    assert models.Initiative.objects.get(code="crm").name == "Crm"


def test_a_large_programme_is_queued_and_solved_by_the_task(
    client: Client, district: Any, key_for: Any, make_programme: Any, monkeypatch: Any
) -> None:
    from townhall.portfolio import runs
    from townhall.portfolio.tasks import run_task

    monkeypatch.setattr(runs, "SYNC_MAX_INITIATIVES", 1)
    make_programme()
    headers = key_for(district, Role.ANALYST)
    queued = client.post(f"{BASE}/ict-2027/runs", {}, content_type=JSON, **headers)
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    run_id = queued.json()["id"]
    assert run_task.call(run_id=run_id) == "done"
    assert run_task.call(run_id=run_id) == "not-queued"  # safe to run twice
    assert client.get(f"{BASE}/ict-2027/runs/{run_id}", **headers).json()["plan"]["scheduled"]


def test_a_rag_update_through_the_api_is_audited(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    make_programme()
    headers = key_for(district, Role.ANALYST)
    answer = client.post(
        f"{BASE}/ict-2027/initiatives/crm/status",
        {"rag": "amber", "note": "Supplier late"},
        content_type=JSON,
        **headers,
    )
    assert answer.status_code == 201
    event = AuditEvent.objects.get(action="portfolio.initiative_status_recorded")
    assert event.organisation_id == district.pk and event.data == {
        "programme": "ict-2027",
        "code": "crm",
        "rag": "amber",
    }
    assert client.get(f"{BASE}/ict-2027/initiatives", **headers).json()[0]["status"]["rag"] == "amber"


def _file(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_list_endpoints_pin_their_query_counts(
    client: Client, district: Any, key_for: Any, make_programme: Any, django_assert_max_num_queries: Any
) -> None:
    make_programme()
    make_programme(slug="ict-2028")
    headers = key_for(district, Role.ANALYST)
    client.get(BASE, **headers)  # warm the key's lookups
    with django_assert_max_num_queries(8):
        assert len(client.get(BASE, **headers).json()) == 2
    with django_assert_max_num_queries(9):
        assert len(client.get(f"{BASE}/ict-2027/initiatives", **headers).json()) == 3


def test_a_plan_is_marked_stale_once_its_initiatives_change(
    client: Client, district: Any, key_for: Any, make_programme: Any
) -> None:
    make_programme()
    headers = key_for(district, Role.ANALYST)
    run = client.post(f"{BASE}/ict-2027/runs", {}, content_type=JSON, **headers).json()
    assert run["stale"] is False
    client.put(
        f"{BASE}/ict-2027/initiatives/kiosk",
        {"name": "Kiosk", "category": "channel shift", "capex": [10], "savings": [5]},
        content_type=JSON,
        **headers,
    )
    assert client.get(f"{BASE}/ict-2027/runs/{run['id']}", **headers).json()["stale"] is True
    assert [r["stale"] for r in client.get(f"{BASE}/ict-2027/runs", **headers).json()] == [True]
