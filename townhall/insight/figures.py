"""A period's figures for one service or several, added up from the monthly measures, with derived rates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from townhall.insight import calc
from townhall.insight.measures import ServiceMonth


@dataclass(frozen=True)
class Figures:
    volumes: dict[str, int]
    costs: Mapping[str, Decimal]
    decided: int = 0
    decided_in_time: int = 0
    decided_with_target: int = 0
    median_days_to_decide: float | None = None
    p90_days_to_decide: float | None = None
    journeys_started: int = 0
    journeys_submitted: int = 0
    satisfaction_responses: int = 0
    satisfied: int = 0
    repeat_contacts: int = 0
    progress_chasers: int = 0
    resubmissions: int = 0

    @property
    def received(self) -> int:
        return calc.total(self.volumes)

    @property
    def digital_take_up(self) -> float | None:
        return calc.digital_take_up(self.volumes)

    @property
    def completion_rate(self) -> float | None:
        return calc.completion_rate(started=self.journeys_started, submitted=self.journeys_submitted)

    @property
    def in_time_rate(self) -> float | None:
        return calc.ratio(self.decided_in_time, self.decided_with_target)

    @property
    def satisfaction_rate(self) -> float | None:
        return calc.ratio(self.satisfied, self.satisfaction_responses)

    @property
    def failure_demand(self) -> int:
        return self.repeat_contacts + self.progress_chasers + self.resubmissions

    @property
    def total_cost(self) -> Decimal:
        return calc.total_cost(self.volumes, self.costs)

    @property
    def cost_per_transaction(self) -> Decimal | None:
        return calc.cost_per_transaction(self.volumes, self.costs)


def add_up(
    months: Iterable[ServiceMonth],
    costs: Mapping[str, Decimal],
    *,
    median: float | None = None,
    p90: float | None = None,
) -> Figures:
    """The months' counts added together. Medians do not add up, so the caller passes the period's own."""
    rows = list(months)
    return Figures(
        volumes=calc.add_volumes(*(m.volumes for m in rows)),
        costs=costs,
        decided=sum(m.decided for m in rows),
        decided_in_time=sum(m.decided_in_time for m in rows),
        decided_with_target=sum(m.decided_with_target for m in rows),
        median_days_to_decide=median,
        p90_days_to_decide=p90,
        journeys_started=sum(m.journeys_started for m in rows),
        journeys_submitted=sum(m.journeys_submitted for m in rows),
        satisfaction_responses=sum(m.satisfaction_responses for m in rows),
        satisfied=sum(m.satisfied for m in rows),
        repeat_contacts=sum(m.repeat_contacts for m in rows),
        progress_chasers=sum(m.progress_chasers for m in rows),
        resubmissions=sum(m.resubmissions for m in rows),
    )
