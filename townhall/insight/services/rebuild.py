"""The nightly rebuild of the month summaries that dashboards and open data read.

Closed months change little (a late submission of a journey started then, a correction), so one
pass over every organisation's records each night keeps them; the current month is always computed
from the records when it is read.
"""

from __future__ import annotations

import time
from datetime import date

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from townhall.cases.models import Case
from townhall.core.services.audit import audit_record
from townhall.insight.measures import computed_service_months, summary_figures
from townhall.insight.models import MonthSummary, SummaryRun
from townhall.insight.periods import add_months


def insight_rebuild(*, today: date | None = None) -> SummaryRun | None:
    """Summarise every closed month of every organisation's services, from the first case received.

    Grouped SQL over all the records at once (``computed_service_months``), replacing the summaries in
    one transaction so a reader sees the old ones or the new, never half. None when there are no cases.
    """
    started = time.perf_counter()
    today = today or timezone.localdate()
    first_received = Case.objects.aggregate(first=Min("received_at"))["first"]
    if first_received is None:
        return None
    first = timezone.localtime(first_received).date().replace(day=1)
    last = add_months(today.replace(day=1), -1)
    months = computed_service_months(organisation_ids=None, start=first, end=last) if first <= last else []
    with transaction.atomic():
        MonthSummary.objects.all().delete()
        MonthSummary.objects.bulk_create(
            [
                MonthSummary(
                    organisation_id=m.organisation_id,
                    service_id=m.service_id,
                    month=m.month,
                    figures=summary_figures(m),
                )
                for m in months
            ],
            batch_size=2000,
        )
        run = SummaryRun.objects.create(
            finished_at=timezone.now(),
            first_month=first,
            last_month=last,
            rows=len(months),
            seconds=time.perf_counter() - started,
        )
        SummaryRun.objects.exclude(pk=run.pk).delete()
        audit_record(
            organisation=None,
            actor=None,
            action="insight.rebuilt",
            object_type="summary_run",
            object_id=run.pk,
            data={"first_month": first.isoformat(), "last_month": last.isoformat(), "rows": len(months)},
        )
    return run
