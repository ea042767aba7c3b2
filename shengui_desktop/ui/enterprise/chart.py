"""Cumulative revenue within each year, month by month, against the 20,000,000-yuan line.

Drawn with QPainter: QtCharts is not part of PySide6-Essentials.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...domain.money import format_wan
from ...services.ledger.enterprises import THRESHOLD_YUAN

YEAR_COLOURS = ["#1a5fb4", "#2e7d32", "#9c6500", "#6a1b9a"]


def cumulative_by_year(figures: list[dict], years: int = 3) -> dict[int, list[int | None]]:
    """year → 12 running totals (None after the last month reported)."""
    months: dict[int, dict[int, int]] = {}
    for f in figures:
        year, month = int(f["period"][:4]), int(f["period"][5:7])
        months.setdefault(year, {})[month] = f.get("revenue") or 0
    out = {}
    for year in sorted(months)[-years:]:
        total, series = 0, []
        last = max(months[year])
        for m in range(1, 13):
            if m > last:
                series.append(None)
                continue
            total += months[year].get(m, 0)
            series.append(total)
        out[year] = series
    return out


def tick_step(rough: float) -> float:
    """A round step for the value axis (1, 2, 2.5 or 5 × a power of ten) not below `rough`:
    the lines fall on 500, 1,000, 1,500 … 万元, not on 701, 1,403 …"""
    power = 10 ** math.floor(math.log10(max(rough, 1)))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= rough)


class RevenueChart(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.series: dict[int, list[int | None]] = {}
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_figures(self, figures: list[dict]) -> None:
        self.series = cumulative_by_year(figures)
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        left, top, right, bottom = 70, 28, 110, 34
        plot = QRectF(left, top, max(10, self.width() - left - right), max(10, self.height() - top - bottom))
        highest = max([v for s in self.series.values() for v in s if v] + [THRESHOLD_YUAN])
        lines = max(3, min(6, int(plot.height() // 32)))  # a line every 32 px or so
        step = tick_step(highest * 1.05 / lines)
        ticks = math.ceil(highest * 1.05 / step)
        top_value = step * ticks

        def y(value: float) -> float:
            return plot.bottom() - plot.height() * value / top_value

        def x(month: int) -> float:
            return plot.left() + plot.width() * (month - 0.5) / 12

        p.setPen(QPen(QColor("#ccc"), 1))
        p.drawRect(plot)
        p.setPen(QColor("#333"))
        p.drawText(QRectF(0, 4, self.width(), 20), Qt.AlignmentFlag.AlignHCenter,
                   "本年累计主营业务收入（万元）")
        for i in range(ticks + 1):
            value = step * i
            p.setPen(QPen(QColor("#eee"), 1))
            p.drawLine(QPointF(plot.left(), y(value)), QPointF(plot.right(), y(value)))
            p.setPen(QColor("#555"))
            p.drawText(QRectF(0, y(value) - 8, left - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, format_wan(int(value), 0))
        for m in range(1, 13):
            p.drawText(QRectF(x(m) - 20, plot.bottom() + 4, 40, 16), Qt.AlignmentFlag.AlignHCenter, f"{m}月")
        # the threshold: 2,000万元 a year
        pen = QPen(QColor("#c62828"), 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.drawLine(QPointF(plot.left(), y(THRESHOLD_YUAN)), QPointF(plot.right(), y(THRESHOLD_YUAN)))
        p.drawText(QRectF(plot.left() + 6, y(THRESHOLD_YUAN) - 20, 200, 18),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "规上标准：全年2,000万元")
        if not self.series:
            p.setPen(QColor("#888"))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "尚无月度数据")
            return
        for n, (year, series) in enumerate(sorted(self.series.items())):
            colour = QColor(YEAR_COLOURS[n % len(YEAR_COLOURS)])
            p.setPen(QPen(colour, 2.2))
            path = QPainterPath()
            started = False
            for m, value in enumerate(series, start=1):
                if value is None:
                    break
                point = QPointF(x(m), y(value))
                path.lineTo(point) if started else path.moveTo(point)
                started = True
                p.drawEllipse(point, 2.5, 2.5)
            p.drawPath(path)
            ly = plot.bottom() - 12 - 20 * (len(self.series) - 1 - n)
            p.drawLine(QPointF(plot.right() + 8, ly), QPointF(plot.right() + 28, ly))
            p.drawText(QRectF(plot.right() + 32, ly - 9, right - 34, 18),
                       Qt.AlignmentFlag.AlignVCenter, f"{year}年")
        p.end()
