"""我的账户: who is signed in, changing one's own password, and (administrators) a new
recovery code printed to replace the old one."""

from __future__ import annotations

from PySide6.QtWidgets import (QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from ...services.office import users
from .autolock import AutoLockBox
from .dialogs import ERROR_STYLE, PasswordFields, RecoveryCodeDialog


class AccountTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.window_ = page.window_
        self.runner = page.runner
        self.recovery_dialog: RecoveryCodeDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        self.who = QLabel("")
        self.who.setStyleSheet("font-size: 15px;")
        self.who.setWordWrap(True)
        layout.addWidget(self.who)
        layout.addWidget(self._password_box())
        layout.addWidget(self._recovery_box())
        self.autolock_box = AutoLockBox(self.window_)
        layout.addWidget(self.autolock_box)
        layout.addStretch(1)
        self.refresh()

    def _password_box(self) -> QGroupBox:
        box = QGroupBox("修改我的密码")
        col = QVBoxLayout(box)
        form = QFormLayout()
        self.old = QLineEdit()
        self.old.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("原密码", self.old)
        self.passwords = PasswordFields(form, "新密码")
        for edit in (self.old, self.passwords.password, self.passwords.again):
            edit.setMaximumWidth(320)
            edit.returnPressed.connect(self.change_password)
        col.addLayout(form)
        row = QHBoxLayout()
        self.change_button = QPushButton("修改密码")
        self.change_button.setMinimumHeight(30)
        self.change_button.clicked.connect(self.change_password)
        self.password_message = QLabel("")
        self.password_message.setWordWrap(True)
        row.addWidget(self.change_button)
        row.addWidget(self.password_message, 1)
        col.addLayout(row)
        note = QLabel("只改变您自己的密码：台账不会重新加密，其他用户和恢复码不受影响。")
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)
        col.addWidget(note)
        return box

    def _recovery_box(self) -> QGroupBox:
        self.recovery_box = QGroupBox("恢复码")
        col = QVBoxLayout(self.recovery_box)
        text = QLabel("恢复码在所有人都忘记密码时用来打开台账。恢复码遗失或可能被他人看到时，"
                      "请生成新的恢复码并打印保存：旧恢复码随即失效。")
        text.setWordWrap(True)
        col.addWidget(text)
        row = QHBoxLayout()
        self.recovery_button = QPushButton("生成并打印新的恢复码…")
        self.recovery_button.setMinimumHeight(30)
        self.recovery_button.clicked.connect(self.new_recovery_code)
        row.addWidget(self.recovery_button)
        row.addStretch(1)
        col.addLayout(row)
        return self.recovery_box

    def refresh(self) -> None:
        ledger = self.window_.ledger
        me = users.current_user(ledger)
        if me is None:
            self.who.setText("本次用恢复码打开台账，没有登录用户。可在“用户管理”中为用户重设密码。")
        else:
            shown = f"（{me.display_name}）" if me.display_name != me.username else ""
            self.who.setText(f"当前用户：<b>{me.username}</b>{shown}　角色：{me.role_name}")
        for w in (self.old, self.passwords.password, self.passwords.again, self.change_button):
            w.setEnabled(me is not None)
        self.recovery_box.setVisible(users.is_admin(ledger))

    # -- my password ---------------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self.password_message.setStyleSheet(ERROR_STYLE if error else "color: #1b7f3a;")
        self.password_message.setText(text)

    def change_password(self) -> None:
        if not self.change_button.isEnabled():
            return
        problem = self.passwords.problem()
        if not self.old.text():
            problem = "请输入原密码"
        if problem:
            self._say(problem, error=True)
            return
        old, new = self.old.text(), self.passwords.password.text()
        self.change_button.setEnabled(False)
        self.password_message.setStyleSheet("color: #555;")
        self.password_message.setText("正在修改…")

        def done(_r) -> None:
            self.change_button.setEnabled(True)
            self.old.clear()
            self.passwords.clear()
            self._say("密码已修改。下次打开台账时请使用新密码。")

        def failed(message: str) -> None:
            self.change_button.setEnabled(True)
            self.old.selectAll()
            self.old.setFocus()
            self._say(message, error=True)

        self.runner.start(self.window_.ledger,
                          lambda ledger, _p, _c: users.change_my_password(ledger, old, new),
                          name="passwd", on_done=done, on_error=failed)

    # -- recovery code -------------------------------------------------------------------
    def new_recovery_code(self) -> None:
        answer = QMessageBox.question(
            self, "生成新的恢复码", "生成新的恢复码后，旧恢复码立即失效，不能再打开本台账。\n"
            "新恢复码只显示一次，请准备好打印或抄写。继续吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.recovery_button.setEnabled(False)
        site = self.window_.site
        path = str(self.window_.ledger.path)

        def done(code: str) -> None:
            self.recovery_button.setEnabled(True)
            self.recovery_dialog = RecoveryCodeDialog(self, code, site["name"], path)
            self.recovery_dialog.open()

        def failed(message: str) -> None:
            self.recovery_button.setEnabled(True)
            QMessageBox.warning(self, "无法生成恢复码", message)

        self.runner.start(self.window_.ledger, lambda ledger, _p, _c: users.new_recovery_code(ledger),
                          name="recovery", on_done=done, on_error=failed)
