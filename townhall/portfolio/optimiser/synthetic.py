"""Seeded, plausible programmes of initiatives for benchmarks and tests (no real council's data)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from townhall.portfolio.optimiser.model import Category, Initiative, Programme, SavingsTarget


@dataclass(frozen=True)
class SyntheticSpec:
    initiatives: int = 500
    horizon_years: int = 10
    dependency_share: float = 0.2  # share of initiatives that require an earlier one
    option_group_share: float = 0.15  # share of initiatives that sit in an option group of three
    exclusion_pairs: int = 10
    budget_share: float = 0.35  # yearly budgets as a share of what doing everything at once would cost
    target_fraction: float | None = None  # of the baseline, in the last year
    baseline: float = 100_000_000.0


def synthetic_programme(spec: SyntheticSpec = SyntheticSpec(), *, seed: int = 0) -> tuple[Programme, list[Initiative]]:
    rng = random.Random(seed)
    h = spec.horizon_years
    categories = list(Category)
    initiatives: list[Initiative] = []
    group_no = 0
    pending_group: list[int] = []
    for n in range(spec.initiatives):
        duration = rng.choice((1, 1, 2, 2, 3))
        build = rng.uniform(40_000, 400_000)
        capex = tuple(round(build * rng.uniform(0.6, 1.4), -2) for _ in range(duration))
        running = round(build * rng.uniform(0.02, 0.1), -2)
        opex = tuple(round(build * rng.uniform(0.05, 0.2), -2) for _ in range(duration)) + (running,) * h
        annual = build * duration * rng.uniform(0.15, 0.6)
        savings = tuple(round(annual * min(1.0, (k + 1) / 2), -2) for k in range(h))
        requires: tuple[str, ...] = ()
        if n > 0 and rng.random() < spec.dependency_share:
            requires = (f"i{rng.randrange(max(0, n - 50), n):03d}",)
        group = ""
        if rng.random() < spec.option_group_share or pending_group:
            if not pending_group:
                group_no += 1
            pending_group.append(n)
            group = f"g{group_no:03d}"
            if len(pending_group) == 3:
                pending_group = []
        initiatives.append(
            Initiative(
                id=f"i{n:03d}",
                name=f"Initiative {n + 1}",
                category=rng.choice(categories),
                duration=duration,
                capex=capex,
                opex=opex,
                savings=savings,
                fte=tuple(float(rng.randint(1, 6)) for _ in range(duration)),
                earliest_start=rng.randint(1, min(4, h - duration + 1)),
                probability=round(rng.uniform(0.6, 0.95), 2),
                mitigation=round(rng.uniform(0.5, 0.95), 2),
                requires=requires,
                option_group=group,
            )
        )
    for _ in range(spec.exclusion_pairs):
        a, b = rng.sample(range(len(initiatives)), 2)
        if initiatives[a].option_group and initiatives[a].option_group == initiatives[b].option_group:
            continue
        initiatives[a] = _with_exclusion(initiatives[a], initiatives[b].id)
    total_capex = sum(sum(i.capex) for i in initiatives)
    total_opex = sum(sum(i.opex[: i.duration]) for i in initiatives)
    total_fte = sum(sum(i.fte) for i in initiatives)
    share = spec.budget_share
    programme = Programme(
        horizon_years=h,
        capital_budget=tuple(round(total_capex * share / h, -3) for _ in range(h)),
        revenue_budget=tuple(round((total_opex * share + total_capex * 0.02 * (y + 1)) / h, -3) for y in range(h)),
        fte_capacity=tuple(round(total_fte * share / h, 0) for _ in range(h)),
        target=(
            SavingsTarget(baseline=spec.baseline, fraction=spec.target_fraction, year=h)
            if spec.target_fraction is not None
            else None
        ),
        mip_rel_gap=1e-3,
    )
    return programme, initiatives


def _with_exclusion(initiative: Initiative, other: str) -> Initiative:
    from dataclasses import replace

    return replace(initiative, excludes=(*initiative.excludes, other))
