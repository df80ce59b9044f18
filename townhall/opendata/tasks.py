"""Background work for open data. JSON arguments only; safe to run twice."""

from __future__ import annotations

from townhall.core.tasks import task


@task()
def opendata_publish_task() -> int:
    """Publish every dataset whose schedule is due; returns how many new versions were written."""
    from townhall.opendata.services import datasets_publish_due

    return len(datasets_publish_due())
