"""Small charts drawn with QPainter (PySide6-Essentials has no QtCharts): a bar chart of
target against achieved, and a funnel of the pools. Values are written beside every bar and
in every stage, each part has a tooltip and is clickable (`clicked` sends its key), and the
whole chart has an accessible description in words. Labels are Chinese; the charts scale
with their widget and keep to a small minimum width for a 1024×768 screen."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

TARGET_COLOR = QColor("#b8c2cf")
ACHIEVED_COLOR = QColor("#1a5fb4")
DONE_COLOR = QColor("#2e8540")  # achieved at least the target
BEHIND_COLOR = QColor("#c01c28")  # below zero
TEXT_COLOR = QColor("#222222")
MUTED_COLOR = QColor("#6b6b6b")
STAGE_COLORS = (QColor("#9ec5f0"), QColor("#5c9ee6"), QColor("#2b78d0"), QColor("#1a5fb4"), QColor("#154c91"))
RISK_COLOR = QColor("#d6453d")


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


class Chart(QWidget):
    """What the charts share: parts that answer the mouse (a tooltip, a click that sends
    their key), the text shown while there is nothing to draw, an accessible description."""

    clicked = Signal(object)  # the key of the part clicked

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.empty_text = ""
        self.parts: list[tuple[QPainterPath, object, str]] = []  # (area, key, tooltip)
        self.parts_stale = False  # the data or size changed since the parts were laid out
        self.setMouseTracking(True)
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 9.0))
        self.setFont(font)

    def describe(self, text: str) -> None:
        self.setAccessibleDescription(text)
        self.setToolTip("")  # tooltips are per part

    def part_at(self, pos: QPointF) -> tuple[QPainterPath, object, str] | None:
        return next((p for p in self.current_parts() if p[0].contains(pos)), None)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            found = self.part_at(QPointF(event.pos()))
            if found:
                QToolTip.showText(event.globalPos(), found[2], self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mouseMoveEvent(self, event) -> None:
        found = self.part_at(event.position())
        clickable = found is not None and found[1] is not None
        self.setCursor(Qt.CursorShape.PointingHandCursor if clickable else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event) -> None:
        found = self.part_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and found is not None and found[1] is not None:
            self.clicked.emit(found[1])
            return
        super().mousePressEvent(event)

    def click_point(self, key) -> QPointF:
        """The centre of the part of `key` (for a test's click)."""
        area = next(p[0] for p in self.current_parts() if p[1] == key)
        return area.boundingRect().center()

    def data_changed(self) -> None:
        """New data: the old parts are gone at once; the new ones are laid out by the next
        paint, or by `current_parts` if the mouse asks first."""
        self.parts = []
        self.parts_stale = True
        self.updateGeometry()
        self.update()

    def resizeEvent(self, event) -> None:
        self.parts_stale = True
        super().resizeEvent(event)

    def current_parts(self) -> list[tuple[QPainterPath, object, str]]:
        """The parts for the data and size now. They are laid out while painting; when no
        paint has happened since the data or size changed, paint into a pixmap to lay them
        out (a widget's own paint may be deferred by the window system)."""
        if self.parts_stale:
            self.render(QPixmap(self.size()))
        return self.parts

    def paint_empty(self, painter: QPainter) -> None:
        painter.setPen(MUTED_COLOR)
        painter.drawText(QRectF(self.rect()).adjusted(12, 8, -12, -8),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.empty_text)


@dataclass
class Bar:
    """One category of a bar chart: its target (None: not set) and what is achieved."""

    label: str
    target: int | None
    achieved: int
    rate: float | None = None
    key: object = None  # sent by `clicked`; None: not clickable
    tip: str = ""


class BarChart(Chart):
    """Horizontal pairs of bars, one pair per category: the target (grey) and what is
    achieved (blue; green once the target is reached, red below zero), each with its value
    written after it. Its height follows the number of categories."""

    ROW = 30  # a category: two bars and the gap below them
    BAR = 10
    LEGEND = 24

    def __init__(self, title: str, parent: QWidget | None = None,
                 series: tuple[str, str] = ("目标", "完成"), hint: str = "（点击查看）"):
        super().__init__(title, parent)
        self.series = series
        self.hint = hint  # after the legend, when the bars are clickable
        self.bars: list[Bar] = []

    def set_bars(self, bars: list[Bar], empty_text: str = "暂无数据") -> None:
        self.bars = list(bars)
        self.empty_text = empty_text
        words = [f"{b.label}：{self.series[0]}{'未设' if b.target is None else b.target}，"
                 f"{self.series[1]}{b.achieved}，完成率{percent(b.rate)}" for b in self.bars]
        self.describe(f"{self.title}。" + ("；".join(words) if words else empty_text))
        self.data_changed()

    def shown(self) -> list[tuple[str, int | None, int]]:
        """What the bars stand for: (label, target, achieved) in drawing order."""
        return [(b.label, b.target, b.achieved) for b in self.bars]

    def sizeHint(self) -> QSize:
        rows = max(len(self.bars), 2)
        return QSize(420, self.LEGEND + rows * self.ROW + 10)

    def minimumSizeHint(self) -> QSize:
        return QSize(260, self.sizeHint().height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.parts = []
        self.parts_stale = False
        if not self.bars:
            self.paint_empty(painter)
            return
        metrics = painter.fontMetrics()
        width = self.width()
        # the legend
        x = 4.0
        for name, color in zip(self.series, (TARGET_COLOR, ACHIEVED_COLOR)):
            painter.fillRect(QRectF(x, 7, 12, 10), color)
            painter.setPen(TEXT_COLOR)
            painter.drawText(QPointF(x + 16, 16), name)
            x += 16 + metrics.horizontalAdvance(name) + 14
        painter.setPen(MUTED_COLOR)
        painter.drawText(QPointF(x, 16), self.hint if any(b.key is not None for b in self.bars) else "")

        label_w = min(max(metrics.horizontalAdvance(b.label) for b in self.bars) + 10, max(90, width // 3))
        value_w = metrics.horizontalAdvance("-000 · 100%") + 8
        plot_left, plot_right = label_w + 4, max(label_w + 40, width - value_w)
        values = [v for b in self.bars for v in (b.target, b.achieved) if v is not None]
        lo, hi = min(0, *values), max(1, *values)
        scale = (plot_right - plot_left) / (hi - lo)
        zero = plot_left + (-lo) * scale

        def span(value: int) -> tuple[float, float]:
            end = zero + value * scale
            return (min(zero, end), abs(end - zero))

        painter.setPen(QPen(MUTED_COLOR, 1))
        top = self.LEGEND
        painter.drawLine(QPointF(zero, top), QPointF(zero, top + len(self.bars) * self.ROW))
        for i, bar in enumerate(self.bars):
            y = top + i * self.ROW + 3
            row = QRectF(0, y - 3, width, self.ROW)
            painter.setPen(TEXT_COLOR)
            label = metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_w - 6)
            painter.drawText(QRectF(0, y, label_w - 6, 2 * self.BAR + 2),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), label)
            if bar.target is not None:
                left, length = span(bar.target)
                painter.fillRect(QRectF(left, y, max(length, 1.5), self.BAR), TARGET_COLOR)
                painter.setPen(MUTED_COLOR)
                painter.drawText(QPointF(max(zero, left + length) + 4, y + self.BAR - 1), str(bar.target))
            else:
                painter.setPen(MUTED_COLOR)
                painter.drawText(QPointF(zero + 4, y + self.BAR - 1), "未设目标")
            color = (BEHIND_COLOR if bar.achieved < 0 else
                     DONE_COLOR if bar.target is not None and bar.target > 0 and bar.achieved >= bar.target
                     else ACHIEVED_COLOR)
            left, length = span(bar.achieved)
            painter.fillRect(QRectF(left, y + self.BAR + 1, max(length, 1.5), self.BAR), color)
            painter.setPen(TEXT_COLOR)
            text = str(bar.achieved) + (f" · {percent(bar.rate)}" if bar.rate is not None else "")
            painter.drawText(QPointF(max(zero, left + length) + 4, y + 2 * self.BAR), text)
            area = QPainterPath()
            area.addRect(row)
            tip = bar.tip or (f"{bar.label}\n{self.series[0]}：{'未设' if bar.target is None else bar.target}"
                              f"\n{self.series[1]}：{bar.achieved}\n完成率：{percent(bar.rate)}")
            self.parts.append((area, bar.key, tip))
        painter.end()


@dataclass
class Stage:
    """One stage of a funnel (a pool) and how many are in it."""

    label: str
    count: int
    key: object = None
    tip: str = ""


class FunnelChart(Chart):
    """The pools as a funnel, widest first, each stage with its name and count written in
    it; `aside` (退规风险) is drawn apart below it, in red."""

    STAGE = 34
    GAP = 4

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.stages: list[Stage] = []
        self.aside: Stage | None = None

    def set_stages(self, stages: list[Stage], aside: Stage | None = None, empty_text: str = "暂无数据") -> None:
        self.stages, self.aside, self.empty_text = list(stages), aside, empty_text
        words = [f"{s.label}{s.count}户" for s in self.stages] + ([f"{aside.label}{aside.count}户"] if aside else [])
        self.describe(f"{self.title}：" + ("，".join(words) if words else empty_text))
        self.data_changed()

    def shown(self) -> list[tuple[str, int]]:
        return [(s.label, s.count) for s in [*self.stages, *([self.aside] if self.aside else [])]]

    def sizeHint(self) -> QSize:
        rows = max(len(self.stages), 1) + (1 if self.aside else 0)
        return QSize(300, rows * (self.STAGE + self.GAP) + (10 if self.aside else 4))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self.sizeHint().height())

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.parts = []
        self.parts_stale = False
        if not self.stages and self.aside is None:
            self.paint_empty(painter)
            return
        width = float(self.width())
        n = len(self.stages)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        texts = [f"{s.label}　{s.count:,}户" for s in [*self.stages, *([self.aside] if self.aside else [])]]
        widest = max(painter.fontMetrics().horizontalAdvance(t) for t in texts) + 24
        narrowest = min(1.0, max(0.42, widest / max(width, 1.0)))  # the text stays inside
        for i, stage in enumerate(self.stages):
            top_w = width * (1 - (1 - narrowest) * i / max(n, 1))
            bottom_w = width * (1 - (1 - narrowest) * (i + 1) / max(n, 1))
            y = i * (self.STAGE + self.GAP)
            shape = QPolygonF([QPointF((width - top_w) / 2, y), QPointF((width + top_w) / 2, y),
                               QPointF((width + bottom_w) / 2, y + self.STAGE),
                               QPointF((width - bottom_w) / 2, y + self.STAGE)])
            path = QPainterPath()
            path.addPolygon(shape)
            path.closeSubpath()
            color = STAGE_COLORS[min(i, len(STAGE_COLORS) - 1)]
            painter.fillPath(path, color)
            painter.setPen(QColor("#ffffff") if i else TEXT_COLOR)
            painter.drawText(QRectF(0, y, width, self.STAGE), int(Qt.AlignmentFlag.AlignCenter),
                             f"{stage.label}　{stage.count:,}户")
            self.parts.append((path, stage.key, stage.tip or f"{stage.label}：{stage.count:,}户（点击查看名单）"))
        if self.aside is not None:
            y = n * (self.STAGE + self.GAP) + 6
            w = width * narrowest
            box = QRectF((width - w) / 2, y, w, self.STAGE - 4)
            path = QPainterPath()
            path.addRoundedRect(box, 6, 6)
            painter.fillPath(path, RISK_COLOR)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), f"{self.aside.label}　{self.aside.count:,}户")
            self.parts.append((path, self.aside.key,
                               self.aside.tip or f"{self.aside.label}：{self.aside.count:,}户（点击查看名单）"))
        painter.end()
