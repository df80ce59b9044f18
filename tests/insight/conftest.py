"""Fixtures for insight: the casework fixtures, and a helper that places a case at a given time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.conftest import BLUE_BADGE, answers, blue_badge, publish  # noqa: F401  (fixtures re-used)
from townhall.cases.models import Case
from townhall.catalogue.models import DefinitionVersion


def at(day: str, hour: int = 10) -> datetime:
    """An aware instant on ``day`` (YYYY-MM-DD) in the platform's time zone."""
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(hour=hour))


@pytest.fixture
def place_case(answers: dict[str, Any]):  # type: ignore[no-untyped-def]  # noqa: F811
    """Open a case through the service, then set when it was received and decided."""
    from townhall.cases.services import case_open

    def make(
        version: DefinitionVersion,
        *,
        received: str,
        channel: str = "online",
        email: str = "gwen@example.test",
        decided: str | None = None,
        state: str | None = None,
        due: str | None = None,
    ) -> Case:
        case = case_open(
            organisation=version.service.organisation,
            version=version,
            answers={**answers, "email": email},
            channel=channel,
            actor=None,
        )
        changes: dict[str, Any] = {"received_at": at(received), "due_on": date.fromisoformat(due) if due else None}
        if decided:
            changes.update(decided_at=at(decided), state=state or "approved")
        Case.objects.filter(pk=case.pk).update(**changes)
        case.refresh_from_db()
        return case

    return make
