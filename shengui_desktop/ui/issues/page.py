"""问题台账: issues by department and status, overdue highlighted, status and resolution;
导出Excel writes the issues under the filters now set (services.excel.activity_export)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from ...domain.records import ISSUE_CATEGORIES, ISSUE_STATUSES, OPEN_ISSUE_STATUSES, is_overdue
from ...services.excel import activity_export
from ...services.ledger import reference, visits
from ..common import LoadsWhenShown, OVERDUE_BRUSH, Column, DictTableModel, guarded, make_table
from ..excel_import import dialogs
from ..jobs import ExportsOnWorker, JobRunner, core_progress


class IssuesPage(LoadsWhenShown, ExportsOnWorker, QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.today = window.today.isoformat()
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.department = QComboBox()
        self.department.addItem("全部责任单位", None)
        for d in reference.list_departments(window.ledger):
            self.department.addItem(d["name"], d["id"])
        self.status = QComboBox()
        self.status.addItem("未办结", OPEN_ISSUE_STATUSES)
        self.status.addItem("全部状态", None)
        for code, label in ISSUE_STATUSES.items():
            self.status.addItem(label, (code,))
        self.overdue = QCheckBox("只看逾期")
        self.count = QLabel("")
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("把按上方责任单位、状态和“只看逾期”筛选出的问题导出为Excel表格")
        self.export_button.clicked.connect(self.export_xlsx)
        self.generation = 0  # of the list's reads: only the latest one is shown
        for w in (QLabel("责任单位"), self.department, QLabel("状态"), self.status, self.overdue):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.count)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)

        self.model = DictTableModel([
            Column("deadline", "办结时限", width=90),
            Column("enterprise_name", "企业", width=230),
            Column("category", "类别", lambda v: ISSUE_CATEGORIES.get(v, v or ""), width=50),
            Column("description", "问题描述", width=300),
            Column("department_name", "责任单位", width=80),
            Column("raised_date", "提出日期", width=90),
            Column("status", "状态", lambda v: ISSUE_STATUSES.get(v, v or ""), width=60),
            Column("resolution", "办理结果", width=200),
        ], self, row_brush=self._brush)
        self.table = make_table(self.model, empty="正在读取问题…")
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self._editor())
        splitter.setStretchFactor(0, 3)
        layout.addWidget(splitter, 1)
        for combo in (self.department, self.status):
            combo.currentIndexChanged.connect(self.refresh)
        self.overdue.toggled.connect(self.refresh)

    def _editor(self) -> QGroupBox:
        box = QGroupBox("办理情况")
        form = QFormLayout(box)
        self.selected_label = QLabel("（在上表中选择一个问题）")
        self.selected_label.setWordWrap(True)
        self.edit_status = QComboBox()
        for code, label in ISSUE_STATUSES.items():
            self.edit_status.addItem(label, code)
        self.edit_department = QComboBox()
        self.edit_department.addItem("（未指定）", None)
        for d in reference.list_departments(self.window_.ledger):
            self.edit_department.addItem(d["name"], d["id"])
        self.edit_deadline = QDateEdit()
        self.edit_deadline.setCalendarPopup(True)
        self.edit_deadline.setDisplayFormat("yyyy-MM-dd")
        self.edit_deadline.setDate(QDate(self.window_.today.year, self.window_.today.month, self.window_.today.day))
        self._deadline_touched = False
        self.edit_deadline.dateChanged.connect(lambda *_a: setattr(self, "_deadline_touched", True))
        self.resolution = QPlainTextEdit()
        self.resolution.setPlaceholderText("办结时须填写办理结果")
        self.resolution.setMaximumHeight(70)
        self.save_button = QPushButton("保存办理情况")
        self.save_button.setMaximumWidth(160)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        form.addRow("问题", self.selected_label)
        row = QHBoxLayout()
        for w in (QLabel("状态"), self.edit_status, QLabel("责任单位"), self.edit_department,
                  QLabel("办结时限"), self.edit_deadline):
            row.addWidget(w)
        row.addStretch(1)
        form.addRow(row)
        form.addRow("办理结果", self.resolution)
        form.addRow("", self.save_button)
        return box

    def _brush(self, row: dict):
        return OVERDUE_BRUSH if is_overdue(row, self.today) else None

    def set_filters(self, overdue: bool = False, department_id: str | None = None, **_ignored) -> None:
        for w in (self.department, self.status, self.overdue):
            w.blockSignals(True)
        self.department.setCurrentIndex(max(0, self.department.findData(department_id)))
        self.status.setCurrentIndex(0)
        self.overdue.setChecked(overdue)
        for w in (self.department, self.status, self.overdue):
            w.blockSignals(False)
        self.refresh()

    def current_filter(self) -> activity_export.IssueFilter:
        """What the list shows now, as the export takes it."""
        return activity_export.IssueFilter(
            department_id=self.department.currentData(), statuses=self.status.currentData(),
            overdue_on=self.today if self.overdue.isChecked() else None)

    def refresh(self, *_args) -> None:
        if not self.due():
            return
        shown = self.current_filter()
        self.loaded = False
        # two workers: a list read under earlier filters may end after this one
        self.generation += 1
        generation = self.generation

        def work(ledger, _progress, _cancelled):
            return visits.list_issues(ledger, department_id=shown.department_id, statuses=shown.statuses,
                                      overdue_on=shown.overdue_on)

        self.runner.start(self.window_.ledger, work, name="issues",
                          on_done=lambda rows: self._loaded(rows) if generation == self.generation else None)

    def _loaded(self, rows: list[dict]) -> None:
        self.table.empty_hint.set_text(self.empty_text())
        self.model.set_rows(rows)
        late = sum(1 for r in rows if self._brush(r) is not None)
        self.count.setText(f"共{len(rows):,}个问题，其中逾期{late:,}个（红色）" if rows else "")
        self.save_button.setEnabled(False)
        self.loaded = True

    def empty_text(self) -> str:
        """The hint an empty list shows under the filters now set."""
        if self.department.currentIndex() or self.overdue.isChecked() or self.status.currentIndex() > 1:
            return "没有符合条件的问题，可更换上方的责任单位、状态或取消“只看逾期”"
        if self.status.currentIndex() == 0:
            return "暂无未办结的问题（走访中提出的问题记在“记录走访”里，会列在这里）"
        return "暂无问题（走访中提出的问题记在“记录走访”里，会列在这里）"

    def _selected(self, current, _previous) -> None:
        if not current.isValid():
            return
        row = self.model.row(current.row())
        self.selected_label.setText(f"{row['enterprise_name']}：{row['description']}")
        self.edit_status.setCurrentIndex(max(0, self.edit_status.findData(row["status"])))
        self.edit_department.setCurrentIndex(max(0, self.edit_department.findData(row["department_id"])))
        self.edit_deadline.blockSignals(True)
        self.edit_deadline.setDate(QDate.fromString(row["deadline"], "yyyy-MM-dd") if row.get("deadline")
                                   else QDate.currentDate().addDays(30))
        self.edit_deadline.blockSignals(False)
        self._deadline_touched = False
        self.resolution.setPlainText(row.get("resolution") or "")
        self.save_button.setEnabled(True)

    def selected_issue(self) -> dict | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def save(self) -> None:
        issue = self.selected_issue()
        if issue is None:
            return
        changes = {"status": self.edit_status.currentData(),
                   "resolution": self.resolution.toPlainText().strip() or None,
                   "department_id": self.edit_department.currentData()}
        if issue.get("deadline") or self._deadline_touched:
            changes["deadline"] = self.edit_deadline.date().toString("yyyy-MM-dd")
        if guarded(self, lambda: visits.update_issue(self.window_.ledger, issue["id"], changes)) is None:
            return
        self.window_.bus.tell({"issues"}, {issue["enterprise_id"]})

    def export_xlsx(self) -> None:
        """导出Excel: the issues under the filters now set, in the list's order, on the worker."""
        if self.export_job is not None:
            return
        shown = self.current_filter()
        name = "问题台账" + ("_逾期" if shown.overdue_on else "")
        out = dialogs.ask_save_xlsx(self, "导出问题台账", f"{name}_{self.today}.xlsx")
        if not out:
            return
        today = self.window_.today

        def work(ledger, progress, cancelled):
            return activity_export.export_issues(ledger, out, filters=shown, today=today,
                                                 progress=core_progress(progress), cancel=cancelled)

        self.start_export(work, "正在导出问题台账…", lambda info: f"已导出问题{info['rows']:,}个：{info['path']}")
