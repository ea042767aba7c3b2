"""检查结果 of the Excel导入 page: the verdict in colour, the counts (new, changed, unchanged by
kind), and three tabs — 问题 (sheet, row, column, header, content, message: wrapped, never
cut), 将修改 (the fields each changed record would get) and 详细说明 (the service's summary).

It shows an ImportResult (services.excel.results); the page decides when."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHeaderView, QLabel, QPlainTextEdit,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout)

from ...services.excel.results import SHEET_KINDS

RED, GREEN, ORANGE = "#b3261e", "#1e6b2e", "#9a5b00"
# the service's messages also tell the command line's options; the page has its own controls
CLI_HINT = re.compile(r"[（(]命令行加[^）)]*[）)]")
ROW_MIN_HEIGHT = 26  # a one-line row with its padding
COLUMN_SHARE = 0.22  # the widest a column beside the message may grow, of the table's width


class ResultBox(QGroupBox):
    def __init__(self, parent=None):
        super().__init__("检查结果", parent)
        v = QVBoxLayout(self)
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
        self.problems = make_table(["工作表", "行", "列", "表头", "内容", "问题"], stretch=5, fitted=(1, 2))
        self.changes = make_table(["类别", "行", "对象", "修改的字段"], stretch=3, fitted=(1,))
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.tabs.addTab(self.problems, "问题")
        self.tabs.addTab(self.changes, "将修改")
        self.tabs.addTab(self.details, "详细说明")
        v.addWidget(self.tabs, 1)

    def say(self, text: str, color: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {color}; font-weight: bold;")

    def clear(self) -> None:
        self.counts.setText("")
        self.problems.setRowCount(0)
        self.changes.setRowCount(0)
        self.details.setPlainText("")
        self.tabs.setTabText(0, "问题")
        self.tabs.setTabText(1, "将修改")

    def show_result(self, r, file_name: str, *, asks_year: bool, asks_townships: bool) -> None:
        """The verdict and the lists of `r`; `asks_year` / `asks_townships`: the sentence on
        what to set on the page when the list lacks a year or names townships not here."""
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
            self.say(f"导入完成：{file_name} 已写入台账。", GREEN)
        elif r.ok:
            self.say("检查通过，没有发现问题（尚未写入）。确认下列内容无误后点击“导入”。", GREEN)
        else:
            why = f"发现{len(r.problems)}个问题，未导入任何数据。请改正表格后重新选择文件，或在上方改正列的识别后重新检查。"
            if asks_year:
                why += "\n名单中的营业收入等年度数未写明年份：请勾选“年度数的年份”并选择年份。"
            if asks_townships:
                why += "\n表中有本台账没有的乡镇：如果确是新乡镇，请勾选“创建新乡镇”；如是写错了，请改正表格。"
            self.say(why, RED)
        self._fill_problems(r)
        self._fill_changes(r)
        self.details.setPlainText("\n".join(r.summary_lines()))
        self.tabs.setCurrentIndex(0 if r.problems else 1 if self.changes.rowCount() else 2)

    def fit(self) -> None:
        """The columns and wrapped rows measured again (once the shown table has its width)."""
        for table in (self.problems, self.changes):
            fit_columns(table)

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
        fit_columns(self.problems)
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
        fit_columns(self.changes)
        self.tabs.setTabText(1, f"将修改（{len(changes)}）")


def make_table(headers: list[str], stretch: int, fitted: tuple[int, ...] = ()) -> QTableWidget:
    """A read-only table whose `stretch` column takes the width left and wraps; the
    `fitted` columns (row, column letter) fit their contents; the others start at their
    contents' width but never more than a share of the table (fit_columns), so a long
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


def fit_columns(table: QTableWidget) -> None:
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


def problem_tooltip(sheet: str, row: str, letter: str, header: str, value: str, message: str) -> str:
    """A problem in full, whatever its cells show: where, what the cell holds, what is wrong."""
    where = "，".join(part for part in (f"工作表“{sheet}”" if sheet else "", f"第{row}行" if row else "",
                                       f"{letter}列" if letter else "", f"“{header}”" if header else "")
                     if part)
    return "\n".join(line for line in (where, f"内容：{value}" if value else "", f"问题：{message}") if line)
