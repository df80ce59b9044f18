"""Fixtures for open data: a published service, hand-made monthly figures, the standard datasets."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.cases.conftest import BLUE_BADGE, publish
from tests.sharing.conftest import agreement, county_admin, draft_agreement, trust, trust_admin  # noqa: F401
from townhall.catalogue.models import DefinitionVersion
from townhall.core.models import Organisation
from townhall.opendata import sources
from townhall.opendata.models import Dataset
from townhall.opendata.services import datasets_create_standard
from townhall.opendata.tables import ServiceMonthFigures

TODAY = date(2026, 11, 23)  # publishes the twelve months December 2025 to October 2026


def figures(slug: str, month: date, **counts: Any) -> ServiceMonthFigures:
    return ServiceMonthFigures(
        service_slug=slug,
        service_title=slug.replace("-", " ").capitalize(),
        lgsl=counts.pop("lgsl", 1088),
        month=month,
        **counts,
    )


HAND_MADE = [
    figures(
        "blue-badge",
        date(2026, 9, 1),
        volumes={"online": 120, "phone": 3, "post": 47},
        decided=150,
        decided_in_time=141,
        median_days_to_decide=6.0,
        p90_days_to_decide=9.5,
        journeys_started=160,
        journeys_submitted=120,
        satisfaction_responses=40,
        satisfied=33,
    ),
    figures(
        "missed-bin",
        date(2026, 9, 1),
        lgsl=524,
        volumes={"online": 88, "phone": 61, "post": 12},
        decided=160,
        decided_in_time=160,
        median_days_to_decide=1.0,
        p90_days_to_decide=2.0,
        journeys_started=100,
        journeys_submitted=88,
        satisfaction_responses=30,
        satisfied=25,
    ),
    figures("blue-badge", date(2026, 10, 1), volumes={"online": 130, "phone": 20}, decided=4, decided_in_time=4),
]


@pytest.fixture
def blue_badge(county: Organisation) -> DefinitionVersion:
    return publish(county, BLUE_BADGE)


@pytest.fixture
def hand_made(monkeypatch: pytest.MonkeyPatch) -> list[ServiceMonthFigures]:
    """The pipeline reads these instead of the measures, so tests control every count."""
    data = list(HAND_MADE)
    monkeypatch.setattr(sources, "service_month_figures", lambda *, organisation, today: list(data))
    return data


@pytest.fixture
def standard(county: Organisation) -> dict[str, Dataset]:
    datasets_create_standard(organisation=county, actor=None)
    return {d.slug: d for d in Dataset.objects.filter(organisation=county)}


@pytest.fixture
def published(county: Organisation, standard: dict[str, Dataset], hand_made: Any, blue_badge: Any, agreement: Any):  # type: ignore[no-untyped-def]  # noqa: F811
    """All three standard datasets published for the county, each with rows."""
    from townhall.opendata.services import dataset_publish

    versions = {slug: dataset_publish(dataset=d, actor=None, today=TODAY) for slug, d in standard.items()}
    assert all(v is not None and v.row_count > 0 for v in versions.values())
    return versions
