"""Casework's pure cores: automatic rules at submission and service-level clocks.

Rules: the time to run a definition's "submitted" rules (CEL, chained through "entered:<state>")
for one submission, against a baseline in the same run of checking one person's transition,
which evaluates no CEL. Clocks: the time to compute a due date 20 working days out.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

from townhall.cases import clocks
from townhall.cases.workflow import run_rules, take_transition
from townhall.catalogue.model import Rule, State, Text, Transition, Workflow

NAME = "cases"


def _workflow() -> Workflow:
    states = tuple(
        State(s, Text(s), final=s in {"approved", "refused"}) for s in ("received", "assessing", "approved", "refused")
    )
    transitions = (
        Transition("assess", ("received",), "assessing", Text("Assess"), ("caseworker",)),
        Transition("approve", ("received", "assessing"), "approved", Text("Approve"), ("team_manager",)),
        Transition("refuse", ("received", "assessing"), "refused", Text("Refuse"), ("caseworker",), True),
    )
    rules = (
        Rule("too_young", "submitted", "age < 16", "refuse"),
        Rule("pip", "submitted", "receives_pip == true || 'mobility' in benefits", "assess"),
        Rule("fast", "entered:assessing", "age >= 65 && postcode.startsWith('DN')", "approve"),
    )
    return Workflow(start="received", states=states, transitions=transitions, rules=rules, service_level_days=20)


def _answers(rng: random.Random) -> dict[str, object]:
    return {
        "age": rng.randint(10, 95),
        "receives_pip": rng.random() < 0.3,
        "benefits": rng.sample(["mobility", "care", "housing", "none"], 2),
        "postcode": rng.choice(["DN1 2AB", "LS1 4AP", "DN9 9XX"]),
    }


def _timed(fn, samples: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for i in range(samples):
        start = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - start) * 1000)
    return sorted(out)


def _p(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, int(q * len(ms)))]


def _row(label: str, ms: list[float]) -> str:
    cells = " | ".join(f"{_p(ms, q):.3f} ms" for q in (0.5, 0.95, 0.99))
    return f"| {label} | {cells} | {statistics.fmean(ms):.3f} ms |"


def run(quick: bool = False) -> str:
    samples = 2_000 if quick else 20_000
    workflow = _workflow()
    rng = random.Random(7)
    answers = [_answers(rng) for _ in range(samples)]
    case = {"channel": "online", "service": "blue-badge", "received_on": "2026-11-23"}
    run_rules(workflow, "submitted", "received", answers[0], case)  # compile the CEL once, as a process would
    baseline = _timed(lambda i: take_transition(workflow, "received", "assess", ["caseworker"]), samples)
    rules = _timed(lambda i: run_rules(workflow, "submitted", "received", answers[i], case), samples)
    start = date(2026, 1, 1)
    due = _timed(lambda i: clocks.due_date(start + timedelta(days=i % 365), 20, i % 5), samples)
    ratio = statistics.fmean(rules) / statistics.fmean(baseline)
    return "\n".join(
        [
            "## cases",
            "",
            f"{samples:,} submissions with random answers; 3 rules, up to 2 fire per submission.",
            "",
            "| operation | p50 | p95 | p99 | mean |",
            "|---|---|---|---|---|",
            _row("one transition check (baseline)", baseline),
            _row('"submitted" rules with CEL, chained', rules),
            _row("due date, 20 working days", due),
            "",
            f"Running the rules costs {ratio:.0f}× a transition check (CEL evaluation); "
            f"p99 {_p(rules, 0.99):.3f} ms per submission.",
        ]
    )
