"""Charts drawn on the server as SVG: bars (stacked by channel) and lines. Pure: no Django.

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``; the page shows
the same figures as a table beside it, which is what screen readers and keyboard users read.
All text written into the SVG is escaped here, so the result can be put into a page as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Colours from the GOV.UK palette, each at least 3:1 against white.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#505a5f")
WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 64
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"  # the brand's stack


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


def _nice_max(value: float) -> float:
    """A round number at or above ``value`` for the top of the axis, a multiple of 4 so gridlines are whole."""
    if value <= 4:
        return 4.0
    if value <= 8:
        return 8.0
    if value <= 12:
        return 12.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1.2, 2, 4, 6, 8, 10):
        top = step * magnitude
        if top >= value:
            return float(top)
    return float(12 * magnitude)  # pragma: no cover


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 1000 else f"{value:,.0f}"


def _frame(chart_id: str, title: str, description: str, body: list[str], legend: Sequence[str]) -> str:
    cid = escape(chart_id, quote=True)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="townhall-chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="{FONT}" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
        *body,
    ]
    for n, name in enumerate(legend):
        x = LEFT + n * 110
        parts.append(
            f'<rect x="{x}" y="{HEIGHT - 18}" width="10" height="10" fill="{COLOURS[n % len(COLOURS)]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 9}" font-size="11" fill="#0b0c0c">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(top: float, labels: Sequence[str], unit: str) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#b1b4b6" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#0b0c0c">'
            f"{escape(_fmt(value) + unit)}</text>"
        )
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    every = max(1, len(labels) // 12)
    for n, label in enumerate(labels):
        if n % every:
            continue
        x = LEFT + step * (n + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" text-anchor="middle" fill="#0b0c0c">'
            f"{escape(label)}</text>"
        )
    return out


def bar_chart(
    *, chart_id: str, title: str, description: str, labels: Sequence[str], series: Sequence[Series], unit: str = ""
) -> str:
    """Bars for each label, the series stacked on each other (one series: plain bars)."""
    totals = [sum(s.values[n] or 0 for s in series) for n in range(len(labels))]
    top = _nice_max(max(totals, default=0))
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axes(top, labels, unit)
    for n in range(len(labels)):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[n] or 0
            if value <= 0:
                continue
            h = plot_h * value / top
            y = TOP + plot_h - plot_h * base / top - h
            body.append(
                f'<rect x="{LEFT + step * n + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[k % len(COLOURS)]}"/>'
            )
            base += value
    return _frame(chart_id, title, description, body, [s.name for s in series] if len(series) > 1 else [])


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    top: float | None = None,
) -> str:
    """A line for each series; a missing value (None) breaks the line."""
    highest = max((v for s in series for v in s.values if v is not None), default=0.0)
    top = top if top is not None else _nice_max(highest)
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = _axes(top, labels, unit)
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        run: list[str] = []
        for n, value in enumerate(s.values):
            if value is None:
                if len(run) > 1:
                    body.append(_polyline(run, colour))
                run = []
                continue
            x, y = LEFT + step * (n + 0.5), TOP + plot_h - plot_h * min(value, top) / top
            run.append(f"{x:.1f},{y:.1f}")
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        if len(run) > 1:
            body.append(_polyline(run, colour))
    return _frame(chart_id, title, description, body, [s.name for s in series] if len(series) > 1 else [])


def _polyline(points: list[str], colour: str) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>'
