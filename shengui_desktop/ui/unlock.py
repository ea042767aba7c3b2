"""The unlock dialog: user and password (or the recovery code)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout)

from ..errors import UserError
from ..storage.files import open_ledger
from ..storage.keyslots import KeySlots, keys_path_for


class UnlockDialog(QDialog):
    def __init__(self, path: Path, hint: str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("打开台账")
        self.path = Path(path)
        self.ledger = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"台账：{self.path}"))
        form = QFormLayout()
        self.user = QComboBox()
        self.user.setEditable(True)
        try:
            self.user.addItems(KeySlots.load(keys_path_for(self.path)).users)
        except UserError:
            pass
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户", self.user)
        form.addRow("密码", self.password)
        layout.addLayout(form)
        if hint:
            self.hint = QLabel(hint)
            layout.addWidget(self.hint)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("打开")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def try_unlock(self) -> None:
        try:
            self.ledger = open_ledger(self.path, passphrase=self.password.text(),
                                      user=self.user.currentText() or None)
        except UserError as e:
            self.message.setText(str(e))
            self.password.selectAll()
            return
        self.accept()
