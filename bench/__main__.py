"""Run benchmarks and record their figures in docs/performance.md.

Usage: python -m bench [NAME ...] [--quick]

Each benchmark module defines ``NAME`` and ``run(quick: bool) -> str``, returning a Markdown
section. Figures are ratios against a baseline measured in the same run wherever a baseline
makes sense, because these machines are shared and noisy. A benchmark's section replaces the
text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->``; other sections are kept.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import ChecksFailed

# name → module; run in this order.
BENCHMARKS = {
    "cases": "bench.cases_bench",
    "cases-scale": "bench.cases_scale_bench",
    "notifications": "bench.notifications_bench",
    "email-throughput": "bench.email_throughput_bench",
    "sharing": "bench.sharing_bench",
    "referrals": "bench.referrals_bench",
    "portfolio": "bench.portfolio_bench",
    "journeys": "bench.journeys_bench",
    "floor": "bench.floor_bench",
    "scale-out": "bench.scaleout_bench",
    "soak": "bench.soak_bench",
}
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = """# Performance

Figures measured by `make bench` (code under `bench/`). Each section is rewritten by its own
benchmark; the machine line says where and when it ran. Goals come from the issues.
"""


def _replace_section(text: str, name: str, body: str) -> str:
    stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores)._"
    block = f"<!-- bench:{name} -->\n{body.strip()}\n\n{stamp}\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip() + "\n\n" + block + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmark names (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for trying a benchmark out")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    text = DOC.read_text() if DOC.exists() else HEADER
    failures = 0
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(BENCHMARKS)}")
    for name, module_name in BENCHMARKS.items():
        if args.names and name not in args.names:
            continue
        module = importlib.import_module(module_name)
        print(f"bench: {module.NAME} ...", flush=True)
        try:
            body = module.run(quick=args.quick)
        except ChecksFailed as failed:  # measured, but a check failed: keep the figures
            failures += 1
            body = failed.body
        except Exception as exc:  # a failing benchmark is reported, and the others still run
            failures += 1
            body = f"## {module.NAME}\n\nFailed: `{type(exc).__name__}: {exc}`"
        print(body, flush=True)
        # Read the file again: another benchmark run may have rewritten its own section meanwhile.
        text = _replace_section(DOC.read_text() if DOC.exists() else text, module.NAME, body)
        DOC.write_text(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
