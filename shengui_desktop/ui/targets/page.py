"""目标任务: every target of a year (净增, 新增, 累计新增, 规上企业总数, a higher level's) by
township and by department — target, achieved, completion, ranking — as a table and a bar
chart of the same numbers. The county sets targets (设定目标…, services.policy.set_target);
a township sees its own line, read only. Export to Excel (services/excel/targets_export.py)
and print (the 目标完成情况 report of 报表打印). The numbers are read on the worker."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox,
                               QSplitter, QVBoxLayout, QWidget)

from ...services.excel.targets_export import export_target_tables
from ...services.ledger import reference
from ...services.policy.targets import TargetRow, TargetTable, target_tables
from ..charts import Bar, BarChart, percent
from ..common import APP_TITLE, Column, DictTableModel, ask_save_file, make_table
from ..jobs import JobRunner, core_progress, run_with_progress
from .dialog import TargetDialog

SCOPES = {"township": "按乡镇", "department": "按部门"}


def _count(value) -> str:
    return "未设" if value is None else f"{value}"


COLUMNS = [Column("name", "名称", width=120), Column("target", "目标（户）", _count, True, 72),
           Column("achieved", "完成（户）", align_right=True, width=72),
           Column("rate", "完成率", percent, True, 56),
           Column("rank", "排名", lambda v: "—" if v is None else f"第{v}名", True, 56),
           Column("detail", "构成", width=96), Column("note", "说明")]


def row_dict(row: TargetRow) -> dict:
    return {"scope": row.scope, "key": row.key, "name": row.name if row.registered else f"{row.name}（未登记）",
            "plain_name": row.name, "target": row.target, "achieved": row.achieved, "rate": row.completion_rate,
            "rank": row.rank, "detail": row.detail, "note": row.note or "", "registered": row.registered}


def load_tables(year: int):
    def work(ledger, _progress, _cancelled):
        return target_tables(ledger, year)
    return work


class TargetsPage(QWidget):
    def __init__(self, window, parent=None, today: date | None = None):
        super().__init__(parent)
        self.main = window
        self.county = window.site["role"] == "county"
        self.runner = JobRunner(self)
        self.tables: list[TargetTable] | None = None
        self.loading = 0  # the generation of the latest load; older results are dropped
        today = today or getattr(window, "today", None) or date.today()

        title = QLabel("目标任务")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        note = QLabel("县级设定各乡镇、部门的目标，随同步包下发到各乡镇；完成数按入规、退规日期统计。"
                      if self.county else "目标由县级设定，随县级同步包下发；本乡镇只能查看本乡镇的目标和完成情况。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.year.setSuffix("年")
        self.year.valueChanged.connect(lambda _y: self.refresh())
        self.kind = QComboBox()
        self.kind.setMinimumWidth(150)
        self.kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind.setToolTip("本年度适用的各类目标")
        self.kind.currentIndexChanged.connect(lambda _i: self.show_table())
        self.scope = QComboBox()
        for code, name in SCOPES.items():
            self.scope.addItem(name, code)
        self.scope.setVisible(self.county)  # a township has its own line only
        self.scope.currentIndexChanged.connect(lambda _i: self.show_table())
        self.edit = None
        if self.county:
            self.edit = QPushButton("设定目标…")
            self.edit.setToolTip("为全县、乡镇或部门设定目标（选中一行则预填该行）")
            self.edit.clicked.connect(self.edit_target)
        self.export = QPushButton("导出Excel…")
        self.export.setToolTip("把本年度各类目标的完成情况导出为Excel表")
        self.export.clicked.connect(self.export_clicked)
        self.print = QPushButton("打印…")
        self.print.setToolTip("在“报表打印”页生成本年度的目标完成情况报表")
        self.print.clicked.connect(self.print_clicked)
        controls = QHBoxLayout()
        for w in (QLabel("年度"), self.year, QLabel("目标"), self.kind, self.scope):
            controls.addWidget(w)
        controls.addStretch(1)
        for w in (self.edit, self.export, self.print):
            if w is not None:
                controls.addWidget(w)

        self.model = DictTableModel(COLUMNS, self)
        self.table = make_table(self.model, self, stretch="note", empty="正在读取目标…")
        self.table.doubleClicked.connect(lambda _i: self.edit_target() if self.county else None)
        self.chart = BarChart("目标与完成", hint="（点击条形选中该行）")
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(6, 0, 0, 0)
        self.chart_title = QLabel()
        self.chart_title.setStyleSheet("font-weight: bold;")
        chart_layout.addWidget(self.chart_title)
        chart_layout.addWidget(self.chart)
        chart_layout.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(chart_box)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("padding: 2px 0;")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)
        self.chart.clicked.connect(self._chart_clicked)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.loading += 1
        generation = self.loading
        self.runner.start(self.main.ledger, load_tables(self.year.value()), name="targets",
                          on_done=lambda tables: self._loaded(tables, generation),
                          on_error=lambda m: QMessageBox.warning(self, APP_TITLE, f"读取目标失败：{m}"))

    def _loaded(self, tables: list[TargetTable], generation: int) -> None:
        if generation != self.loading:
            return
        chosen = self.current_table()
        key = (chosen.kind, chosen.first_year, chosen.last_year, chosen.area) if chosen else None
        self.tables = tables
        self.kind.blockSignals(True)
        self.kind.clear()
        for t in tables:
            self.kind.addItem(t.title)
        keys = [(t.kind, t.first_year, t.last_year, t.area) for t in tables]
        self.kind.setCurrentIndex(keys.index(key) if key in keys else 0)
        self.kind.blockSignals(False)
        self.show_table()

    def current_table(self) -> TargetTable | None:
        if not self.tables:
            return None
        return self.tables[max(0, min(self.kind.currentIndex(), len(self.tables) - 1))]

    def current_scope(self) -> str:
        return self.scope.currentData() if self.county else "township"

    def rows(self) -> list[dict]:
        """The table's rows as shown: the chosen target's townships or departments."""
        return list(self.model.rows_data)

    def show_table(self) -> None:
        table = self.current_table()
        if table is None:
            return
        scope = self.current_scope()
        lines = table.townships if scope == "township" else table.departments
        rows = [row_dict(r) for r in lines]
        self.model.set_rows(rows)
        year = self.year.value()
        if self.county:
            empty = ("台账中还没有乡镇：在“乡镇与部门”页添加" if scope == "township" else
                     f"{table.title}还没有部门目标：点“设定目标…”为部门设定")
        else:
            empty = f"县级尚未下达本乡镇{year}年的目标；目标随县级同步包到达（在“数据同步”页导入）"
        self.table.empty_hint.set_text(empty)
        self.chart_title.setText(f"{table.title} · {SCOPES.get(scope, '')[1:] if self.county else '本乡镇'}"
                                 "：目标与完成")
        self.chart.set_bars([Bar(label=r["name"], target=r["target"], achieved=r["achieved"], rate=r["rate"],
                                 key=r["key"]) for r in self.model.rows_data],
                            empty_text=empty)
        self.summary.setText(self._summary(table))

    def _summary(self, table: TargetTable) -> str:
        county = table.county
        if not table.has_targets():
            return (f"{table.title}尚未设定目标：点“设定目标…”为全县、各乡镇或部门设定。" if self.county else
                    f"县级尚未下达本乡镇{table.title}目标；目标随县级同步包到达（在“数据同步”页导入）。")
        if county is None:
            return f"{table.title}：完成数为{table.achieved_label}；排名由县级统计。"
        if table.area:
            return (f"{table.title}：{table.area}目标{_count(county.target)}户，本台账{table.achieved_label}"
                    f"{county.achieved}户（只含本县企业，完成率由上级统计）。")
        source = table.target_source + ("，由政策配置分解" if table.source == "profile" else "")
        return (f"{county.name}：目标{_count(county.target)}户（{source}），完成{county.achieved}户，"
                f"完成率{percent(county.completion_rate)}。完成数为{table.achieved_label}。")

    def _chart_clicked(self, key) -> None:
        """A bar selects its row in the table."""
        for i, row in enumerate(self.model.rows_data):
            if row["key"] == key:
                self.table.selectRow(i)
                return

    def selected_row(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    # -- the county sets a target ---------------------------------------------------------
    def edit_target(self) -> TargetDialog | None:
        table = self.current_table()
        if not self.county or table is None:
            return None
        row = self.selected_row()
        scope: tuple = ("county", None)
        value = table.county.target if table.county else None
        note = table.county.note if table.county else None
        if row is not None:
            value, note = row["target"], row["note"] or None
            scope = ("township", row["key"]) if row["scope"] == "township" and row["key"] else \
                ("department", row["plain_name"]) if row["scope"] == "department" and row["key"] else scope
        ledger = self.main.ledger
        kind = table.kind if not table.area else "net"
        dialog = TargetDialog(self, ledger, reference.list_townships(ledger), reference.list_departments(ledger),
                              kind=kind, first_year=table.first_year, last_year=table.last_year, scope=scope,
                              value=value, note=note,
                              allocated={(t.kind, t.first_year, t.last_year) for t in self.tables or []
                                         if t.source == "profile" and not t.area})
        dialog.accepted.connect(lambda: self._target_set(dialog.result_))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _target_set(self, result: dict | None) -> None:
        if not result:
            return
        period = f"{result['year']}–{result['until']}年" if result["until"] else f"{result['year']}年"
        text = f"已设定{result['name']}{period}{result['kind_name']}目标：{result['value']}户"
        if result["copied"]:
            text += f"（政策配置已复制为本县版本“{result['profile']}”）"
        self.main.statusBar().showMessage(text, 10000)
        tables = {"targets", "policy_profiles"} if result["via"] == "profile" else {"targets"}
        if result["added_department"]:
            tables.add("departments")
        self.main.bus.tell(tables)
        self.refresh()

    # -- export and print -----------------------------------------------------------------
    def export_clicked(self) -> None:
        year = self.year.value()
        path = ask_save_file(self, "导出目标任务到Excel", f"{self.main.site['name']}{year}年目标任务.xlsx",
                             "Excel文件 (*.xlsx)", "xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str):
        year, today = self.year.value(), self.main.today

        def work(ledger, progress, cancelled):
            return export_target_tables(ledger, path, year=year, today=today, cancel=cancelled,
                                        progress=core_progress(progress))

        def done(result):
            self.main.statusBar().showMessage(f"已导出{year}年目标任务（{result['rows']}行）到 {result['path']}", 10000)

        return run_with_progress(self, self.runner, self.main.ledger, work, "正在导出到Excel…", done,
                                 lambda m: QMessageBox.warning(self, "导出失败", m))

    def print_clicked(self) -> None:
        """报表打印 with 目标完成情况 and this year chosen; 生成报表 is one click from there."""
        self.main.show_page("报表打印")
        page = self.main.print_page
        page.select("targets")
        page.year.setValue(self.year.value())
