"""Where each standard dataset's rows come from, before disclosure control. Reads only."""

from __future__ import annotations

from datetime import date, datetime

from townhall.catalogue.models import Service
from townhall.catalogue.selectors.definitions import published_services
from townhall.core.models import Organisation
from townhall.insight.measures import service_months
from townhall.opendata.tables import Row, ServiceMonthFigures
from townhall.sharing.selectors import agreement_register

MONTHS_PUBLISHED = 12


def month_window(today: date, months: int = MONTHS_PUBLISHED) -> tuple[date, date]:
    """The first and last complete months before ``today``'s month (first days of months)."""
    year, month = today.year, today.month - 1
    if month == 0:
        year, month = year - 1, 12
    last = date(year, month, 1)
    index = year * 12 + month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1), last


def service_month_figures(*, organisation: Organisation, today: date) -> list[ServiceMonthFigures]:
    """Each service's figures for each of the last complete months, from insight, before disclosure control."""
    start, last = month_window(today)
    services = {s.slug: s for s in Service.objects.filter(organisation=organisation)}
    figures = []
    for m in service_months(organisation_ids=[organisation.pk], start=start, end=last):
        month = m.month.date() if isinstance(m.month, datetime) else m.month
        if not start <= month <= last or m.organisation_id != organisation.pk:
            continue
        service = services.get(m.service_slug)
        figures.append(
            ServiceMonthFigures(
                service_slug=m.service_slug,
                service_title=service.title if service else m.service_slug,
                lgsl=int(m.lgsl) if str(m.lgsl or "").isdigit() else None,
                month=month,
                volumes=dict(m.volumes),
                decided=m.decided,
                decided_in_time=m.decided_in_time,
                median_days_to_decide=m.median_days_to_decide,
                p90_days_to_decide=m.p90_days_to_decide,
                journeys_started=m.journeys_started,
                journeys_submitted=m.journeys_submitted,
                satisfaction_responses=m.satisfaction_responses,
                satisfied=m.satisfied,
            )
        )
    return figures


def sharing_rows(*, organisation: Organisation) -> list[Row]:
    """The organisation's agreements in force, from the public register (no personal data)."""
    rows: list[Row] = []
    for a in agreement_register().filter(parties__organisation=organisation).distinct():
        rows.append(
            {
                "agreement": a.code,
                "title": a.title,
                "parties": "; ".join(f"{p.organisation.code} ({p.role})" for p in a.parties.all()),
                "purposes": "; ".join(a.purposes),
                "lawful_basis": a.lawful_basis,
                "special_category_condition": a.special_category_condition,
                "statutory_power": a.statutory_power,
                "data_items": "; ".join(
                    f"{i.holder.code}/{i.service_slug}: {', '.join(i.fields)}" for i in a.items.all()
                ),
                "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat(),
                "review_on": a.review_on.isoformat(),
                "retention_days_at_recipient": a.retention_days_at_recipient,
            }
        )
    return sorted(rows, key=lambda r: str(r["agreement"]))


def directory_rows(*, organisation: Organisation, base_url: str) -> list[Row]:
    """The organisation's published services, shaped as Open Referral UK (HSDS) services."""
    rows: list[Row] = []
    for version in published_services(organisation_code=organisation.code):
        service = version.service
        definition = version.definition()
        rows.append(
            {
                "id": f"{organisation.code}/{service.slug}",
                "name": service.title,
                "description": definition.description.en,
                "url": f"{base_url}/services/{organisation.slug}/{service.slug}/",
                "status": "active",
                "organization_id": organisation.code,
                "organization_name": organisation.name,
                "lgsl": service.lgsl,
            }
        )
    return rows
