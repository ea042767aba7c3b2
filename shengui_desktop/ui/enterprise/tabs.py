"""The other tabs of an enterprise: figures, pool, visits, issues, rewards, checklist."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSplitter, QVBoxLayout, QWidget)

from ...domain.money import format_wan
from ...domain.policy_results import ChecklistItem
from ...domain.records import FIGURE_FIELDS, ISSUE_CATEGORIES, ISSUE_STATUSES, POOLS, VISIT_KINDS, is_overdue
from ...errors import UserError
from ...services import policy
from ...services.ledger import enterprises, figures, pools, visits
from ..policy_text import MISSING, checklist_label, reward_lines
from ..common import OVERDUE_BRUSH, Column, DictTableModel, make_table, wan
from .chart import RevenueChart


def _amount(value) -> str:
    return "" if value is None else format_wan(value)


class FiguresTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.chart = RevenueChart()
        columns = [Column("period", "月份", width=80)]
        for key, label in FIGURE_FIELDS.items():
            if key in ("revenue", "output_value", "tax_paid"):
                columns.append(Column(key, f"{label}(万元)", _amount, True, 120))
            elif key == "electricity_kwh":
                columns.append(Column(key, f"{label}(千瓦时)", lambda v: "" if v is None else f"{v:,}", True, 120))
            else:
                columns.append(Column(key, label, lambda v: "" if v is None else str(v), True, 80))
        self.model = DictTableModel(columns, self)
        self.table = make_table(self.model)
        splitter.addWidget(self.chart)
        splitter.addWidget(self.table)
        splitter.setSizes([260, 300])
        layout.addWidget(splitter)
        self.load()

    def load(self) -> None:
        rows = figures.figures_of(self.window_.ledger, self.enterprise_id)
        self.chart.set_figures(rows)
        self.model.set_rows(list(reversed(rows)))


class PoolTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        layout = QVBoxLayout(self)
        info = QFormLayout()
        self.current = QLabel()
        self.suggested = QLabel()
        self.suggested.setWordWrap(True)
        info.addRow("现库别", self.current)
        info.addRow("建议库别", self.suggested)
        layout.addLayout(info)
        box = QGroupBox("调整库别（须填写理由，记入调库记录）")
        row = QHBoxLayout(box)
        self.target = QComboBox()
        for code, label in POOLS.items():
            self.target.addItem(label, code)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("调库理由，如：上年主营业务收入1,650万元，纳入培育库")
        self.move_button = QPushButton("调整")
        self.move_button.clicked.connect(self.move)
        self.reason.returnPressed.connect(self.move)
        row.addWidget(QLabel("调入"))
        row.addWidget(self.target)
        row.addWidget(self.reason, 1)
        row.addWidget(self.move_button)
        layout.addWidget(box)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("调库记录"))
        self.model = DictTableModel([
            Column("moved_on", "日期", width=90),
            Column("from_pool", "调出", lambda v: POOLS.get(v, v), width=90),
            Column("to_pool", "调入", lambda v: POOLS.get(v, v), width=90),
            Column("reason", "理由", width=360),
            Column("decided_by", "决定人", width=80),
        ], self)
        layout.addWidget(make_table(self.model), 1)
        self.load()

    def load(self) -> None:
        e = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)
        self.current.setText(POOLS.get(e["pool"], e["pool"]))
        ev = self.window_.index.evaluations.get(self.enterprise_id)
        if ev is None:
            ev = policy.evaluate(self.window_.ledger, [self.enterprise_id],
                                 self.window_.today).get(self.enterprise_id)
        if ev is None:
            self.suggested.setText(MISSING)
        elif not ev.has_suggestion:  # no pool, only why there is none
            self.suggested.setText(ev.suggested_pool_reason or MISSING)
        else:
            self.suggested.setText(f"{POOLS.get(ev.suggested_pool, ev.suggested_pool)}——{ev.suggested_pool_reason}")
            if ev.suggested_pool != e["pool"]:
                self.target.setCurrentIndex(max(0, self.target.findData(ev.suggested_pool)))
        self.model.set_rows(list(reversed(pools.pool_history(self.window_.ledger, self.enterprise_id))))

    def move(self) -> None:
        try:
            pools.move_pool(self.window_.ledger, self.enterprise_id, self.target.currentData(),
                            self.reason.text())
        except UserError as e:
            self.message.setStyleSheet("color: #b00020")
            self.message.setText(f"未调整：{e}")
            return
        self.message.setStyleSheet("color: #2e7d32")
        self.message.setText(f"已调入{self.target.currentText()}。")
        self.reason.clear()
        self.window_.bus.tell({"enterprises", "pool_events"}, {self.enterprise_id})


class VisitsTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        layout = QVBoxLayout(self)
        new = QPushButton("记录走访")
        new.clicked.connect(lambda: window.new_visit(enterprise_id))
        layout.addWidget(new, 0, Qt.AlignmentFlag.AlignLeft)
        self.model = DictTableModel([
            Column("visit_date", "日期", width=90),
            Column("kind", "方式", lambda v: VISIT_KINDS.get(v, v or ""), width=70),
            Column("visitors", "走访人员", width=120),
            Column("summary", "走访情况", width=360),
            Column("demands", "企业诉求", width=240),
        ], self)
        layout.addWidget(make_table(self.model), 1)
        self.load()

    def load(self) -> None:
        self.model.set_rows(visits.list_visits(self.window_.ledger, enterprise_id=self.enterprise_id))


class IssuesTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        today = window.today.isoformat()
        layout = QVBoxLayout(self)
        self.model = DictTableModel([
            Column("raised_date", "提出日期", width=90),
            Column("category", "类别", lambda v: ISSUE_CATEGORIES.get(v, v or ""), width=50),
            Column("description", "问题描述", width=300),
            Column("department_name", "责任单位", width=80),
            Column("deadline", "办结时限", width=90),
            Column("status", "状态", lambda v: ISSUE_STATUSES.get(v, v or ""), width=60),
            Column("resolution", "办理结果", width=220),
        ], self, row_brush=lambda r: OVERDUE_BRUSH if is_overdue(r, today) else None)
        layout.addWidget(make_table(self.model), 1)
        layout.addWidget(QLabel("在“问题台账”中更新办理状态和结果。"))
        self.load()

    def load(self) -> None:
        self.model.set_rows(visits.list_issues(self.window_.ledger, enterprise_id=self.enterprise_id))


class PolicyLinesTab(QWidget):
    """Rewards (lines of text) or the entry checklist (tick boxes), as the policy rules give them."""

    def __init__(self, window, enterprise_id: str, kind: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id, self.kind = window, enterprise_id, kind
        layout = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.boxes: dict[str, QCheckBox] = {}
        self.box_layout = QVBoxLayout()
        layout.addLayout(self.box_layout)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        """Rewards are computed for the whole county by the rules: on a worker."""
        self.text.setText("正在计算…")
        eid, year, today, kind = self.enterprise_id, self.window_.today.year, self.window_.today, self.kind

        def work(ledger, _progress, _cancelled):
            if kind == "rewards":
                return reward_lines(policy.rewards(ledger, year, today), eid)
            return policy.entry_checklist(ledger, eid)

        show = self._show_rewards if kind == "rewards" else self._show_checklist
        self.window_.runner.start(self.window_.ledger, work, name=kind, on_done=show,
                                  on_error=lambda m: self.text.setText(m))

    def _show_rewards(self, lines: list[str]) -> None:
        self.text.setText("\n".join(lines) if lines else "本年度暂无应享奖补。")

    def _show_checklist(self, items: list[ChecklistItem]) -> None:
        """One box per entry material; ticking writes it through the rules service."""
        self.text.setText("入统申报材料（勾选表示已备齐）：")
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes = {}
        for item in items:
            if not item.applicable:
                continue
            box = QCheckBox(checklist_label(item))
            box.setChecked(item.done)
            box.toggled.connect(lambda on, code=item.item: self._tick(code, on))
            self.box_layout.addWidget(box)
            self.boxes[item.item] = box

    def _tick(self, item: str, done: bool) -> None:
        try:
            policy.set_checklist_item(self.window_.ledger, self.enterprise_id, item, done)
        except UserError as e:
            self.text.setText(str(e))


def revenue_summary(window, enterprise_id: str) -> str:
    years = enterprises.annual_revenues(window.ledger, enterprise_id)
    last = window.today.year - 1
    parts = []
    if last in years:
        total, _months, source = years[last]
        parts.append(f"{last}年主营业务收入{wan(total)}万元" + (f"（{source}）" if source else ""))
    ev = window.index.evaluations.get(enterprise_id)
    if ev is not None and ev.projected_revenue is not None:
        parts.append(f"{window.today.year}年预计{wan(ev.projected_revenue)}万元")
    return "；".join(parts)
