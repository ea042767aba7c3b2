"""Vector charts drawn with reportlab.graphics, every label in the embedded font."""

from __future__ import annotations

import math

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, Polygon, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..domain.money import to_wan
from .fonts import FONT, register

SERIES_COLOURS = [colors.HexColor("#9AA5B1"), colors.HexColor("#3E7CB1"),
                  colors.HexColor("#D9822B"), colors.HexColor("#2E8540")]
THRESHOLD_COLOUR = colors.HexColor("#B00020")


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # the renderer's starting font is Helvetica unless the drawing says otherwise, and that
    # alone puts a non-embedded font in the PDF
    drawing.initialFontName = FONT
    drawing.initialFontSize = 8
    return drawing


def _nice_max(value: float) -> float:
    """A round axis maximum above `value` (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _empty(drawing: Drawing, message: str) -> Drawing:
    """A chart with nothing to show: the message in the middle of its space, no axes."""
    drawing.add(String(drawing.width / 2, drawing.height / 2, message, fontName=FONT, fontSize=9,
                       fillColor=colors.HexColor("#555555"), textAnchor="middle"))
    return drawing


def _legend(x: float, y: float, items: list[tuple[colors.Color, str]]) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = FONT, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.boxAnchor = "sw"
    legend.deltax = 62
    legend.dx = legend.dy = 7
    legend.colorNamePairs = items
    return legend


def running_totals(months: list[int | None]) -> list[float | None]:
    """Monthly revenues in yuan → running totals in 万元 (one decimal); a missing month
    stays None and the total carries on past it."""
    series: list[float | None] = []
    running = 0
    for value in months:
        if value is None:
            series.append(None)
            continue
        running += value
        series.append(float(to_wan(running, 1)))  # the labels: money's one rule (cut_wan)
    return series


def has_points(years: dict[int, list[int | None]]) -> bool:
    """Whether `cumulative_revenue` would have anything to draw."""
    return any(v is not None for months in years.values() for v in months)


# a year needs this many months for a line; fewer are drawn as labelled points
LINE_MIN_POINTS = 3


def cumulative_revenue(years: dict[int, list[int | None]], threshold_wan: float = 2000,
                       width: float = 480, height: float = 190) -> Drawing:
    """Cumulative revenue (万元) month by month, one line per year, against the
    above-scale line. `years` maps a year to 12 monthly revenues in yuan (None = missing).

    A year without any month is left out (no line, no legend entry). A year with one or two
    months is drawn as points labelled with their running totals: a line of one point
    cannot be drawn and a line of two says little. Colours follow the year's place in
    `years`, so the current year has the same colour however sparse the earlier ones are.
    With no month at all the drawing only says so; callers print a sentence instead."""
    register()
    drawing = _drawing(width, height)
    if not has_points(years):
        return _empty(drawing, "暂无主营业务收入月度数据")
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 46, 40, width - 60, height - 62
    chart.joinedLines = 0  # each year says for itself whether it is a line (lineStyle)
    data, labels, items = [], [], []
    peak = threshold_wan
    for i, (year, months) in enumerate(sorted(years.items())):
        series = running_totals(months)
        points = [v for v in series if v is not None]
        if not points:
            continue
        row = len(data)
        data.append(series)
        peak = max([peak] + points)
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        style = chart.lines[row]
        style.strokeColor = colour
        style.strokeWidth = 1.6
        if len(points) >= LINE_MIN_POINTS:
            style.lineStyle = "joinedLine"
            labels.append([None] * len(points))
        else:
            style.lineStyle = "line"  # no polyline: the marks below are the data
            style.symbol = makeMarker("FilledCircle", size=5, fillColor=colour, strokeColor=colour)
            # reportlab numbers a row's labels over its drawn points, skipping missing months
            labels.append([f"{v:,.1f}" for v in points])
        items.append((colour, f"{year}年累计"))
    chart.data = data
    chart.lineLabelFormat = "values"
    chart.lineLabelArray = labels
    chart.lineLabels.fontName = FONT
    chart.lineLabels.fontSize = 7.5
    chart.lineLabels.boxAnchor = "s"
    chart.lineLabelNudge = 4
    chart.categoryAxis.categoryNames = [f"{m}月" for m in range(1, 13)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _nice_max(peak * 1.08)
    chart.valueAxis.valueStep = chart.valueAxis.valueMax / 5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.labelTextFormat = lambda v: f"{v:,.0f}"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#DDDDDD")
    drawing.add(chart)
    # the above-scale line, drawn across the plot at the threshold
    y = chart.y + chart.height * threshold_wan / chart.valueAxis.valueMax
    drawing.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=THRESHOLD_COLOUR,
                     strokeWidth=1.2, strokeDashArray=[4, 3]))
    drawing.add(String(chart.x + 4, y + 3, f"规上标准 {threshold_wan:,.0f}万元",
                       fontName=FONT, fontSize=7.5, fillColor=THRESHOLD_COLOUR))
    drawing.add(String(4, height - 12, "万元", fontName=FONT, fontSize=7.5))
    drawing.add(_legend(chart.x, 2, items))
    return drawing


def has_bars(categories: list[str], series: list[tuple[str, list[float]]]) -> bool:
    """Whether `grouped_bars` would draw a bar (a value other than 0)."""
    return bool(categories) and any(v for _name, values in series for v in values)


# units that count things: an axis of them is marked in whole numbers (no 0.5户)
COUNT_UNITS = ("户", "人", "个", "家", "次")


def whole_axis(low: float, high: float, steps: int = 5) -> tuple[int, int, int]:
    """(minimum, maximum, step) of an axis of counts: whole numbers, the step 1, 2 or 5 ×
    10^n, at most about `steps` steps from 0 to the larger of |low| and high."""
    span = max(high, -low, 1)
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            step = m * magnitude
            if step * steps >= span:
                top = max(math.ceil(high / step), 1) * step
                bottom = math.floor(low / step) * step if low < 0 else 0
                return bottom, top, step
        magnitude *= 10


def grouped_bars(categories: list[str], series: list[tuple[str, list[float]]],
                 width: float = 480, height: float = 200, unit: str = "户") -> Drawing:
    """Side-by-side bars per category (e.g. target vs net increase per township). With no
    category, or every value 0, there are no bars to draw and the drawing only says so. An
    axis of a count (户) is marked in whole numbers."""
    register()
    drawing = _drawing(width, height)
    if not has_bars(categories, series):
        return _empty(drawing, "暂无数据")
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 48, width - 48, height - 70
    chart.data = [values or [0] for _name, values in series] or [[0]]
    low = min([0] + [v for _n, values in series for v in values])
    high = max([1] + [v for _n, values in series for v in values])
    if unit in COUNT_UNITS:
        bottom, top, step = whole_axis(low, high)
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = bottom, top
        chart.valueAxis.valueStep = step
        chart.valueAxis.labelTextFormat = "%d"
    else:
        chart.valueAxis.valueMin = -_nice_max(-low) if low < 0 else 0
        chart.valueAxis.valueMax = _nice_max(high)
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#DDDDDD")
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    if len(categories) > 8:
        chart.categoryAxis.labels.angle = 30
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.dy = -2
    chart.barSpacing = 1
    chart.groupSpacing = 8
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    items = []
    for i, (name, _values) in enumerate(series):
        colour = SERIES_COLOURS[(i + 1) % len(SERIES_COLOURS)]
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
        items.append((colour, name))
    drawing.add(chart)
    drawing.add(String(4, height - 12, unit, fontName=FONT, fontSize=7.5))
    drawing.add(_legend(chart.x, 2, items))
    return drawing


def funnel(stages: list[tuple[str, int]], width: float = 480, height: float = 190) -> Drawing:
    """The pool funnel: one centred band per stage, its width proportional to its count
    (with a minimum so a small stage keeps a readable label). With every stage empty the
    drawing only says so."""
    register()
    drawing = _drawing(width, height)
    if not any(count for _name, count in stages):
        return _empty(drawing, "暂无入库企业")
    band = (height - 10) / len(stages)
    biggest = max(count for _name, count in stages) or 1
    centre, full = width / 2, width * 0.62
    labels = [f"{name}  {count}户" for name, count in stages]
    minimum = max(width * 0.14, max(stringWidth(t, FONT, 9) for t in labels) + 24)
    widths = [max(minimum, full * count / biggest) for _name, count in stages]
    for i, (label, w) in enumerate(zip(labels, widths)):
        top = height - 5 - i * band
        bottom = top - band + 3
        next_w = widths[i + 1] if i + 1 < len(widths) else w * 0.85
        colour = SERIES_COLOURS[1] if i < len(stages) - 1 else SERIES_COLOURS[3]
        drawing.add(Polygon([centre - w / 2, top, centre + w / 2, top,
                             centre + max(next_w, minimum) / 2, bottom,
                             centre - max(next_w, minimum) / 2, bottom],
                            fillColor=colour, strokeColor=colors.white, strokeWidth=1))
        drawing.add(String(centre, (top + bottom) / 2 - 3.5, label,
                           fontName=FONT, fontSize=9, fillColor=colors.white,
                           textAnchor="middle"))
    return drawing
