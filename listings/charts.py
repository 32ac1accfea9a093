"""Server-rendered SVG charts for market reports: no chart library, no script, CSP-safe (colours
come from presentation attributes and classes in static/css/reports.css). Each chart is a figure
whose numbers are also in the report's table."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .market import MarketStats

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 30


@dataclass
class Chart:
    key: str
    title: str
    svg: SafeString


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.001:
        ticks.append(value)
        value += step
    if ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def _label(value: float, money: bool) -> str:
    if money:
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:.1f}M".replace(".0M", "M")
        if abs(value) >= 1_000:
            return f"${value / 1_000:.0f}k"
        return f"${value:.0f}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def svg_chart(
    *,
    title: str,
    months: list,
    series: list[tuple[str, str, list[float | None]]],
    kind: str = "line",
    money: bool = False,
    zero_based: bool = True,
) -> SafeString:
    """``series``: (name, css class, values per month). Lines skip missing months; bars stack
    side by side per month."""
    values = [v for _, _, data in series for v in data if v is not None]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart chart--{kind}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    if not values:
        parts.append(
            f'<text class="chart__empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">'
            "No data for this period</text></svg>"
        )
        return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)
    low = 0.0 if zero_based or kind == "bar" else min(values) * 0.95
    ticks = _nice_ticks(low, max(values))
    low, high = ticks[0], ticks[-1]
    count = max(1, len(months))
    slot = plot_w / count

    def x_of(index: int) -> float:
        return LEFT + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="chart__axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_label(tick, money))}</text>"
        )
    every = max(1, math.ceil(count / 8))
    for index, month in enumerate(months):
        if index % every == 0 or index == count - 1:
            parts.append(
                f'<text class="chart__axis" x="{x_of(index):.1f}" y="{HEIGHT - 10}" '
                f'text-anchor="middle">{month:%b %y}</text>'
            )
    if kind == "bar":
        width = slot * 0.8 / max(1, len(series))
        for number, (name, css, data) in enumerate(series):
            for index, value in enumerate(data):
                if not value:
                    continue
                x = x_of(index) - slot * 0.4 + number * width
                y = y_of(value)
                parts.append(
                    f'<rect class="chart__bar {css}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{max(1.0, width - 1):.1f}" height="{TOP + plot_h - y:.1f}">'
                    f"<title>{escape(name)} {months[index]:%b %Y}: {escape(_label(value, money))}"
                    "</title></rect>"
                )
    else:
        for name, css, data in series:
            segment: list[str] = []
            segments = []
            for index, value in enumerate(data):
                if value is None:
                    if segment:
                        segments.append(segment)
                    segment = []
                    continue
                segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
                parts.append(
                    f'<circle class="chart__dot {css}" cx="{x_of(index):.1f}" '
                    f'cy="{y_of(value):.1f}" r="3"><title>{escape(name)} {months[index]:%b %Y}: '
                    f"{escape(_label(value, money))}</title></circle>"
                )
            if segment:
                segments.append(segment)
            for points in segments:
                if len(points) > 1:
                    parts.append(
                        f'<polyline class="chart__line {css}" fill="none" points="{" ".join(points)}"/>'
                    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def report_charts(stats: MarketStats) -> list[Chart]:
    months = [row.month for row in stats.months]
    rows = stats.months
    return [
        Chart(
            "prices",
            "Median list and close price",
            svg_chart(
                title="Median list and close price by month",
                months=months,
                series=[
                    ("Median list price", "series-a", [r.median_list for r in rows]),
                    ("Median close price", "series-b", [r.median_close for r in rows]),
                ],
                money=True,
                zero_based=False,
            ),
        ),
        Chart(
            "activity",
            "New listings, pending and closed",
            svg_chart(
                title="New listings, pending and closed sales by month",
                months=months,
                series=[
                    ("New listings", "series-a", [r.new_listings for r in rows]),
                    ("Pending", "series-c", [r.pending for r in rows]),
                    ("Closed", "series-b", [r.closed for r in rows]),
                ],
                kind="bar",
            ),
        ),
        Chart(
            "inventory",
            "Active inventory at month end",
            svg_chart(
                title="Active inventory at month end",
                months=months,
                series=[("Active inventory", "series-a", [r.inventory for r in rows])],
            ),
        ),
        Chart(
            "dom",
            "Median days on market",
            svg_chart(
                title="Median days on market of closed sales",
                months=months,
                series=[("Median days on market", "series-b", [r.median_dom for r in rows])],
            ),
        ),
    ]
