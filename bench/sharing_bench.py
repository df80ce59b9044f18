"""Access decisions under data-sharing agreements: p99 latency with 1,000 agreements loaded.

The baseline, measured in the same run, is the same decision with a single agreement loaded:
the ratio shows whether cost grows with the number of agreements.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date

from townhall.sharing.policy import (
    AccessAction,
    AccessRequest,
    AgreementStatus,
    AgreementTerms,
    DataItem,
    PartyRole,
    PolicyDecisionPoint,
)

NAME = "sharing"
FIELDS = ("full_name", "date_of_birth", "address", "postcode", "needs", "nhs_number", "phone")


def _agreement(n: int) -> AgreementTerms:
    holder, recipient = f"E07{n:06d}", f"R{n:04d}"
    return AgreementTerms(
        id=f"dsa-{n}",
        parties={holder: PartyRole.JOINT_CONTROLLER, recipient: PartyRole.JOINT_CONTROLLER},
        recipients=frozenset({recipient}),
        purposes=frozenset({"hospital-discharge", "safeguarding"}),
        items=(DataItem(holder, f"service-{n % 7}", frozenset(FIELDS[:5])),),
        status=AgreementStatus.ACTIVE,
        starts_on=date(2026, 1, 1),
        ends_on=date(2028, 12, 31),
    )


def _request(n: int, rng: random.Random) -> AccessRequest:
    return AccessRequest(
        requester=f"R{n:04d}" if rng.random() < 0.9 else "R9999",
        agreement_id=f"dsa-{n}",
        purpose=rng.choice(["hospital-discharge", "safeguarding", "marketing"]),
        action=AccessAction.DATA_REQUEST,
        holder=f"E07{n:06d}",
        definition=f"service-{n % 7}",
        fields=tuple(rng.sample(FIELDS, 4)),
        case_reference="HX7K-9M3T",
        on=date(2026, 11, 23),
    )


def _latencies(pdp: PolicyDecisionPoint, agreements: int, samples: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    timings = []
    for _ in range(samples):
        req = _request(rng.randrange(agreements), rng)
        start = time.perf_counter()
        pdp.decide(req)
        timings.append((time.perf_counter() - start) * 1000)
    return sorted(timings)


def _p(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def _row(ms: list[float]) -> str:
    return " | ".join([*(f"{_p(ms, q):.3f} ms" for q in (0.5, 0.95, 0.99)), f"{statistics.fmean(ms):.3f} ms"])


def run(quick: bool = False) -> str:
    samples = 2_000 if quick else 20_000
    start = time.perf_counter()
    pdp = PolicyDecisionPoint(_agreement(n) for n in range(1000))
    load_s = time.perf_counter() - start
    baseline = _latencies(PolicyDecisionPoint([_agreement(0)]), 1, samples, seed=1)
    loaded = _latencies(pdp, 1000, samples, seed=2)
    ratio = _p(loaded, 0.99) / _p(baseline, 0.99)
    goal = "met" if _p(loaded, 0.99) <= 1.0 else "NOT met"
    return f"""## Data sharing: access decisions (issue 6)

Cedar decides every field of every request (`townhall/sharing/policy.py`), with 1,000 agreements
compiled ({load_s:.2f} s to compile and load all of them). {samples:,} requests with 4 fields each,
10% from a party outside the agreement and a third with a purpose outside it.

| | p50 | p95 | p99 | mean |
|---|---|---|---|---|
| 1 agreement loaded (baseline) | {_row(baseline)} |
| 1,000 agreements loaded | {_row(loaded)} |

p99 with 1,000 agreements is {ratio:.2f}× the single-agreement baseline. Goal (p99 ≤ 1 ms): **{goal}**.
This measures the policy decision point alone; the Django layer around it (looking the agreement
up, writing the audit event) is measured with referral throughput once referrals land."""
