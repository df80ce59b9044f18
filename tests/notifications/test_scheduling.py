from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from townhall.notifications.scheduling import QuietHours, backoff_delay, first_attempt_at

QUIET = QuietHours()


def test_summer_time_quiet_hours_use_london_wall_clock() -> None:
    # 21:30 BST is 20:30 UTC: quiet; allowed again at 08:00 BST = 07:00 UTC the next day.
    when = datetime(2030, 7, 1, 20, 30, tzinfo=UTC)
    assert QUIET.next_allowed(when) == datetime(2030, 7, 2, 7, 0, tzinfo=UTC)


def test_early_morning_waits_until_eight_same_day() -> None:
    when = datetime(2030, 1, 10, 6, 15, tzinfo=UTC)
    assert QUIET.next_allowed(when) == datetime(2030, 1, 10, 8, 0, tzinfo=UTC)


def test_daytime_is_unchanged_and_email_ignores_quiet_hours() -> None:
    noon = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    night = datetime(2030, 1, 10, 23, 0, tzinfo=UTC)
    assert QUIET.next_allowed(noon) == noon
    assert first_attempt_at(now=noon, channel="email", send_after=night, quiet=QUIET) == night
    assert first_attempt_at(now=noon, channel="sms", send_after=night, quiet=QUIET) == datetime(
        2030, 1, 11, 8, 0, tzinfo=UTC
    )


def test_configurable_window_not_spanning_midnight() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.next_allowed(datetime(2030, 1, 10, 12, 30, tzinfo=UTC)) == datetime(2030, 1, 10, 13, 0, tzinfo=UTC)
    assert lunch.next_allowed(datetime(2030, 1, 10, 23, 30, tzinfo=UTC)) == datetime(2030, 1, 10, 23, 30, tzinfo=UTC)


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_next_allowed_is_never_earlier_never_quiet_and_within_a_day(when: datetime) -> None:
    allowed = QUIET.next_allowed(when)
    assert when <= allowed <= when + timedelta(hours=12)
    local = allowed.astimezone(ZoneInfo("Europe/London"))
    assert not QUIET.contains(local.time())


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, base=30, cap=600, jitter=0).total_seconds() for n in range(1, 8)]
    assert delays == [30, 60, 120, 240, 480, 600, 600]
    jittered = backoff_delay(3, base=30, cap=600, jitter=0.1).total_seconds()
    assert 108 <= jittered <= 132
