"""The publishing pipeline: versions only when content changes, immutable, with a change log and audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.opendata.conftest import TODAY, figures
from townhall.cases.models import Case
from townhall.core.errors import PermissionDenied, ValidationFailed
from townhall.core.models import AuditEvent
from townhall.core.roles import Role
from townhall.opendata import sources
from townhall.opendata.models import Dataset, DatasetVersion, ImmutableVersion
from townhall.opendata.services import (
    dataset_publish,
    dataset_rules_set,
    datasets_create_standard,
    datasets_publish_due,
)
from townhall.opendata.tables import ServiceMonthFigures

pytestmark = pytest.mark.django_db


def test_the_standard_datasets_are_set_up_once(county, standard):
    assert set(standard) == {"service-performance", "data-sharing-agreements", "service-directory"}
    assert datasets_create_standard(organisation=county, actor=None) == []
    assert AuditEvent.objects.filter(action="opendata.dataset_created").count() == 3


def test_publishing_writes_a_version_only_when_the_content_changes(county, standard, hand_made, make_staff):
    analyst = make_staff(county, Role.ANALYST)
    dataset = standard["service-performance"]
    first = dataset_publish(dataset=dataset, actor=analyst, today=TODAY)
    assert first is not None and first.number == 1 and first.row_count == 5
    assert first.change_note.startswith("First version: 5 rows")
    assert first.created_by == analyst
    assert dataset_publish(dataset=dataset, actor=analyst, today=TODAY) is None
    hand_made.append(figures("missed-bin", date(2026, 10, 1), volumes={"online": 50}))
    second = dataset_publish(dataset=dataset, actor=None, today=TODAY, note="October's bins")
    assert second is not None and second.number == 2
    assert "rows added or changed" in second.change_note and second.change_note.endswith("October's bins")
    assert second.sha256 != first.sha256
    events = AuditEvent.objects.filter(action="opendata.version_published").order_by("pk")
    assert [e.data["number"] for e in events] == [1, 2]
    dataset.refresh_from_db()
    assert dataset.last_run_at is not None


def test_a_version_never_changes(county, standard, hand_made):
    version = dataset_publish(dataset=standard["service-performance"], actor=None, today=TODAY)
    assert version is not None
    version.change_note = "rewritten"
    with pytest.raises(ImmutableVersion):
        version.save()
    with pytest.raises(ImmutableVersion):
        DatasetVersion.objects.filter(pk=version.pk).update(change_note="rewritten")
    with pytest.raises(ImmutableVersion):
        version.delete()
    with pytest.raises(ImmutableVersion):
        DatasetVersion.objects.all().delete()
    assert DatasetVersion.objects.get(pk=version.pk).change_note.startswith("First version")


def test_rules_apply_from_the_next_version_and_are_checked(county, standard, hand_made, make_staff):
    analyst = make_staff(county, Role.ANALYST)
    dataset = standard["service-performance"]
    dataset_publish(dataset=dataset, actor=None, today=TODAY)
    dataset_rules_set(dataset=dataset, actor=analyst, threshold=5, rounding_base=1)
    version = dataset_publish(dataset=dataset, actor=None, today=TODAY)
    assert version is not None and version.rules == {"threshold": 5, "rounding_base": 1}
    assert "Disclosure rules changed" in version.change_note
    september = next(r for r in version.rows if r["service"] == "missed-bin")
    assert september["volume_online"] == 88  # not rounded any more
    with pytest.raises(ValidationFailed) as error:
        dataset_rules_set(dataset=dataset, actor=analyst, threshold=-1, rounding_base=0)
    assert {e.code for e in error.value.errors} == {"threshold_out_of_range", "rounding_out_of_range"}
    assert AuditEvent.objects.filter(action="opendata.rules_set").count() == 1


def test_only_those_who_publish_datasets_may_publish(county, district, standard, hand_made, make_staff):
    caseworker = make_staff(county, Role.CASEWORKER)
    other_analyst = make_staff(district, Role.ANALYST)
    for actor in (caseworker, other_analyst):
        with pytest.raises(PermissionDenied):
            dataset_publish(dataset=standard["service-performance"], actor=actor, today=TODAY)
        with pytest.raises(PermissionDenied):
            datasets_create_standard(organisation=county, actor=actor)
    assert not DatasetVersion.objects.exists()


def test_the_schedule_publishes_what_is_due_and_is_safe_to_run_twice(county, standard, hand_made):
    now = timezone.now()
    assert len(datasets_publish_due(now=now)) == 3  # the register and directory are empty but still published
    assert Dataset.objects.filter(last_run_at=now).count() == 3
    assert datasets_publish_due(now=now) == []
    hand_made.append(figures("missed-bin", date(2026, 10, 1), volumes={"online": 50}))
    assert datasets_publish_due(now=now + timedelta(days=8)) == []  # performance is monthly
    later = datasets_publish_due(now=now + timedelta(days=29))
    assert [v.dataset.slug for v in later] == ["service-performance"]
    out = StringIO()
    call_command("opendata_publish", stdout=out)
    assert "0 new version(s) published" in out.getvalue()
    from townhall.opendata.tasks import opendata_publish_task

    assert opendata_publish_task.call() == 0


def test_empty_datasets_publish_a_header_only_version(county, standard):
    version = dataset_publish(dataset=standard["data-sharing-agreements"], actor=None, today=TODAY)
    assert version is not None and version.row_count == 0


def test_the_service_directory_lists_published_services_as_open_referral(county, standard, blue_badge):
    version = dataset_publish(dataset=standard["service-directory"], actor=None, today=TODAY)
    assert version is not None
    [row] = version.rows
    assert row["id"] == "E10000901/blue-badge" and row["name"] == "Apply for a Blue Badge"
    assert row["organization_id"] == "E10000901" and row["status"] == "active" and row["lgsl"] == 1088
    assert str(row["url"]).endswith("/services/downshire/blue-badge/")


def _case(county, version, n: int, channel: str, received: datetime, decided: datetime | None, due: date | None):
    return Case(
        organisation=county,
        version=version,
        reference=f"T{n:08d}",
        state="approved" if decided else "received",
        channel=channel,
        received_at=received,
        decided_at=decided,
        due_on=due,
    )


def test_monthly_figures_come_from_insight_measures_over_real_cases(county, blue_badge):
    september = timezone.make_aware(datetime(2026, 9, 10, 10, 0))
    due = date(2026, 9, 30)
    cases = [
        _case(county, blue_badge, n, "online", september, september + timedelta(days=n % 5), due) for n in range(12)
    ]
    cases += [
        _case(county, blue_badge, 100 + n, "phone", september, september + timedelta(days=30), date(2026, 9, 20))
        for n in range(3)
    ]
    cases.append(_case(county, blue_badge, 200, "post", september - timedelta(days=400), None, None))  # too old
    Case.objects.bulk_create(cases)
    found_all = sources.service_month_figures(organisation=county, today=TODAY)
    assert all(isinstance(f, ServiceMonthFigures) for f in found_all)
    assert {(f.month, f.decided) for f in found_all} == {(date(2026, 9, 1), 12), (date(2026, 10, 1), 3)}
    found = next(f for f in found_all if f.month == date(2026, 9, 1))
    assert found.service_slug == "blue-badge" and found.lgsl == 1088 and found.service_title == "Apply for a Blue Badge"
    assert {k: v for k, v in found.volumes.items() if v} == {"online": 12, "phone": 3}
    assert found.decided_in_time == 12
    october = next(f for f in found_all if f.month == date(2026, 10, 1))
    assert october.decided_in_time == 0  # the phone cases were decided in October, late
    assert found.median_days_to_decide == pytest.approx(1.5)
