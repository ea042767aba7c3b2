"""The other tabs of an enterprise: figures, pool, visits, issues, rewards, checklist."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPushButton, QScrollArea, QSplitter, QVBoxLayout,
                               QWidget)

from ...domain.policy_results import ChecklistItem
from ...domain.records import ISSUE_CATEGORIES, ISSUE_STATUSES, POOLS, VISIT_KINDS, is_overdue
from ...errors import UserError, ValidationError
from ...services import policy
from ...services.policy import evaluation_store, pool_board
from ...services.ledger import enterprises, figures, pools, visits
from ..policy_text import MISSING, checklist_label, reward_lines
from ..common import OVERDUE_BRUSH, Column, DictTableModel, make_table, wan
from .chart import RevenueChart
from .figures_grid import FiguresGrid, FiguresModel

ERROR = "color: #b00020"
OK = "color: #2e7d32"


class FiguresTab(QWidget):
    """月度数据: a year's months as a grid to type figures into, the chart of cumulative
    revenue, and what the rules now suggest."""

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年份"))
        self.year = QComboBox()
        self.year.setMinimumWidth(90)
        self.year.activated.connect(self._year_chosen)
        bar.addWidget(self.year)
        hint = QLabel("直接输入，Enter下移；可从Excel复制粘贴；Delete清空。金额单位万元，用电量千瓦时。")
        hint.setStyleSheet("color: #555;")
        hint.setWordWrap(True)
        bar.addWidget(hint, 1)
        self.undo_button = QPushButton("撤销修改")
        self.undo_button.clicked.connect(self.discard)
        self.save_button = QPushButton("保存月度数据")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.undo_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.model = FiguresModel(self)
        self.model.edited.connect(self._edited)
        self.grid = FiguresGrid(self.model)
        self.grid.setMinimumHeight(self.grid.sizeHint().height())  # all twelve months and 合计
        self.chart = RevenueChart()
        self.chart.setMinimumHeight(110)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.chart)
        # the grid as tall as its thirteen rows; the chart takes what is left
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
        self.suggestion = QLabel("")
        self.suggestion.setWordWrap(True)
        layout.addWidget(self.suggestion)
        self.shown_year = window.today.year
        self.load()

    # -- loading -----------------------------------------------------------------------
    def load(self) -> None:
        """The chosen year's months afresh (unsaved typing is dropped), the chart, the suggestion."""
        ledger = self.window_.ledger
        years = set(figures.figure_years(ledger, self.enterprise_id))
        years |= {self.window_.today.year, self.window_.today.year - 1, self.shown_year}
        self.year.blockSignals(True)
        self.year.clear()
        for year in sorted(years, reverse=True):
            self.year.addItem(f"{year}年", year)
        self.year.setCurrentIndex(self.year.findData(self.shown_year))
        self.year.blockSignals(False)
        self.model.load(figures.months_of_year(ledger, self.enterprise_id, self.shown_year))
        self.chart.set_figures(figures.figures_of(ledger, self.enterprise_id))
        self.suggestion.setText("建议库别：" + suggestion_text(self.window_, self.enterprise_id))
        self._edited()

    def show_year(self, year: int) -> None:
        self.shown_year = year
        self.load()

    def _year_chosen(self, _row: int) -> None:
        year = self.year.currentData()
        if year == self.shown_year:
            return
        if self.model.is_dirty() and QMessageBox.question(
                self, "切换年份", f"{self.shown_year}年有尚未保存的修改，切换年份将放弃这些修改。继续吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            self.year.setCurrentIndex(self.year.findData(self.shown_year))
            return
        self.message.clear()
        self.show_year(year)

    def _edited(self) -> None:
        dirty = self.model.is_dirty()
        self.save_button.setEnabled(dirty)
        self.undo_button.setEnabled(dirty)
        if self.model.errors:
            self._say(ERROR, "；".join(list(self.model.errors.values())[:3])
                      + (f"等{len(self.model.errors)}处" if len(self.model.errors) > 3 else ""))
        elif dirty:
            self._say(None, f"已修改{len(self.model.pending)}个单元格，尚未保存。")
        elif self.message.styleSheet() != OK:
            self.message.clear()

    def _say(self, style: str | None, text: str) -> None:
        self.message.setStyleSheet(style or "")
        self.message.setText(text)

    # -- saving ------------------------------------------------------------------------
    def discard(self) -> None:
        self.load()
        self.message.clear()

    def save(self):
        """Every changed cell in one go, or none (the problems at their cells)."""
        changes = self.model.changes()
        if not changes:
            self._say(None, "没有修改。")
            return None
        try:
            saved = figures.save_months(self.window_.ledger, self.enterprise_id, self.shown_year, changes)
        except ValidationError as e:
            errors = {}
            for key, text in e.problems.items():
                month, _, field = key.partition(":")
                errors[(int(month), field)] = text
            self.model.set_errors(errors)
            self._say(ERROR, "未保存：" + "；".join(list(e.problems.values())[:3])
                      + (f"等{len(e.problems)}处" if len(e.problems) > 3 else "") + "。请改正标红的单元格。")
            return None
        except UserError as e:
            self._say(ERROR, f"未保存：{e}")
            return None
        # the main window re-evaluates the enterprise first, then its window reloads this tab
        self.window_.bus.tell({"monthly_figures"}, {self.enterprise_id})
        if self.model.is_dirty():  # not reloaded by the window (shown on its own)
            self.load()
        self._say(OK, f"已保存{self.shown_year}年{saved.count}个月的数据。")
        return saved


def evaluation_of(window, enterprise_id: str):
    """The rules' evaluation of one enterprise with its reason texts, made now (the window's
    index keeps only codes and numbers)."""
    return evaluation_store.explain(window.ledger, [enterprise_id], window.today).get(enterprise_id)


def suggestion_text(window, enterprise_id: str) -> str:
    """What the active profile's rules suggest for this enterprise now, and why."""
    ev = evaluation_of(window, enterprise_id)
    if ev is None:
        return MISSING
    if not ev.has_suggestion:  # no pool, only why there is none
        return ev.suggested_pool_reason or MISSING
    return f"{POOLS.get(ev.suggested_pool, ev.suggested_pool)}——{ev.suggested_pool_reason}"


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
        # only the pools the profile defines (and 未入库); every pool while no profile is chosen
        self.offered = pool_board.offered_pools(window.ledger) or tuple(POOLS)
        for code in self.offered:
            self.target.addItem(POOLS[code], code)
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
        layout.addWidget(make_table(self.model, empty="暂无调库记录"), 1)
        self.load()

    def load(self) -> None:
        e = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)
        self.current.setText(POOLS.get(e["pool"], e["pool"]))
        self.suggested.setText(suggestion_text(self.window_, self.enterprise_id))
        ev = evaluation_of(self.window_, self.enterprise_id)
        if ev is not None and ev.has_suggestion and ev.suggested_pool != e["pool"]:
            self.target.setCurrentIndex(max(0, self.target.findData(ev.suggested_pool)))
        self.model.set_rows(list(reversed(pools.pool_history(self.window_.ledger, self.enterprise_id))))

    def move(self) -> None:
        try:
            pools.move_pool(self.window_.ledger, self.enterprise_id, self.target.currentData(),
                            self.reason.text(), allowed=self.offered)
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
        layout.addWidget(make_table(self.model, empty="暂无走访记录，点击上方“记录走访”"), 1)
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
        layout.addWidget(make_table(self.model, empty="暂无问题"), 1)
        layout.addWidget(QLabel("在“问题台账”中更新办理状态和结果。"))
        self.load()

    def load(self) -> None:
        self.model.set_rows(visits.list_issues(self.window_.ledger, enterprise_id=self.enterprise_id))


class PolicyLinesTab(QWidget):
    """Rewards (lines of text) or the entry checklist (tick boxes), as the policy rules give them."""

    def __init__(self, window, enterprise_id: str, kind: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id, self.kind = window, enterprise_id, kind
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # long lists scroll inside the tab instead of making the window taller than the screen
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(self.scroll)
        body = QWidget()
        self.scroll.setWidget(body)
        layout = QVBoxLayout(body)
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
