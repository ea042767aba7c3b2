"""台账副本: the copies of each township's ledger (devices) the county acknowledges apart
(docs/sync-format.md, "Copies of a ledger"). A copy that was abandoned keeps its last
acknowledgement, and every package to its township carries again what it lacks; the county
retires it here, after a confirmation that says what that does (services.sync)."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from ...errors import UserError
from ...services import sync
from ..common import Column, DictTableModel, make_table, show_error

EMPTY = ("还没有乡镇台账副本的记录：乡镇发来同步包后，这里列出每台发过同步包的电脑（设备）。"
         "一个乡镇的台账复制到两台电脑上使用时，会有两台设备。")


def confirm(parent: QWidget, text: str) -> bool:
    """The person's yes to retiring a device (停用 / 取消, 取消 the default)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "停用台账副本", text, QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton("停用", QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes


class DevicesDialog(QDialog):
    def __init__(self, ledger, parent: QWidget | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.retired: list[dict] = []
        self.setWindowTitle("台账副本（设备）")
        layout = QVBoxLayout(self)
        intro = QLabel("乡镇把台账复制到另一台电脑后，两份台账各自与县级同步，县级分别记录每台设备已收到的内容。"
                       "某台电脑不再使用（停用、复制后废弃）时，它的记录会让发往该乡镇的每个同步包重复携带它缺少的变更："
                       "选中它，点“停用所选设备…”。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = DictTableModel([
            Column("office", "乡镇", width=110),
            Column("device", "设备", width=130),
            Column("package_no", "最后发来", lambda v: f"第{v}号包", width=80),
            Column("last_package_at", "时间", lambda v: (v or "")[:16].replace("T", " ") or "—", width=130),
            Column("held_back", "因其重发的变更", lambda v: f"最多{v:,}条" if v else "无"),
        ], self)
        self.table = make_table(self.model, empty=EMPTY)
        self.table.setMinimumSize(560, 180)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        layout.addWidget(self.table)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        row = QHBoxLayout()
        self.retire_button = QPushButton("停用所选设备…")
        self.retire_button.setToolTip("只在这份台账副本已不再使用时停用；它以后又发来同步包会重新登记")
        self.retire_button.clicked.connect(self.retire_selected)
        row.addWidget(self.retire_button)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_rows(sync.list_devices(self.ledger))
        self._selected()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows_data[rows[0].row()] if rows else None

    def _selected(self, *_args) -> None:
        found = self.selected()
        self.retire_button.setEnabled(found is not None and found["devices"] > 1)
        if found is not None and found["devices"] < 2:
            self.message.setText(f"{found['device']}是{found['office']}目前唯一的设备，不能停用。")
        else:
            self.message.setText("")

    def retire_selected(self) -> None:
        found = self.selected()
        if found is None or not confirm(self, sync.retire_confirmation(found)):
            return
        try:
            retired = sync.retire_device(self.ledger, found["site_id"], found["origin_id"])
        except UserError as e:
            show_error(self, e, "无法停用")
            return
        self.retired.append(retired)
        self.refresh()
        self.message.setText(f"已停用{retired['office']}的{retired['device']}：发往{retired['office']}的同步包"
                             "不再为它重发变更。")
