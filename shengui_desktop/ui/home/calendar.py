"""This month on the home page: the days of the month with today marked, painted with
QPainter; the profile's items of the month (申报窗口, quarterly review, monitoring) are listed
beside it by the home page as links to the page they concern."""

from __future__ import annotations

import calendar
from datetime import date

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

WEEKDAYS = "一二三四五六日"
TODAY_COLOR = QColor("#1a5fb4")
ITEM_COLOR = QColor("#e8f0fb")  # the month has items: its days are tinted
WEEKEND_COLOR = QColor("#8a8a8a")


class MonthGrid(QWidget):
    """A month's days in weeks (Monday first); today filled, weekends grey; the days are
    tinted when the month has calendar items (they run the whole month)."""

    CELL = QSize(30, 22)

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.today = today
        self.busy = False  # the month has calendar items
        self.weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(today.year, today.month)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(f"{today.year}年{today.month}月日历")
        self.setToolTip(f"{today.year}年{today.month}月，今天{today.month}月{today.day}日")

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self.CELL.width() * 7 + 2, self.CELL.height() * (len(self.weeks) + 2) + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.CELL.width(), self.CELL.height()
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor("#222222"))
        painter.drawText(QRectF(0, 0, w * 7, h), int(Qt.AlignmentFlag.AlignCenter),
                         f"{self.today.year}年{self.today.month}月")
        painter.setFont(self.font())
        for i, name in enumerate(WEEKDAYS):
            painter.setPen(WEEKEND_COLOR if i >= 5 else QColor("#444444"))
            painter.drawText(QRectF(i * w, h, w, h), int(Qt.AlignmentFlag.AlignCenter), name)
        for row, week in enumerate(self.weeks):
            for col, day in enumerate(week):
                if not day:
                    continue
                cell = QRectF(col * w + 1, (row + 2) * h + 1, w - 2, h - 2)
                if day == self.today.day:
                    painter.setBrush(TODAY_COLOR)
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.drawRoundedRect(cell, 4, 4)
                    painter.setPen(QColor("#ffffff"))
                else:
                    if self.busy:
                        painter.fillRect(cell, ITEM_COLOR)
                    painter.setPen(WEEKEND_COLOR if col >= 5 else QColor("#222222"))
                painter.drawText(cell, int(Qt.AlignmentFlag.AlignCenter), str(day))
        painter.end()
