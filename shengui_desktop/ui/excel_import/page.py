"""Excel导入: choose a file, see how its table was read (sheet, header rows, what each column
was recognised as and which are not imported, and why), correct a column's field or unit,
the year of a list's annual figures and the creation of new townships, check it (a dry run
on the worker: new, changed with the fields, unchanged, problems by row and column), then
import it, or save the file marked where it is wrong. Templates of each kind can be saved,
and the ledger's tables exported (导出Excel: the lists `shengui excel export` writes).

The page holds the file, the person's settings and the worker; its two halves are rooms of
their own: mapping.py (表格识别 and the options a check asks for), result.py (检查结果).
Nothing about files is read here: services.excel.inspect_file says how the table was read,
import_file checks and imports (all or nothing), write_import_template writes templates.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QSplitter, QVBoxLayout, QWidget

from ...services import excel
from ..jobs import JobRunner, core_progress, run_with_progress
from . import dialogs, export_choice
from .mapping import MappingBox
from .result import GREEN, ORANGE, RED, ResultBox

TEMPLATES = (("enterprises", "企业名单"), ("figures", "月度数据"), ("projects", "项目"),
             ("claims", "奖补申报"), ("scale_periods", "入规历史"))
KINDS = (("", "自动识别"), ("enterprises", "企业名单"), ("figures", "月度数据"), ("projects", "项目"),
         ("milestones", "项目节点任务"), ("claims", "奖补申报"), ("scale_periods", "此前在规时段"))
EMPTY_TEXT = ("第一步：点击“选择文件…”，选择统计局、税务局或乡镇报来的Excel（.xlsx、.xls）或CSV文件。\n"
              "选好后这里列出每一列被识别成了什么；识别错的列可以改，然后“检查”，确认无误再“导入”。\n"
              "还没有表格？点击“下载导入模板”，按模板填写。")


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
        self.mapping_box = MappingBox(self.window_.today.year - 1)
        self.mapping_box.field_chosen.connect(self._choose_field)
        self.mapping_box.unit_chosen.connect(self._choose_unit)
        self.mapping_box.changed.connect(self._settings_changed)
        self.result_box = ResultBox()
        # the parts the page reads and sets
        box = self.mapping_box
        self.mapping, self.use_year, self.year = box.mapping, box.use_year, box.year
        self.create_townships, self.townships_label = box.create_townships, box.townships_label
        result = self.result_box
        self.status, self.counts, self.tabs = result.status, result.counts, result.tabs
        self.problems, self.changes, self.details = result.problems, result.changes, result.details
        split.addWidget(self.mapping_box)
        split.addWidget(self.result_box)
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
                "year": self.mapping_box.chosen_year(),
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
        self.result_box.say(text, color)

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
        self.mapping_box.reset()
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
        self.mapping_box.show_layouts(self.layouts, self.result, self.units)
        self.hint.setVisible(not self.layouts and self.path is None)

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
        self.result_box.clear()
        self.mapping_box.clear_asks()

    def _show_result(self) -> None:
        r = self.result
        if r is None:
            return self._clear_result()
        self.result_box.show_result(r, self.path.name if self.path else "", asks_year=r.needs_year,
                                    asks_townships=bool(r.unknown_townships)
                                    and not self.create_townships.isChecked())
        self.mapping_box.show_asks(r)
        # wrapped rows are measured once the shown table has its width
        QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        self.result_box.fit()
        self.mapping.resizeRowsToContents()
        sizes = self.mapping_box.share_height(self.split.sizes())
        if sizes is not None:
            self.split.setSizes(sizes)

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

