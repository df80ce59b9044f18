"""``manage.py portfolio solve FILE``: plan a programme from a CSV or XLSX file, printing progress as it works."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.core.errors import ValidationFailed
from townhall.portfolio.optimiser import Plan, Progress, critical_path, greedy_plan, solve
from townhall.portfolio.optimiser.files import load_portfolio, plan_csv


class Command(BaseCommand):
    help = "Plan an ICT investment programme: choose and schedule initiatives (see docs/portfolio.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("solve", help="Solve the programme in FILE (.xlsx, or .csv with programme.csv)")
        run.add_argument("file", type=Path)
        run.add_argument("--programme", type=Path, help="programme settings CSV (default: programme.csv beside FILE)")
        run.add_argument("--time-limit", type=float, help="seconds the solver may take (default: the file's)")
        run.add_argument("--plan-csv", type=Path, help="also write the plan to this CSV file")
        run.add_argument("--compare-greedy", action="store_true", help="also report a greedy benefit/cost ranking")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            programme, initiatives = load_portfolio(options["file"], programme_path=options["programme"])
        except ValidationFailed as exc:
            details = "; ".join(f"{e.path}{f' (line {e.line})' if e.line else ''}: {e.message}" for e in exc.errors)
            raise CommandError(f"{exc.detail}. {details}".strip()) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if options["time_limit"]:
            programme = replace(programme, time_limit=options["time_limit"])
        self.stdout.write(
            f"Planning {len(initiatives)} initiatives over {programme.horizon_years} years "
            f"({programme.objective.value}, discount rate {programme.discount_rate:.1%})"
        )
        try:
            plan = solve(programme, initiatives, progress=self._progress)
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{e.path}: {e.message}" for e in exc.errors) or exc.detail) from exc
        self._report(plan)
        if plan.scheduled:
            starts = plan.chosen
            path = critical_path(
                [i for i in initiatives if i.id in starts], starts=starts, requires_finish=programme.requires_finish
            )
            self.stdout.write(f"Critical path: {' → '.join(path.path)} (finishes in year {path.finish_year})")
        if options["compare_greedy"]:
            greedy = greedy_plan(programme, initiatives)
            missed = ", misses the savings target" if greedy.status == "target_missed" else ""
            self.stdout.write(
                f"Greedy benefit/cost ranking: NPV {greedy.npv:,.0f} ({len(greedy.scheduled)} chosen{missed})"
            )
        if options["plan_csv"]:
            options["plan_csv"].write_text(plan_csv(plan))
            self.stdout.write(f"Plan written to {options['plan_csv']}")
        if plan.status in ("infeasible", "error"):
            raise CommandError(plan.message)

    _last_log = 0.0

    def _progress(self, event: Progress) -> None:
        if event.event == "stage":
            self.stdout.write(f"  {event.message}")
        elif event.event == "log" and event.seconds - self._last_log >= 2.0:
            self._last_log = event.seconds
            bound = "" if event.bound is None else f", bound {event.bound:,.0f}"
            self.stdout.write(f"  {event.seconds:6.1f} s  still searching{bound}")
        elif event.event == "improved":
            gap = "" if event.gap is None or event.gap > 1e6 else f", gap {event.gap:.2%}"
            self.stdout.write(f"  {event.seconds:6.1f} s  better plan found: {event.objective:,.0f}{gap}")
            self.stdout.flush()

    def _report(self, plan: Plan) -> None:
        gap = "" if plan.mip_gap is None else f", proven gap {plan.mip_gap:.3%}"
        self.stdout.write(f"Status: {plan.status}{gap}, {plan.solve_seconds:.2f} s")
        if plan.message and plan.status != "optimal":
            self.stdout.write(plan.message)
        self.stdout.write(
            f"NPV {plan.npv:,.0f}; discounted cost {plan.cost:,.0f}; "
            f"expected discounted savings {plan.expected_savings:,.0f}"
        )
        for s in plan.scheduled:
            self.stdout.write(f"  {s.initiative_id:<12} years {s.start_year}-{s.finish_year}  {s.name}")
        self.stdout.write("  year      capex       opex    savings  expected    FTE")
        for y in plan.years:
            self.stdout.write(
                f"  {y.year:>4} {y.capex:>10,.0f} {y.opex:>10,.0f} {y.savings:>10,.0f} "
                f"{y.expected_savings:>9,.0f} {y.fte:>6,.1f}"
            )
