"""Background work for insight. JSON arguments only; safe to run twice."""

from __future__ import annotations

from townhall.core.tasks import task


@task()
def insight_rebuild_task() -> int:
    """Rebuild the month summaries; returns how many service-months were summarised."""
    from townhall.insight.services.rebuild import insight_rebuild

    run = insight_rebuild()
    return run.rows if run is not None else 0
