"""Background work for casework. JSON arguments only; each task is safe to run twice."""

from __future__ import annotations

from townhall.core.tasks import task


@task()
def cases_escalate_task() -> int:
    from townhall.cases.services.escalation import cases_escalate_overdue

    return len(cases_escalate_overdue())
