"""奖补测算: what each enterprise is owed in a year under the profile, with the rule and the
reason; totals by township and by year; the clawback cases (追回与不再兑现) apart; export to
Excel and print. The numbers are services.policy.reward_lines.reward_overview, computed on
the worker: the same as `shengui rewards` and its --xlsx."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from ...domain.money import format_wan_short
from ...services.ledger import reference
from ..common import LoadsWhenShown, OVERDUE_BRUSH, WARN_BRUSH, Column, DictTableModel, ask_save_file, make_table, wan
from ..jobs import JobRunner, core_progress, run_with_progress

TOTAL_BRUSH = QBrush(QColor("#f2f2f2"))

NO_PROFILE = "尚未选择政策配置，无法测算奖补。县级在“政策配置”页选用本县的政策；乡镇同步后即可测算。"
NO_LINES = ("{year}年没有企业处在政策规定的奖补年度内。奖补按企业的入统日期测算（在“企业台账”的企业窗口登记），"
            "技改、中标等按企业窗口“奖补申报”页登记的申报测算；也可换一个年度看看。")
NO_CLAWBACK = "没有需要追回或不再兑现的奖补：已兑现的奖补都符合规则，也没有企业在奖补期内退出规上。"


def show_on_print_page(window, kind: str, township_code: str | None, year: int) -> None:
    """Ask the 报表打印 page for report `kind` of that township and year, and show it there."""
    page = window.print_page
    if page.busy():
        QMessageBox.information(window, "请稍候", "报表打印页正在生成或打印报表，完成后再打印。")
        return
    page.select(kind)
    page.township.setCurrentIndex(max(0, page.township.findData(township_code)))
    page.year.setValue(year)
    window.show_page("报表打印")
    page.generate()


def _status_brush(row: dict):
    if row["status"] in ("forfeited", "not_eligible"):
        return OVERDUE_BRUSH
    return WARN_BRUSH if row["status"] in ("to_verify", "pending") else None


class RewardsPage(LoadsWhenShown, QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.overview = None
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.year = QSpinBox()
        self.year.setRange(2000, window.today.year + 1)  # as the 报表打印 page offers
        self.year.setValue(window.today.year)
        self.year.setSuffix(" 年")
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(window.ledger):
            self.township.addItem(t["name"], t["code"])
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("导出明细、按乡镇合计、按年度合计和追回与不再兑现四张工作表")
        self.export_button.clicked.connect(self.export)
        self.print_button = QPushButton("打印…")
        self.print_button.setToolTip("在“报表打印”页生成所选年度、乡镇的奖补测算表")
        self.print_button.clicked.connect(self.print_)
        self.claims_button = QPushButton("奖补申报审核…")
        self.claims_button.setToolTip("各企业的奖补申报一览；县级在此审核、兑现或不予")
        self.claims_button.clicked.connect(self.open_claims)
        for w in (QLabel("年度"), self.year, QLabel("乡镇"), self.township):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.claims_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.print_button)
        layout.addLayout(bar)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 14px; padding: 2px 0;")
        layout.addWidget(self.summary)

        self.tabs = QTabWidget()
        self.lines_model = DictTableModel([
            Column("name", "企业", width=170),
            Column("township", "乡镇", width=70),
            Column("entry", "入规第几年", width=75),
            Column("rule_name", "奖补项目", width=150),
            Column("payer", "兑付主体", width=80),
            Column("status_text", "状态", width=70),
            Column("amount_shown", "应兑现（万元）", align_right=True, width=95),
            Column("reason", "理由", width=360),
        ], self, row_brush=_status_brush)
        self.lines_table = make_table(self.lines_model, empty="正在测算奖补…")
        self.lines_table.doubleClicked.connect(self._open)
        self.lines_table.selectionModel().currentRowChanged.connect(self._selected)
        self.basis = QLabel("")
        self.basis.setWordWrap(True)
        self.basis.setStyleSheet("color: #444;")
        lines_tab = QWidget()
        box = QVBoxLayout(lines_tab)
        box.setContentsMargins(0, 4, 0, 0)
        box.addWidget(self.lines_table, 1)
        box.addWidget(self.basis)
        sum_columns = [Column("label", "乡镇（街道）", width=140),
                       Column("due_amount", "应兑现金额（万元）", wan, align_right=True, width=130),
                       Column("enterprises", "应兑现企业（户）", align_right=True, width=120),
                       Column("due_without_amount", "金额待定（项）", align_right=True, width=110),
                       Column("lines", "奖补条目（项）", align_right=True, width=110)]
        self.township_model = DictTableModel(sum_columns, self, row_brush=lambda r: TOTAL_BRUSH if r.get("total") else None)
        self.township_table = make_table(self.township_model, empty="正在测算奖补…")
        year_columns = [Column("label", "年度", width=140), *sum_columns[1:]]
        self.year_model = DictTableModel(year_columns, self)
        self.year_table = make_table(self.year_model, empty="正在测算奖补…")
        self.back_model = DictTableModel([
            Column("name", "企业", width=170),
            Column("township", "乡镇", width=70),
            Column("rule_name", "奖补项目", width=150),
            Column("action_text", "处理", width=110),
            Column("amount", "金额（万元）", wan, align_right=True, width=85),
            Column("paid_on", "兑现日期", width=80),
            Column("reason", "理由", width=360),
        ], self, row_brush=lambda _r: OVERDUE_BRUSH)
        self.back_table = make_table(self.back_model, empty="正在测算奖补…")
        self.back_table.doubleClicked.connect(self._open_clawback)
        self.tabs.addTab(lines_tab, "奖补明细")
        self.tabs.addTab(self.township_table, "按乡镇合计")
        self.tabs.addTab(self.year_table, "按年度合计")
        self.tabs.addTab(self.back_table, "追回与不再兑现")
        layout.addWidget(self.tabs, 1)
        self.year.valueChanged.connect(self.refresh)
        self.township.currentIndexChanged.connect(self.refresh)
        window.bus.changed.connect(self.ledger_changed)

    # -- loading -----------------------------------------------------------------------------
    def filters(self) -> tuple[int, str | None]:
        return self.year.value(), self.township.currentData()

    def refresh(self, *_args) -> None:
        if not self.due():
            return
        self.loaded = False
        year, township = self.filters()
        today = self.window_.today

        def work(ledger, progress, cancelled):
            from ...services.policy.reward_lines import reward_overview

            return reward_overview(ledger, year, today, township_code=township, progress=core_progress(progress),
                                   cancel=cancelled)

        self.runner.start(self.window_.ledger, work, name="rewards", latest=True,
                          on_done=lambda o, f=(year, township): self._loaded(o, f), on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.loaded = True
        self.summary.setText(f"无法测算奖补：{message}")

    def _loaded(self, overview, filters) -> None:
        if filters != self.filters():  # the filters moved on while this one ran
            return
        self.overview = o = overview
        rows = []
        for ln in o.lines:
            rows.append({**ln.__dict__, "township": o.township_of(ln),
                         "entry": f"第{ln.reward_year}年" if ln.entry_year else "—",
                         "amount_shown": wan(ln.amount) if ln.amount is not None
                         else (ln.amount_text or "待定") if ln.status == "due" else "—"})
        empty = NO_PROFILE if o.profile is None else NO_LINES.format(year=o.year)
        for table in (self.lines_table, self.township_table, self.year_table):
            table.empty_hint.set_text(empty)
        self.back_table.empty_hint.set_text(NO_PROFILE if o.profile is None else NO_CLAWBACK)
        self.lines_model.set_rows(rows)
        towns = [s.__dict__ for s in o.townships]
        if len(towns) > 1:  # the county's line: the same as the summary's
            towns.append({"label": "合计", "due_amount": o.totals.due_amount, "enterprises": o.totals.enterprises,
                          "due_without_amount": o.totals.due_without_amount, "lines": len(o.lines), "total": True})
        self.township_model.set_rows(towns)
        self.year_model.set_rows([s.__dict__ for s in o.years] if o.profile is not None else [])
        self.back_model.set_rows([{"name": c.line.name, "enterprise_id": c.line.enterprise_id, "township": c.township,
                                   "rule_name": c.line.rule_name, "action_text": c.action_text, "amount": c.amount,
                                   "paid_on": c.paid_on or "", "reason": c.line.reason} for c in o.clawbacks])
        self.tabs.setTabText(3, f"追回与不再兑现（{len(o.clawbacks)}）" if o.clawbacks else "追回与不再兑现")
        self.summary.setText(self.summary_text())
        self.basis.setText("选中一行可看完整理由和文件依据；双击打开企业。" if rows else "")
        self.loaded = True

    def summary_text(self) -> str:
        o = self.overview
        if o is None:
            return ""
        if o.profile is None:
            return NO_PROFILE
        t = o.totals
        where = o.township_name or "全县"
        if not o.lines:
            return f"{where}{o.year}年暂无奖补条目　政策配置：{o.profile.name}"
        text = (f"{where}{o.year}年应兑现合计 <b>{format_wan_short(t.due_amount)}</b>（{t.enterprises}户，"
                f"{len(o.lines)}条奖补）")
        if t.due_without_amount:
            text += f"，另有{t.due_without_amount}项金额由上级或财政部门确定"
        if o.clawbacks:
            text += f"；<span style='color:#b00020'>追回与不再兑现{len(o.clawbacks)}项</span>"
        return text + f"　政策配置：{o.profile.name}"

    # -- rows --------------------------------------------------------------------------------
    def _selected(self, current, _previous) -> None:
        if current.isValid():
            row = self.lines_model.row(current.row())
            self.basis.setText(f"{row['name']}：{row['reason']}\n"
                               f"依据（{row['rule_name']}）：{row['quote']}")

    def _open(self, index) -> None:
        if index.isValid():
            self.window_.open_enterprise(self.lines_model.row(index.row())["enterprise_id"])

    def _open_clawback(self, index) -> None:
        if index.isValid():
            self.window_.open_enterprise(self.back_model.row(index.row())["enterprise_id"])

    # -- export and print --------------------------------------------------------------------
    def export(self) -> None:
        year, township = self.filters()
        name = "_".join(x for x in ("奖补测算", self.township.currentText() if township else "", f"{year}年") if x)
        path = ask_save_file(self, "导出奖补测算", str(Path.home() / f"{name}.xlsx"), "Excel 文件 (*.xlsx)", "xlsx")
        if path:
            self.export_to(path)

    def export_to(self, path: str):
        year, township = self.filters()
        today = self.window_.today

        def work(ledger, progress, cancelled):
            from ...services.excel.rewards_export import export_rewards

            return export_rewards(ledger, Path(path), year=year, today=today, township_code=township,
                                  progress=core_progress(progress), cancel=cancelled)

        def done(info: dict) -> None:
            self.export_button.setEnabled(True)
            self.window_.statusBar().showMessage(
                f"已导出{year}年奖补测算{info['rows']}条，应兑现合计{format_wan_short(info['due_amount'])}：{info['path']}",
                10000)

        def failed(message: str) -> None:
            self.export_button.setEnabled(True)
            QMessageBox.warning(self, "导出失败", message)

        self.export_button.setEnabled(False)
        job = run_with_progress(self, self.runner, self.window_.ledger, work, "正在导出奖补测算…", done, failed)
        job.on("cancelled", lambda: self.export_button.setEnabled(True))
        return job

    def open_claims(self):
        """奖补申报审核 for the year shown; decisions change the lines, so the page reloads."""
        from .claims import ClaimsReview

        dialog = ClaimsReview(self.window_, self.year.value(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.claims_dialog = dialog
        dialog.open()
        return dialog

    def print_(self) -> None:
        year, township = self.filters()
        show_on_print_page(self.window_, "rewards", township, year)
