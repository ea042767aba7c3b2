"""The year or the month an export reads (导出Excel of the Excel导入 page): asked before the
file name for the kinds that take one (services.excel.EXPORT_TAKES), so a person can export
last year's 目标任务 or 奖补测算, or September's 月度监测表, not only this year's and the
latest month's."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox,
                               QVBoxLayout, QWidget)

from ...services.policy.monitoring import default_period

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

FIRST_YEAR = 2000


class ExportChoiceDialog(QDialog):
    """年度 (a spin box, this year by default, next year for a target already set) or 月份
    (the latest month with figures by default, none after this month)."""

    def __init__(self, parent: QWidget | None, title: str, takes: str, ledger: Ledger, today: date):
        super().__init__(parent)
        self.setWindowTitle(f"导出{title}")
        self.takes = takes
        layout = QVBoxLayout(self)
        form = QFormLayout()
        if takes == "year":
            self.year = QSpinBox()
            self.year.setRange(FIRST_YEAR, today.year + 1)
            self.year.setValue(today.year)
            self.year.setSuffix("年")
            self.year.setToolTip("导出该年度的数据（默认今年）")
            form.addRow("年度：", self.year)
            hint = f"{title}按所选年度导出。"
        else:
            latest = default_period(ledger, today)
            self.month = QDateEdit(QDate(int(latest[:4]), int(latest[5:7]), 1))
            self.month.setDisplayFormat("yyyy年M月")
            self.month.setDateRange(QDate(FIRST_YEAR, 1, 1), QDate(today.year, today.month, today.day))
            self.month.setToolTip("导出该月份的数据（默认最近有月度数据的月份）")
            form.addRow("月份：", self.month)
            hint = f"{title}按所选月份导出（默认最近有月度数据的月份）。"
        note = QLabel(hint)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("下一步")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choice(self) -> dict:
        """export_table's parameter: {"year": 2025} or {"period": "2026-09"}."""
        if self.takes == "year":
            return {"year": self.year.value()}
        d = self.month.date()
        return {"period": f"{d.year():04d}-{d.month():02d}"}

    def label(self) -> str:
        """The choice as a file name says it: 2025年, 2026年9月."""
        if self.takes == "year":
            return f"{self.year.value()}年"
        d = self.month.date()
        return f"{d.year()}年{d.month()}月"


def ask_export_choice(parent: QWidget, title: str, takes: str, ledger: Ledger,
                      today: date) -> tuple[dict, str] | None:
    """(export_table's parameter, its label) chosen, or None when cancelled."""
    dialog = ExportChoiceDialog(parent, title, takes, ledger, today)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.choice(), dialog.label()
