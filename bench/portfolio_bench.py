"""Investment planner: 500 generated initiatives over 10 years solved to a proven 0.1% gap (issue 8).

Also solves the seven published mknap1 instances, and compares the optimiser's net present value with a
greedy benefit/cost ranking on the same programmes.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path

from townhall.portfolio.optimiser import greedy_plan, solve
from townhall.portfolio.optimiser.evaluate import start_window
from townhall.portfolio.optimiser.mknap import parse_mknap
from townhall.portfolio.optimiser.synthetic import SyntheticSpec, synthetic_programme

NAME = "portfolio"
GOAL_SECONDS = 10.0
GAP = 1e-3
MKNAP1 = Path(__file__).resolve().parent.parent / "tests" / "portfolio" / "data" / "mknap1.txt"  # OR-Library


def run(quick: bool = False) -> str:
    seeds = range(2) if quick else range(5)
    size = 100 if quick else 500
    rows = []
    for seed in seeds:
        programme, initiatives = synthetic_programme(SyntheticSpec(initiatives=size), seed=seed)
        programme = replace(programme, mip_rel_gap=GAP, time_limit=120.0)
        began = time.perf_counter()
        plan = solve(programme, initiatives)
        seconds = time.perf_counter() - began
        greedy = greedy_plan(programme, initiatives)
        binaries = sum(len(start_window(programme, i)) for i in initiatives)
        rows.append((seed, binaries, plan, seconds, greedy))
    times = [r[3] for r in rows]
    gaps_ok = all(r[2].status == "optimal" and (r[2].mip_gap or 0.0) <= GAP for r in rows)
    lines = [
        "## Investment planner: choosing and scheduling initiatives (issue 8)",
        "",
        f"{size} generated initiatives over 10 years (`townhall/portfolio/optimiser/synthetic.py`, seeded):",
        "1-3 year deliveries, capital and revenue costs, delivery staff, 20% requiring an earlier initiative,",
        "15% in option groups of three, 10 exclusion pairs, yearly capital, revenue and staff limits at 35%",
        "of doing everything at once. Objective: maximise NPV at 3.5%, risk-adjusted savings, Green Book",
        f"optimism bias on capital. Solved by HiGHS (one thread) to a proven gap of {GAP:.1%} or less; the",
        "time includes building the model. Greedy: take initiatives by benefit/cost ratio, each at its",
        "earliest start that fits.",
        "",
        "| seed | binaries | status | proven gap | solve time | chosen | NPV (optimiser) | NPV (greedy) | gain |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, binaries, plan, seconds, greedy in rows:
        gain = (plan.npv - greedy.npv) / abs(greedy.npv) if greedy.npv else float("inf")
        lines.append(
            f"| {seed} | {binaries:,} | {plan.status} | {(plan.mip_gap or 0.0):.3%} | {seconds:.2f} s | "
            f"{len(plan.scheduled)} of {size} | {_money(plan.npv)} | {_money(greedy.npv)} | {gain:+.1%} |"
        )
    gains = [(r[2].npv - r[4].npv) / abs(r[4].npv) for r in rows if r[4].npv]
    goal = "met" if gaps_ok and max(times) <= GOAL_SECONDS else "not met"
    lines += [
        "",
        f"Median solve time {statistics.median(times):.2f} s, slowest {max(times):.2f} s. "
        f"Goal (proven gap ≤ 0.1% in ≤ {GOAL_SECONDS:.0f} s): **{goal}**. "
        f"The optimiser finds {statistics.median(gains):+.1%} more NPV than the greedy ranking (median; "
        f"range {min(gains):+.1%} to {max(gains):+.1%}).",
    ]
    if not quick:
        lines += ["", *_target_lines()]
    lines += ["", *_mknap_lines()]
    return "\n".join(lines)


def _money(amount: float) -> str:
    return f"{'−' if amount < 0 else ''}£{abs(amount) / 1e6:,.2f}m"


def _target_lines() -> list[str]:
    """The same 500 initiatives (seed 0) with a savings target in year 10, from easy to impossible."""
    lines = [
        "With a savings target in year 10 (a share of a £100m baseline, risk-adjusted), seed 0, time limit 60 s. "
        "A target near the most that can be saved makes the problem much harder to prove; a missed target is "
        "explained by the elastic re-solve and one re-solve per constraint family (5 s limit each):",
        "",
        "| target | status | proven gap | time | NPV | shortfall |",
        "|---|---|---|---|---|---|",
    ]
    for fraction in (0.15, 0.2, 0.6):
        programme, initiatives = synthetic_programme(
            SyntheticSpec(initiatives=500, target_fraction=fraction, baseline=100_000_000), seed=0
        )
        programme = replace(programme, mip_rel_gap=GAP, time_limit=60.0)
        began = time.perf_counter()
        plan = solve(programme, initiatives)
        seconds = time.perf_counter() - began
        shortfall = "none" if plan.shortfall is None else _money(plan.shortfall.amount)
        lines.append(
            f"| {fraction:.0%} (£{fraction * 100:,.0f}m) | {plan.status} | {(plan.mip_gap or 0.0):.3%} | "
            f"{seconds:.1f} s | {_money(plan.npv)} | {shortfall} |"
        )
    return lines


def _mknap_lines() -> list[str]:
    if not MKNAP1.exists():
        return [f"mknap1 not found at `{MKNAP1}`."]
    lines = ["Published optima (OR-Library mknap1, read as yearly costs against yearly budgets):", ""]
    lines += ["| instance | n × m | published optimum | found | proven gap | time |", "|---|---|---|---|---|---|"]
    for instance in parse_mknap(MKNAP1.read_text()):
        programme, initiatives = instance.as_programme()
        began = time.perf_counter()
        plan = solve(programme, initiatives)
        seconds = time.perf_counter() - began
        lines.append(
            f"| {instance.number} | {len(instance.profits)} × {len(instance.capacities)} | {instance.optimum:,.1f} "
            f"| {(plan.objective_value or 0.0):,.1f} | {(plan.mip_gap or 0.0):.3%} | {seconds * 1000:.0f} ms |"
        )
    return lines


if __name__ == "__main__":
    print(run())
