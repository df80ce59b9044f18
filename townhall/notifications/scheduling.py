"""When a message may go: scheduled sends, SMS quiet hours, retry backoff. Pure: no Django."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local time) in which text messages are held. ``start`` > ``end`` spans midnight."""

    start: time = time(21, 0)
    end: time = time(8, 0)
    zone: str = "Europe/London"

    @classmethod
    def parse(cls, start: str, end: str, zone: str = "Europe/London") -> QuietHours:
        return cls(time.fromisoformat(start), time.fromisoformat(end), zone)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, when: datetime) -> datetime:
        """``when`` if it is outside quiet hours, else the end of the quiet window (local wall-clock time)."""
        tz = ZoneInfo(self.zone)
        local = when.astimezone(tz)
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return when
        day = local.date()
        if self.start > self.end and local.time() >= self.start:
            day = day + timedelta(days=1)
        allowed = datetime.combine(day, self.end, tzinfo=tz)
        return allowed.astimezone(when.tzinfo)


def first_attempt_at(*, now: datetime, channel: str, send_after: datetime | None, quiet: QuietHours) -> datetime:
    when = max(now, send_after) if send_after is not None else now
    return quiet.next_allowed(when) if channel == "sms" else when


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float = 0.1) -> timedelta:
    """Exponential backoff: base·2^(attempt-1), at most ``cap`` seconds, with ±jitter so workers spread out."""
    raw = min(cap, base * (2 ** max(0, attempt - 1)))
    spread = raw * jitter
    return timedelta(seconds=max(0.0, raw + random.uniform(-spread, spread)))
