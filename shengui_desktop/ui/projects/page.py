"""重点项目: the key-project list (重点项目库) — each project of kind 重点项目 with its
enterprise, pool and revenue, its dates, milestones and what is late; filtered by township,
status and year; exported to Excel and printed. The list is services.policy.key_projects,
read on the worker; the spreadsheet services.excel.projects_export (the same columns as
`shengui excel export --what projects`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from ...domain.policy_records import PROJECT_STATUSES
from ...services.ledger import reference
from ..common import LoadsWhenShown, OVERDUE_BRUSH, Column, DictTableModel, ask_save_file, make_table, wan
from ..jobs import JobRunner, core_progress, run_with_progress
from ..rewards.page import show_on_print_page

NONE_YET = ("暂无重点项目。在“企业台账”中打开企业，在企业窗口的“项目”页登记项目并把类别选为“重点项目”；"
            "或在“Excel导入”页用项目模板成批导入。")
NONE_MATCH = "没有符合条件的重点项目，可更换上方的乡镇、状态、年度或取消“只看逾期”。"
YEARS_BACK, YEARS_AHEAD = 3, 3  # the year filter offers these years around this one


class ProjectsPage(LoadsWhenShown, QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.listed = None
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(window.ledger):
            self.township.addItem(t["name"], t["code"])
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        for code, label in PROJECT_STATUSES.items():
            self.status.addItem(label, code)
        self.year = QComboBox()
        self.year.addItem("全部年度", None)
        this = window.today.year
        for y in range(this + YEARS_AHEAD, this - YEARS_BACK - 1, -1):
            self.year.addItem(f"{y}年", y)
        self.year.setToolTip("只列在该年度有计划或完成事项（开工、竣工、投产、节点任务）的项目；"
                             "营业收入也取该年度")
        self.late = QCheckBox("只看逾期")
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("按当前条件导出重点项目和节点任务两张工作表")
        self.export_button.clicked.connect(self.export)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("在“报表打印”页生成所选乡镇的重点项目清单及推进台账"
                                     "（营业收入取所选年度；打印全部重点项目，不按状态、年度和“只看逾期”筛选）")
        self.print_button.clicked.connect(self.print_)
        for w in (QLabel("乡镇"), self.township, QLabel("状态"), self.status, QLabel("年度"), self.year, self.late):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.print_button)
        layout.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px; padding: 2px 0;")
        layout.addWidget(self.summary)

        self.model = DictTableModel([
            Column("name", "项目名称", width=180),
            Column("status_label", "状态", width=55),
            Column("enterprise_name", "企业", width=170),
            Column("township", "乡镇", width=70),
            Column("late_text", "逾期情况", width=230),
            Column("milestones_text", "节点任务", width=80),
            Column("planned_production_date", "计划投产", width=85),
            Column("production_date", "实际投产", width=85),
            Column("enterprise_status", "库别", width=70),
            Column("investment", "总投资（万元）", wan, align_right=True, width=100),
            Column("expected_output", "预计达产产值（万元）", wan, align_right=True, width=130),
            Column("responsible_unit", "责任单位", width=100),
        ], self, row_brush=lambda r: OVERDUE_BRUSH if r["late"] else None)
        self.table = make_table(self.model, empty="正在读取重点项目…")
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.doubleClicked.connect(self._open)
        self.milestones = DictTableModel([
            Column("name", "节点任务", width=220),
            Column("due_date", "计划完成", width=100),
            Column("done_date", "实际完成", width=100),
            Column("state", "状态", width=110),
            Column("note", "备注", width=300),
        ], self, row_brush=lambda r: OVERDUE_BRUSH if r["late"] else None)
        self.milestone_table = make_table(self.milestones, empty="在上表中选择一个项目，这里列出它的节点任务")
        lower = QWidget()
        box = QVBoxLayout(lower)
        box.setContentsMargins(0, 0, 0, 0)
        self.selected_label = QLabel("节点任务")
        self.selected_label.setWordWrap(True)
        box.addWidget(self.selected_label)
        box.addWidget(self.milestone_table, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        for combo in (self.township, self.status, self.year):
            combo.currentIndexChanged.connect(self.refresh)
        self.late.toggled.connect(self.refresh)
        window.bus.changed.connect(self.ledger_changed)

    # -- loading -----------------------------------------------------------------------------
    def filters(self) -> dict:
        return {"township_code": self.township.currentData(), "status": self.status.currentData(),
                "year": self.year.currentData(), "late_only": self.late.isChecked()}

    def filtered(self) -> bool:
        return any(v for v in self.filters().values())

    def refresh(self, *_args) -> None:
        if not self.due():
            return
        self.loaded = False
        choice = self.filters()
        today = self.window_.today

        def work(ledger, progress, cancelled):
            from ...services.policy.key_projects import key_projects

            return key_projects(ledger, today=today, progress=core_progress(progress), cancel=cancelled, **choice)

        self.runner.start(self.window_.ledger, work, name="projects", latest=True,
                          on_done=lambda listed, c=choice: self._loaded(listed, c), on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.loaded = True
        self.summary.setText(f"无法读取重点项目：{message}")

    def _loaded(self, listed, choice: dict) -> None:
        if choice != self.filters():
            return
        self.listed = listed
        rows = []
        for p in listed.projects:
            done = sum(1 for m in p.milestones if m.done_date)
            rows.append({**p.__dict__, "status_label": p.status_label, "enterprise_status": p.enterprise_status,
                         "late": p.late, "responsible_unit": p.responsible_unit or "未指定",
                         "milestones_text": f"已完成{done}/{len(p.milestones)}" if p.milestones else "未登记",
                         "late_text": "；".join(f"{i.what}计划{i.due_date}，逾期{i.days_late}天" for i in p.late_items)})
        self.table.empty_hint.set_text(NONE_MATCH if self.filtered() else NONE_YET)
        self.model.set_rows(rows)
        self.milestones.set_rows([])
        self.milestone_table.empty_hint.set_text("在上表中选择一个项目，这里列出它的节点任务" if rows else "")
        self.selected_label.setText("节点任务")
        n = len(listed.projects)
        self.summary.setText(
            f"共{n}个重点项目，其中逾期{listed.late_projects}个（红色），逾期未完成的节点任务{listed.late_milestones}项"
            f"（逾期判断截至{listed.today}）" if n else "")
        self.loaded = True

    # -- rows --------------------------------------------------------------------------------
    def _selected(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = self.model.row(current.row())
        late = f"\n逾期：{row['late_text']}" if row["late_text"] else ""
        self.selected_label.setText(f"节点任务：{row['name']}（{row['enterprise_name']}）{late}")
        self.milestones.set_rows([{**m.__dict__, "state": m.state, "late": m.late} for m in row["milestones"]])
        self.milestone_table.empty_hint.set_text("该项目尚未登记节点任务（在企业窗口的“项目”页添加）")

    def _open(self, index) -> None:
        if index.isValid():
            self.window_.open_enterprise(self.model.row(index.row())["enterprise_id"])

    # -- export and print --------------------------------------------------------------------
    def export(self) -> None:
        parts = ["重点项目清单"] + [c.currentText() for c in (self.township, self.status, self.year) if c.currentIndex()]
        path = ask_save_file(self, "导出重点项目", str(Path.home() / ("_".join(parts) + ".xlsx")),
                             "Excel 文件 (*.xlsx)", "xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str):
        choice = self.filters()
        today = self.window_.today

        def work(ledger, progress, cancelled):
            from ...services.excel.projects_export import export_projects
            from ...services.policy.key_projects import key_projects

            listed = key_projects(ledger, today=today, cancel=cancelled, **choice)
            return export_projects(ledger, Path(path), listed, today=today, progress=core_progress(progress),
                                   cancel=cancelled)

        def done(info: dict) -> None:
            self.export_button.setEnabled(True)
            self.window_.statusBar().showMessage(f"已导出{info['rows']}个重点项目：{info['path']}", 10000)

        def failed(message: str) -> None:
            self.export_button.setEnabled(True)
            QMessageBox.warning(self, "导出失败", message)

        self.export_button.setEnabled(False)
        job = run_with_progress(self, self.runner, self.window_.ledger, work, "正在导出重点项目…", done, failed)
        job.on("cancelled", lambda: self.export_button.setEnabled(True))
        return job

    def print_(self) -> None:
        year = self.year.currentData() or self.window_.today.year
        show_on_print_page(self.window_, "projects", self.township.currentData(), year)
