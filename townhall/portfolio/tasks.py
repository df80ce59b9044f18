"""Background solves of large programmes. Safe to run twice: only a queued run is claimed."""

from __future__ import annotations

from townhall.core.tasks import task
from townhall.portfolio.runs import run_execute


@task(queue_name="default")
def run_task(*, run_id: int) -> str:
    return run_execute(run_id=run_id)
