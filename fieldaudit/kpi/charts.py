"""Chart geometry (pure): bars, stacked bars and lines laid out in a fixed viewBox, drawn by the SVG macros in
templates/kpi/_charts.html and by the management-review PDF from the same numbers.

Why server-side SVG from our own templates: the CSP allows no inline script and no eval, so a JavaScript chart
library would need a separate bundle and would draw nothing without JavaScript; SVG made on the server shows on any
tablet, prints, carries links (click through from a bar) and ARIA labels, and costs no dependency. pygal, the
known Python SVG chart library, loads its tooltip script (by default from an external URL) and puts its style
sheet inside the SVG; with both turned off it draws no more than these macros, with less say over each bar's link
and accessible name.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 46
# Colour per series, readable on white and distinct in greyscale print; the same in SVG and PDF.
PALETTE = ("#b3261e", "#e8a317", "#0b5cab", "#5f7d2b", "#6b4fa0", "#00838f", "#8d6e63", "#455a64")


@dataclass
class Mark:
    """One drawn value: a bar (x, y, w, h) or a line point (x, y), with what it says and where it leads."""

    x: float
    y: float
    w: float = 0
    h: float = 0
    value: float | None = None
    text: str = ""       # the accessible name: "Major, 2026-02: 3"
    href: str | None = None
    color: str = PALETTE[0]


@dataclass
class Chart:
    """A laid-out chart: axis ticks, category labels, marks, line paths and a legend."""

    kind: str
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    ticks: list = field(default_factory=list)       # (y, label)
    labels: list = field(default_factory=list)      # (x, label)
    marks: list = field(default_factory=list)
    paths: list = field(default_factory=list)       # (points "x,y x,y", colour, series name)
    legend: list = field(default_factory=list)      # (name, colour)
    empty: bool = False

    @property
    def plot(self) -> tuple[float, float, float, float]:
        """The plot area: left, top, right, bottom."""
        return LEFT, TOP, self.width - RIGHT, self.height - BOTTOM


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1), so ticks are round numbers."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def tick_count(top_value: float) -> int:
    """How many steps the axis has: round steps (0, 20, 40 … 100; 0, 1, 2 for a top of 2)."""
    for steps in (5, 4, 2):
        if float(top_value / steps).is_integer() or top_value >= 10 * steps:
            return steps
    return 1


def _axis(chart: Chart, top_value: float) -> None:
    ticks = tick_count(top_value)
    left, top, right, bottom = chart.plot
    for i in range(ticks + 1):
        value = top_value * i / ticks
        chart.ticks.append((bottom - (bottom - top) * i / ticks, _fmt(value)))


def _slots(chart: Chart, categories: list[str]) -> list[tuple[float, float]]:
    """(x, width) of each category's slot; its label goes under the middle (every other one when crowded)."""
    left, _, right, bottom = chart.plot
    slot = (right - left) / max(len(categories), 1)
    every = 1 if len(categories) <= 12 else 2
    out = []
    for i, label in enumerate(categories):
        x = left + i * slot
        if i % every == 0:
            chart.labels.append((x + slot / 2, label))
        out.append((x, slot))
    return out


def bars(title: str, categories: list[str], values: list[float | None], *, hrefs=None, unit: str = "",
         top_value: float | None = None, series: str = "", color: str = PALETTE[2]) -> Chart:
    """One bar per category (None draws nothing: no data, unlike zero)."""
    chart = Chart("bars", title)
    present = [v for v in values if v is not None]
    chart.empty = not any(present)
    top_value = top_value or nice_max(max(present, default=0))
    _axis(chart, top_value)
    _, top, _, bottom = chart.plot
    for (x, slot), label, value, href in zip(_slots(chart, categories), categories, values,
                                             hrefs or [None] * len(categories)):
        if value is None:
            continue
        h = (bottom - top) * value / top_value
        name = f"{series}, {label}" if series else label
        chart.marks.append(Mark(x + slot * 0.15, bottom - h, slot * 0.7, h, value, f"{name}: {_fmt(value)}{unit}",
                                href, color))
    return chart


def stacked(title: str, categories: list[str], series: list[tuple[str, list[float]]], *, hrefs=None,
            unit: str = "") -> Chart:
    """Bars of several series stacked per category; `hrefs[s][i]` leads from series s at category i."""
    chart = Chart("stacked", title)
    totals = [sum(values[i] or 0 for _, values in series) for i in range(len(categories))]
    chart.empty = not any(totals)
    top_value = nice_max(max(totals, default=0))
    _axis(chart, top_value)
    _, top, _, bottom = chart.plot
    slots = _slots(chart, categories)
    for s, (name, values) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        chart.legend.append((name, color))
    for i, (x, slot) in enumerate(slots):
        base = bottom
        for s, (name, values) in enumerate(series):
            value = values[i] or 0
            if not value:
                continue
            h = (bottom - top) * value / top_value
            base -= h
            href = hrefs[s][i] if hrefs else None
            chart.marks.append(Mark(x + slot * 0.15, base, slot * 0.7, h, value,
                                    f"{name}, {categories[i]}: {_fmt(value)}{unit}", href,
                                    PALETTE[s % len(PALETTE)]))
    return chart


def lines(title: str, categories: list[str], series: list[tuple[str, list[float | None]]], *, unit: str = "",
          top_value: float | None = None, hrefs=None) -> Chart:
    """One line per series over the categories; a gap where a value is None (no data that month)."""
    chart = Chart("lines", title)
    present = [v for _, values in series for v in values if v is not None]
    chart.empty = not present
    top_value = top_value or nice_max(max(present, default=0))
    _axis(chart, top_value)
    _, top, _, bottom = chart.plot
    slots = _slots(chart, categories)
    for s, (name, values) in enumerate(series):
        color = PALETTE[(s + 2) % len(PALETTE)]
        chart.legend.append((name, color))
        run: list[str] = []
        for i, ((x, slot), value) in enumerate(zip(slots, values)):
            if value is None:
                if len(run) > 1:
                    chart.paths.append((" ".join(run), color, name))
                run = []
                continue
            px, py = x + slot / 2, bottom - (bottom - top) * value / top_value
            run.append(f"{px:.1f},{py:.1f}")
            href = hrefs[s][i] if hrefs else None
            chart.marks.append(Mark(px, py, 0, 0, value, f"{name}, {categories[i]}: {_fmt(value)}{unit}", href,
                                    color))
        if len(run) > 1:
            chart.paths.append((" ".join(run), color, name))
    return chart
