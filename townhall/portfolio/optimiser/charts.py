"""Small server-rendered SVG charts for the programme view. Each page shows a data table beside each chart.

Every chart has ``role="img"``, a title and a description; values are also written as text labels, so
colour is never the only signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PLANNED = "#1d70b8"  # 5.2:1 on white
ACTUAL = "#00703c"  # 5.8:1 on white
LABEL_WIDTH = 220
WIDTH = 640
ROW = 26


def _money(value: float) -> str:
    return f"£{value:,.0f}"


def benefits_svg(
    rows: Sequence[tuple[str, float, float | None]], *, title: str = "Planned and actual savings", chart_id: str = "b"
) -> str:
    """Paired horizontal bars: (label, planned, actual or None) per row."""
    top = max([abs(p) for _, p, _ in rows] + [abs(a) for _, _, a in rows if a is not None] + [1.0])
    scale = (WIDTH - LABEL_WIDTH - 110) / top
    height = 30 + len(rows) * ROW * 2 + 10
    description = f"Planned and actual savings for {len(rows)} rows; the table beside it gives the figures."
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<text x="8" y="18">Planned (blue), actual (green)</text>',
    ]
    y = 30
    for label, planned, actual in rows:
        parts.append(f'<text x="8" y="{y + 16}">{escape(label)}</text>')
        for kind, value, colour in (("Planned", planned, PLANNED), ("Actual", actual, ACTUAL)):
            if value is not None:
                w = max(0.0, value) * scale
                parts.append(
                    f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="{colour}">'
                    f"<title>{escape(label)}: {kind.lower()} {_money(value)}</title></rect>"
                )
                text = f"{kind}: {_money(value)}"
            else:
                text = f"{kind}: not measured"
            parts.append(f'<text x="{LABEL_WIDTH + (max(0.0, value or 0) * scale) + 6:.1f}" y="{y + 16}">{text}</text>')
            y += ROW
    parts.append("</svg>")
    return "\n".join(parts)


def share_svg(rows: Sequence[tuple[str, float]], *, title: str, chart_id: str = "s") -> str:
    """Horizontal bars of shares from 0 to 1, labelled as percentages."""
    scale = WIDTH - LABEL_WIDTH - 70
    height = 10 + len(rows) * ROW + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(f"{len(rows)} bars; the table beside it gives the figures.")}</desc>',
    ]
    for n, (label, share) in enumerate(rows):
        y = 10 + n * ROW
        w = max(0.0, min(1.0, share)) * scale
        parts.append(f'<text x="8" y="{y + 16}">{escape(label)}</text>')
        parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" fill="{PLANNED}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + w + 6:.1f}" y="{y + 16}">{share:.0%}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
