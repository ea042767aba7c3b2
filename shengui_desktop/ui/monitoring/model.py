"""The two tables of the 月度监测 page: a month's rows (with their marks and a 合计 row) and
the quarterly comparison with the line. Formatting only: the numbers and the marks come
from services.policy.monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...domain.monitoring import MEASURES, QUARTER_STATUSES, MeasureLine, MonitorRow, MonitorTable, QuarterLine
from ...services.policy.monitoring import Mark, row_marks
from ..common import OVERDUE_BRUSH, WARN_BRUSH, wan

REACHED_BRUSH = QBrush(QColor("#e3f4e1"))
NO_DATA_BRUSH = QBrush(QColor("#eeeeee"))
FALL_COLOUR = QColor("#b3261e")  # a fall (negative rate) reads in red


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def share_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def amount_text(key: str, value: int | None) -> str:
    """万元 for money, kWh as a whole number; 未报 when the month has no figure."""
    if value is None:
        return "未报"
    return f"{value:,}" if key == "electricity_kwh" else wan(value)


@dataclass(frozen=True)
class Col:
    title: str
    value: Callable  # (row) -> str
    width: int
    right: bool = False
    rate_of: Callable | None = None  # a rate column: (row) -> the rate, for the colour of a fall


def _measure_cols(month: int) -> list[Col]:
    span = "1月" if month == 1 else f"1–{month}月"
    cols = []
    for key, name in MEASURES.items():
        unit = "千瓦时" if key == "electricity_kwh" else "万元"

        def line(r, k=key) -> MeasureLine:
            return r["measures"][k]
        cols += [
            Col(f"{name}当月\n（{unit}）", lambda r, k=key, m=line: amount_text(k, m(r).month), 96, True),
            Col(f"{name}\n同比", lambda r, m=line: rate_text(m(r).yoy), 64, True, rate_of=lambda r, m=line: m(r).yoy),
            Col(f"{name}\n环比", lambda r, m=line: rate_text(m(r).mom), 64, True, rate_of=lambda r, m=line: m(r).mom),
            Col(f"{name}{span}\n累计（{unit}）", lambda r, k=key, m=line: amount_text(k, m(r).cumulative), 104, True),
            Col(f"{name}\n累计同比", lambda r, m=line: rate_text(m(r).cumulative_growth), 70, True,
                rate_of=lambda r, m=line: m(r).cumulative_growth),
        ]
    return cols


class TableModel(QAbstractTableModel):
    """Rows of dicts shown through Col specs; `brush(row)` colours a row, a fall reads red,
    a row with "bold" is the 合计 row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cols: list[Col] = []
        self.rows_data: list[dict] = []
        self.brush: Callable[[dict], QBrush | None] = lambda _r: None

    def set_content(self, cols: list[Col], rows: list[dict]) -> None:
        self.beginResetModel()
        self.cols, self.rows_data = cols, rows
        self.endResetModel()

    def row(self, index: int) -> dict:
        return self.rows_data[index]

    def text(self, row: int, column: int) -> str:
        return self.cols[column].value(self.rows_data[row])

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows_data)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.cols)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows_data[index.row()], self.cols[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.value(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.get("tip") or col.value(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.brush(row)
        if role == Qt.ItemDataRole.ForegroundRole and col.rate_of is not None:
            value = col.rate_of(row)
            return QBrush(FALL_COLOUR) if value is not None and value < 0 else None
        if role == Qt.ItemDataRole.FontRole and row.get("bold"):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.cols[section].title
            return str(section + 1)
        return None


# -- the month ------------------------------------------------------------------------------
def month_columns(table: MonitorTable) -> list[Col]:
    return [Col("序号", lambda r: r["no"], 44, True),
            Col("企业名称", lambda r: r["name"], 200),
            Col("乡镇（街道）", lambda r: r["township"], 84),
            Col("库别/状态", lambda r: r["status"], 84),
            Col("提示", lambda r: r["marks_text"], 150),
            *_measure_cols(table.month),
            Col("缺报月份", lambda r: r["missing"], 110),
            Col("监测原因", lambda r: r["because"], 200)]


def month_row(n: int, r: MonitorRow, month: int) -> dict:
    marks = row_marks(r, month)
    tip = "\n".join(f"{m.name}：{m.text}" for m in marks)
    return {"no": str(n), "enterprise_id": r.enterprise_id, "name": r.name, "township": r.township,
            "status": r.status_text, "marks": marks, "marks_text": "、".join(m.name for m in marks),
            "measures": r.measures, "missing": "、".join(f"{m}月" for m in r.months_missing),
            "because": r.watched_because, "reported": r.reported, "tip": tip}


def month_rows(table: MonitorTable) -> list[dict]:
    rows = [month_row(n, r, table.month) for n, r in enumerate(table.rows, 1)]
    if rows:
        rows.append({"no": "", "enterprise_id": None, "name": f"合计（{len(table.rows)}户）", "township": "",
                     "status": "", "marks": [], "marks_text": "", "measures": table.totals, "missing": "",
                     "because": "", "reported": True, "bold": True, "tip": ""})
    return rows


def month_brush(row: dict) -> QBrush | None:
    """Red: no figure for the month; yellow: a rule's flag."""
    marks: list[Mark] = row["marks"]
    if any(m.code == "unreported" for m in marks):
        return OVERDUE_BRUSH
    return WARN_BRUSH if marks else None


# -- the quarter ----------------------------------------------------------------------------
def quarter_columns(table: MonitorTable) -> list[Col]:
    span = "1月" if table.month == 1 else f"1–{table.month}月"
    return [Col("序号", lambda r: r["no"], 44, True),
            Col("企业名称", lambda r: r["line"].name, 200),
            Col("乡镇（街道）", lambda r: r["line"].township, 84),
            Col("库别/状态", lambda r: r["status"], 84),
            Col(f"{span}累计营业收入\n（万元）", lambda r: wan(r["line"].cumulative_revenue), 136, True),
            Col("序时进度线\n（万元）", lambda r: wan(r["line"].pace_line), 90, True),
            Col("序时完成", lambda r: share_text(r["line"].pace_rate), 70, True),
            Col("本年预计营业收入\n（万元）", lambda r: wan(r["line"].projected_revenue), 120, True),
            Col("占标准线", lambda r: share_text(r["line"].share_of_line), 70, True),
            Col("距标准线\n（万元）", lambda r: wan(r["line"].gap) if r["line"].gap else "—", 90, True),
            Col("对标结果", lambda r: QUARTER_STATUSES[r["line"].status], 90),
            Col("说明", lambda r: r["line"].status_text, 330),
            Col("本年预计测算方法", lambda r: r["line"].projection_text, 300)]


def quarter_rows(table: MonitorTable, status_text: dict[str, str]) -> list[dict]:
    q = table.quarter
    if q is None:
        return []
    return [{"no": str(n), "enterprise_id": x.enterprise_id, "line": x,
             "status": status_text.get(x.enterprise_id, ""), "tip": x.projection_text or x.status_text}
            for n, x in enumerate(q.lines, 1)]


def quarter_brush(row: dict) -> QBrush | None:
    line: QuarterLine = row["line"]
    return {"reached": REACHED_BRUSH, "no_data": NO_DATA_BRUSH}.get(line.status)
