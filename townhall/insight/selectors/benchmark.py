"""Benchmarking: an organisation's services beside the same LGSL service in other organisations that opted in.

Only organisations that opted in appear, only if the asking organisation opted in too, and only with
aggregate figures for the period (never a case or a resident).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from townhall.catalogue.models import Service
from townhall.core.models import Organisation
from townhall.core.permissions import require
from townhall.core.roles import Permission
from townhall.insight.figures import Figures, add_up
from townhall.insight.measures import service_months, unit_costs_for
from townhall.insight.periods import Period


@dataclass(frozen=True)
class Peer:
    organisation_name: str
    is_you: bool
    figures: Figures


@dataclass(frozen=True)
class Comparison:
    lgsl: str
    title: str  # the asking organisation's own name for the service
    peers: list[Peer]


@dataclass(frozen=True)
class Benchmark:
    opted_in: bool
    comparisons: list[Comparison]


def benchmark_get(*, organisation: Organisation, actor: Any, period: Period) -> Benchmark:
    require(actor, organisation, Permission.VIEW_INSIGHT)
    if not organisation.benchmarking_opt_in:
        return Benchmark(opted_in=False, comparisons=[])
    own = {
        str(s.lgsl): s.title
        for s in Service.objects.filter(organisation=organisation, lgsl__isnull=False).order_by("title")
    }
    peers = dict(
        Organisation.objects.filter(benchmarking_opt_in=True, is_active=True)
        .filter(services__lgsl__in=[int(code) for code in own])
        .distinct()
        .values_list("pk", "name")
    )
    peers[organisation.pk] = organisation.name
    costs = unit_costs_for(list(peers))
    rows = [
        m for m in service_months(organisation_ids=list(peers), start=period.start, end=period.end) if m.lgsl in own
    ]
    comparisons = []
    for lgsl, title in sorted(own.items(), key=lambda item: item[1]):
        listed = [
            Peer(
                name,
                org_id == organisation.pk,
                add_up((m for m in rows if m.organisation_id == org_id and m.lgsl == lgsl), costs[org_id]),
            )
            for org_id, name in sorted(peers.items(), key=lambda item: item[1])
        ]
        listed = [p for p in listed if p.is_you or p.figures.received or p.figures.journeys_started]
        comparisons.append(Comparison(lgsl=lgsl, title=title, peers=listed))
    return Benchmark(opted_in=True, comparisons=comparisons)
