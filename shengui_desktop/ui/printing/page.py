"""报表打印: pick a report of the catalogue (services/report_kinds.py) and its filters,
generate it on a worker (progress, 取消), see its pages, print them or save the PDF.

Only the filters the chosen report reads are enabled. A report is generated into a private
temporary folder and read into memory at once, the file removed: the preview, 打印… and
另存为PDF… work from memory, so no unencrypted copy stays on disk unless the person saves one.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QHBoxLayout, QLabel,
                               QMessageBox, QProgressDialog, QPushButton, QSpinBox, QTabBar,
                               QToolButton, QVBoxLayout, QWidget)

from ...domain.records import POOLS
from ...errors import UserError, os_error_message
from ...services.ledger import enterprises, reference
from ...services.policy.monitoring import default_period
from ...services.report_kinds import FILTERS, REPORT_KINDS, ReportKind
from ..jobs import JobRunner, core_progress, run_with_progress
from ..visits.picker import EnterprisePicker
from .pdf import PdfPages
from .viewer import PdfViewer

EMPTY_TEXT = ("还没有生成报表。\n\n在上方选择报表（如“企业台账”“一户一册”），设好乡镇、库别、年度等条件，"
              "点击“生成报表”。\n生成后在这里逐页预览，可直接打印或另存为PDF。")
SCOPE = ("township", "pool", "department")  # what narrows a set of enterprises
NO_CHOICE = "请先选择一户企业，或选定乡镇、库别、责任单位之一：一户一册不打印全部企业。"


class PrintPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.kinds: list[ReportKind] = list(REPORT_KINDS.values())
        self.job = None
        self.folder: Path | None = None  # private temporary folder of generated files
        self.generated = 0
        self.shown_choice: dict | None = None  # the choice the preview was made from
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        self.tabs = QTabBar()
        self.tabs.setExpanding(False)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)
        self.tabs.setStyleSheet("QTabBar { font-size: 14px; } QTabBar::tab { padding: 6px 14px; }")
        for kind in self.kinds:
            self.tabs.addTab(kind.title)
        self.tabs.currentChanged.connect(lambda _i: self._kind_changed())
        layout.addWidget(self.tabs)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #444;")
        layout.addWidget(self.note)
        layout.addLayout(self._filters())
        self.viewer = PdfViewer(window, EMPTY_TEXT)
        self.stale = self.viewer.stale  # says when the preview no longer matches the choice
        self.viewer.printing_changed.connect(self._busy)
        layout.addWidget(self.viewer, 1)
        self._kind_changed()

    # -- the filters -------------------------------------------------------------------------
    def _filters(self) -> QHBoxLayout:
        ledger, today = self.window_.ledger, self.window_.today
        self.picker = EnterprisePicker(self.window_.index)
        self.picker.edit.setPlaceholderText("企业名称、信用代码或拼音首字母；不选则按下列条件")
        self.picker.picked.connect(lambda _eid: self._changed())
        self.picker.edit.textEdited.connect(lambda _t: self._changed())  # after the picker's own
        self.clear_enterprise = QToolButton()
        self.clear_enterprise.setText("清除")
        self.clear_enterprise.setToolTip("不选企业，按乡镇、库别、责任单位打印")
        self.clear_enterprise.clicked.connect(self._clear_enterprise)
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(ledger):
            self.township.addItem(t["name"], t["code"])
        self.pool = QComboBox()
        self.pool.addItem("全部库别", None)
        for code, name in POOLS.items():
            self.pool.addItem(name, code)
        self.pool.addItem("规上企业", "above_scale")
        self.department = QComboBox()
        self.department.addItem("全部责任单位", None)
        for d in reference.list_departments(ledger):
            self.department.addItem(d["name"], d["id"])
        self.year = QSpinBox()
        self.year.setRange(2000, today.year + 1)
        self.year.setValue(today.year)
        self.year.setSuffix(" 年")
        self.date_from = QDateEdit(QDate(today.year, 1, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        # the month of 企业月度监测表 (its quarterly comparison is that month's quarter to date);
        # set to the latest month with figures when a report that reads it is first chosen
        self.month = QDateEdit(QDate(today.year, today.month, 1))
        self.month.setDisplayFormat("yyyy年M月")
        self.month.setDateRange(QDate(2000, 1, 1), QDate(today.year, today.month, today.day))
        self.month_set = False
        self.month.dateChanged.connect(lambda _d: self._changed())
        self.group_by = QComboBox()
        self.group_by.addItem("按乡镇", "township")
        self.group_by.addItem("按库别", "pool")
        for combo in (self.township, self.pool, self.department, self.group_by):
            combo.currentIndexChanged.connect(lambda _i: self._changed())
        self.year.valueChanged.connect(lambda _v: self._changed())
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _d: self._changed())

        self.period_dash = QLabel("至")
        self.fields = {"enterprise": [self.picker, self.clear_enterprise], "township": [self.township],
                       "pool": [self.pool], "department": [self.department], "year": [self.year],
                       "period": [self.date_from, self.period_dash, self.date_to],
                       "month": [self.month], "group_by": [self.group_by]}
        self.labels = {key: QLabel(name) for key, name in FILTERS.items()}
        self.labels["period"].setText("走访期间")
        top = Qt.AlignmentFlag.AlignTop
        # first row: who (one enterprise) and when (a period, or the month of 企业月度监测表); the picker's list of matches
        # opens below its box, so the row's widgets keep to its top
        first = QHBoxLayout()
        first.setSpacing(6)
        first.addWidget(self.labels["enterprise"], 0, top)
        self.picker.setMaximumWidth(480)
        first.addWidget(self.picker, 1)
        first.addWidget(self.clear_enterprise, 0, top)
        first.addSpacing(12)
        for w in (self.labels["period"], self.date_from, self.period_dash, self.date_to):
            first.addWidget(w, 0, top)
        first.addSpacing(12)
        first.addWidget(self.labels["month"], 0, top)
        first.addWidget(self.month, 0, top)
        first.addStretch(0)
        for key in ("enterprise", "period", "month"):
            self.labels[key].setMinimumHeight(self.picker.edit.sizeHint().height())
        # second row: which set, which year, how grouped
        second = QHBoxLayout()
        second.setSpacing(6)
        for key in ("township", "pool", "department", "year", "group_by"):
            second.addWidget(self.labels[key])
            second.addWidget(self.fields[key][0])
            second.addSpacing(8)
            if key in SCOPE:
                self.fields[key][0].setMinimumWidth(110)
                self.fields[key][0].setMaximumWidth(220)
        second.addStretch(1)
        grid = QVBoxLayout()
        grid.setSpacing(4)
        grid.addLayout(first)
        grid.addLayout(second)

        self.generate_button = QPushButton("生成报表")
        self.generate_button.setMinimumHeight(40)
        self.generate_button.setMinimumWidth(110)
        self.generate_button.setStyleSheet("font-size: 15px; font-weight: bold; padding: 0 14px;")
        self.generate_button.setToolTip("按所选条件生成PDF并在下方预览（F5）")
        self.generate_button.setShortcut("F5")
        self.generate_button.clicked.connect(self.generate)
        row = QHBoxLayout()
        row.addLayout(grid, 1)
        row.addSpacing(10)
        row.addWidget(self.generate_button, 0, Qt.AlignmentFlag.AlignTop)
        return row

    def _clear_enterprise(self) -> None:
        self.picker.set_enterprise(None)
        self._changed()

    def kind(self) -> ReportKind:
        return self.kinds[max(0, self.tabs.currentIndex())]

    def select(self, code: str) -> None:
        self.tabs.setCurrentIndex([k.code for k in self.kinds].index(code))

    def _kind_changed(self) -> None:
        self.note.setText(self.kind().note)
        if "month" in self.kind().filters and not self.month_set:
            self.set_month(default_period(self.window_.ledger, self.window_.today))
        self._changed()

    def set_month(self, period: str) -> None:
        """The month the monitoring table is printed for ('YYYY-MM')."""
        year, month = (int(x) for x in period.split("-"))
        self.month_set = True
        self.month.setDate(QDate(year, month, 1))

    def _changed(self) -> None:
        """Enable the filters the report reads (one chosen enterprise makes the others moot)
        and say when the preview no longer matches the choice."""
        kind = self.kind()
        one = "enterprise" in kind.filters and self.picker.enterprise_id is not None
        for key, widgets in self.fields.items():
            used = key in kind.filters and not (one and key in SCOPE)
            for w in [self.labels[key], *widgets]:
                w.setEnabled(used)
            tip = "" if used else (f"已选定企业，{FILTERS[key]}不起作用" if key in kind.filters
                                   else f"“{kind.title}”不按{FILTERS[key]}筛选")
            for w in widgets:
                w.setToolTip(tip)
        if self.shown_choice is not None and self.viewer.page_count():
            self.stale.setText("" if self.choice() == self.shown_choice
                               else "条件已改动，请重新生成")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.picker.index = self.window_.index  # the full index replaces the first screen's

    # -- what to print -------------------------------------------------------------------------
    def choice(self) -> dict:
        """The report and the values of the filters it reads, as resolve_filters takes them."""
        kind = self.kind()
        used = set(kind.filters)
        if "enterprise" in used and self.picker.enterprise_id is not None:
            used -= set(SCOPE)
        out: dict = {"kind": kind.code}
        if "enterprise" in used and self.picker.enterprise_id is not None:
            out["enterprise_id"] = self.picker.enterprise_id
        for key, combo in (("township", self.township), ("pool", self.pool), ("department", self.department)):
            if key in used and combo.currentData() is not None:
                out[key] = combo.currentData()
        if "year" in used:
            out["year"] = self.year.value()
        if "period" in used:
            out["period_from"] = self.date_from.date().toString("yyyy-MM-dd")
            out["period_to"] = self.date_to.date().toString("yyyy-MM-dd")
            out["year"] = self.date_from.date().year()
        if "month" in used:
            out["period"] = self.month.date().toString("yyyy-MM")
        if "group_by" in used:
            out["group_by"] = self.group_by.currentData()
        return out

    def describe(self, choice: dict) -> list[str]:
        """The choice in words, for the preview's line and the file name."""
        parts = []
        if "enterprise_id" in choice:
            parts.append(self.picker.edit.text())
        for key, combo in (("township", self.township), ("pool", self.pool), ("department", self.department)):
            if key in choice:
                parts.append(combo.itemText(combo.findData(choice[key])))
        if "period_from" in choice:
            parts.append(f"{choice['period_from']}至{choice['period_to']}")
        elif "year" in choice:
            parts.append(f"{choice['year']}年")
        if "period" in choice:
            year, month = choice["period"].split("-")
            parts.append(f"{year}年{int(month)}月")
        if choice.get("group_by") == "pool":
            parts.append("按库别")
        return parts

    # -- generating ----------------------------------------------------------------------------
    def busy(self) -> bool:
        """A report is being generated or printed: one job at a time (the pages being
        printed must not be replaced under the printer)."""
        return self.job is not None or self.viewer.printing

    def generate(self) -> None:
        if self.busy():
            return
        choice = self.choice()
        kind = REPORT_KINDS[choice["kind"]]
        if "period_from" in choice and choice["period_from"] > choice["period_to"]:
            QMessageBox.warning(self, "无法生成报表", "走访期间的起始日期晚于截止日期，请改正。")
            return
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="shengui-print-"))
        self.generated += 1
        out = self.folder / f"{kind.code}-{self.generated}.pdf"
        today = self.window_.today

        def work(ledger, progress, cancelled):
            from ...services import reports  # reportlab loads on the worker, not at start-up

            options = {k: v for k, v in choice.items() if k != "kind"}
            filters = reports.resolve_filters(ledger, today=today, **options)
            if reports.needs_choice(kind.code, filters):
                raise UserError(NO_CHOICE)
            return reports.print_report(ledger, kind.code, out, filters, printed_on=today,
                                        progress=core_progress(progress), cancelled=cancelled)

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work, f"正在生成{kind.title}…",
                                     lambda result: self._generated(result, choice),
                                     self._failed)
        self.job.on("cancelled", self._cancelled)
        self._busy()

    def _busy(self, _printing: bool | None = None) -> None:
        self.generate_button.setEnabled(not self.busy())
        self.generate_button.setText("正在生成…" if self.job is not None else "生成报表")
        self.viewer.set_busy(self.job is not None)

    def _ended(self) -> None:
        self.job = None
        self._busy()
        for dialog in self.findChildren(QProgressDialog):  # run_with_progress closes, never deletes
            if not dialog.isVisible():
                dialog.deleteLater()

    def _generated(self, result, choice: dict) -> None:
        self._ended()
        kind = REPORT_KINDS[choice["kind"]]
        try:
            pages = PdfPages.read(result.path)
        except UserError as e:
            QMessageBox.warning(self, "无法预览报表", str(e))
            return
        except OSError as e:
            QMessageBox.warning(self, "无法预览报表", os_error_message(e))
            return
        finally:  # shown from memory: no unencrypted copy of the ledger's data stays behind
            result.path.unlink(missing_ok=True)
        words = self.describe(choice)
        name = "_".join([kind.title, *words, self.window_.today.isoformat()])
        info = f"{kind.title}　{'　'.join(words)}".rstrip("　")
        self.viewer.show_pages(pages, kind.title, safe_file_name(name) + ".pdf", info)
        self.shown_choice = choice
        self.stale.setText("" if self.choice() == choice else "条件已改动，请重新生成")
        self.window_.statusBar().showMessage(f"已生成{kind.title}，共 {len(pages)} 页", 8000)

    def _failed(self, message: str) -> None:
        self._ended()
        QMessageBox.warning(self, "无法生成报表", message)

    def _cancelled(self) -> None:
        self._ended()
        self.window_.statusBar().showMessage("已取消生成报表，未生成文件", 8000)

    # -- from elsewhere ----------------------------------------------------------------------
    def print_dossier(self, enterprise_id: str) -> None:
        """打印一户一册 from an enterprise's window: this page, that enterprise, generated."""
        if self.busy():
            QMessageBox.information(self.window(), "请稍候", "正在生成或打印报表，完成后再打印一户一册。")
            return
        self.select("dossier")
        self.picker.index = self.window_.index
        self.picker.set_enterprise(enterprise_id)
        if self.picker.index.position.get(enterprise_id) is None:  # the index is still loading
            row = enterprises.get_enterprise(self.window_.ledger, enterprise_id)
            self.picker.edit.setText(row["name"] if row else enterprise_id)
            self.picker.enterprise_id = enterprise_id
        self._changed()
        self.window_.show_page("报表打印")
        self.window_.raise_()
        self.window_.activateWindow()
        self.generate()

    def print_monitoring(self, period: str, township: str | None = None, pool: str | None = None,
                         department: str | None = None) -> None:
        """打印 from the 月度监测 page: this page, 企业月度监测表 of that month and set, generated."""
        if self.busy():
            QMessageBox.information(self.window(), "请稍候", "正在生成或打印报表，完成后再打印月度监测表。")
            return
        self.select("monitor")
        self.set_month(period)
        for combo, value in ((self.township, township), (self.pool, pool), (self.department, department)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self._changed()
        self.window_.show_page("报表打印")
        self.generate()

    def shutdown(self) -> None:
        """The window closes: stop the work, remove the generated files."""
        self.runner.shutdown()
        self.viewer.shutdown()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def safe_file_name(text: str) -> str:
    """A file name from report words: no path or reserved characters, not too long."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._")[:120] or "报表"

