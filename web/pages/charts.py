"""Charts for reports, laid out here and drawn as server-rendered SVG by ``_bar_chart.svg.html`` and
``_line_chart.svg.html``.

Charts are narrow (about a phone's width) so that their text stays readable without zooming
(at least 12 px at 375 px): bar charts put each label above its bar and the value, as text, at
the end of the line, so nothing is told by colour alone; the line chart counts on whole-number
ticks and draws a period still running (this month) as partial; the numbers are also in a table
under each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 360.0
ROW = 46.0
BAR_TOP, BAR_HEIGHT = 20.0, 16.0
LINE_WIDTH = 480.0
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44.0, 466.0, 26.0, 216.0
MAX_X_LABELS, MAX_Y_TICKS = 5, 5
HALF_LABEL = 36.0  # half the width of a month label, 2025-03, at 17 units (12 px on a phone)


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, the bar for ``value``, an optional marker (a maximum, say)."""

    label: str
    value: float | None
    shown: str  # the value as text, beside the label
    y: float
    width: float
    marker_x: float | None = None


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per row, all on one scale from zero."""

    key: str
    title: str
    description: str
    width: float
    height: float
    rows: list[Bar]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: int


@dataclass(frozen=True)
class Tick:
    at: float
    label: str
    label_at: float  # centred under the tick, nudged inwards at the picture's edges


@dataclass(frozen=True)
class LineChart:
    """Counts over consecutive periods, joined by a line, with the axes labelled."""

    key: str
    title: str
    description: str
    width: float
    height: float
    points: list[Point]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    left: float
    right: float
    top: float
    bottom: float
    #: whether the last period is still running (counted up to today)
    partial_last: bool = False

    @property
    def path(self) -> str:
        """The line through the complete periods (and the partial one, unless it is drawn apart)."""
        points = self.points[:-1] if self.partial_last else self.points
        return " ".join(f"{'M' if i == 0 else 'L'} {p.x} {p.y}" for i, p in enumerate(points))

    @property
    def partial_path(self) -> str:
        """The step from the last complete period to the one still running (drawn dashed), or nothing."""
        if not self.partial_last or len(self.points) < 2:
            return ""
        before, last = self.points[-2:]
        return f"M {before.x} {before.y} L {last.x} {last.y}"

    @property
    def highest(self) -> Point | None:
        return max(self.points, key=lambda p: p.value, default=None)


def bar_chart(
    key: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float | None, str]],
    *,
    scale_max: float | None = None,
    markers: Sequence[float | None] = (),
) -> BarChart:
    """Bars for (label, value, value as text) rows; ``scale_max`` fixes the scale (1.0 for shares)."""
    values = [v for _, v, _ in rows if v is not None] + [m for m in markers if m is not None]
    top = scale_max if scale_max is not None else max([*values, 1.0])
    span = WIDTH - 4  # room for a marker's stroke at the far end

    def x(value: float | None) -> float:
        return round(span * max(value or 0.0, 0.0) / top, 1) if top else 0.0

    bars = [
        Bar(
            label,
            value,
            shown,
            i * ROW,
            max(x(value), 2.0) if value else 0.0,  # the smallest share still shows; nothing shows none
            x(markers[i]) if i < len(markers) and markers[i] is not None else None,
        )
        for i, (label, value, shown) in enumerate(rows)
    ]
    return BarChart(key, title, description, WIDTH, max(len(bars), 1) * ROW, bars)


def whole_ticks(highest: int) -> list[int]:
    """Ticks from 0 to at least ``highest`` on a step of 1, 2 or 5 times a power of ten: whole numbers only,
    at most ``MAX_Y_TICKS`` of them past zero (18 → 0, 5, 10, 15, 20)."""
    highest = max(highest, 1)
    power = 1
    while True:
        for unit in (1, 2, 5):
            step = unit * power
            if -(-highest // step) <= MAX_Y_TICKS - 1 or step >= highest:
                return list(range(0, -(-highest // step) * step + 1, step))
        power *= 10


def line_chart(
    key: str, title: str, description: str, series: Sequence[tuple[str, int]], *, partial_last: bool = False
) -> LineChart:
    """A line through (period label, count) points, periods evenly spaced left to right; ``partial_last``
    when the last period is still running."""
    ticks = whole_ticks(max([value for _, value in series] + [1]))
    highest = ticks[-1]
    step = (PLOT_RIGHT - PLOT_LEFT) / (len(series) - 1) if len(series) > 1 else 0.0

    def x(index: int) -> float:
        return round(PLOT_LEFT + index * step if len(series) > 1 else (PLOT_LEFT + PLOT_RIGHT) / 2, 1)

    def y(value: float) -> float:
        return round(PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / highest, 1)

    points = [Point(x(i), y(value), label, value) for i, (label, value) in enumerate(series)]
    every = max(1, -(-len(series) // MAX_X_LABELS))
    x_ticks = [
        Tick(p.x, p.label, min(max(p.x, HALF_LABEL), LINE_WIDTH - HALF_LABEL))
        for i, p in enumerate(points)
        if i % every == 0
    ]
    y_ticks = [Tick(y(v), str(v), y(v)) for v in ticks]
    return LineChart(
        key=key,
        title=title,
        description=description,
        width=LINE_WIDTH,
        height=PLOT_BOTTOM + 34,
        points=points,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        left=PLOT_LEFT,
        right=PLOT_RIGHT,
        top=PLOT_TOP,
        bottom=PLOT_BOTTOM,
        partial_last=partial_last and bool(points),
    )
