"""The nightly rebuild: closed months come from the summaries, and read exactly as computed from the records."""

from __future__ import annotations

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.insight.test_measures import history  # noqa: F401  (the hand-made records)
from townhall.core.models import AuditEvent
from townhall.insight.measures import computed_service_months, service_months
from townhall.insight.models import MonthSummary, SummaryRun
from townhall.insight.services.rebuild import insight_rebuild

pytestmark = pytest.mark.django_db


def test_summaries_read_exactly_as_the_records_do(history: dict[str, Any], place_case: Any, blue_badge: Any) -> None:  # noqa: F811
    county = history["county"]
    computed = computed_service_months(organisation_ids=None, start=date(2025, 12, 1), end=date(2026, 3, 1))
    run = insight_rebuild(today=date(2026, 3, 15))  # January and February are closed; March is not
    assert run is not None and (run.first_month, run.last_month) == (date(2026, 1, 1), date(2026, 2, 1))
    assert MonthSummary.objects.count() == run.rows == len(computed)
    for ids in (None, [county.pk]):
        assert service_months(organisation_ids=ids, start=date(2025, 12, 1), end=date(2026, 3, 31)) == [
            m for m in computed if ids is None or m.organisation_id in ids
        ]
    assert AuditEvent.objects.filter(action="insight.rebuilt").count() == 1


def test_months_after_the_rebuild_come_from_the_records(
    history: dict[str, Any],  # noqa: F811
    place_case: Any,
    blue_badge: Any,
) -> None:
    insight_rebuild(today=date(2026, 2, 10))  # only January is closed
    place_case(blue_badge, received="2026-02-20", email="e@x.test")  # after the rebuild, in an open month
    place_case(blue_badge, received="2026-03-02", email="a@x.test", channel="phone")
    months = service_months(organisation_ids=[history["county"].pk], start=date(2026, 1, 1), end=date(2026, 3, 1))
    assert months == computed_service_months(
        organisation_ids=[history["county"].pk], start=date(2026, 1, 1), end=date(2026, 3, 1)
    )
    february = next(m for m in months if m.month == date(2026, 2, 1))
    assert sum(february.volumes.values()) == 5  # four from the records before, one since


def test_a_second_rebuild_replaces_the_first(history: dict[str, Any]) -> None:  # noqa: F811
    insight_rebuild(today=date(2026, 2, 10))
    insight_rebuild(today=date(2026, 3, 10))
    assert SummaryRun.objects.count() == 1 and SummaryRun.objects.get().last_month == date(2026, 2, 1)
    assert set(MonthSummary.objects.values_list("month", flat=True)) == {date(2026, 1, 1), date(2026, 2, 1)}


def test_the_command_says_what_it_did(history: dict[str, Any]) -> None:  # noqa: F811
    out = StringIO()
    call_command("insight_rebuild", stdout=out)
    assert "Summarised" in out.getvalue() and "service-months" in out.getvalue()


def test_the_command_with_no_cases() -> None:
    out = StringIO()
    call_command("insight_rebuild", stdout=out)
    assert "No cases yet" in out.getvalue() and not SummaryRun.objects.exists()
