"""Key measures of every service, month by month, computed in the database with SQL aggregates.

This is the internal aggregate that insight's selectors and open-data publishing read: it checks no
permission, so only call it with organisation ids the caller is already entitled to. Definitions of
each figure are in docs/insight.md.

A month is a calendar month in the platform's time zone (Europe/London). ``start`` and ``end`` name
months: every month from the month of ``start`` to the month of ``end``, both included. Rows exist
only for a service and month with some activity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DateField, F, FloatField, Func, Min, Q, QuerySet, Value, When, Window
from django.db.models import Case as SqlCase
from django.db.models.functions import Lag, TruncDate, TruncMonth
from django.utils import timezone

from townhall.cases.models import Case, CaseEvent, CaseEventKind
from townhall.catalogue.models import Service
from townhall.core.models import Organisation
from townhall.insight.calc import CHANNELS, DEFAULT_UNIT_COSTS, UnitCosts, percentile_cont
from townhall.insight.models import MonthSummary, SummaryRun, UnitCostSetting
from townhall.insight.periods import add_months
from townhall.journeys.models import JourneySession, JourneyStatus, SatisfactionResponse

__all__ = [
    "CHANNELS",
    "REFUSAL_STATES",
    "REPEAT_WINDOW",
    "ServiceMonth",
    "UnitCosts",
    "channel_volumes",
    "month_range",
    "service_months",
    "unit_costs",
]

# A later case from the same resident for the same service within this time is a repeat contact.
REPEAT_WINDOW = timedelta(days=30)
# Final states that mean "no": a later case from the same resident for the service is a resubmission.
REFUSAL_STATES = ("refused", "rejected", "declined", "not_eligible", "ineligible")
SATISFIED = ("satisfied", "very_satisfied")


@dataclass(frozen=True)
class ServiceMonth:
    """One service's figures for one calendar month (see docs/insight.md for each definition)."""

    organisation_id: int
    service_slug: str
    lgsl: str  # the LGSL code, "" when the service has none
    month: date  # the first of the month
    volumes: dict[str, int]  # channel → cases received this month
    decided: int  # cases that reached a final state this month
    decided_in_time: int  # of those, decided on or before their service-level due date
    median_days_to_decide: float | None  # calendar days from received to decided, of cases decided this month
    p90_days_to_decide: float | None
    journeys_started: int  # online journeys started this month
    journeys_submitted: int  # of those, submitted (by now)
    satisfaction_responses: int
    satisfied: int  # satisfied + very satisfied
    decided_with_target: int = 0  # decided cases that had a service-level due date
    repeat_contacts: int = 0  # cases received this month that repeat one received in the 30 days before
    progress_chasers: int = 0  # replies from residents this month on cases not yet decided
    resubmissions: int = 0  # cases received this month after the same resident's refused case
    service_id: int = field(default=0, compare=False)


def month_range(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware instants [first moment of start's month, first moment of the month after end's month)."""
    tz = timezone.get_current_timezone()
    first = date(start.year, start.month, 1)
    after = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(after, time.min), tz),
    )


def months_between(start: date, end: date) -> list[date]:
    """The first of every month from start's month to end's month, inclusive."""
    out: list[date] = []
    month = date(start.year, start.month, 1)
    while month <= end:
        out.append(month)
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


class DaysBetween(Func):
    """Calendar days (fractional) from the second expression to the first, in the database."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)", arg_joiner=" - "
        )


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(fraction) WITHIN GROUP (ORDER BY x)``."""

    function = "percentile_cont"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        # The fraction is a float we checked, so it is safe to write into the statement.
        template = f"%(function)s({float(fraction)!r}) WITHIN GROUP (ORDER BY %(expressions)s)"
        super().__init__(expression, template=template)


def _percentiles_in_sql() -> bool:
    return connection.vendor == "postgresql"


def _scope(qs: QuerySet[Any], organisation_field: str, organisation_ids: Sequence[int] | None) -> QuerySet[Any]:
    if organisation_ids is None:
        return qs
    return qs.filter(**{f"{organisation_field}__in": list(organisation_ids)})


Key = tuple[int, int, date]  # organisation id, service id, month


def _received(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, dict[str, int]]:
    """Cases received per service-month by channel."""
    qs = _scope(Case.objects.filter(received_at__gte=lo, received_at__lt=hi), "organisation_id", organisation_ids)
    rows = (
        qs.annotate(month=TruncMonth("received_at", output_field=DateField()))
        .values("organisation_id", "version__service_id", "month")
        .annotate(**{f"n_{c}": Count("pk", filter=Q(channel=c)) for c in CHANNELS})
        .order_by()
    )
    return {(r["organisation_id"], r["version__service_id"], r["month"]): r for r in rows}


def _repeats(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, dict[str, int]]:
    """Repeat contacts and resubmissions per service-month, from window functions over each resident's cases.

    One pass over the cases of the residents with a case in the period (of every earlier month too, since a
    refusal long ago still counts): for each
    case, the days since the same resident's previous case for the service (LAG), and the days since the
    earliest refusal of one of their cases for it (MIN over the partition). An outer query then counts
    the cases received in the period by month. Django writes the inner query for each database.
    """
    resident = [F("organisation_id"), F("version__service_id"), F("resident_email")]
    previous = Window(Lag("received_at"), partition_by=resident, order_by=[F("received_at").asc(), F("pk").asc()])
    refused = Window(Min(SqlCase(When(state__in=REFUSAL_STATES, then=F("decided_at")))), partition_by=resident)
    in_period = _scope(
        Case.objects.filter(received_at__gte=lo, received_at__lt=hi), "organisation_id", organisation_ids
    )
    inner = (
        _scope(Case.objects.filter(received_at__lt=hi), "organisation_id", organisation_ids)
        # Only residents with a case in the period: their earlier cases are all that a count can need.
        .filter(resident_email__in=in_period.exclude(resident_email="").values("resident_email"))
        .exclude(resident_email="")
        .annotate(
            org=F("organisation_id"),
            svc=F("version__service_id"),
            month=TruncMonth("received_at", output_field=DateField()),
            in_period=SqlCase(When(received_at__gte=lo, then=Value(1)), default=Value(0)),
            days_since_previous=DaysBetween(F("received_at"), previous),
            days_since_refusal=DaysBetween(F("received_at"), refused),
        )
        .values("org", "svc", "month", "in_period", "days_since_previous", "days_since_refusal")
        .order_by()
    )
    sql, params = inner.query.sql_with_params()
    # The inner statement is Django's own compilation, with its values still passed separately as parameters.
    statement = (
        "SELECT t.org, t.svc, t.month,"  # noqa: S608
        " SUM(CASE WHEN t.days_since_previous <= %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN t.days_since_refusal > 0 THEN 1 ELSE 0 END)"
        f" FROM ({sql}) t WHERE t.in_period = 1 GROUP BY t.org, t.svc, t.month"
    )
    params = (REPEAT_WINDOW.total_seconds() / 86400, *params)
    out: dict[Key, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        for org_id, service_id, month, repeats, resubmissions in cursor.fetchall():
            # PostgreSQL gives a timestamp, SQLite text: Django's converters do not run on a raw cursor.
            month = month.date() if isinstance(month, datetime) else date.fromisoformat(str(month)[:10])
            out[(org_id, service_id, month)] = {"repeat_contacts": repeats or 0, "resubmissions": resubmissions or 0}
    return out


def _decided(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, dict[str, Any]]:
    """Cases decided per service-month: how many, how many in time, and the median and 90th percentile days."""
    qs = _scope(Case.objects.filter(decided_at__gte=lo, decided_at__lt=hi), "organisation_id", organisation_ids)
    qs = qs.annotate(month=TruncMonth("decided_at", output_field=DateField()))
    percentiles: dict[str, Any] = {}
    if _percentiles_in_sql():
        days = DaysBetween(F("decided_at"), F("received_at"))
        percentiles = {"median": PercentileCont(days, 0.5), "p90": PercentileCont(days, 0.9)}
    rows = {
        (r["organisation_id"], r["version__service_id"], r["month"]): r
        for r in qs.values("organisation_id", "version__service_id", "month")
        .annotate(
            decided=Count("pk"),
            decided_with_target=Count("pk", filter=Q(due_on__isnull=False)),
            decided_in_time=Count("pk", filter=Q(due_on__gte=TruncDate("decided_at"))),
            **percentiles,
        )
        .order_by()
    }
    if not percentiles:
        # SQLite has no percentile aggregate: fetch only the durations, already computed in SQL.
        durations: dict[Key, list[float]] = {}
        for org_id, service_id, month, days_taken in qs.values_list(
            "organisation_id", "version__service_id", "month", DaysBetween(F("decided_at"), F("received_at"))
        ).order_by():
            durations.setdefault((org_id, service_id, month), []).append(days_taken)
        for key, row in rows.items():
            row["median"] = percentile_cont(durations.get(key, []), 0.5)
            row["p90"] = percentile_cont(durations.get(key, []), 0.9)
    return rows


def _chasers(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, int]:
    qs = _scope(
        CaseEvent.objects.filter(kind=CaseEventKind.REPLY, occurred_at__gte=lo, occurred_at__lt=hi),
        "organisation_id",
        organisation_ids,
    ).filter(Q(case__decided_at__isnull=True) | Q(case__decided_at__gt=F("occurred_at")))
    rows = (
        qs.annotate(month=TruncMonth("occurred_at", output_field=DateField()))
        .values("organisation_id", "case__version__service_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["organisation_id"], r["case__version__service_id"], r["month"]): r["n"] for r in rows}


def _journeys(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, dict[str, int]]:
    qs = _scope(
        JourneySession.objects.filter(created_at__gte=lo, created_at__lt=hi, channel="online"),
        "organisation_id",
        organisation_ids,
    )
    rows = (
        qs.annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("organisation_id", "version__service_id", "month")
        .annotate(started=Count("pk"), submitted=Count("pk", filter=Q(status=JourneyStatus.SUBMITTED)))
        .order_by()
    )
    return {(r["organisation_id"], r["version__service_id"], r["month"]): r for r in rows}


def _satisfaction(organisation_ids: Sequence[int] | None, lo: datetime, hi: datetime) -> dict[Key, dict[str, int]]:
    qs = _scope(
        SatisfactionResponse.objects.filter(created_at__gte=lo, created_at__lt=hi), "organisation_id", organisation_ids
    )
    rows = (
        qs.annotate(month=TruncMonth("created_at", output_field=DateField()))
        .values("organisation_id", "submission__version__service_id", "month")
        .annotate(responses=Count("pk"), satisfied=Count("pk", filter=Q(rating__in=SATISFIED)))
        .order_by()
    )
    return {(r["organisation_id"], r["submission__version__service_id"], r["month"]): r for r in rows}


def service_months(*, organisation_ids: Sequence[int] | None, start: date, end: date) -> list[ServiceMonth]:
    """Every service's figures for each month from start's month to end's month, ordered by org, service, month.

    ``organisation_ids=None`` means every organisation on the platform. Closed months the nightly
    rebuild has summarised come from ``MonthSummary``; the rest (this month, and every month when no
    rebuild has run) are computed from the records.
    """
    first, last = date(start.year, start.month, 1), date(end.year, end.month, 1)
    run = SummaryRun.objects.order_by("-finished_at").first()
    if run is None or last < run.first_month or first > run.last_month:
        return computed_service_months(organisation_ids=organisation_ids, start=first, end=last)
    covered_from, covered_to = max(first, run.first_month), min(last, run.last_month)
    out = _summarised(organisation_ids, covered_from, covered_to)
    if first < covered_from:
        out += computed_service_months(organisation_ids=organisation_ids, start=first, end=add_months(covered_from, -1))
    if last > covered_to:
        out += computed_service_months(organisation_ids=organisation_ids, start=add_months(covered_to, 1), end=last)
    out.sort(key=lambda m: (m.organisation_id, m.service_slug, m.month))
    return out


SUMMARY_KEYS = frozenset({"organisation_id", "service_slug", "lgsl", "month", "service_id"})


def summary_figures(month: ServiceMonth) -> dict[str, Any]:
    """What ``MonthSummary.figures`` keeps of a month: everything but its keys."""
    return {k: v for k, v in asdict(month).items() if k not in SUMMARY_KEYS}


def _summarised(organisation_ids: Sequence[int] | None, first: date, last: date) -> list[ServiceMonth]:
    rows = _scope(MonthSummary.objects.filter(month__gte=first, month__lte=last), "organisation_id", organisation_ids)
    return [
        ServiceMonth(
            organisation_id=row.organisation_id,
            service_slug=row.service.slug,
            lgsl="" if row.service.lgsl is None else str(row.service.lgsl),
            month=row.month,
            service_id=row.service_id,
            **row.figures,
        )
        for row in rows.select_related("service")
    ]


def computed_service_months(*, organisation_ids: Sequence[int] | None, start: date, end: date) -> list[ServiceMonth]:
    """``service_months`` computed from the records: seven grouped queries, whatever the number of cases."""
    lo, hi = month_range(start, end)
    received = _received(organisation_ids, lo, hi)
    repeats = _repeats(organisation_ids, lo, hi)
    decided = _decided(organisation_ids, lo, hi)
    chasers = _chasers(organisation_ids, lo, hi)
    journeys = _journeys(organisation_ids, lo, hi)
    satisfaction = _satisfaction(organisation_ids, lo, hi)
    keys = set(received) | set(repeats) | set(decided) | set(chasers) | set(journeys) | set(satisfaction)
    services = {
        pk: (slug, "" if lgsl is None else str(lgsl))
        for pk, slug, lgsl in Service.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "slug", "lgsl")
    }
    out: list[ServiceMonth] = []
    for key in keys:
        org_id, service_id, month = key
        r, d, j, s = received.get(key, {}), decided.get(key, {}), journeys.get(key, {}), satisfaction.get(key, {})
        slug, lgsl = services[service_id]
        out.append(
            ServiceMonth(
                organisation_id=org_id,
                service_slug=slug,
                lgsl=lgsl,
                month=month,
                volumes={c: r.get(f"n_{c}", 0) for c in CHANNELS},
                decided=d.get("decided", 0),
                decided_in_time=d.get("decided_in_time", 0),
                median_days_to_decide=d.get("median"),
                p90_days_to_decide=d.get("p90"),
                journeys_started=j.get("started", 0),
                journeys_submitted=j.get("submitted", 0),
                satisfaction_responses=s.get("responses", 0),
                satisfied=s.get("satisfied", 0),
                decided_with_target=d.get("decided_with_target", 0),
                repeat_contacts=repeats.get(key, {}).get("repeat_contacts", 0),
                progress_chasers=chasers.get(key, 0),
                resubmissions=repeats.get(key, {}).get("resubmissions", 0),
                service_id=service_id,
            )
        )
    out.sort(key=lambda m: (m.organisation_id, m.service_slug, m.month))
    return out


def channel_volumes(*, organisation_id: int, service_slug: str | None, start: date, end: date) -> dict[str, int]:
    """Cases received by channel in the months from start's to end's, for one service or all of them."""
    lo, hi = month_range(start, end)
    qs = Case.objects.filter(organisation_id=organisation_id, received_at__gte=lo, received_at__lt=hi)
    if service_slug is not None:
        qs = qs.filter(version__service__slug=service_slug)
    counts = dict(qs.values("channel").annotate(n=Count("pk")).order_by().values_list("channel", "n"))
    return {c: counts.get(c, 0) for c in CHANNELS}


def unit_costs(organisation: Organisation) -> dict[str, Decimal]:
    """Channel → cost in pounds of one transaction: the organisation's own figures, else the Socitm defaults."""
    defaults = DEFAULT_UNIT_COSTS.as_dict()
    setting = UnitCostSetting.objects.filter(organisation=organisation).first()
    if setting is None:
        return defaults
    return {c: getattr(setting, c) if getattr(setting, c) is not None else defaults[c] for c in CHANNELS}


def unit_costs_for(organisation_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """``unit_costs`` for many organisations in one query."""
    defaults = DEFAULT_UNIT_COSTS.as_dict()
    out = {org_id: dict(defaults) for org_id in organisation_ids}
    for setting in UnitCostSetting.objects.filter(organisation_id__in=list(organisation_ids)):
        out[setting.organisation_id] = {
            c: getattr(setting, c) if getattr(setting, c) is not None else defaults[c] for c in CHANNELS
        }
    return out


def days_to_decide(
    *, organisation_id: int, service_slug: str | None, start: date, end: date
) -> tuple[float | None, float | None]:
    """Median and 90th percentile of calendar days to decide, over cases decided in the whole period."""
    lo, hi = month_range(start, end)
    qs = Case.objects.filter(organisation_id=organisation_id, decided_at__gte=lo, decided_at__lt=hi)
    if service_slug is not None:
        qs = qs.filter(version__service__slug=service_slug)
    days = DaysBetween(F("decided_at"), F("received_at"))
    if _percentiles_in_sql():
        row = qs.aggregate(median=PercentileCont(days, 0.5), p90=PercentileCont(days, 0.9))
        return row["median"], row["p90"]
    durations = list(qs.annotate(days=days).values_list("days", flat=True).order_by())
    return percentile_cont(durations, 0.5), percentile_cont(durations, 0.9)
