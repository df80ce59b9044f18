"""A programme started from scratch in the back office, and any programme's settings changed there."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from townhall.core.errors import ValidationFailed
from townhall.core.models import AuditEvent
from townhall.portfolio import models
from townhall.portfolio.optimiser.files import write_xlsx
from townhall.portfolio.services import programme_import

from .conftest import ITEMS, PROGRAMME

VALID = {
    "name": "Channel shift 2027",
    "slug": "channel-shift",
    "horizon_years": "3",
    "capital_budget": "100000;80000;50000",
    "revenue_budget": "",
    "fte_capacity": "4;4;2",
    "budgets_include_uplift": "no",
    "discount_rate": "0.035",
    "appraisal_years": "",
    "target_baseline": "2000000",
    "target_fraction": "0.3",
    "target_year": "3",
    "target_risk_adjusted": "yes",
    "objective": "min_cost",
    "requires_finish": "no",
    "mip_rel_gap": "0.001",
    "time_limit": "30",
}


def _new(district: Any) -> str:
    return reverse("portfolio:programme-new", kwargs={"organisation_slug": district.slug})


def test_a_programme_is_started_from_a_blank_form(district: Any, analyst: Any, verified_client: Any) -> None:
    client = verified_client(analyst)
    blank = client.get(_new(district)).content.decode()
    assert 'name="discount_rate"' in blank and 'value="0.035"' in blank  # the Green Book rate to start from
    response = client.post(_new(district), VALID)
    assert response.status_code == 302
    programme = models.Programme.objects.get(organisation=district, slug="channel-shift")
    assert response["Location"].endswith(f"/{district.slug}/channel-shift/")
    assert (programme.horizon_years, programme.capital_budget, programme.fte_capacity) == (
        3,
        [100000.0, 80000.0, 50000.0],
        [4.0, 4.0, 2.0],
    )
    assert (programme.target_fraction, programme.target_year, programme.objective) == (0.3, 3, "min_cost")
    assert programme.revenue_budget is None and not programme.initiatives.exists()
    event = AuditEvent.objects.get(action="portfolio.programme_created", object_id=str(programme.pk))
    assert event.data["after"]["capital_budget"] == "100000;80000;50000"


def test_every_problem_in_the_form_is_named_at_its_field(district: Any, analyst: Any, verified_client: Any) -> None:
    bad = {
        **VALID,
        "name": "",
        "slug": "Channel Shift",
        "horizon_years": "11",
        "capital_budget": "1;2",
    }
    response = verified_client(analyst).post(_new(district), bad)
    body = response.content.decode()
    assert response.status_code == 422 and "govuk-error-summary" in body
    for field in ("name", "slug", "horizon_years", "capital_budget"):
        assert f'href="#{field}"' in body, field
    assert not models.Programme.objects.filter(organisation=district).exists()
    incomplete = verified_client(analyst).post(_new(district), {**VALID, "target_year": ""}).content.decode()
    assert 'href="#target_baseline"' in incomplete  # a target needs all three of its parts
    assert 'value="Channel Shift"' in body  # what was typed is shown again


def test_settings_change_and_must_still_fit_the_initiatives(
    district: Any, analyst: Any, verified_client: Any, make_programme: Any
) -> None:
    programme = make_programme()
    url = reverse(
        "portfolio:programme-settings", kwargs={"organisation_slug": district.slug, "programme_slug": programme.slug}
    )
    client = verified_client(analyst)
    page = client.get(url).content.decode()
    assert 'value="250;250;250;250"' in page and 'value="ICT programme 2027-31"' in page
    changed = {
        **VALID,
        "name": "ICT programme, revised",
        "horizon_years": "4",
        "capital_budget": "200;200;200",
        "fte_capacity": "",
        "target_year": "4",
    }
    refused = client.post(url, changed)
    assert refused.status_code == 422 and 'href="#capital_budget"' in refused.content.decode()
    assert client.post(url, {**changed, "capital_budget": "200;200;200;200"}).status_code == 302
    programme.refresh_from_db()
    assert (programme.name, programme.capital_budget, programme.slug) == (
        "ICT programme, revised",
        [200.0] * 4,
        "ict-2027",  # the address does not change
    )
    event = AuditEvent.objects.get(action="portfolio.programme_settings_changed")
    assert event.data["before"]["capital_budget"] == "250;250;250;250"
    assert event.data["after"]["capital_budget"] == "200;200;200;200"


@pytest.mark.parametrize("slug", ["", "New Programme", "new", "-ict"])
def test_an_imported_programme_needs_a_usable_short_name(district: Any, analyst: Any, slug: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        programme_import(
            actor=analyst,
            organisation=district,
            slug=slug,
            name="ICT",
            filename="programme.xlsx",
            data=write_xlsx(PROGRAMME, ITEMS),
        )
    assert caught.value.code == "invalid_programme"
