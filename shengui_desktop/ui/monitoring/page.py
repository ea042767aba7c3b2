"""月度监测: the monitoring table of a month (月监测) and the quarterly comparison with the
line (季对标), narrowed by township, responsible department, pool and mark; rows coloured as
`shengui monitor` marks them (red: the month not reported, yellow: a rule's 提示); 导出Excel
writes what is shown (services/excel), 打印 opens 报表打印 with 企业月度监测表 of the same
month and set. The table is made on the worker (services.policy.monitoring)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QTableView, QTabWidget, QVBoxLayout, QWidget)

from ...domain.monitoring import MonitorTable
from ...services import excel
from ...services.ledger import reference
from ...services.policy.monitoring import monitoring_choices
from ..common import LoadsWhenShown, EmptyHint, ask_save_file
from ..jobs import JobRunner, core_progress, run_with_progress
from .model import TableModel, month_brush, month_columns, month_rows, quarter_brush, quarter_columns, quarter_rows

LOADING_TEXT = "正在计算监测表…"
DETAIL_TEXT = "红色：当月未报送数据；黄色：有政策提示；红字：同比、环比下降。选中一行看提示详情，双击打开企业。"
# what touches the table: figures, the enterprises and their pools, the profile, the rules' inputs
WATCHED_TABLES = {"enterprises", "pool_events", "monthly_figures", "annual_figures", "projects", "scale_history",
                  "reward_claims", "visits", "policy_profiles", "townships", "departments", "targets"}


def make_view(model: TableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
    view.empty_hint = EmptyHint(view, LOADING_TEXT)  # type: ignore[attr-defined]
    return view


class MonitoringPage(LoadsWhenShown, QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.table: MonitorTable | None = None
        self.job = None  # the table being made
        self.loading = False
        self.generation = 0  # answers of an earlier choice are dropped
        ledger, today = window.ledger, window.today
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)

        self.month = QDateEdit(QDate(today.year, today.month, 1))
        self.month.setDisplayFormat("yyyy年M月")
        self.month.setDateRange(QDate(2000, 1, 1), QDate(today.year, today.month, today.day))
        self.month.setToolTip("监测月份；季度对标按该月所在季度（截至该月）")
        self.month_chosen = False  # until chosen, the latest month with figures (default_period)
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(ledger):
            self.township.addItem(t["name"], t["code"])
        self.department = QComboBox()
        self.department.addItem("全部责任单位", None)
        for d in reference.list_departments(ledger):
            self.department.addItem(d["name"], d["id"])
        self.pool = QComboBox()
        self.pool.setToolTip("选定库别（或规上企业）时，只看该库企业，代替政策配置的监测范围")
        self.flag = QComboBox()
        self.fill_choices()
        for combo in (self.township, self.department, self.pool, self.flag):
            combo.setMinimumWidth(118)
            combo.setMaximumWidth(200)
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.month.dateChanged.connect(self._month_changed)

        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("把当前月份和筛选条件下的监测表、季度对标导出为xlsx")
        self.export_button.clicked.connect(self.export)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("在“报表打印”中生成该月企业月度监测表（按月份、乡镇、库别、责任单位；不按提示筛选）")
        self.print_button.clicked.connect(self.print_table)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for label, w in (("月份", self.month), ("乡镇", self.township), ("责任单位", self.department),
                         ("库别", self.pool), ("提示", self.flag)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
            bar.addSpacing(4)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px;")
        layout.addWidget(self.summary)

        self.month_model = TableModel(self)
        self.month_model.brush = month_brush
        self.month_view = make_view(self.month_model)
        self.quarter_model = TableModel(self)
        self.quarter_model.brush = quarter_brush
        self.quarter_view = make_view(self.quarter_model)
        for view in (self.month_view, self.quarter_view):
            view.doubleClicked.connect(lambda index, v=view: self._open(v, index))
        self.month_view.selectionModel().currentRowChanged.connect(lambda current, _p: self._selected(current))
        self.quarter_title = QLabel("")
        self.quarter_title.setWordWrap(True)
        quarter = QWidget()
        q_layout = QVBoxLayout(quarter)
        q_layout.setContentsMargins(0, 4, 0, 0)
        q_layout.addWidget(self.quarter_title)
        q_layout.addWidget(self.quarter_view, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.month_view, "月度监测")
        self.tabs.addTab(quarter, "季度对标")
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 2)
        row.addWidget(self.export_button)
        row.addWidget(self.print_button)
        self.tabs.setCornerWidget(buttons)
        layout.addWidget(self.tabs, 1)

        self.detail = QLabel(DETAIL_TEXT)
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("color: #444;")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.detail)
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #6b6b6b;")
        layout.addWidget(self.notes)
        window.bus.changed.connect(self._ledger_changed)

    # -- the choice ----------------------------------------------------------------------------
    def fill_choices(self) -> None:
        """The pools the profile uses (and 规上企业) and the marks, keeping what was chosen."""
        choices = monitoring_choices(self.window_.ledger)
        pool, flag = self.pool.currentData(), self.flag.currentData()
        for combo in (self.pool, self.flag):
            combo.blockSignals(True)
            combo.clear()
        self.pool.addItem("按监测范围", None)
        for code, name in choices.pools.items():
            self.pool.addItem(name, code)
        self.flag.addItem("全部企业", None)
        for code, name in choices.flags.items():
            self.flag.addItem(name, code)
        for combo, value in ((self.pool, pool), (self.flag, flag)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    def period(self) -> str | None:
        """The month chosen ('YYYY-MM'); None until one is, for the latest month with figures."""
        return self.month.date().toString("yyyy-MM") if self.month_chosen else None

    def filters(self) -> dict[str, str]:
        """The table's narrowing, as monitoring_table (and the export) take it."""
        out = {}
        for key, combo in (("township", self.township), ("department", self.department), ("pool", self.pool),
                           ("flag", self.flag)):
            if combo.currentData() is not None:
                out[key] = combo.currentData()
        return out

    def set_filters(self, period: str | None = None, **filters) -> None:
        """Set the month and the filters at once (one refresh); unknown values mean 全部."""
        combos = {"township": self.township, "department": self.department, "pool": self.pool, "flag": self.flag}
        for w in (self.month, *combos.values()):
            w.blockSignals(True)
        if period:
            year, month = (int(x) for x in period.split("-"))
            self.month.setDate(QDate(year, month, 1))
            self.month_chosen = True
        for key, combo in combos.items():
            combo.setCurrentIndex(max(0, combo.findData(filters.get(key))))
        for w in (self.month, *combos.values()):
            w.blockSignals(False)
        self.refresh()

    def _month_changed(self, _date) -> None:
        self.month_chosen = True
        self.refresh()

    # -- loading -------------------------------------------------------------------------------
    def _ledger_changed(self, tables: set, _enterprise_ids: set) -> None:
        if not tables or tables & WATCHED_TABLES:
            if "policy_profiles" in tables:
                self.fill_choices()
            self.refresh()

    def refresh(self) -> None:
        """Make the table again on the worker (when shown; otherwise when next shown)."""
        if not self.due():
            return
        self.generation += 1
        generation, period, filters, today = self.generation, self.period(), self.filters(), self.window_.today
        self.loading = True
        self.export_button.setEnabled(False)
        self.summary.setText(LOADING_TEXT)
        for view in (self.month_view, self.quarter_view):
            view.empty_hint.set_text(LOADING_TEXT)
        if self.job is not None:
            self.job.cancel()  # its answer is for an earlier choice

        def work(ledger, _progress, cancelled):
            from ...services.policy.monitoring import monitoring_table

            table = monitoring_table(ledger, period, quarter=True, today=today, cancelled=cancelled, **filters)
            # the rows as shown, made here too: for a province's 40,000 enterprises half a
            # second that would otherwise freeze the window when the table arrives
            statuses = {r.enterprise_id: r.status_text for r in table.rows}
            return table, month_rows(table), quarter_rows(table, statuses)

        self.job = self.runner.start(self.window_.ledger, work, name="monitoring", loads=True,
                                     on_done=lambda made: self._loaded(*made, generation),
                                     on_error=lambda message: self._failed(message, generation))

    def _loaded(self, table: MonitorTable, shown_month: list[dict], shown_quarter: list[dict],
                generation: int) -> None:
        if generation != self.generation:
            return
        self.loading, self.job = False, None
        self.table = table
        if not self.month_chosen:  # show which month the default was, without asking again
            self.month.blockSignals(True)
            self.month.setDate(QDate(table.year, table.month, 1))
            self.month.blockSignals(False)
        self.month_model.set_content(month_columns(table), shown_month)
        self.quarter_model.set_content(quarter_columns(table), shown_quarter)
        self._fit_columns()
        self.detail.setText(DETAIL_TEXT)
        empty = self.empty_text()
        for view in (self.month_view, self.quarter_view):
            view.empty_hint.set_text(empty)
        marked = sum(1 for r in table.rows if r.flags)
        scope = f"{table.scope}　" if table.scope else ""
        self.summary.setText(
            f"<b>{scope}{table.period_text}企业月度监测表</b>　监测范围：{table.watch_text}　"
            f"共{len(table.rows):,}户，{table.month}月未报{table.unreported:,}户，有政策提示{marked:,}户"
            f"　<span style='color:#6b6b6b'>（提示截至{table.as_of}）</span>")
        q = table.quarter
        if q is not None:
            counts = "，".join(f"{name}{q.counts.get(code, 0)}户" for code, name in
                              (("reached", "已达标准线"), ("below", "未达标准线"), ("no_data", "本年无营收数据")))
            self.quarter_title.setText(f"<b>{q.title}</b>　标准线：全年营业收入{q.line / 10_000:,.0f}万元；{counts}。"
                                       "绿色：预计全年已达标准线；灰色：本年无营收数据。")
        self.notes.setText("注：" + "；".join(table.notes) if table.notes else "")
        self.export_button.setEnabled(True)

    def _fit_columns(self) -> None:
        for model, view in ((self.month_model, self.month_view), (self.quarter_model, self.quarter_view)):
            for i, col in enumerate(model.cols):
                view.setColumnWidth(i, col.width)
            view.horizontalHeader().setMinimumHeight(42)  # the two-line headings

    def _failed(self, message: str, generation: int) -> None:
        if generation != self.generation:
            return
        self.loading, self.job = False, None
        self.table = None
        self.month_model.set_content([], [])
        self.quarter_model.set_content([], [])
        for view in (self.month_view, self.quarter_view):
            view.empty_hint.set_text(f"无法生成监测表：{message}")
        self.summary.setText("")
        self.quarter_title.setText("")
        self.notes.setText("")

    def empty_text(self) -> str:
        """What an empty table says to do, under the choice now made."""
        if self.flag.currentData() or self.township.currentData() or self.department.currentData():
            return "没有符合条件的监测企业，可更换上方的乡镇、责任单位、库别或提示"
        if self.pool.currentData():
            return f"{self.pool.currentText()}暂无企业；可选“按监测范围”，或在“企业台账”中调整库别"
        return ("暂无监测企业：监测范围内（见上方“监测范围”）还没有企业。\n"
                "请在“企业台账”中把企业调入培育库等库别，或在“政策配置”中选择政策配置。")

    # -- rows ----------------------------------------------------------------------------------
    def _selected(self, current) -> None:
        if not current.isValid():
            return
        row = self.month_model.row(current.row())
        if row.get("enterprise_id") is None:
            return
        lines = [f"<b>{row['name']}</b>（{row['township']}，{row['status']}）　监测原因：{row['because']}"]
        lines += [f"{m.name}：{m.text}" for m in row["marks"]]
        if row["missing"] and row["reported"]:
            lines.append(f"缺报月份：{row['missing']}")
        if len(lines) == 1:
            lines.append("无政策提示。双击打开企业。")
        self.detail.setText("<br>".join(lines))

    def _open(self, view: QTableView, index) -> None:
        if not index.isValid():
            return
        row = view.model().row(index.row())
        if row.get("enterprise_id"):
            self.window_.open_enterprise(row["enterprise_id"])

    # -- export and print ----------------------------------------------------------------------
    def export(self) -> None:
        table = self.table
        if table is None or self.loading:
            return
        scope = "_".join(x for x in (self.township.currentData() and self.township.currentText(),
                                     self.department.currentData() and self.department.currentText(),
                                     self.pool.currentData() and self.pool.currentText(),
                                     self.flag.currentData() and self.flag.currentText()) if x)
        suggested = f"企业月度监测表_{table.period}" + (f"_{scope}" if scope else "") + ".xlsx"
        path = ask_save_file(self, "导出月度监测表", suggested, "Excel 工作簿 (*.xlsx)", "xlsx")
        if not path:
            return
        period, filters, today = table.period, self.filters(), self.window_.today

        def work(ledger, progress, cancelled):
            return excel.export_table(ledger, "monitor", path, today=today, period=period,
                                      monitor_filters=filters, progress=core_progress(progress), cancel=cancelled)

        def done(result: dict) -> None:
            self.window_.statusBar().showMessage(f"已导出{result['rows']:,}户企业的月度监测表到 {result['path']}", 10000)

        run_with_progress(self, self.runner, self.window_.ledger, work, "正在导出月度监测表…", done,
                          lambda message: QMessageBox.warning(self, "导出失败", message))

    def print_table(self) -> None:
        table = self.table
        if table is None:
            return
        self.window_.print_page.print_monitoring(table.period, township=self.township.currentData(),
                                                 pool=self.pool.currentData(),
                                                 department=self.department.currentData())
