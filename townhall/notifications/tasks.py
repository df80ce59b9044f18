"""Delivering one message as a task: kept so ``deliver_task`` rows queued before the upgrade still run.

Nothing enqueues it now: the ``deliver_notifications`` loops claim due outbox rows themselves (ADR 0010).
Safe to run twice: the claim decides who sends, and a delivered row is left alone.
"""

from __future__ import annotations

from townhall.core.tasks import task
from townhall.notifications.services.claims import notification_claim, worker_name
from townhall.notifications.services.delivery import notification_deliver


@task(queue_name="notifications")
def deliver_task(*, notification_id: int) -> str:
    """Deliver one notification if it is still due; returns the status it ends in (or 'not-due')."""
    worker = worker_name()
    claim = notification_claim(notification_id=notification_id, worker=worker)
    if claim is None:
        return "not-due"
    return notification_deliver(claim=claim, worker=worker)
