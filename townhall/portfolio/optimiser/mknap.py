"""OR-Library multi-dimensional knapsack instances (Beasley's mknap format) read as programmes.

Each instance: ``n m optimum``, n profits, m rows of n weights, m capacities. It becomes n initiatives
whose capital cost in years 1..m is their weight in each row (a fixed start in year 1, duration m), m
yearly capital budgets (the capacities) and savings equal to the profit, counted once, undiscounted.
"""

from __future__ import annotations

from dataclasses import dataclass

from townhall.portfolio.optimiser.model import Category, Initiative, Objective, Programme


@dataclass(frozen=True)
class KnapsackInstance:
    number: int
    profits: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # m rows of n
    capacities: tuple[float, ...]
    optimum: float

    def as_programme(self) -> tuple[Programme, list[Initiative]]:
        m = len(self.capacities)
        programme = Programme(
            horizon_years=m,
            capital_budget=self.capacities,
            discount_rate=0.0,
            objective=Objective.MAX_SAVINGS,
            appraisal_years=m + 1,  # the saving arrives in the year after the m years of delivery
        )
        initiatives = [
            Initiative(
                id=f"k{self.number}-{j + 1}",
                name=f"Item {j + 1}",
                category=Category.SERVICE_REDESIGN,
                duration=m,
                capex=tuple(row[j] for row in self.weights),
                savings=(profit,),
                earliest_start=1,
                latest_start=1,
                optimism_bias_upper=0.0,
            )
            for j, profit in enumerate(self.profits)
        ]
        return programme, initiatives


def parse_mknap(text: str) -> list[KnapsackInstance]:
    tokens = [float(t) for t in text.split()]
    pos = 0

    def take(count: int) -> tuple[float, ...]:
        nonlocal pos
        if pos + count > len(tokens):
            raise ValueError("The knapsack file ends early")
        values = tuple(tokens[pos : pos + count])
        pos += count
        return values

    (count,) = take(1)
    instances = []
    for number in range(1, int(count) + 1):
        n_f, m_f, optimum = take(3)
        n, m = int(n_f), int(m_f)
        profits = take(n)
        weights = tuple(take(n) for _ in range(m))
        capacities = take(m)
        instances.append(KnapsackInstance(number, profits, weights, capacities, optimum))
    return instances
