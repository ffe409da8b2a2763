"""Inline SVG charts for the HTML report, drawn in Python.

Why hand-drawn SVG rather than a chart library: the report is one file that must make no
requests (no CDN script, no web font), read the same with scripts off and on paper, and
come out byte-for-byte the same for the same data. A few hundred lines of SVG do that.

Colours are never written into the SVG: every mark carries a CSS class that sets ``--c``
(``cat-0`` … ``cat-7``, ``s-done``, ``q-BL`` …), and the page's stylesheet maps those to
light- or dark-mode colours, so one category has one colour in every chart and table.
Every piece of text that reaches the SVG (period names, series names, tooltips) is
escaped here, because the result is handed to the template as ``Markup``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 760
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 44, 58
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
# Period labels ('2025-Q1', '2025-W07') are at most ~8 characters at 11 px: below this many px each, they collide.
LABEL_SPACE = 52
MARKERS = ("circle", "square", "diamond", "triangle")

EMPTY_MESSAGE = "No dated incidents in this range, so there is nothing to chart."


@dataclass(frozen=True)
class Series:
    """One named row of values per period; ``css`` is the class that colours it."""

    name: str
    values: Sequence[float | None]
    css: str
    marker: str = "circle"


def _n(value: float) -> str:
    """Coordinates with one decimal, no trailing '.0': short, stable output."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def fmt_number(value: float) -> str:
    """A count or per-document figure as a reader expects it: '3', '0.4', '1.25'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def fmt_percent(value: float) -> str:
    """A 0–1 rate as a whole percentage ('33%'); one decimal only below 10%, where rounding would mislead."""
    percent = value * 100
    if abs(percent) < 10 and not float(round(percent, 1)).is_integer():
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def fmt_percent_tick(value: float) -> str:
    """An axis tick: exact to one decimal, so a 12.5% gridline is not labelled '13%'."""
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def nice_scale(maximum: float, *, integer: bool = False, ticks: int = 4) -> tuple[float, float]:
    """The axis top and tick step: round numbers (1, 2, 2.5, 5 × 10^k), about ``ticks`` steps."""
    if not maximum > 0:
        return (float(ticks), 1.0) if integer else (1.0, 0.25)
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for factor in (1, 2, 2.5, 5, 10):
        candidate = magnitude * factor
        if integer and not float(candidate).is_integer():
            continue
        if candidate * ticks >= maximum:
            step = candidate
            break
    if integer:
        step = max(1.0, step)
    return step * math.ceil(maximum / step - 1e-9), step


def empty_chart(message: str = EMPTY_MESSAGE) -> Markup:
    """What stands where a chart would be when there is nothing to draw: a sentence, not blank axes."""
    return Markup('<p class="chart-empty">{}</p>').format(message)


class _Frame:
    """Axes, gridlines, labels and legend shared by both chart types."""

    def __init__(self, labels: Sequence[str], top: float, step: float, formatter: Callable[[float], str]) -> None:
        """``formatter`` labels the y-axis ticks."""
        self.labels = list(labels)
        self.top = top
        self.step = step
        self.formatter = formatter
        self.band = PLOT_W / max(1, len(self.labels))

    def x(self, index: int) -> float:
        return LEFT + (index + 0.5) * self.band

    def y(self, value: float) -> float:
        return TOP + PLOT_H - (value / self.top) * PLOT_H if self.top else TOP + PLOT_H

    def axes(self, y_label: str, x_label: str) -> list[str]:
        out = ['<g class="axis">']
        ticks = round(self.top / self.step)
        for i in range(ticks + 1):
            value = i * self.step
            y = _n(self.y(value))
            out.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{y}" y2="{y}"/>')
            out.append(
                f'<text class="tick" x="{LEFT - 8}" y="{y}" dy="0.32em" text-anchor="end">'
                f"{escape(self.formatter(value))}</text>"
            )
        base = _n(TOP + PLOT_H)
        out.append(f'<line class="baseline" x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{base}" y2="{base}"/>')
        every = max(1, math.ceil(len(self.labels) * LABEL_SPACE / PLOT_W))
        for i, label in enumerate(self.labels):
            if i % every:
                continue
            out.append(
                f'<text class="tick" x="{_n(self.x(i))}" y="{_n(TOP + PLOT_H + 18)}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
        out.append(
            f'<text class="axis-label" x="{_n(LEFT + PLOT_W / 2)}" y="{HEIGHT - 10}" text-anchor="middle">'
            f"{escape(x_label)}</text>"
        )
        mid = _n(TOP + PLOT_H / 2)
        out.append(
            f'<text class="axis-label" transform="translate(16 {mid}) rotate(-90)" text-anchor="middle">'
            f"{escape(y_label)}</text>"
        )
        out.append("</g>")
        return out


def _legend(items: Sequence[tuple[str, str, str]]) -> list[str]:
    """A row of swatches above the plot; items are (label, css class, shape) where shape is a marker or 'dash'."""
    out = ['<g class="legend">']
    x = float(LEFT)
    y = 16.0
    for label, css, shape in items:
        out.append(f'<g class="{escape(css)}">')
        if shape == "dash":
            out.append(f'<line class="target" x1="{_n(x)}" x2="{_n(x + 18)}" y1="{_n(y)}" y2="{_n(y)}"/>')
        elif shape == "band":
            out.append(f'<rect class="over-band" x="{_n(x)}" y="{_n(y - 6)}" width="18" height="12"/>')
        elif shape == "bar":
            out.append(f'<rect class="bar" x="{_n(x + 3)}" y="{_n(y - 6)}" width="12" height="12" rx="2"/>')
        else:
            out.append(f'<line class="line" x1="{_n(x)}" x2="{_n(x + 18)}" y1="{_n(y)}" y2="{_n(y)}"/>')
            out.append(_marker(shape, x + 9, y))
        out.append(f'<text x="{_n(x + 24)}" y="{_n(y)}" dy="0.32em">{escape(label)}</text></g>')
        # A rough text width: 6.6 px per character at 12 px is enough to keep items apart.
        x += 24 + len(label) * 6.6 + 18
    out.append("</g>")
    return out


def _marker(shape: str, x: float, y: float, extra: str = "") -> str:
    """A point marker; shapes differ per series so the chart does not rely on colour alone."""
    cls = f'class="dot{extra}"'
    if shape == "square":
        return f'<rect {cls} x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8"/>'
    if shape == "diamond":
        return f'<path {cls} d="M{_n(x)} {_n(y - 5.5)}L{_n(x + 5.5)} {_n(y)}L{_n(x)} {_n(y + 5.5)}L{_n(x - 5.5)} {_n(y)}Z"/>'
    if shape == "triangle":
        return f'<path {cls} d="M{_n(x)} {_n(y - 5.5)}L{_n(x + 5)} {_n(y + 4)}L{_n(x - 5)} {_n(y + 4)}Z"/>'
    return f'<circle {cls} cx="{_n(x)}" cy="{_n(y)}" r="4.5"/>'


def _open(chart_id: str, title: str, desc: str, kind: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg class="chart chart-{kind}" id="{cid}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    percent: bool = False,
    target: float | None = None,
    target_label: str = "target",
    tooltips: Sequence[str] | None = None,
    value_labels: bool = False,
    empty_message: str = EMPTY_MESSAGE,
) -> Markup:
    """Lines over periods; ``None`` values leave a gap (a period with no incidents has no rate).

    With ``target``, a dashed line marks it, the area above is tinted and points above it
    are drawn in the target's colour, so "are we above target" reads without hovering.
    ``tooltips`` (one per period) replaces the default per-column tooltip text.
    """
    present = [v for s in series for v in s.values if v is not None]
    if not labels or not present:
        return empty_chart(empty_message)
    formatter = fmt_percent if percent else fmt_number
    maximum = max([*present, target or 0.0])
    top, step = nice_scale(maximum * 1.08 if value_labels else maximum)
    if percent and maximum <= 1.0 and top > 1.0:
        top, step = 1.0, 0.25  # a share never exceeds 100%: no axis up to 150%
    frame = _Frame(labels, top, step, fmt_percent_tick if percent else fmt_number)
    out = _open(chart_id, title, desc, "line")
    legend: list[tuple[str, str, str]] = [(s.name, s.css, s.marker) for s in series]
    if target is not None:
        legend.append((f"{target_label} {formatter(target)}", "target-key", "dash"))
        legend.append(("above target", "target-key", "band"))
    out += _legend(legend)
    if target is not None:
        ty = _n(frame.y(target))
        out.append(
            f'<rect class="over-band" x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{_n(frame.y(target) - TOP)}"/>'
        )
    out += frame.axes(y_label, x_label)
    if target is not None:
        out.append(f'<line class="target" x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{ty}" y2="{ty}"/>')
    for s in series:
        # One path per run of consecutive values: a gap where a period has no value.
        runs: list[list[str]] = []
        current: list[str] = []
        for i, value in enumerate(s.values):
            if value is None:
                if current:
                    runs.append(current)
                current = []
                continue
            current.append(f"{_n(frame.x(i))} {_n(frame.y(value))}")
        if current:
            runs.append(current)
        d = "".join("M" + "L".join(run) for run in runs if len(run) > 1)
        if d:
            out.append(f'<path class="line {escape(s.css)}" d="{d}"/>')
    out.append('<g class="cols">')
    for i, label in enumerate(labels):
        if tooltips is not None and i < len(tooltips):
            tip = tooltips[i]
        else:
            parts = [
                f"{s.name} {formatter(s.values[i])}" if i < len(s.values) and s.values[i] is not None else f"{s.name} –"
                for s in series
            ]
            tip = f"{label}: " + ", ".join(parts)
        out.append(f'<g class="col"><title>{escape(tip)}</title>')
        out.append(
            f'<rect class="hit" x="{_n(LEFT + i * frame.band)}" y="{TOP}" width="{_n(frame.band)}" height="{PLOT_H}"/>'
        )
        for s in series:
            value = s.values[i] if i < len(s.values) else None
            if value is None:
                continue
            over = " over" if target is not None and value > target + 1e-12 else ""
            out.append(f'<g class="{escape(s.css)}">{_marker(s.marker, frame.x(i), frame.y(value), over)}</g>')
            if value_labels and len(series) == 1 and frame.band >= 34:
                out.append(
                    f'<text class="value{over}" x="{_n(frame.x(i))}" y="{_n(frame.y(value) - 10)}" '
                    f'text-anchor="middle">{escape(formatter(value))}</text>'
                )
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("\n".join(out))


def stacked_bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    tooltips: Sequence[str] | None = None,
    empty_message: str = EMPTY_MESSAGE,
) -> Markup:
    """Stacked counts per period, first series at the bottom, the total printed above each bar."""
    totals = [sum((s.values[i] or 0) for s in series if i < len(s.values)) for i in range(len(labels))]
    if not labels or not any(t > 0 for t in totals):
        return empty_chart(empty_message)
    top, step = nice_scale(max(totals) * 1.08, integer=True)
    frame = _Frame(labels, top, step, fmt_number)
    out = _open(chart_id, title, desc, "bar")
    out += _legend([(s.name, s.css, "bar") for s in series])
    out += frame.axes(y_label, x_label)
    width = min(44.0, frame.band * 0.66)
    out.append('<g class="cols">')
    for i, label in enumerate(labels):
        if tooltips is not None and i < len(tooltips):
            tip = tooltips[i]
        else:
            parts = [f"{s.name} {fmt_number(s.values[i] or 0)}" for s in series if i < len(s.values)]
            tip = f"{label}: " + ", ".join(parts) + f" (total {fmt_number(totals[i])})"
        out.append(f'<g class="col"><title>{escape(tip)}</title>')
        out.append(
            f'<rect class="hit" x="{_n(LEFT + i * frame.band)}" y="{TOP}" width="{_n(frame.band)}" height="{PLOT_H}"/>'
        )
        x = frame.x(i) - width / 2
        running = 0.0
        for s in series:
            value = (s.values[i] if i < len(s.values) else 0) or 0
            if value <= 0:
                continue
            y_top = frame.y(running + value)
            height = frame.y(running) - y_top
            out.append(
                f'<rect class="bar {escape(s.css)}" x="{_n(x)}" y="{_n(y_top)}" width="{_n(width)}" '
                f'height="{_n(height)}"/>'
            )
            running += value
        if totals[i] > 0 and frame.band >= 26:
            out.append(
                f'<text class="value" x="{_n(frame.x(i))}" y="{_n(frame.y(totals[i]) - 6)}" '
                f'text-anchor="middle">{escape(fmt_number(totals[i]))}</text>'
            )
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("\n".join(out))


def grouped_bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    tooltips: Sequence[str] | None = None,
    empty_message: str = EMPTY_MESSAGE,
) -> Markup:
    """Side-by-side bars per period, one per series; ``None`` is a period without documents (nothing
    drawn), 0 a measured zero (a short stub on the baseline in the series' colour).

    Why bars and not lines for small per-document averages: when most values are zero, three
    lines lie on top of each other along the baseline, so a reader cannot tell which series is
    zero and which has no documents, and a single 2.0 draws a spike that looks like a trend."""
    present = [v for s in series for v in s.values if v is not None]
    if not labels or not present:
        return empty_chart(empty_message)
    top, step = nice_scale(max(max(present), 0.0) * 1.08)
    frame = _Frame(labels, top, step, fmt_number)
    out = _open(chart_id, title, desc, "bar")
    out += _legend([(s.name, s.css, "bar") for s in series])
    out += frame.axes(y_label, x_label)
    slot = min(14.0, frame.band * 0.8 / max(len(series), 1))
    base = TOP + PLOT_H
    out.append('<g class="cols">')
    for i, label in enumerate(labels):
        if tooltips is not None and i < len(tooltips):
            tip = tooltips[i]
        else:
            parts = [
                f"{s.name} {fmt_number(s.values[i])}"
                if i < len(s.values) and s.values[i] is not None
                else f"{s.name} –"
                for s in series
            ]
            tip = f"{label}: " + ", ".join(parts)
        out.append(f'<g class="col"><title>{escape(tip)}</title>')
        out.append(
            f'<rect class="hit" x="{_n(LEFT + i * frame.band)}" y="{TOP}" width="{_n(frame.band)}" height="{PLOT_H}"/>'
        )
        left = frame.x(i) - slot * len(series) / 2
        for k, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else None
            if value is None:
                continue
            x = left + k * slot
            if value <= 0:
                out.append(
                    f'<rect class="bar zero {escape(s.css)}" x="{_n(x + 1)}" y="{_n(base - 2)}" '
                    f'width="{_n(max(slot - 2, 1))}" height="2"/>'
                )
                continue
            y = frame.y(value)
            out.append(
                f'<rect class="bar {escape(s.css)}" x="{_n(x + 1)}" y="{_n(y)}" width="{_n(max(slot - 2, 1))}" '
                f'height="{_n(base - y)}"/>'
            )
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("\n".join(out))
