"""Excel导入: choose a file, see how its table was read (sheet, header rows, what each column
was recognised as and which are not imported, and why), correct a column's field or unit,
the year of a list's annual figures and the creation of new townships, check it (a dry run
on the worker: new, changed with the fields, unchanged, problems by row and column), then
import it, or save the file marked where it is wrong. Templates of each kind can be saved,
and the ledger's tables exported (导出Excel: the lists `shengui excel export` writes).

Nothing about files is read here: services.excel.inspect_file says how the table was read,
import_file checks and imports (all or nothing), write_import_template writes templates.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QMenu, QPlainTextEdit, QPushButton, QSpinBox,
                               QSplitter, QTableWidget, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from ...services import excel
from ...services.excel.results import SHEET_KINDS
from ..jobs import JobRunner, core_progress, run_with_progress
from . import dialogs, export_choice

TEMPLATES = (("enterprises", "企业名单"), ("figures", "月度数据"), ("projects", "项目"),
             ("claims", "奖补申报"), ("scale_periods", "入规历史"))
KINDS = (("", "自动识别"), ("enterprises", "企业名单"), ("figures", "月度数据"), ("projects", "项目"),
         ("milestones", "项目节点任务"), ("claims", "奖补申报"), ("scale_periods", "此前在规时段"))
UNIT_CHOICES = (("", "按表头"), ("万元", "万元"), ("千元", "千元"), ("元", "元"))
NOT_IMPORTED = "不导入"
EMPTY_TEXT = ("第一步：点击“选择文件…”，选择统计局、税务局或乡镇报来的Excel（.xlsx、.xls）或CSV文件。\n"
              "选好后这里列出每一列被识别成了什么；识别错的列可以改，然后“检查”，确认无误再“导入”。\n"
              "还没有表格？点击“下载导入模板”，按模板填写。")
# the service's messages also tell the command line's options; the page has its own controls
CLI_HINT = re.compile(r"[（(]命令行加[^）)]*[）)]")
RED, GREEN, ORANGE = "#b3261e", "#1e6b2e", "#9a5b00"
ROW_MIN_HEIGHT = 26  # a one-line row with its padding
COLUMN_SHARE = 0.22  # the widest a column beside the message may grow, of the table's width


class ExcelImportPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.job = None
        self.path: Path | None = None
        self.layouts: list[excel.SheetLayout] = []
        self.result: excel.ImportResult | None = None
        self.columns: dict[str, str | None] = {}  # the person's choices, by header text
        self.units: dict[str, str] = {}
        self.checked: tuple | None = None  # the settings the shown result was checked with
        self.last_export: dict | None = None
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(self._file_bar())
        self.hint = QLabel(EMPTY_TEXT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #444; padding: 4px;")
        layout.addWidget(self.hint)
        split = self.split = QSplitter(Qt.Orientation.Vertical)
        self.mapping_box = self._mapping_box()
        split.addWidget(self.mapping_box)
        split.addWidget(self._result_box())
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        layout.addLayout(self._buttons())
        self._update_buttons()

    # -- building ------------------------------------------------------------------------
    def _file_bar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.choose_button = QPushButton("选择文件…")
        self.choose_button.setToolTip("选择要导入的 .xlsx、.xls 或 .csv 文件")
        self.choose_button.clicked.connect(self.choose_file)
        self.file_label = QLabel("未选择文件")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_label.setMinimumWidth(120)
        self.sheet = QComboBox()
        self.sheet.setToolTip("只导入其中一张工作表，或全部")
        self.sheet.addItem("全部工作表", None)
        self.sheet.currentIndexChanged.connect(lambda _i: self._settings_changed())
        self.kind = QComboBox()
        self.kind.setToolTip("表格类型，一般自动识别即可")
        for key, label in KINDS:
            self.kind.addItem(label, key or None)
        self.kind.currentIndexChanged.connect(lambda _i: self._settings_changed())
        self.template_button = QPushButton("下载导入模板")
        self.template_button.setToolTip("保存空白导入模板（带下拉选项和填写说明）")
        menu = QMenu(self.template_button)
        for key, label in TEMPLATES:
            menu.addAction(f"{label}模板…", lambda k=key, t=label: self.save_template(k, t))
        self.template_button.setMenu(menu)
        row.addWidget(self.choose_button)
        row.addWidget(self.file_label, 1)
        row.addWidget(QLabel("工作表："))
        row.addWidget(self.sheet)
        row.addWidget(QLabel("类型："))
        row.addWidget(self.kind)
        row.addWidget(self.template_button)
        return row

    def _mapping_box(self) -> QGroupBox:
        box = QGroupBox("表格识别（识别错的列可在“识别为”中改正）")
        v = QVBoxLayout(box)
        v.setContentsMargins(6, 6, 6, 6)
        self.sheet_info = QLabel("")
        self.sheet_info.setWordWrap(True)
        v.addWidget(self.sheet_info)
        self.mapping = QTableWidget(0, 5)
        self.mapping.setHorizontalHeaderLabels(["列", "表头", "识别为", "金额单位", "说明"])
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        head = self.mapping.horizontalHeader()
        for c, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Stretch)):
            head.setSectionResizeMode(c, mode)
        self.mapping.setColumnWidth(1, 200)
        self.mapping.setColumnWidth(2, 150)
        self.mapping.setColumnWidth(3, 130)
        v.addWidget(self.mapping, 1)
        options = QHBoxLayout()
        self.use_year = QCheckBox("营业收入等年度数的年份：")
        self.use_year.setToolTip("表头、“年度”列和标题都没有写明年份时，在这里指定")
        self.use_year.toggled.connect(lambda on: (self.year.setEnabled(on), self._settings_changed()))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self.window_.today.year - 1)
        self.year.setSuffix("年")
        self.year.setEnabled(False)
        self.year.valueChanged.connect(lambda _v: self._settings_changed())
        self.create_townships = QCheckBox("创建新乡镇")
        self.create_townships.setToolTip("表中有本台账没有的乡镇时，确认后新建")
        self.create_townships.setEnabled(False)
        self.create_townships.toggled.connect(lambda _on: self._settings_changed())
        self.townships_label = QLabel("")
        self.townships_label.setWordWrap(True)
        options.addWidget(self.use_year)
        options.addWidget(self.year)
        options.addSpacing(16)
        options.addWidget(self.create_townships)
        options.addWidget(self.townships_label, 1)
        v.addLayout(options)
        return box

    def _result_box(self) -> QGroupBox:
        box = QGroupBox("检查结果")
        v = QVBoxLayout(box)
        v.setContentsMargins(6, 6, 6, 6)
        self.status = QLabel("尚未检查。")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = QFont(self.status.font())
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.status.setFont(font)
        v.addWidget(self.status)
        self.counts = QLabel("")
        self.counts.setWordWrap(True)
        v.addWidget(self.counts)
        self.tabs = QTabWidget()
        self.problems = self._table(["工作表", "行", "列", "表头", "内容", "问题"], stretch=5, fitted=(1, 2))
        self.changes = self._table(["类别", "行", "对象", "修改的字段"], stretch=3, fitted=(1,))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.tabs.addTab(self.problems, "问题")
        self.tabs.addTab(self.changes, "将修改")
        self.tabs.addTab(self.details, "详细说明")
        v.addWidget(self.tabs, 1)
        return box

    @staticmethod
    def _table(headers: list[str], stretch: int, fitted: tuple[int, ...] = ()) -> QTableWidget:
        """A read-only table whose `stretch` column takes the width left and wraps; the
        `fitted` columns (row, column letter) fit their contents; the others start at their
        contents' width but never more than a share of the table (_fit_columns), so a long
        cell wraps instead of squeezing the message."""
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setMinimumSectionSize(ROW_MIN_HEIGHT)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideNone)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setStyleSheet("QTableWidget::item { padding: 3px 4px; }")
        head = table.horizontalHeader()
        # long messages wrap: rows grow again whenever the columns get their widths
        head.sectionResized.connect(lambda *_a: table.resizeRowsToContents())
        for c in range(len(headers)):
            head.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c == stretch
                                      else QHeaderView.ResizeMode.ResizeToContents if c in fitted
                                      else QHeaderView.ResizeMode.Interactive)
        table.setProperty("stretch", stretch)
        table.setProperty("fitted", list(fitted))
        return table

    @staticmethod
    def _fit_columns(table: QTableWidget) -> None:
        """Each free column as wide as its contents, at most COLUMN_SHARE of the table's
        width (the rest wraps); then the rows as tall as their wrapped text."""
        stretch, fitted = table.property("stretch"), set(table.property("fitted") or ())
        cap = max(90, int(table.viewport().width() * COLUMN_SHARE))
        for c in range(table.columnCount()):
            if c == stretch or c in fitted:
                continue
            table.resizeColumnToContents(c)
            table.setColumnWidth(c, min(table.columnWidth(c) + 8, cap))
        table.resizeRowsToContents()

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.export_button = QPushButton("导出Excel")
        self.export_button.setToolTip("把本台账的企业名单、月度数据、库别、目标、奖补测算、月度监测表等导出为Excel表格")
        menu = QMenu(self.export_button)
        for what, title in excel.EXPORT_TITLES.items():
            menu.addAction(f"{title}…", lambda w=what, t=title: self.export_table(w, t))
        self.export_button.setMenu(menu)
        row.addWidget(self.export_button)
        self.check_button = QPushButton("检查（不写入）")
        self.check_button.setToolTip("按当前设置逐行检查，列出将新增、修改的内容和问题；不写入台账")
        self.check_button.clicked.connect(self.check)
        self.import_button = QPushButton("导入")
        self.import_button.setToolTip("检查通过后写入台账：全部成功才写入，有任何问题则不写入")
        self.import_button.clicked.connect(self.run_import)
        self.report_button = QPushButton("保存问题标注副本…")
        self.report_button.setToolTip("另存一份表格：有问题的单元格标红并加批注，便于改正后重新导入")
        self.report_button.clicked.connect(self.save_report)
        row.addStretch(1)
        row.addWidget(self.report_button)
        row.addWidget(self.check_button)
        row.addWidget(self.import_button)
        return row

    # -- state ---------------------------------------------------------------------------
    def settings(self) -> dict:
        """What import_file and inspect_file are called with."""
        return {"sheet": self.sheet.currentData(), "kind": self.kind.currentData(),
                "year": self.year.value() if self.use_year.isChecked() else None,
                "create_townships": self.create_townships.isChecked(),
                "columns": dict(self.columns), "units": dict(self.units)}

    def _key(self) -> tuple:
        s = self.settings()
        return (str(self.path), s["sheet"], s["kind"], s["year"], s["create_townships"],
                tuple(sorted(s["columns"].items(), key=lambda kv: kv[0])),
                tuple(sorted(s["units"].items())))

    def _settings_changed(self) -> None:
        if self._filling:
            return
        if self.result is not None and self.checked != self._key():
            self._say("设置已修改，请点击“检查（不写入）”按新设置重新检查。", ORANGE)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self.job is None
        have = self.path is not None
        fresh = self.result is not None and self.checked == self._key()
        self.choose_button.setEnabled(idle)
        self.template_button.setEnabled(idle)
        self.export_button.setEnabled(idle)
        self.check_button.setEnabled(idle and have)
        self.import_button.setEnabled(idle and fresh and self.result.ok and not self.result.applied)
        self.report_button.setEnabled(idle and self.result is not None and not self.result.ok)

    def _say(self, text: str, color: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-weight: bold;")

    # -- choosing a file -----------------------------------------------------------------
    def choose_file(self) -> None:
        folder = str(self.path.parent) if self.path else ""
        chosen = dialogs.ask_open_path(self, folder)
        if chosen:
            self.open_file(chosen)

    def open_file(self, path: str | Path) -> None:
        """Show a file's table and check it (a dry run); settings of the last file go."""
        self.path = Path(path)
        self.columns, self.units = {}, {}
        self.result, self.checked, self.layouts = None, None, []
        self._filling = True
        self.sheet.clear()
        self.sheet.addItem("全部工作表", None)
        self.kind.setCurrentIndex(0)
        self.use_year.setChecked(False)
        self.create_townships.setChecked(False)
        self._filling = False
        self.file_label.setText(self.path.name)
        self.file_label.setToolTip(str(self.path))
        self.check()

    # -- the worker ----------------------------------------------------------------------
    def check(self) -> None:
        self._run(dry_run=True)

    def run_import(self) -> None:
        self._run(dry_run=False)

    def _run(self, *, dry_run: bool, report: str | None = None) -> None:
        if self.path is None or self.job is not None:
            return
        path, s, key = self.path, self.settings(), self._key()

        def work(ledger, progress, cancelled):
            layouts = excel.inspect_file(path, s["sheet"], columns=s["columns"], units=s["units"])
            result = excel.import_file(ledger, path, sheet=s["sheet"], kind=s["kind"],
                                       dry_run=dry_run, report=report, year=s["year"],
                                       create_townships=s["create_townships"],
                                       columns=s["columns"], units=s["units"],
                                       progress=core_progress(progress), cancel=cancelled)
            return layouts, result

        title = "正在检查表格…" if dry_run else "正在导入…"
        self.job = run_with_progress(self, self.runner, self.window_.ledger, work, title,
                                     lambda out: self._finished(out, key, dry_run, report),
                                     self._failed)
        self.job.on("cancelled", self._cancelled)
        self._update_buttons()

    def _finished(self, out, key: tuple, dry_run: bool, report: str | None) -> None:
        self.job = None
        layouts, result = out
        self.layouts, self.result, self.checked = layouts, result, key
        self._show_layouts()
        self._show_result()
        if result.applied:
            self.window_.sync_changed()  # new enterprises: the index is reloaded
            self.window_.statusBar().showMessage(f"已导入 {self.path.name}", 8000)
        elif report and result.report_path:
            self.window_.statusBar().showMessage(f"已保存问题标注副本：{result.report_path}", 8000)
        self._update_buttons()

    def _failed(self, message: str) -> None:
        self.job = None
        self.result, self.checked, self.layouts = None, None, []
        self._show_layouts()
        self._clear_result()
        self._say(f"无法读取此文件，未导入任何数据：{message}", RED)
        self._update_buttons()

    def _cancelled(self) -> None:
        self.job = None
        self._say("已取消，未写入任何数据。", ORANGE)
        self._update_buttons()

    def shutdown(self) -> None:
        self.runner.shutdown()

    # -- showing -------------------------------------------------------------------------
    def _show_layouts(self) -> None:
        self._filling = True
        names = [s.name for s in self.layouts]
        if self.sheet.count() == 1 and len(names) > 1:
            for name in names:
                self.sheet.addItem(name, name)
        self._filling = False
        reasons = {}
        if self.result is not None:
            for summary in self.result.sheets:
                for f in summary.unused_columns:
                    reasons[(summary.name, f.column)] = f.message
        rows = [(s, c) for s in self.layouts for c in s.columns]
        lines = []
        for s in self.layouts:
            if not s.found:
                lines.append(f"工作表“{s.name}”：没有找到表头（表头行应包含“企业名称”或“统一社会信用代码”等列名；"
                             "如果列名不同，可在下表中指定哪一列是企业名称）")
                continue
            kind = SHEET_KINDS.get(s.kind or "", s.kind or "")
            rows_text = "、".join(map(str, s.header_rows))
            extra = "".join(f"，{label}{value}" for label, value in
                            (("金额单位", s.unit), ("年份", f"{s.year}年" if s.year else None)) if value)
            lines.append(f"工作表“{s.name}”：{kind}，表头在第{rows_text}行，识别出{len(s.columns)}列{extra}")
        self.sheet_info.setText("\n".join(lines))
        unfound = [s for s in self.layouts if not s.found]
        self.mapping.setRowCount(len(rows))
        for i, (sheet, col) in enumerate(rows):
            self._mapping_row(i, sheet, col, reasons.get((sheet.name, col.index)))
        self.mapping.resizeRowsToContents()
        self.hint.setVisible(not self.layouts and self.path is None)
        self.mapping.setToolTip("" if not unfound else "未识别的工作表没有列出")

    def _mapping_row(self, i: int, sheet, col, reason: str | None) -> None:
        letter = QTableWidgetItem(col.letter if len(self.layouts) == 1 else f"{sheet.name}!{col.letter}")
        letter.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mapping.setItem(i, 0, letter)
        header = col.header + (f"（{col.group}）" if col.group else "")
        self.mapping.setItem(i, 1, QTableWidgetItem(header))
        chooser = QComboBox()
        chooser.addItem(NOT_IMPORTED, None)
        for field, label in excel.FIELD_CHOICES.items():
            chooser.addItem(label, field)
        chooser.setCurrentIndex(max(chooser.findData(col.field), 0) if col.field else 0)
        chooser.setProperty("header", col.header)
        chooser.currentIndexChanged.connect(
            lambda _i, c=chooser, h=col.header: self._choose_field(h, c.currentData()))
        self.mapping.setCellWidget(i, 2, chooser)
        if col.money:
            unit = QComboBox()
            for key, label in UNIT_CHOICES:
                unit.addItem(label if key or not col.unit else f"按表头（{col.unit}）", key or None)
            chosen = self.units.get(col.header)
            unit.setCurrentIndex(max(unit.findData(chosen), 0) if chosen else 0)
            unit.currentIndexChanged.connect(
                lambda _i, u=unit, h=col.header: self._choose_unit(h, u.currentData()))
            self.mapping.setCellWidget(i, 3, unit)
        else:
            self.mapping.removeCellWidget(i, 3)
            self.mapping.setItem(i, 3, QTableWidgetItem(""))
        why = reason or col.note or ("无法识别的列名，不导入" if col.field is None else "")
        if col.month and not why:
            why = f"{col.month}月的数据"
        note = QTableWidgetItem(why or "导入")
        note.setForeground(QColor(ORANGE if why and not col.month else GREEN))
        self.mapping.setItem(i, 4, note)

    def _choose_field(self, header: str, field: str | None) -> None:
        self.columns[header] = field
        self._settings_changed()

    def _choose_unit(self, header: str, unit: str | None) -> None:
        if unit:
            self.units[header] = unit
        else:
            self.units.pop(header, None)
        self._settings_changed()

    def _clear_result(self) -> None:
        self.counts.setText("")
        self.problems.setRowCount(0)
        self.changes.setRowCount(0)
        self.details.setPlainText("")
        self.tabs.setTabText(0, "问题")
        self.tabs.setTabText(1, "将修改")
        self.townships_label.setText("")
        self.create_townships.setEnabled(False)

    def _show_result(self) -> None:
        r = self.result
        if r is None:
            return self._clear_result()
        verb = "已" if r.applied else "将"
        parts = [f"{verb}新增企业{len(r.created)}户，更新{len(r.updated)}户，无变化{r.unchanged}户"]
        if r.figures_created or r.figures_updated or r.figures_unchanged:
            parts.append(f"月度数据新增{r.figures_created}条、更新{len(r.figures_updated)}条、"
                         f"无变化{r.figures_unchanged}条")
        if r.annual_created or r.annual_updated or r.annual_unchanged:
            parts.append(f"年度数据新增{r.annual_created}条、更新{len(r.annual_updated)}条、"
                         f"无变化{r.annual_unchanged}条")
        for kind, c in r.records.items():
            parts.append(f"{SHEET_KINDS[kind]}新增{c.created}条、更新{len(c.updated)}条、无变化{c.unchanged}条")
        if r.new_townships:
            parts.append(f"{verb}新建乡镇{len(r.new_townships)}个：" + "、".join(t["name"] for t in r.new_townships))
        self.counts.setText("；".join(parts) + (f"；问题{len(r.problems)}个" if r.problems else "") + "。")
        if r.applied:
            self._say(f"导入完成：{self.path.name} 已写入台账。", GREEN)
        elif r.ok:
            self._say("检查通过，没有发现问题（尚未写入）。确认下列内容无误后点击“导入”。", GREEN)
        else:
            why = f"发现{len(r.problems)}个问题，未导入任何数据。请改正表格后重新选择文件，或在上方改正列的识别后重新检查。"
            if r.needs_year:
                why += "\n名单中的营业收入等年度数未写明年份：请勾选“年度数的年份”并选择年份。"
            if r.unknown_townships and not self.create_townships.isChecked():
                why += "\n表中有本台账没有的乡镇：如果确是新乡镇，请勾选“创建新乡镇”；如是写错了，请改正表格。"
            self._say(why, RED)
        if r.needs_year:
            self.use_year.setStyleSheet(f"color: {RED}; font-weight: bold;")
        else:
            self.use_year.setStyleSheet("")
        unknown = r.unknown_townships
        self.create_townships.setEnabled(bool(unknown) or self.create_townships.isChecked())
        self.townships_label.setText("；".join(
            f"{t['name']}（{t['rows']}行" + (f"，最接近：{'、'.join(t['nearest'])}" if t["nearest"] else "") + "）"
            for t in unknown))
        self._fill_problems(r)
        self._fill_changes(r)
        self.details.setPlainText("\n".join(r.summary_lines()))
        self.tabs.setCurrentIndex(0 if r.problems else 1 if self.changes.rowCount() else 2)
        # wrapped rows are measured once the shown table has its width
        QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        for table in (self.problems, self.changes):
            self._fit_columns(table)
        self.mapping.resizeRowsToContents()
        self._share_height()

    def _share_height(self) -> None:
        """The column list takes the height its rows need (at most half); the result, the
        rest: on a 768-pixel screen the problems are what the person reads next."""
        total = sum(self.split.sizes())
        if not total or not self.mapping.rowCount():
            return
        table = self.mapping
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        needed = self.mapping_box.height() - table.height() + \
            table.horizontalHeader().height() + rows + 2 * table.frameWidth() + 2
        top = max(self.mapping_box.minimumSizeHint().height(), min(needed, total // 2))
        self.split.setSizes([top, total - top])

    def _fill_problems(self, r) -> None:
        self.problems.setRowCount(len(r.problems))
        for i, p in enumerate(r.problems):
            texts = (p.sheet, "" if p.row is None else str(p.row), p.column_letter, p.header, p.value,
                     CLI_HINT.sub("", p.message))
            tip = problem_tooltip(*texts)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                                      if c not in (1, 2) else Qt.AlignmentFlag.AlignCenter)
                if c == 5:
                    item.setForeground(QColor(RED))
                self.problems.setItem(i, c, item)
        self._fit_columns(self.problems)
        self.tabs.setTabText(0, f"问题（{len(r.problems)}）")

    def _fill_changes(self, r) -> None:
        changes = [("企业", c) for c in r.updated] + [("月度数据", c) for c in r.figures_updated] + \
                  [("年度数据", c) for c in r.annual_updated] + \
                  [(SHEET_KINDS[k], c) for k, counts in r.records.items() for c in counts.updated]
        self.changes.setRowCount(len(changes))
        for i, (what, c) in enumerate(changes):
            fields = "；".join(f"{k}：{old or '（空）'} → {new}" for k, (old, new) in c.fields.items())
            for col, text in enumerate((what, str(c.row), c.what, fields)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"第{c.row}行 {c.what}\n{fields}")
                self.changes.setItem(i, col, item)
        self._fit_columns(self.changes)
        self.tabs.setTabText(1, f"将修改（{len(changes)}）")

    # -- files ---------------------------------------------------------------------------
    def save_report(self) -> None:
        if self.path is None or self.job is not None:
            return
        out = dialogs.ask_save_xlsx(self, "保存问题标注副本", f"{self.path.stem}_问题标注.xlsx")
        if out:
            self._run(dry_run=True, report=out)

    def save_template(self, kind: str, label: str) -> None:
        if self.job is not None:
            return
        out = dialogs.ask_save_xlsx(self, f"保存{label}导入模板", f"{label}导入模板.xlsx")
        if not out:
            return

        def work(ledger, _progress, _cancelled):
            return excel.write_import_template(kind, Path(out), ledger)

        def done(path) -> None:
            self.job = None
            self._update_buttons()
            self.window_.statusBar().showMessage(f"已保存{label}导入模板：{path}", 8000)
            self._say(f"已保存{label}导入模板：{path}", GREEN)

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work,
                                     f"正在生成{label}模板…", done, self._template_failed)
        self.job.on("cancelled", self._cancelled)
        self._update_buttons()

    def export_table(self, what: str, title: str) -> None:
        """导出Excel: one of the ledger's tables, on the worker with progress and 取消. The
        kinds that read a year (targets, rewards, projects) or a month (the monitoring table)
        ask for it first (export_choice), this year and the latest month offered."""
        if self.job is not None:
            return
        today = self.window_.today
        choice, label = {}, ""
        takes = excel.EXPORT_TAKES.get(what)
        if takes:
            asked = export_choice.ask_export_choice(self, title, takes, self.window_.ledger, today)
            if asked is None:
                return
            choice, label = asked[0], f"{asked[1]}_"
        out = dialogs.ask_save_xlsx(self, f"导出{title}", f"{title}_{label}{today.isoformat()}.xlsx")
        if not out:
            return

        def work(ledger, progress, cancelled):
            return excel.export_table(ledger, what, Path(out), today=today, **choice,
                                      progress=core_progress(progress), cancel=cancelled)

        def done(info: dict) -> None:
            self.job = None
            self._update_buttons()
            self.last_export = info
            notes = "".join(f"\n提示：{n}" for n in info.get("notes", []))
            self._say(f"已导出{info['title']}{info['rows']:,}行：{info['path']}{notes}", GREEN)
            self.window_.statusBar().showMessage(f"已导出{info['title']}：{info['path']}", 8000)

        def failed(message: str) -> None:
            self.job = None
            self._say(f"无法导出{title}：{message}", RED)
            self._update_buttons()

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work,
                                     f"正在导出{title}…", done, failed)
        self.job.on("cancelled", self._cancelled)
        self._update_buttons()

    def _template_failed(self, message: str) -> None:
        self.job = None
        self._say(f"无法保存模板：{message}", RED)
        self._update_buttons()


def problem_tooltip(sheet: str, row: str, letter: str, header: str, value: str, message: str) -> str:
    """A problem in full, whatever its cells show: where, what the cell holds, what is wrong."""
    where = "，".join(part for part in (f"工作表“{sheet}”" if sheet else "", f"第{row}行" if row else "",
                                       f"{letter}列" if letter else "", f"“{header}”" if header else "")
                     if part)
    return "\n".join(line for line in (where, f"内容：{value}" if value else "", f"问题：{message}") if line)
