"""The roadmap as an SVG Gantt chart: one bar per chosen initiative, the critical path marked.

Accessible by construction: ``role="img"`` with a title and a description that lists the critical path,
text labels on every row (colour is never the only signal: critical bars are also labelled), and
colours with at least 3:1 contrast against white.
"""

from __future__ import annotations

from html import escape

from townhall.portfolio.optimiser.model import Plan
from townhall.portfolio.optimiser.roadmap import CriticalPath

ROW = 28
LABEL_WIDTH = 260
YEAR_WIDTH = 72
TOP = 36
BAR = "#1d70b8"  # 5.2:1 on white
CRITICAL = "#d4351c"  # 4.5:1 on white


def roadmap_svg(plan: Plan, critical: CriticalPath | None = None, *, title: str = "Programme roadmap") -> str:
    years = len(plan.years)
    on_path = set(critical.path) if critical else set()
    width = LABEL_WIDTH + YEAR_WIDTH * years + 16
    height = TOP + ROW * max(1, len(plan.scheduled)) + 16
    path_text = " then ".join(
        next(s.name for s in plan.scheduled if s.initiative_id == k)
        for k in (critical.path if critical else ())
        if any(s.initiative_id == k for s in plan.scheduled)
    )
    description = f"{len(plan.scheduled)} initiatives over {years} years."
    if path_text:
        description += f" Critical path: {path_text}."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="roadmap-title roadmap-desc" font-family="sans-serif" font-size="14">',
        f'<title id="roadmap-title">{escape(title)}</title>',
        f'<desc id="roadmap-desc">{escape(description)}</desc>',
    ]
    for y in range(years):
        x = LABEL_WIDTH + YEAR_WIDTH * y
        parts.append(f'<text x="{x + YEAR_WIDTH / 2:.0f}" y="20" text-anchor="middle">Year {y + 1}</text>')
        parts.append(f'<line x1="{x}" y1="{TOP - 8}" x2="{x}" y2="{height - 8}" stroke="#b1b4b6"/>')
    for row, s in enumerate(plan.scheduled):
        y = TOP + ROW * row
        critical_row = s.initiative_id in on_path
        label = f"{s.name} (critical)" if critical_row else s.name
        x = LABEL_WIDTH + YEAR_WIDTH * (s.start_year - 1)
        w = YEAR_WIDTH * (s.finish_year - s.start_year + 1) - 4
        parts.append(f'<text x="8" y="{y + 18}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{x + 2}" y="{y + 4}" width="{w}" height="{ROW - 8}" rx="3" '
            f'fill="{CRITICAL if critical_row else BAR}"><title>{escape(s.name)}: years {s.start_year} to '
            f"{s.finish_year}</title></rect>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
