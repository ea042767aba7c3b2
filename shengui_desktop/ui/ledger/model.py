"""The 企业台账 table model: a view of row positions over the in-memory index."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ...domain.evaluation import Evaluation
from ...domain.industry import describe as describe_industry
from ...domain.records import POOLS, STAT_STATUSES
from ..common import WARN_BRUSH, wan
from ..policy_text import MISSING, flag_label
from .index import (CADRE, CODE, DEPARTMENT, ID, INDUSTRY, NAME, POOL, STAT, TOWNSHIP, EnterpriseIndex)

# (key, header, width) — the columns of the printed ledger, in its order.
COLUMNS = [
    ("seq", "序号", 50),
    ("name", "企业名称", 224),
    ("credit_code", "统一社会信用代码", 172),
    ("township", "乡镇（街道）", 80),
    ("industry", "行业", 150),
    ("stat_status", "统计状态", 64),
    ("pool", "库别", 76),
    ("suggested_pool", "建议库别", 76),
    ("flags", "提示", 140),
    ("prior_revenue", "上年营收(万元)", 100),
    ("projected_revenue", "本年预计(万元)", 100),
    ("department", "责任单位", 72),
    ("cadre", "联络干部", 64),
]
KEYS = [c[0] for c in COLUMNS]
RIGHT = {"seq", "prior_revenue", "projected_revenue"}
_EXPLAINED = 256  # reason texts kept for the enterprises last pointed at


class LedgerModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.index_data = EnterpriseIndex()
        self.visible: list[int] = []
        # one enterprise's full evaluation with its reason texts (services.policy.evaluate),
        # made when a tooltip asks: the index holds codes and numbers only
        self.explain: Callable[[str], Evaluation | None] | None = None
        self._explained: dict[str, Evaluation | None] = {}

    def set_index(self, index: EnterpriseIndex, visible: list[int]) -> None:
        self._explained.clear()
        self.beginResetModel()
        self.index_data = index
        self.visible = visible
        self.endResetModel()

    def set_visible(self, visible: list[int]) -> None:
        self._explained.clear()  # after an edit the texts may have changed
        self.beginResetModel()
        self.visible = visible
        self.endResetModel()

    def figures_changed(self) -> None:
        self._explained.clear()
        if self.visible:
            first = KEYS.index("suggested_pool")
            self.dataChanged.emit(self.index(0, first),
                                  self.index(len(self.visible) - 1, len(KEYS) - 1))

    def enterprise_id(self, row: int) -> str:
        return self.index_data.rows[self.visible[row]][ID]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), key)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("flags", "suggested_pool", "industry", "name",
                                                          "prior_revenue"):
            return self.tooltip(index.row(), key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and key in ("suggested_pool", "flags"):
            ev = self._evaluation(index.row())
            if ev is not None and ((key == "flags" and ev.flag_codes) or
                                   (key == "suggested_pool" and ev.suggested_pool != ev.pool)):
                return WARN_BRUSH
        return None

    def _evaluation(self, row: int):
        idx = self.index_data
        return idx.evaluations.get(idx.rows[self.visible[row]][ID])

    def text(self, row: int, key: str) -> str:
        idx = self.index_data
        r = idx.rows[self.visible[row]]
        if key == "seq":
            return str(row + 1)
        if key == "name":
            return r[NAME]
        if key == "credit_code":
            return r[CODE]
        if key == "township":
            return idx.townships.get(r[TOWNSHIP], r[TOWNSHIP])
        if key == "industry":
            return describe_industry(r[INDUSTRY]) if r[INDUSTRY] else ""
        if key == "stat_status":
            return STAT_STATUSES.get(r[STAT], r[STAT])
        if key == "pool":
            return POOLS.get(r[POOL], r[POOL])
        if key == "department":
            return idx.departments.get(r[DEPARTMENT], "") if r[DEPARTMENT] else ""
        if key == "cadre":
            return r[CADRE] or ""
        if key == "prior_revenue":
            value = idx.prior_revenue.get(r[ID])
            return wan(value) if idx.prior_revenue or idx.evaluations else MISSING
        ev = idx.evaluations.get(r[ID])
        if ev is None:
            return MISSING
        if key == "suggested_pool":  # blank when the rules make none (the tooltip says why)
            return POOLS.get(ev.suggested_pool, ev.suggested_pool) if ev.has_suggestion else ""
        if key == "projected_revenue":
            return wan(ev.projected_revenue)
        if key == "flags":
            return "、".join(flag_label(c) for c in ev.flag_codes)
        return ""

    def explained(self, row: int) -> Evaluation | None:
        """The row's evaluation with its reason texts, made now (kept for a few rows)."""
        enterprise_id = self.enterprise_id(row)
        if enterprise_id not in self._explained:
            if self.explain is None:
                return None
            if len(self._explained) >= _EXPLAINED:
                self._explained.clear()
            self._explained[enterprise_id] = self.explain(enterprise_id)
        return self._explained[enterprise_id]

    def tooltip(self, row: int, key: str) -> str | None:
        ev = self._evaluation(row)
        if key == "suggested_pool" and ev is not None:
            full = self.explained(row)
            return full.suggested_pool_reason if full is not None else None
        if key == "flags" and ev is not None:
            if not ev.flag_codes:
                return None
            full = self.explained(row)
            return ("\n".join(f.text for f in full.flags) or None) if full is not None else None
        if key == "prior_revenue":  # 年报 (a list's annual figure) or 月报合计
            source = ev.prior_year_source_text if ev is not None else ""
            return f"来源：{source}" if source else None
        return self.text(row, key)
