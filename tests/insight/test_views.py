"""The insight pages: access, tenancy, period errors, charts with tables, CSV, settings and benchmarking."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from tests.cases.conftest import BLUE_BADGE, publish
from townhall.core.models import AuditEvent, Organisation
from townhall.core.roles import Role
from townhall.insight.models import UnitCostSetting

pytestmark = pytest.mark.django_db
PERIOD = "from=2026-01&to=2026-02"


@pytest.fixture
def data(county: Organisation, district: Organisation, blue_badge: Any, place_case: Any) -> dict[str, Any]:
    place_case(blue_badge, received="2026-01-05", email="a@x.test", decided="2026-01-10", due="2026-01-19")
    place_case(blue_badge, received="2026-02-03", channel="phone", email="b@x.test")
    theirs = publish(
        district, BLUE_BADGE.replace("E10000901", "E07000901").replace("Apply for a Blue Badge", "Their badge")
    )
    for _ in range(3):
        place_case(theirs, received="2026-01-07", channel="post", email="c@x.test")
    return {"county": county, "district": district}


def url(org: Organisation, rest: str = "") -> str:
    return f"/staff/insight/{org.slug}/{rest}"


def test_analyst_sees_dashboard_with_charts_and_tables(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    response = client.get(url(data["county"]) + "?" + PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="img"' in page and 'aria-labelledby="chart-volumes-title chart-volumes-desc"' in page
    assert '<title id="chart-volumes-title">' in page and "<desc" in page
    assert 'id="chart-volumes-table"' in page and 'id="chart-take-up-table"' in page
    assert "Apply for a Blue Badge" in page and "Their badge" not in page
    assert "January 2026" in page


def test_service_page_and_unknown_service(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.TEAM_MANAGER))
    response = client.get(url(data["county"], "blue-badge/") + "?" + PERIOD)
    assert response.status_code == 200
    assert 'id="chart-time-table"' in response.content.decode()
    assert client.get(url(data["county"], "no-such-service/")).status_code == 404


def test_staff_home_links_to_insight(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    assert url(data["county"]) in client.get("/staff/").content.decode()


def test_without_view_insight_is_refused(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.CASEWORKER))
    assert client.get(url(data["county"])).status_code == 403
    assert client.get(url(data["county"], "benchmarking/")).status_code == 403


def test_another_organisation_is_not_found(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["district"], Role.ANALYST))
    assert client.get(url(data["county"])).status_code == 404
    assert client.get(url(data["county"], "blue-badge/")).status_code == 404
    response = client.get(url(data["district"]) + "?" + PERIOD + "&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [r[0] for r in rows[1:]] == ["mid-downs"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("from=2026-13", "from"),
        ("from=banana&to=2026-01", "from"),
        ("from=2026-05&to=2026-01", "to"),
        ("compare_from=2025-01", "compare_to"),
        ("from=2000-01&to=2026-01", "to"),
    ],
)
def test_bad_period_shows_error_summary(
    data: Any, make_staff: Any, verified_client: Any, query: str, field: str
) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    for page in ("", "blue-badge/", "benchmarking/"):
        response = client.get(url(data["county"], page) + "?" + query)
        assert response.status_code == 400
        body = response.content.decode()
        assert "govuk-error-summary" in body and f'href="#{field}"' in body


def test_csv_download(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    response = client.get(url(data["county"]) + "?" + PERIOD + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["service"], r["month"], r["received_online"], r["received_phone"]) for r in rows] == [
        ("blue-badge", "2026-01", "1", "0"),
        ("blue-badge", "2026-02", "0", "1"),
    ]
    jan = rows[0]
    assert (jan["decided"], jan["decided_in_time"], jan["median_days_to_decide"]) == ("1", "1", "5.00")
    assert (jan["lgsl"], jan["cost_total"], jan["cost_per_transaction"]) == ("1088", "0.15", "0.15")


def test_comparison_period_and_savings(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    # February (all by phone) as the baseline for January (all online): £2.83 − £0.15 saved on one case.
    response = client.get(url(data["county"]) + "?from=2026-01&to=2026-01&compare_from=2026-02&compare_to=2026-02")
    body = response.content.decode()
    assert response.status_code == 200 and "February 2026" in body and "£2.68" in body


def test_settings_change_costs_and_opt_in(data: Any, make_staff: Any, verified_client: Any) -> None:
    county = data["county"]
    admin = make_staff(county, Role.ORGANISATION_ADMIN)
    client = verified_client(admin)
    assert client.get(url(county, "settings/")).status_code == 200
    form = {"cost_online": "0.20", "cost_phone": "", "cost_face_to_face": "9", "cost_post": "", "cost_referral": ""}
    response = client.post(url(county, "settings/"), {**form, "source": "Our costing", "benchmarking": "yes"})
    assert response.status_code == 302
    setting = UnitCostSetting.objects.get(organisation=county)
    assert (str(setting.online), setting.phone, str(setting.face_to_face)) == ("0.20", None, "9.00")
    county.refresh_from_db()
    assert county.benchmarking_opt_in
    assert AuditEvent.objects.filter(action="insight.settings_changed").count() == 1
    bad = client.post(url(county, "settings/"), {**form, "cost_phone": "two pounds", "cost_post": "-1"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "govuk-error-summary" in body and 'href="#cost_phone"' in body and 'href="#cost_post"' in body


def test_settings_need_organisation_admin(data: Any, make_staff: Any, verified_client: Any) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    assert client.get(url(data["county"], "settings/")).status_code == 403
    assert client.post(url(data["county"], "settings/"), {"cost_online": "1"}).status_code == 403
    assert not UnitCostSetting.objects.exists()


def test_benchmarking_only_between_organisations_that_opted_in(
    data: Any, make_staff: Any, verified_client: Any
) -> None:
    county, district = data["county"], data["district"]
    client = verified_client(make_staff(county, Role.ANALYST))
    page = client.get(url(county, "benchmarking/") + "?" + PERIOD).content.decode()
    assert "has not chosen to be benchmarked" in page and district.name not in page
    Organisation.objects.filter(pk=county.pk).update(benchmarking_opt_in=True)
    page = client.get(url(county, "benchmarking/") + "?" + PERIOD).content.decode()
    assert "LGSL" in page and district.name not in page
    Organisation.objects.filter(pk=district.pk).update(benchmarking_opt_in=True)
    page = client.get(url(county, "benchmarking/") + "?" + PERIOD).content.decode()
    assert district.name in page and county.name in page


def test_dashboard_query_count_does_not_grow_with_cases(
    data: Any,
    make_staff: Any,
    verified_client: Any,
    place_case: Any,
    blue_badge: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = verified_client(make_staff(data["county"], Role.ANALYST))
    query = url(data["county"]) + "?" + PERIOD + "&compare_from=2025-01&compare_to=2025-02"
    client.get(query)
    for n in range(5):
        place_case(blue_badge, received="2026-01-2" + str(n), email=f"more{n}@x.test", decided="2026-01-29")
    with django_assert_max_num_queries(40):
        assert client.get(query).status_code == 200
