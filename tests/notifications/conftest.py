from __future__ import annotations

from typing import Any

import pytest

from townhall.notifications.services.claims import notification_claim_due
from townhall.notifications.services.delivery import notification_deliver


@pytest.fixture
def deliver_due():  # type: ignore[no-untyped-def]
    """Run one pass of the delivery worker in-process; returns {notification_id: status}."""

    def run(worker: str = "test-worker", limit: int = 100) -> dict[int, str]:
        return {
            claim.notification_id: notification_deliver(claim=claim, worker=worker)
            for claim in notification_claim_due(worker=worker, limit=limit)
        }

    return run


@pytest.fixture
def fast_retries(settings: Any) -> Any:
    settings.NOTIFICATIONS_BACKOFF_BASE_SECONDS = 0
    settings.NOTIFICATIONS_BACKOFF_CAP_SECONDS = 0
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 6
    return settings
