"""一表通 (#22): two tabs. 收到的报表 (a township) or 下发的报表 (the county) is board.py: the
templates the county sends in its packages, their due dates and who has reported them.
按模板填写: choose a form template (.xlsx with {{字段}} placeholders) — a file, or a received
one (填写此表) —, check it against the ledger — every problem named by its cell, or the first
rows as they will be filled —, then fill it on the worker and save it as .xlsx or PDF (a
received one is then 已填报). 生成空白模板 writes a ready form with its 字段说明 sheet; 字段说明
lists the fields here. All of it is services/excel/forms.py and form_templates.py."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView, QLabel, QListWidget, QMessageBox, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ...services.excel import form_templates
from ...services.excel.forms import FormCheck, check_form, field_help, fill_form, print_form, write_blank_template
from ...services.ledger import reference
from ..common import ask_open_file, ask_save_file, guarded
from ..jobs import JobRunner, core_progress, run_with_progress
from .board import FormsBoard, period_text

XLSX_FILTER = "Excel文件 (*.xlsx)"
PDF_FILTER = "PDF文件 (*.pdf)"
EMPTY_TEXT = ("还没有选择报表模板。\n\n点“选择模板…”打开县里或部门发来的Excel报表：在要填的单元格里写上{{字段}}，"
              "例如{{企业名称}}、{{营业收入}}；要逐户列出的那一行，第一格写{{#企业}}，最后一格写{{/企业}}。\n"
              "没有模板？点“生成空白模板…”得到一份现成的报表，点“字段说明”查看全部可用字段。")


def ask_template(parent: QWidget, folder: str = "") -> str:
    """The template to open; '' when cancelled (tests replace this function)."""
    return ask_open_file(parent, "选择报表模板", folder, XLSX_FILTER)


def ask_output(parent: QWidget, caption: str, suggested: str) -> str:
    """Where to save an .xlsx (a .pdf when `suggested` is one); asks before replacing a file;
    '' when cancelled (tests replace it)."""
    if suggested.lower().endswith(".pdf"):
        return ask_save_file(parent, caption, suggested, PDF_FILTER, "pdf")
    return ask_save_file(parent, caption, suggested, XLSX_FILTER, "xlsx")


class FieldsDialog(QDialog):
    """Every field, modifier and filter a template may use (the blank template's 字段说明)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("一表通字段说明")
        rows = field_help()
        table = QTableWidget(len(rows), 3, self)
        table.setHorizontalHeaderLabels(["字段", "写在哪里", "说明"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        note = QLabel("写法：{{字段}}，或带修饰{{字段:修饰:修饰}}，如{{营业收入:累计:元}}、{{营业收入:2026-09}}、"
                      "{{同比:累计}}。重复区域的筛选写在{{#企业 …}}里，如{{#企业 乡镇=秀水镇 库别=培育库、储备库}}。")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
        self.table = table
        self.resize(760, 520)


class FormsPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window
        self.runner = JobRunner(self)
        self.template: str = ""
        self.check: FormCheck | None = None
        self.checking = False
        self.filling = False
        self.generation = 0  # a check's answer for an earlier choice is dropped
        self.last_saved: str = ""
        self.received: form_templates.FormItem | None = None  # the county's template being filled
        self.folder: tempfile.TemporaryDirectory | None = None  # where a received template is put
        ledger, today = window.ledger, window.today

        title = QLabel("一表通")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        note = QLabel("各部门的Excel报表只录一次：把报表做成模板，按台账一次填好，保留原表的格式、合并单元格、公式和打印设置。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #444;")

        self.path_label = QLabel("未选择模板")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("选择模板…")
        self.choose_button.clicked.connect(self.choose_template)
        self.blank_button = QPushButton("生成空白模板…")
        self.blank_button.setToolTip("生成一份现成的报表模板（含字段说明页），可在Excel或WPS中修改后使用")
        self.blank_button.clicked.connect(self.save_blank)
        self.fields_button = QPushButton("字段说明")
        self.fields_button.clicked.connect(self.show_fields)
        top = QHBoxLayout()
        top.addWidget(QLabel("模板"))
        top.addWidget(self.path_label, 1)
        for w in (self.choose_button, self.blank_button, self.fields_button):
            top.addWidget(w)

        self.month = QDateEdit(QDate(today.year, today.month, 1))
        self.month.setDisplayFormat("yyyy年M月")
        self.month.setDateRange(QDate(2000, 1, 1), QDate(today.year, today.month, 1))
        self.month.setToolTip("报表月份：{{期间}}、本月、累计、同比都按这个月")
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(ledger):
            self.township.addItem(t["name"], t["code"])
        self.township.setToolTip("只填该乡镇的企业；{{单位}}也写该乡镇")
        self.check_button = QPushButton("检查并预览")
        self.check_button.clicked.connect(self.run_check)
        self.fill_button = QPushButton("填写并保存…")
        self.fill_button.setToolTip("按台账填写模板，另存为新的Excel文件（模板本身不变）")
        self.fill_button.clicked.connect(lambda: self.fill())
        self.pdf_button = QPushButton("生成PDF…")
        self.pdf_button.setToolTip("填写后排成PDF以便打印：原表的标题行每页重复，表下有负责人、填表人、联系电话和日期栏")
        self.pdf_button.clicked.connect(lambda: self.fill(pdf=True))
        bar = QHBoxLayout()
        for label, w in (("报表月份", self.month), ("乡镇", self.township)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
            bar.addSpacing(6)
        bar.addStretch(1)
        bar.addWidget(self.check_button)
        bar.addWidget(self.fill_button)
        bar.addWidget(self.pdf_button)
        self.month.dateChanged.connect(lambda _d: self.run_check())
        self.township.currentIndexChanged.connect(lambda _i: self.run_check())

        self.summary = QLabel(EMPTY_TEXT)
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px; padding: 4px 0;")
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problems.setStyleSheet("QListWidget::item { padding: 3px 0; }")
        self.problems.setVisible(False)
        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setAlternatingRowColors(True)
        self.preview.verticalHeader().setDefaultSectionSize(24)
        self.preview.verticalHeader().setVisible(False)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.setVisible(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.problems)
        splitter.addWidget(self.preview)
        splitter.setChildrenCollapsible(False)

        self.board = FormsBoard(window)
        self.board.fill_requested.connect(self.load_received)
        self.board.send_requested.connect(self.send_template)
        window.bus.changed.connect(self._changed)
        fill_tab = QWidget()
        fill_layout = QVBoxLayout(fill_tab)
        fill_layout.setContentsMargins(0, 6, 0, 0)
        fill_layout.addLayout(top)
        fill_layout.addLayout(bar)
        fill_layout.addWidget(self.summary)
        fill_layout.addWidget(splitter, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.board, "下发的报表" if self.board.county else "收到的报表")
        self.tabs.addTab(fill_tab, "按模板填写")
        self.fill_tab = fill_tab

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(self.tabs, 1)
        self.update_buttons()

    # -- choices ---------------------------------------------------------------------------
    def period(self) -> str:
        d = self.month.date()
        return f"{d.year():04d}-{d.month():02d}"

    def township_code(self) -> str | None:
        return self.township.currentData()

    def update_buttons(self) -> None:
        busy = self.checking or self.filling
        self.check_button.setEnabled(bool(self.template) and not busy)
        self.fill_button.setEnabled(bool(self.check and self.check.ok) and not busy)
        self.pdf_button.setEnabled(self.fill_button.isEnabled())
        self.choose_button.setEnabled(not busy)

    def choose_template(self) -> None:
        path = ask_template(self, str(Path(self.template).parent) if self.template and not self.received else "")
        if path:
            self.received = None
            self.set_template(path)

    # -- the county's templates ------------------------------------------------------------------
    def _changed(self, tables: set, _enterprise_ids: set) -> None:
        """A sync import (or another page) changed what the board lists."""
        if not tables or tables & {"form_templates", "form_returns", "visits", "issues"}:
            self.board.reload()

    def show_form(self, form_id: str) -> None:
        """The received or sent form `form_id` chosen on the first tab (from the home page)."""
        self.board.reload()
        self.tabs.setCurrentWidget(self.board)
        self.board.select(form_id)

    def load_received(self, form_id: str) -> None:
        """填写此表: the received template on the fill tab, its period chosen, checked."""
        form = next((f for f in self.board.forms if f.id == form_id), None)
        if form is None:
            return
        if self.folder is None:
            self.folder = tempfile.TemporaryDirectory(prefix="shengui-forms-")
        target = Path(self.folder.name) / form_id / form.file_name
        if guarded(self, lambda: form_templates.save_template(self.main.ledger, form_id, target),
                   "无法打开报表模板") is None:
            return
        self.received = form
        if form.period:
            year, month = int(form.period[:4]), int(form.period[5:] or 12) if len(form.period) > 4 else 12
            self.month.blockSignals(True)
            self.month.setDate(QDate(year, month, 1))
            self.month.blockSignals(False)
        self.set_template(str(target))
        self.path_label.setText(f"县级下发：{form.name}（{form.department}，截止{form.due_date}，"
                                f"期间：{period_text(form.period)}）")

    def send_template(self, values: dict) -> None:
        """下发: checked and stored on the worker (a 2 MB template takes a moment to read)."""
        today = self.main.today

        def work(ledger, _progress, _cancelled):
            return form_templates.send_template(ledger, values["path"], department=values["department"],
                                                due=values["due"], name=values["name"], period=values["period"],
                                                to=values["to"], today=today)

        def done(info: dict) -> None:
            self.board.changed()
            self.board.select(info["id"])
            self.main.statusBar().showMessage(
                f"已下发“{info['name']}”（截止{info['due_date']}），随下次导出的同步包送达"
                f"{'、'.join(info['to']) or '全部乡镇'}", 15000)

        run_with_progress(self, self.runner, self.main.ledger, work, "正在检查并下发报表模板…", done,
                          lambda m: QMessageBox.warning(self, "报表模板未下发", m))

    def set_template(self, path: str) -> None:
        self.tabs.setCurrentWidget(self.fill_tab)
        self.template = path
        self.path_label.setText(path)
        self.path_label.setToolTip(path)
        self.run_check()

    # -- checking ------------------------------------------------------------------------------
    def run_check(self) -> None:
        if not self.template or self.filling:
            return
        self.generation += 1
        generation = self.generation
        self.checking = True
        self.check = None
        self.summary.setText("正在检查模板…")
        self.update_buttons()
        template, period, township, today = self.template, self.period(), self.township_code(), self.main.today

        def work(ledger, _progress, _cancelled):
            return check_form(ledger, template, period=period, township=township, today=today)
        self.runner.start(self.main.ledger, work, name="form-check",
                          on_done=lambda check: self.checked(check) if generation == self.generation else None,
                          on_error=lambda m: self.check_failed(m) if generation == self.generation else None)

    def check_failed(self, message: str) -> None:
        self.checking = False
        self.check = None
        self.summary.setText(f"无法检查模板：{message}")
        self.summary.setStyleSheet("font-size: 14px; padding: 4px 0; color: #C00000;")
        self.problems.setVisible(False)
        self.preview.setVisible(False)
        self.update_buttons()

    def checked(self, check: FormCheck) -> None:
        self.checking = False
        self.check = check
        name = Path(check.template.path).name
        self.problems.clear()
        if not check.ok:
            self.summary.setText(f"模板“{name}”有{len(check.problems)}处问题，改好后再填写（在Excel或WPS中修改模板，"
                                 "然后点“检查并预览”）：")
            self.summary.setStyleSheet("font-size: 14px; padding: 4px 0; color: #C00000;")
            self.problems.addItems(check.problems)
            self.problems.setVisible(True)
            self.preview.setVisible(False)
        else:
            year, month = check.period.split("-")
            counts = "，".join(f"“{s}”{n}户" for s, n in check.rows.items()) or "没有重复区域"
            shown = f"；下面是前{len(check.preview)}户" if check.preview else ""
            self.summary.setText(f"模板“{name}”检查通过：{check.unit}，{int(year)}年{int(month)}月，{counts}{shown}。"
                                 "点“填写并保存…”生成报表。")
            self.summary.setStyleSheet("font-size: 14px; padding: 4px 0; color: #1E6B2E;")
            self.problems.setVisible(False)
            self.show_preview(check)
        self.update_buttons()

    def show_preview(self, check: FormCheck) -> None:
        self.preview.clear()
        self.preview.setColumnCount(len(check.header))
        self.preview.setRowCount(len(check.preview))
        self.preview.setHorizontalHeaderLabels(check.header)
        for r, row in enumerate(check.preview):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if text[:1] in "-0123456789" and text.replace(",", "").replace(".", "").replace("%", "") \
                        .lstrip("-").isdigit():
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not text:
                    item.setBackground(QColor("#F7F7F7"))
                self.preview.setItem(r, c, item)
        self.preview.resizeColumnsToContents()
        for c in range(self.preview.columnCount()):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 260))
        self.preview.setVisible(bool(check.header))

    # -- filling -------------------------------------------------------------------------------
    def fill(self, pdf: bool = False) -> None:
        check = self.check
        if not check or not check.ok:
            return
        received = self.received
        stem = received.name if received else Path(self.template).stem
        year, month = check.period.split("-")
        suffix = ".pdf" if pdf else ".xlsx"
        folder = Path(self.last_saved).parent if received and self.last_saved else \
            Path.home() if received else Path(self.template).parent
        suggested = str(folder / f"{stem}（{check.unit}{int(year)}年{int(month)}月）{suffix}")
        out = ask_output(self, "保存打印版（PDF）" if pdf else "保存填好的报表", suggested)
        if not out:
            return
        template, period, township, today = self.template, check.period, self.township_code(), self.main.today

        make = print_form if pdf else fill_form

        def work(ledger, progress, cancelled):
            if received is not None:  # then 已填报
                return form_templates.fill_received(ledger, received.id, out, period=period, today=today,
                                                    progress=core_progress(progress), cancel=cancelled)
            return make(ledger, template, out, period=period, township=township, today=today,
                        progress=core_progress(progress), cancel=cancelled)

        def ended() -> None:
            self.filling = False
            self.update_buttons()

        def done(info: dict) -> None:
            self.last_saved = info["path"]
            ended()
            message = f"已填写报表（企业{info['rows']}户），保存到：{info['path']}"
            if received is not None:
                message += "；报表状态：已填报（交给下发部门后，在“收到的报表”中标记已报送）"
                self.board.changed()
            self.summary.setText(message)
            self.main.statusBar().showMessage(message, 15000)

        def failed(message: str) -> None:
            ended()
            QMessageBox.warning(self, "无法填写报表", message)
        self.filling = True
        self.update_buttons()
        job = run_with_progress(self, self.runner, self.main.ledger, work, "正在填写报表…", done, failed)
        job.on("cancelled", ended)

    def save_blank(self) -> None:
        out = ask_output(self, "保存空白报表模板", "小升规企业情况表（模板）.xlsx")
        if not out:
            return
        if guarded(self, lambda: write_blank_template(out)) is not None:
            self.received = None
            self.set_template(out)

    def show_fields(self) -> None:
        FieldsDialog(self).exec()
