"""修改本县配置: the county's form over the documented parameters of its own copy of the
profile (services.policy.profile_parameters), each with the document's value and words; the
save goes through services.policy.edit_profile_parameters, the checks of `shengui profile set`
(all or nothing: a bad value is named in Chinese and nothing is written)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout)

from ...services import policy
from ..common import guarded

EDITABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
CHANGED = QBrush(QColor("#fff3c4"))


class ProfileEditor(QDialog):
    """One row per parameter: 类别, 参数, 原文件, 本县取值 (editable), 单位; the quote of the
    current row below. `saved` holds the service's result once saved."""

    COLUMNS = ("类别", "参数", "原文件规定", "本县取值", "单位")

    def __init__(self, ledger, parent=None):
        super().__init__(parent)
        self.ledger = ledger
        self.saved: dict | None = None
        profile = policy.active_profile(ledger)
        assert profile is not None
        self.setWindowTitle(f"修改本县配置：{profile.name}")
        self.params = policy.profile_parameters(profile)
        original = policy.original_profile(profile)
        before = {p.path: p.text for p in policy.profile_parameters(original)} if original else {}

        hint = QLabel("双击“本县取值”修改；金额以万元计，月份用逗号分隔（如 3,6,9,12），可为空的项（原文件为“（空）”）留空即不设或按文件说明。"
                      "与原文件不同的行标黄。保存后版本号加一，随县级同步包发往各乡镇。")
        hint.setWordWrap(True)
        self.table = QTableWidget(len(self.params), len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        for row, p in enumerate(self.params):
            cells = (p.section, p.label, before.get(p.path, "—") or "（空）", p.text, p.unit)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(EDITABLE if col == 3 else READ_ONLY)
                item.setToolTip(p.quote)
                self.table.setItem(row, col, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(lambda _i: self._mark())
        self.table.currentCellChanged.connect(lambda *_a: self._show_quote())
        self.quote = QTextBrowser()
        self.quote.setMaximumHeight(64)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(QLabel("文件原文："))
        layout.addWidget(self.quote)
        layout.addWidget(buttons)
        self._mark()
        if self.params:
            self.table.setCurrentCell(0, 3)
        self.resize(900, 600)

    def value_item(self, path: str) -> QTableWidgetItem:
        row = next(i for i, p in enumerate(self.params) if p.path == path)
        item = self.table.item(row, 3)
        assert item is not None
        return item

    def set_value(self, path: str, text: str) -> None:
        self.value_item(path).setText(text)

    def _mark(self) -> None:
        self.table.blockSignals(True)
        for row in range(self.table.rowCount()):
            original, value = self.table.item(row, 2), self.table.item(row, 3)
            assert original is not None and value is not None
            differs = original.text() not in ("—", value.text() or "（空）")
            for col in range(self.table.columnCount()):
                cell = self.table.item(row, col)
                assert cell is not None
                cell.setBackground(CHANGED if differs else QBrush())
        self.table.blockSignals(False)

    def _show_quote(self) -> None:
        row = self.table.currentRow()
        self.quote.setPlainText(self.params[row].quote if 0 <= row < len(self.params) else "")

    def texts(self) -> dict[str, str]:
        """The typed values that differ from the stored ones, by path."""
        out = {}
        for row, p in enumerate(self.params):
            item = self.table.item(row, 3)
            assert item is not None
            if item.text().strip() != p.text:
                out[p.path] = item.text()
        return out

    def save(self) -> None:
        texts = self.texts()
        result = guarded(self, lambda: policy.edit_profile_parameters(self.ledger, texts), "无法保存配置")
        if result is None:
            return
        self.saved = result
        self.accept()
