"""This month on the home page: the days of the month with today marked, painted with
QPainter; the profile's items of the month (申报窗口, quarterly review, monitoring) are listed
beside it by the home page as links to the page they concern. The forms the county sent
(待填报表, services/excel/form_templates.py `due_forms`) mark their due days — red when
overdue, grey when reported — and are listed by `DueFormsList`, each a link to 一表通."""

from __future__ import annotations

import calendar
from datetime import date

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from ...services.excel.form_templates import FormItem

WEEKDAYS = "一二三四五六日"
TODAY_COLOR = QColor("#1a5fb4")
ITEM_COLOR = QColor("#e8f0fb")  # the month has items: its days are tinted
WEEKEND_COLOR = QColor("#8a8a8a")
DUE_COLORS = {"overdue": QColor("#C00000"), "due": QColor("#E08A00"), "done": QColor("#9a9a9a")}
URGENCY = ("overdue", "due", "done")  # a day with several forms shows the most urgent


def form_state(form: FormItem) -> str:
    """overdue | due | done: how a form's due day is marked."""
    if form.status == "sent":
        return "done"
    return "overdue" if form.overdue else "due"


class MonthGrid(QWidget):
    """A month's days in weeks (Monday first); today filled, weekends grey; the days are
    tinted when the month has calendar items (they run the whole month)."""

    CELL = QSize(30, 22)

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.today = today
        self.busy = False  # the month has calendar items
        self.due: dict[int, str] = {}  # day of this month -> a form due that day: overdue | due | done
        self.weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(today.year, today.month)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(f"{today.year}年{today.month}月日历")
        self.setToolTip(f"{today.year}年{today.month}月，今天{today.month}月{today.day}日")

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.update()

    def set_due(self, forms: list[FormItem]) -> None:
        """Ring the due days of this month's forms (the most urgent state of the day)."""
        self.due = {}
        for form in forms:
            day = date.fromisoformat(form.due_date)
            if (day.year, day.month) != (self.today.year, self.today.month):
                continue
            state = form_state(form)
            if day.day not in self.due or URGENCY.index(state) < URGENCY.index(self.due[day.day]):
                self.due[day.day] = state
        tips = [f"{self.today.year}年{self.today.month}月，今天{self.today.month}月{self.today.day}日"]
        tips += [f"{self.today.month}月{d}日：报表截止" for d in sorted(self.due)]
        self.setToolTip("\n".join(tips))
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
                state = self.due.get(day)
                if state is not None:  # a form is due: ringed in its colour, the number too
                    painter.save()
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.setPen(QPen(DUE_COLORS[state], 2))
                    painter.drawRoundedRect(cell.adjusted(1, 1, -1, -1), 4, 4)
                    painter.restore()
                    if day != self.today.day:
                        painter.setPen(DUE_COLORS[state])
                painter.drawText(cell, int(Qt.AlignmentFlag.AlignCenter), str(day))
        painter.end()


class DueFormsList(QWidget):
    """待填报表: the forms due this month or earlier and not yet reported (overdue in red),
    and those reported this month in grey; each a link (`opened` with the form's id)."""

    opened = Signal(str)

    def __init__(self, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.today = today
        self.labels: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(0)
        self.heading = QLabel("待填报表")
        self.heading.setStyleSheet("font-weight: bold; padding: 2px 6px;")
        layout.addWidget(self.heading)

    def set_forms(self, forms: list[FormItem]) -> None:
        layout = self.layout()
        for label in self.labels.values():
            layout.removeWidget(label)
            label.deleteLater()
        self.labels = {}
        open_count = sum(1 for f in forms if f.status != "sent")
        self.heading.setText(f"待填报表（{open_count}份）" if open_count else "待填报表：本月的都已报送")
        for form in forms:
            state = form_state(form)
            due = date.fromisoformat(form.due_date)
            when = f"{due.month}月{due.day}日"
            if state == "done":
                tail = f"已报送（{form.reported_on[5:]}）" if form.reported_on else "已报送"
            elif state == "overdue":
                tail = f"已逾期{(self.today - due).days}天" + ("，已填报未报送" if form.status == "filled" else "")
            else:
                days = (due - self.today).days
                tail = ("今天截止" if days == 0 else f"还有{days}天") + ("，已填报" if form.status == "filled" else "")
            color = DUE_COLORS[state].name()
            label = QLabel(f'<a href="{html.escape(form.id)}" style="color: {color}; text-decoration: none;">'
                           f'● {html.escape(form.name)}（{html.escape(form.department)}）{when}截止 · {tail}</a>')
            label.setWordWrap(True)
            label.setStyleSheet("padding: 3px 6px;")
            label.setCursor(Qt.CursorShape.PointingHandCursor)
            label.setToolTip("打开一表通填写、打印或标记已报送")
            label.linkActivated.connect(self.opened.emit)
            layout.addWidget(label)
            self.labels[form.id] = label
