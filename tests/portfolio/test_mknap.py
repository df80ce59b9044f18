"""Correctness against published optima: OR-Library's mknap1 read as initiatives, yearly costs and budgets."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall.portfolio.optimiser import Objective, solve
from townhall.portfolio.optimiser.mknap import KnapsackInstance, parse_mknap

from .checks import violations

MKNAP1 = Path(__file__).resolve().parent / "data" / "mknap1.txt"  # OR-Library, see data/README.md
INSTANCES = parse_mknap(MKNAP1.read_text())


def test_the_file_holds_seven_instances_of_the_stated_sizes() -> None:
    assert [(len(k.profits), len(k.capacities)) for k in INSTANCES] == [
        (6, 10),
        (10, 10),
        (15, 10),
        (20, 10),
        (28, 10),
        (39, 5),
        (50, 5),
    ]


@pytest.mark.parametrize("instance", INSTANCES, ids=lambda k: f"mknap1-{k.number}")
def test_the_planner_finds_the_published_optimum(instance: KnapsackInstance) -> None:
    programme, initiatives = instance.as_programme()
    assert programme.objective is Objective.MAX_SAVINGS and programme.discount_rate == 0.0
    plan = solve(programme, initiatives)

    assert plan.status == "optimal"
    assert plan.objective_value is not None
    assert plan.mip_gap is not None and plan.mip_gap <= programme.mip_rel_gap
    # Within HiGHS's gap tolerance of the published optimum, and never better than it (that would be a bug).
    tolerance = programme.mip_rel_gap * instance.optimum + 1e-6
    assert plan.objective_value == pytest.approx(instance.optimum, abs=tolerance)
    assert plan.objective_value <= instance.optimum + 1e-6
    # The value comes from the chosen items' profits, and the choice fits every capacity.
    profit = {f"k{instance.number}-{j + 1}": p for j, p in enumerate(instance.profits)}
    assert sum(profit[i] for i in plan.chosen) == pytest.approx(plan.objective_value, abs=1e-6)
    assert violations(programme, initiatives, plan) == []
    for row, capacity in zip(instance.weights, instance.capacities, strict=True):
        used = sum(row[int(i.split("-")[1]) - 1] for i in plan.chosen)
        assert used <= capacity + 1e-9
