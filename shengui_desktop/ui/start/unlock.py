"""The unlock dialog: user and password, or the printed recovery code.

Key derivation (Argon2id) and migrating a big ledger can take a second or more, so the
unlock runs on a worker. Wrong passwords lock the button for a growing while, 1, 2, 4 … 30
seconds (services/office/session.py counts them beside the ledger, so closing the program
does not reset it); a QTimer counts down, the GUI never sleeps.

A lock another computer holds (a ledger on a shared folder or a USB stick, left by a laptop
that crashed) is named in the message, and 强制接管 is offered after a confirmation naming
that computer, its process and since when, and the risk (storage/lock.py); the takeover is
recorded in the audit log.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QVBoxLayout)

from ...errors import UserError
from ...services import sync as sync_service
from ...services.office import session
from ..common import APP_TITLE
from ..jobs import JobRunner


class LockedElsewhere:
    """The worker's answer when another computer holds the ledger's lock."""

    def __init__(self, holder: dict, message: str):
        self.holder, self.message = holder, message


def ask_take_over(parent, holder: dict) -> bool:
    """强制接管 / 取消 (取消 the default), the question naming host, process, time and risk."""
    box = QMessageBox(QMessageBox.Icon.Warning, "强制接管台账锁", session.takeover_question(holder),
                      QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton("强制接管", QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes


class UnlockDialog(QDialog):
    def __init__(self, path: Path, hint: str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"打开台账 — {APP_TITLE}")
        self.setMinimumWidth(440)
        self.path = Path(path)
        self.ledger = None
        self.failures = 0
        self.runner = JobRunner(self)
        self.remaining = 0
        self.countdown = QTimer(self)  # one tick a second while the button waits
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)

        layout = QVBoxLayout(self)
        where = QLabel(f"台账文件：{self.path}")
        where.setWordWrap(True)
        layout.addWidget(where)
        form = QFormLayout()
        self.user = QComboBox()
        self.user.setEditable(True)
        try:
            self.user.addItems(session.users(self.path))
        except UserError as e:
            where.setText(f"{where.text()}\n{e}")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("输入密码后按回车")
        self.use_recovery = QCheckBox("忘记密码，使用恢复码")
        self.recovery = QLineEdit()
        self.recovery.setPlaceholderText("例如 E3M7H-7GZ5K-VSCKT-BCZ6Q-JQDH5（不区分大小写）")
        self.recovery.setVisible(False)
        self.recovery_label = QLabel("恢复码")
        self.recovery_label.setVisible(False)
        form.addRow("用户", self.user)
        form.addRow("密码", self.password)
        form.addRow("", self.use_recovery)
        form.addRow(self.recovery_label, self.recovery)
        self.use_recovery.toggled.connect(self._toggle_recovery)
        layout.addLayout(form)
        self.hint = QLabel(hint or "")
        self.hint.setStyleSheet("color: #1a5fb4")
        self.hint.setVisible(bool(hint))
        layout.addWidget(self.hint)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("打开")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(lambda: self.try_unlock())
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password.setFocus()
        self._wait_if_needed("")  # wrong passwords before the program was started again

    def _toggle_recovery(self, on: bool) -> None:
        self.recovery.setVisible(on)
        self.recovery_label.setVisible(on)
        self.password.setEnabled(not on)
        (self.recovery if on else self.password).setFocus()

    def try_unlock(self, take_over: dict | None = None) -> None:
        if not self.ok.isEnabled():
            return
        self.ok.setEnabled(False)
        self.message.setText("正在打开台账…")
        path, user = self.path, self.user.currentText().strip() or None
        code = self.recovery.text().strip() if self.use_recovery.isChecked() else None
        password = self.password.text()

        def work(_ledger, _progress, _cancelled):
            try:
                if code:
                    return session.unlock(path, recovery_code=code, take_over_lock=take_over)
                return session.unlock(path, password=password, user=user, take_over_lock=take_over)
            except session.LedgerInUse as e:
                if e.elsewhere:
                    return LockedElsewhere(e.holder, str(e))
                raise

        self.runner.start(None, work, name="unlock", on_done=self._opened, on_error=self._failed)

    def _locked_elsewhere(self, found: LockedElsewhere) -> None:
        self.message.setText(found.message)
        self.ok.setEnabled(True)
        self.adjustSize()
        if ask_take_over(self, found.holder):
            self.try_unlock(take_over=found.holder)

    def _opened(self, ledger) -> None:
        if isinstance(ledger, LockedElsewhere):
            self._locked_elsewhere(ledger)
            return
        self.ledger = ledger
        self.failures = 0  # the window says how many came before (session.failed_before)
        if self.use_recovery.isChecked():
            self._reset_after_recovery()
        self.message.setText("")
        # copied to this computer: it writes under its own origin now (shown once)
        notice = sync_service.copy_notice(ledger, clear=True)
        if notice:
            QMessageBox.information(self, APP_TITLE, notice)
        self.accept()

    def _reset_after_recovery(self) -> None:
        """A recovery code opens the ledger once; the user then sets a new password."""
        ask_new_password(self, self.ledger, self.recovery.text().strip(),
                         self.user.currentText().strip() or "admin")

    def _failed(self, message: str) -> None:
        self.password.selectAll()
        self.password.setFocus()
        if not self._wait_if_needed(message):
            self.message.setText(message)
            self.ok.setEnabled(True)
        # a damaged file's message runs to several lines (what happened, how to restore):
        # the dialog grows to show all of it rather than clipping it
        self.adjustSize()

    def _wait_if_needed(self, message: str) -> bool:
        """Lock the button for what is left of the delay after wrong passwords; False when
        there is none."""
        self.failures = session.failed_attempts(self.path)[0]
        wait = math.ceil(session.wait_seconds(self.path))
        if wait <= 0:
            return False
        self.remaining = wait
        self.ok.setEnabled(False)
        self.ok.setText(f"请等待{wait}秒")
        lines = [message] if message else []
        lines.append(f"已连续{self.failures}次密码错误，请等待{wait}秒后再试。")
        self.message.setText("\n".join(lines))
        self.countdown.start()
        return True

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.countdown.stop()
            self.ok.setEnabled(True)
            self.ok.setText("打开")
        else:
            self.ok.setText(f"请等待{self.remaining}秒")

    def done(self, result: int) -> None:  # noqa: D401 (Qt naming)
        self.countdown.stop()
        self.runner.shutdown()
        super().done(result)


def ask_new_password(parent, ledger, recovery_code: str, user: str) -> bool:
    """After a recovery code opened `ledger` (the unlock dialog, or a backup restored on a new
    computer): ask `user`'s new password until one is accepted or the person declines."""
    while True:
        new, ok = QInputDialog.getText(parent, "重设密码", f"已用恢复码打开台账。请为用户“{user}”设置新密码（至少8个字符）：",
                                       QLineEdit.EchoMode.Password)
        if not ok:
            QMessageBox.information(parent, APP_TITLE, "未重设密码；下次仍可用恢复码打开。")
            return False
        try:
            session.reset_password(ledger, recovery_code, user, new)
        except UserError as e:
            QMessageBox.warning(parent, "重设密码", str(e))
            continue
        QMessageBox.information(parent, "重设密码", "新密码已设置，请牢记。恢复码仍然有效。")
        return True
