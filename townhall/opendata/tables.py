"""What each standard dataset holds, and the service performance table with disclosure control. Pure: no Django.

A dataset is a list of columns and a list of rows (dicts keyed by column name; ``None`` is an empty
cell). The performance dataset has one row per service and month, and an "all services" row per
month holding the month's totals. Within a month the counts form three two-dimensional tables with
their margins, each protected by :func:`townhall.opendata.disclosure.protect`:

- volumes: service × channel, row totals ``volume_total``;
- timeliness: service × (decided in time, decided late), row totals ``decided``;
- journeys: service × (submitted, not submitted), row totals ``journeys_started``;
- satisfaction: service × (satisfied, not satisfied), row totals ``satisfaction_responses``.

Medians and 90th percentiles are published only where at least the threshold were decided. Months are
published independently (no totals across months).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from townhall.opendata.disclosure import DisclosureRules, ProtectedTable, protect


class DatasetKind(StrEnum):
    SERVICE_PERFORMANCE = "service-performance"
    SHARING_AGREEMENTS = "data-sharing-agreements"
    SERVICE_DIRECTORY = "service-directory"


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    datatype: str  # "string", "integer", "number", "date"
    description: str = ""
    required: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "datatype": self.datatype,
            "description": self.description,
            "required": self.required,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Column:
        return cls(
            name=str(data["name"]),
            title=str(data["title"]),
            datatype=str(data["datatype"]),
            description=str(data.get("description", "")),
            required=bool(data.get("required", False)),
        )


Row = dict[str, object]

CHANNELS = ("online", "phone", "face_to_face", "post", "referral", "other")
ALL_SERVICES = "all"


@dataclass(frozen=True)
class ServiceMonthFigures:
    """One service's figures for one month, before disclosure control (shaped like insight's ServiceMonth)."""

    service_slug: str
    service_title: str
    lgsl: int | None
    month: date
    volumes: dict[str, int] = field(default_factory=dict)
    decided: int = 0
    decided_in_time: int = 0
    median_days_to_decide: float | None = None
    p90_days_to_decide: float | None = None
    journeys_started: int = 0
    journeys_submitted: int = 0
    satisfaction_responses: int = 0
    satisfied: int = 0


def _count(name: str, title: str, description: str) -> Column:
    return Column(name, title, "integer", description)


PERFORMANCE_COLUMNS: tuple[Column, ...] = (
    Column("month", "Month", "date", "First day of the calendar month", required=True),
    Column("organisation", "Organisation code", "string", "GSS, ODS or other official code", required=True),
    Column("service", "Service", "string", "The service's identifier; 'all' for the month's totals", required=True),
    Column("service_title", "Service title", "string", required=True),
    Column("lgsl", "LGSL code", "integer", "Local Government Service List code"),
    *(
        _count(f"volume_{c}", f"Cases received: {c.replace('_', ' ')}", f"Cases received through the {c} channel")
        for c in CHANNELS
    ),
    _count("volume_total", "Cases received", "Cases received through every channel"),
    _count("decided", "Cases decided", "Cases decided in the month"),
    _count("decided_in_time", "Cases decided in time", "Cases decided within the service level"),
    Column("median_days_to_decide", "Median days to decide", "number", "Calendar days from receipt to decision"),
    Column("p90_days_to_decide", "90th percentile days to decide", "number", "Calendar days, 90th percentile"),
    _count("journeys_started", "Online journeys started", "Online journeys started in the month"),
    _count("journeys_submitted", "Online journeys submitted", "Online journeys submitted in the month"),
    _count("satisfaction_responses", "Satisfaction responses", "Answers to the satisfaction question"),
    _count("satisfied", "Satisfied", "Answers of satisfied or very satisfied"),
)

SHARING_COLUMNS: tuple[Column, ...] = (
    Column("agreement", "Agreement", "string", "The agreement's reference", required=True),
    Column("title", "Title", "string", required=True),
    Column("parties", "Parties", "string", "Organisation codes and roles, separated by '; '"),
    Column("purposes", "Purposes", "string", "Purpose codes, separated by '; '"),
    Column("lawful_basis", "Lawful basis", "string", "UK GDPR Article 6 basis"),
    Column("special_category_condition", "Special category condition", "string", "UK GDPR Article 9 condition"),
    Column("statutory_power", "Statutory power", "string"),
    Column("data_items", "Information shared", "string", "holder/service: fields, separated by '; '"),
    Column("starts_on", "Starts on", "date", required=True),
    Column("ends_on", "Ends on", "date", required=True),
    Column("review_on", "Review by", "date"),
    Column("retention_days_at_recipient", "Kept by recipients (days)", "integer"),
)

# Open Referral UK (HSDS) service, flattened for CSV; the JSON nests the organization.
DIRECTORY_COLUMNS: tuple[Column, ...] = (
    Column("id", "Service id", "string", "HSDS service.id", required=True),
    Column("name", "Name", "string", "HSDS service.name", required=True),
    Column("description", "Description", "string", "HSDS service.description"),
    Column("url", "Web address", "string", "HSDS service.url"),
    Column("status", "Status", "string", "HSDS service.status: active", required=True),
    Column("organization_id", "Organisation id", "string", "HSDS organization.id (official code)", required=True),
    Column("organization_name", "Organisation name", "string", "HSDS organization.name", required=True),
    Column("lgsl", "LGSL code", "integer", "Local Government Service List code (Open Referral UK taxonomy)"),
)

COLUMNS: dict[DatasetKind, tuple[Column, ...]] = {
    DatasetKind.SERVICE_PERFORMANCE: PERFORMANCE_COLUMNS,
    DatasetKind.SHARING_AGREEMENTS: SHARING_COLUMNS,
    DatasetKind.SERVICE_DIRECTORY: DIRECTORY_COLUMNS,
}

# Which columns of the performance dataset are protected counts, by table: (cells..., row total).
COUNT_TABLES: tuple[tuple[tuple[str, ...], str], ...] = (
    (tuple(f"volume_{c}" for c in CHANNELS), "volume_total"),
    (("decided_in_time", "_decided_late"), "decided"),
    (("journeys_submitted", "_journeys_not_submitted"), "journeys_started"),
    (("satisfied", "_not_satisfied"), "satisfaction_responses"),
)


def _true_counts(f: ServiceMonthFigures) -> dict[str, int]:
    """Every count of one service-month, complements included; unknown channels count as 'other'."""
    volumes = dict.fromkeys(CHANNELS, 0)
    for channel, n in f.volumes.items():
        volumes[channel if channel in volumes else "other"] += max(0, int(n))
    decided = max(0, f.decided)
    in_time = min(max(0, f.decided_in_time), decided)
    started = max(f.journeys_started, f.journeys_submitted, 0)
    submitted = max(0, f.journeys_submitted)
    responses = max(0, f.satisfaction_responses)
    satisfied = min(max(0, f.satisfied), responses)
    counts = {f"volume_{c}": n for c, n in volumes.items()}
    counts.update(
        decided_in_time=in_time,
        _decided_late=decided - in_time,
        journeys_submitted=submitted,
        _journeys_not_submitted=started - submitted,
        satisfied=satisfied,
        _not_satisfied=responses - satisfied,
    )
    return counts


def _months(figures: Iterable[ServiceMonthFigures]) -> dict[date, list[ServiceMonthFigures]]:
    by_month: dict[date, list[ServiceMonthFigures]] = {}
    for f in figures:
        by_month.setdefault(f.month, []).append(f)
    return {m: sorted(fs, key=lambda f: f.service_slug) for m, fs in sorted(by_month.items())}


def protect_month(
    figures: Sequence[ServiceMonthFigures], rules: DisclosureRules
) -> list[tuple[tuple[str, ...], str, ProtectedTable]]:
    """The month's count tables, each protected: (cell columns, total column, protected table)."""
    counts = [_true_counts(f) for f in figures]
    return [
        (cells, total, protect([[c[name] for name in cells] for c in counts], rules)) for cells, total in COUNT_TABLES
    ]


def _round_days(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def performance_rows(
    figures: Iterable[ServiceMonthFigures], *, organisation_code: str, rules: DisclosureRules
) -> list[Row]:
    """The published performance rows: disclosure-controlled, month by month, services then the totals."""
    rows: list[Row] = []
    for month, services in _months(figures).items():
        tables = protect_month(services, rules)
        month_rows: list[Row] = [
            {
                "month": month.isoformat(),
                "organisation": organisation_code,
                "service": f.service_slug,
                "service_title": f.service_title,
                "lgsl": f.lgsl,
            }
            for f in services
        ]
        total_row: Row = {
            "month": month.isoformat(),
            "organisation": organisation_code,
            "service": ALL_SERVICES,
            "service_title": "All services",
            "lgsl": None,
        }
        for cells, total, table in tables:
            for i, row in enumerate(month_rows):
                for j, name in enumerate(cells):
                    row[name] = table.cells[i][j]
                row[total] = table.row_totals[i]
            for j, name in enumerate(cells):
                total_row[name] = table.column_totals[j]
            total_row[total] = table.grand_total
        for f, row in zip(services, month_rows, strict=True):
            precise = f.decided >= max(rules.threshold, 1)  # a median of few decisions tells of a few people
            row["median_days_to_decide"] = _round_days(f.median_days_to_decide) if precise else None
            row["p90_days_to_decide"] = _round_days(f.p90_days_to_decide) if precise else None
        total_row["median_days_to_decide"] = None
        total_row["p90_days_to_decide"] = None
        for row in [*month_rows, total_row]:
            rows.append({c.name: row.get(c.name) for c in PERFORMANCE_COLUMNS})
    return rows
