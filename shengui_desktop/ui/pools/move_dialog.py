"""调整库别: one dialog moves the chosen enterprises into one pool with one reason (required),
all or nothing through services.ledger.pools.move_pools. Only the pools the profile defines
(and 未入库) are offered; a refusal is shown in Chinese and the dialog stays open."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QVBoxLayout)

from ...domain.records import POOLS
from ...errors import UserError
from ...services.ledger import pools
from ..common import show_error

NO_POOL_LABEL = "未入库（移出各库）"


class PoolMoveDialog(QDialog):
    """`lines`: the chosen enterprises (dicts of services.policy.pool_board.BoardLine);
    `offered`: the pools to offer; `preferred`: the pool chosen at first (say, the one the
    rules suggest for all of them)."""

    def __init__(self, window, lines: list[dict], offered: tuple[str, ...], preferred: str | None = None,
                 parent=None):
        super().__init__(parent or window)
        self.main = window
        self.lines = lines
        self.offered = offered
        self.moves: list[dict] = []
        self.setWindowTitle("调整库别")
        self.setMinimumWidth(460)

        names = "、".join(line["name"] for line in lines[:5]) + (f"等{len(lines)}户" if len(lines) > 5 else "")
        pools_now = sorted({line["pool_name"] for line in lines})
        self.summary = QLabel(f"已选{len(lines)}户企业：{names}\n现库别：{'、'.join(pools_now)}")
        self.summary.setWordWrap(True)
        self.target = QComboBox()
        if preferred not in offered:
            self.target.addItem("（请选择调入的库）", None)
        for pool in offered:
            self.target.addItem(NO_POOL_LABEL if pool == "none" else POOLS[pool], pool)
        if preferred in offered:
            self.target.setCurrentIndex(self.target.findData(preferred))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("必填：调库理由，如“二季度预计主营业务收入跌破1500万元，不具备升规潜力”。"
                                       "理由记入每户企业的调库记录，并随同步包发送")
        self.reason.setFixedHeight(90)
        self.decided_by = QLineEdit(window.ledger.user or "")
        self.decided_by.setPlaceholderText("必填：决定人")
        self.moved_on = QDateEdit(QDate(window.today.year, window.today.month, window.today.day))
        self.moved_on.setCalendarPopup(True)
        self.moved_on.setDisplayFormat("yyyy-MM-dd")

        form = QFormLayout()
        form.addRow("调入", self.target)
        form.addRow("调库理由", self.reason)
        form.addRow("决定人", self.decided_by)
        form.addRow("调库日期", self.moved_on)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("调整")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Move them all, or none: a refusal (no reason, a pool already held…) is a message
        and the dialog stays open with what was typed."""
        try:
            self.moves = pools.move_pools(
                self.main.ledger, [line["enterprise_id"] for line in self.lines], self.target.currentData(),
                self.reason.toPlainText(), decided_by=self.decided_by.text(),
                moved_on=self.moved_on.date().toString("yyyy-MM-dd"), allowed=self.offered)
        except UserError as e:
            show_error(self, e, "未调整库别")
            return
        super().accept()
