"""Turning a dashboard's figures into what a page shows: formatted tables, SVG charts and CSV rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from townhall.insight import charts
from townhall.insight.calc import CHANNELS
from townhall.insight.figures import Figures
from townhall.insight.periods import month_label, short_month_label
from townhall.insight.selectors.dashboard import Dashboard

CHANNEL_LABELS = {
    "online": "Online",
    "phone": "Phone",
    "face_to_face": "Face to face",
    "post": "Post",
    "referral": "Partner referral",
}
NONE = "–"


def count(value: int) -> str:
    return f"{value:,}"


def pct(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def money(value: Decimal | None) -> str:
    if value is None:
        return NONE
    return f"−£{-value:,.2f}" if value < 0 else f"£{value:,.2f}"


def _channel_count(channel: str) -> Callable[[Figures], str]:
    return lambda f: count(f.volumes[channel])


# (label, how to show it) for the summary table, in the order the issue lists the measures.
SUMMARY: list[tuple[str, Callable[[Figures], str]]] = [
    ("Cases received", lambda f: count(f.received)),
    *[(f"Received: {CHANNEL_LABELS[c].lower()}", _channel_count(c)) for c in CHANNELS],
    ("Digital take-up", lambda f: pct(f.digital_take_up)),
    ("Online journeys started", lambda f: count(f.journeys_started)),
    ("Completion rate", lambda f: pct(f.completion_rate)),
    ("Cases decided", lambda f: count(f.decided)),
    ("Decided within the service level", lambda f: pct(f.in_time_rate)),
    ("Median days to decide", lambda f: days(f.median_days_to_decide)),
    ("90th percentile days to decide", lambda f: days(f.p90_days_to_decide)),
    ("Repeat contacts", lambda f: count(f.repeat_contacts)),
    ("Progress-chasing replies", lambda f: count(f.progress_chasers)),
    ("Resubmissions after a refusal", lambda f: count(f.resubmissions)),
    ("Satisfaction responses", lambda f: count(f.satisfaction_responses)),
    ("User satisfaction", lambda f: pct(f.satisfaction_rate)),
    ("Cost of transactions", lambda f: money(f.total_cost)),
    ("Cost per transaction", lambda f: money(f.cost_per_transaction)),
]


def summary_rows(dashboard: Dashboard) -> list[dict[str, str]]:
    rows = []
    for label, show in SUMMARY:
        row = {"label": label, "current": show(dashboard.figures)}
        if dashboard.comparison_figures is not None:
            row["comparison"] = show(dashboard.comparison_figures)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: str
    header: list[str]
    rows: list[list[str]]


def charts_for(dashboard: Dashboard) -> list[Chart]:
    labels = [short_month_label(m.month) for m in dashboard.months]
    names = [month_label(m.month) for m in dashboard.months]
    period = dashboard.period.label
    volumes = Chart(
        id="chart-volumes",
        title=f"Cases received by channel, {period}",
        svg=charts.bar_chart(
            chart_id="chart-volumes",
            title=f"Cases received by channel, {period}",
            description="Bars for each month, stacked by channel. The table that follows gives the figures.",
            labels=labels,
            series=[
                charts.Series(CHANNEL_LABELS[c], tuple(float(m.figures.volumes[c]) for m in dashboard.months))
                for c in CHANNELS
            ],
        ),
        header=["Month", *(CHANNEL_LABELS[c] for c in CHANNELS), "All channels"],
        rows=[
            [name, *(count(m.figures.volumes[c]) for c in CHANNELS), count(m.figures.received)]
            for name, m in zip(names, dashboard.months, strict=True)
        ],
    )
    take_up_values = tuple(
        None if m.figures.digital_take_up is None else m.figures.digital_take_up * 100 for m in dashboard.months
    )
    completion_values = tuple(
        None if m.figures.completion_rate is None else m.figures.completion_rate * 100 for m in dashboard.months
    )
    take_up = Chart(
        id="chart-take-up",
        title=f"Digital take-up and completion rate, {period}",
        svg=charts.line_chart(
            chart_id="chart-take-up",
            title=f"Digital take-up and completion rate, {period}",
            description="Two lines, one point for each month, as percentages. The table that follows gives them.",
            labels=labels,
            series=[
                charts.Series("Digital take-up", take_up_values),
                charts.Series("Completion rate", completion_values),
            ],
            unit="%",
            top=100,
        ),
        header=["Month", "Digital take-up", "Completion rate"],
        rows=[
            [name, pct(m.figures.digital_take_up), pct(m.figures.completion_rate)]
            for name, m in zip(names, dashboard.months, strict=True)
        ],
    )
    out = [volumes, take_up]
    if dashboard.service is not None:
        medians = tuple(m.figures.median_days_to_decide for m in dashboard.months)
        out.append(
            Chart(
                id="chart-time",
                title=f"Median days to decide, {period}",
                svg=charts.line_chart(
                    chart_id="chart-time",
                    title=f"Median days to decide, {period}",
                    description="One point for each month with decisions. The table that follows gives them.",
                    labels=labels,
                    series=[charts.Series("Median days to decide", medians)],
                ),
                header=["Month", "Cases decided", "Median days to decide", "Decided within the service level"],
                rows=[
                    [name, count(m.figures.decided), days(m.figures.median_days_to_decide), pct(m.figures.in_time_rate)]
                    for name, m in zip(names, dashboard.months, strict=True)
                ],
            )
        )
    return out


CSV_HEADER = [
    "organisation",
    "service",
    "lgsl",
    "month",
    *(f"received_{c}" for c in CHANNELS),
    "received_total",
    "digital_take_up",
    "journeys_started",
    "journeys_submitted",
    "completion_rate",
    "decided",
    "decided_with_service_level",
    "decided_in_time",
    "median_days_to_decide",
    "p90_days_to_decide",
    "repeat_contacts",
    "progress_chasing_replies",
    "resubmissions",
    "satisfaction_responses",
    "satisfied",
    "cost_total",
    "cost_per_transaction",
]


def _num(value: float | Decimal | None, places: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return f"{value:.{places}f}"


def csv_rows(dashboard: Dashboard) -> list[list[str]]:
    """One row for each service and month with any activity, with the derived measures beside the counts."""
    from townhall.insight.figures import add_up

    out = [CSV_HEADER]
    for m in dashboard.rows:
        f = add_up([m], dashboard.costs, median=m.median_days_to_decide, p90=m.p90_days_to_decide)
        out.append(
            [
                dashboard.organisation.slug,
                m.service_slug,
                m.lgsl,
                m.month.strftime("%Y-%m"),
                *(str(m.volumes[c]) for c in CHANNELS),
                str(f.received),
                _num(f.digital_take_up),
                str(m.journeys_started),
                str(m.journeys_submitted),
                _num(f.completion_rate),
                str(m.decided),
                str(m.decided_with_target),
                str(m.decided_in_time),
                _num(m.median_days_to_decide, 2),
                _num(m.p90_days_to_decide, 2),
                str(m.repeat_contacts),
                str(m.progress_chasers),
                str(m.resubmissions),
                str(m.satisfaction_responses),
                str(m.satisfied),
                _num(f.total_cost),
                _num(f.cost_per_transaction),
            ]
        )
    return out
