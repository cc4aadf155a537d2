"""Charts as plain geometry (rectangles, lines, polylines, circles, text), drawn twice: as inline
SVG for the HTML report and with fpdf2 primitives for the PDF. No chart library, no external URL.

Amounts are Decimal everywhere else; here they become floats only to place pixels.

* `cash_forecast_chart`: the 13 weeks' net cash flow as bars (in green, out red) and the closing
  balance as a line, the lowest week marked, zero and the cash buffer (if any) as rules.
* `trend_chart`: 12 months of revenue as bars and gross margin as a line on its own axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from tools.reports.forecast import CashForecast
from tools.reports.statements import TrendPoint

WIDTH, HEIGHT = 640.0, 260.0
LEFT, RIGHT, TOP, BOTTOM = 64.0, 52.0, 34.0, 40.0
INK, GRID, MUTED = "#1f2933", "#d9dee3", "#7b8794"
GREEN, RED, BLUE, ORANGE = "#2f9e44", "#d9480f", "#1c7ed6", "#e8590c"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    width: float = 1.0
    dash: bool = False


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str
    width: float = 2.0


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    size: float = 10.0
    anchor: str = "start"    # start | middle | end
    fill: str = INK
    bold: bool = False


Shape = Rect | Line | Polyline | Circle | Text


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    shapes: tuple[Shape, ...] = field(default_factory=tuple)
    width: float = WIDTH
    height: float = HEIGHT


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks, v = [], first
    while v <= hi + step * 0.5:
        ticks.append(round(v, 6))
        v += step
    return ticks


def short_money(value: float) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1_000_000:
        return f"{sign}${v / 1_000_000:.1f}m"
    if v >= 1_000:
        return f"{sign}${v / 1_000:.0f}k"
    return f"{sign}${v:.0f}"


class _Axis:
    def __init__(self, lo: float, hi: float, top: float, bottom: float) -> None:
        self.ticks = nice_ticks(lo, hi)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.top, self.bottom = top, bottom

    def y(self, v: float) -> float:
        span = (self.hi - self.lo) or 1.0
        return self.bottom - (v - self.lo) / span * (self.bottom - self.top)


def cash_forecast_chart(f: CashForecast) -> Chart:
    weeks = f.weeks
    closing = [float(w.closing) for w in weeks]
    net = [float(w.net) for w in weeks]
    values = closing + net + [0.0, float(f.opening)] + ([float(f.buffer)] if f.buffer else [])
    axis = _Axis(min(values), max(values), TOP, HEIGHT - BOTTOM)
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / len(weeks)
    shapes: list[Shape] = [Text(LEFT, 18, "13-week cash forecast", 12, bold=True),
                           Text(WIDTH - RIGHT, 18, "bars: net cash flow  line: closing balance", 9,
                                "end", MUTED)]
    for t in axis.ticks:
        y = axis.y(t)
        shapes.append(Line(LEFT, y, WIDTH - RIGHT, y, GRID, 0.6))
        shapes.append(Text(LEFT - 6, y + 3, short_money(t), 8, "end", MUTED))
    zero = axis.y(0.0)
    shapes.append(Line(LEFT, zero, WIDTH - RIGHT, zero, INK, 1.0))
    if f.buffer:
        yb = axis.y(float(f.buffer))
        shapes.append(Line(LEFT, yb, WIDTH - RIGHT, yb, ORANGE, 1.0, dash=True))
        shapes.append(Text(WIDTH - RIGHT + 4, yb + 3, "buffer", 8, fill=ORANGE))
    points = []
    for i, w in enumerate(weeks):
        x = LEFT + slot * i
        y = axis.y(net[i])
        top, height = (y, zero - y) if net[i] >= 0 else (zero, y - zero)
        shapes.append(Rect(x + slot * 0.2, top, slot * 0.6, max(height, 0.5), GREEN if net[i] >= 0 else RED))
        shapes.append(Text(x + slot / 2, HEIGHT - BOTTOM + 14, str(w.number), 8, "middle", MUTED))
        points.append((x + slot / 2, axis.y(closing[i])))
    shapes.append(Text(LEFT + plot_w / 2, HEIGHT - 8, "week", 8, "middle", MUTED))
    shapes.append(Polyline(tuple(points), BLUE, 2.0))
    low = f.lowest
    lx, ly = points[low.number - 1]
    shapes.append(Circle(lx, ly, 4.5, RED if low.closing < 0 else ORANGE))
    label = f"lowest {short_money(float(low.closing))} (week {low.number})"
    anchor = "start" if low.number <= len(weeks) / 2 else "end"
    below = ly + 16 <= HEIGHT - BOTTOM - 4
    shapes.append(Text(lx + (8 if anchor == "start" else -8), ly + 16 if below else ly - 8, label, 9,
                       anchor, INK, True))
    desc = (f"Weekly net cash flow and closing balance for {len(weeks)} weeks from {f.as_of}; "
            f"lowest closing balance {low.closing} in week {low.number}.")
    return Chart("13-week cash forecast", desc, tuple(shapes))


def trend_chart(points: Sequence[TrendPoint]) -> Chart:
    revenue = [float(p.revenue) if p.revenue is not None else None for p in points]
    margins = [float(p.gross_margin_pct) if p.gross_margin_pct is not None else None for p in points]
    known = [v for v in revenue if v is not None] or [0.0]
    axis = _Axis(min(0.0, min(known)), max(known), TOP, HEIGHT - BOTTOM)
    known_m = [m for m in margins if m is not None] or [0.0]
    m_axis = _Axis(min(0.0, min(known_m)), max(100.0, max(known_m)), TOP, HEIGHT - BOTTOM)
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / max(1, len(points))
    shapes: list[Shape] = [Text(LEFT, 18, "Revenue and gross margin, 12 months", 12, bold=True),
                           Text(WIDTH - RIGHT, 18, "bars: revenue  line: gross margin %", 9, "end", MUTED)]
    for t in axis.ticks:
        y = axis.y(t)
        shapes.append(Line(LEFT, y, WIDTH - RIGHT, y, GRID, 0.6))
        shapes.append(Text(LEFT - 6, y + 3, short_money(t), 8, "end", MUTED))
    for t in m_axis.ticks:
        shapes.append(Text(WIDTH - RIGHT + 6, m_axis.y(t) + 3, f"{t:.0f}%", 8, "start", ORANGE))
    zero = axis.y(0.0)
    line: list[tuple[float, float]] = []
    for i, p in enumerate(points):
        x = LEFT + slot * i
        shapes.append(Text(x + slot / 2, HEIGHT - BOTTOM + 14, p.month.short, 7.5, "middle",
                           MUTED if not p.available else INK))
        if revenue[i] is not None:
            y = axis.y(revenue[i])  # type: ignore[arg-type]
            shapes.append(Rect(x + slot * 0.18, min(y, zero), slot * 0.64, max(abs(zero - y), 0.5), BLUE))
        if margins[i] is not None:
            line.append((x + slot / 2, m_axis.y(margins[i])))  # type: ignore[arg-type]
    shapes.append(Line(LEFT, zero, WIDTH - RIGHT, zero, INK, 1.0))
    if len(line) > 1:
        shapes.append(Polyline(tuple(line), ORANGE, 2.0))
    shapes.extend(Circle(x, y, 2.5, ORANGE) for x, y in line)
    available = [p for p in points if p.available]
    desc = (f"Monthly revenue (bars) and gross margin (line) for {len(available)} months to "
            f"{points[-1].month.label if points else ''}.")
    return Chart("Revenue and gross margin", desc, tuple(shapes))


# ----------------------------------------------------------------------------- SVG
def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def to_svg(chart: Chart) -> str:
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(chart.width)} {_f(chart.height)}" '
              f'role="img" aria-label="{escape(chart.description)}" class="chart">'),
             f"<title>{escape(chart.title)}</title>",
             f'<rect x="0" y="0" width="{_f(chart.width)}" height="{_f(chart.height)}" fill="#ffffff"/>']
    for s in chart.shapes:
        if isinstance(s, Rect):
            parts.append(f'<rect x="{_f(s.x)}" y="{_f(s.y)}" width="{_f(s.w)}" height="{_f(s.h)}" '
                         f'fill="{s.fill}"/>')
        elif isinstance(s, Line):
            dash = ' stroke-dasharray="5 4"' if s.dash else ""
            parts.append(f'<line x1="{_f(s.x1)}" y1="{_f(s.y1)}" x2="{_f(s.x2)}" y2="{_f(s.y2)}" '
                         f'stroke="{s.stroke}" stroke-width="{_f(s.width)}"{dash}/>')
        elif isinstance(s, Polyline):
            pts = " ".join(f"{_f(x)},{_f(y)}" for x, y in s.points)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{s.stroke}" '
                         f'stroke-width="{_f(s.width)}" stroke-linejoin="round"/>')
        elif isinstance(s, Circle):
            parts.append(f'<circle cx="{_f(s.cx)}" cy="{_f(s.cy)}" r="{_f(s.r)}" fill="{s.fill}"/>')
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            parts.append(f'<text x="{_f(s.x)}" y="{_f(s.y)}" font-size="{_f(s.size)}" '
                         f'text-anchor="{s.anchor}" fill="{s.fill}"{weight}>{escape(s.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
