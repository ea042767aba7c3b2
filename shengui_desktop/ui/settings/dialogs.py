"""The small forms of the 设置 page: a user's details, a new password, a role, and the new
recovery code. A form runs its service call on the page's worker (a password costs a key
derivation, up to a second), shows a refusal in red inside itself and stays open, and closes
when the call succeeded."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from ...services.office import users
from ..common import APP_TITLE, code_label
from ..jobs import JobRunner
from ..start.wizard import MIN_PASSWORD, password_strength, print_recovery_sheet

ERROR_STYLE = "color: #b00020;"
STRENGTH_COLOURS = ("#b00020", "#b26a00", "#1a5fb4", "#1b7f3a")


class PasswordFields:
    """Password and its repetition, with a strength line; `problem()` says what is wrong."""

    def __init__(self, form: QFormLayout, label: str = "密码"):
        self.password = QLineEdit()
        self.again = QLineEdit()
        for edit in (self.password, self.again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"至少{MIN_PASSWORD}个字符")
        self.strength = QLabel("")
        self.password.textChanged.connect(self._strength)
        form.addRow(label, self.password)
        form.addRow("再次输入", self.again)
        form.addRow("", self.strength)

    def _strength(self, text: str) -> None:
        level, hint = password_strength(text)
        self.strength.setText(hint if text else "")
        self.strength.setStyleSheet(f"color: {STRENGTH_COLOURS[level]};")

    def problem(self) -> str | None:
        if len(self.password.text()) < MIN_PASSWORD:
            return f"密码至少需要{MIN_PASSWORD}个字符"
        if self.password.text() != self.again.text():
            return "两次输入的密码不一致"
        return None

    def clear(self) -> None:
        self.password.clear()
        self.again.clear()


class ServiceDialog(QDialog):
    """A form whose 确定 runs `call()` (built from the fields) on the worker."""

    ok_text = "确定"

    def __init__(self, parent: QWidget, runner: JobRunner, ledger, title: str, intro: str = ""):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self.runner = runner
        self.ledger = ledger
        self.result_value: Any = None
        self.on_success: Callable[[Any], None] | None = None
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.ok_text)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # what a form provides
    def problem(self) -> str | None:
        """A mistake the form can see by itself (before the service is asked)."""
        return None

    def call(self) -> Callable[[Any], Any]:
        """The service call, given the worker's ledger connection."""
        raise NotImplementedError

    def submit(self) -> None:
        if not self.ok.isEnabled():
            return
        problem = self.problem()
        if problem:
            self.message.setText(problem)
            return
        call = self.call()
        self.ok.setEnabled(False)
        self.message.setStyleSheet("color: #555;")
        self.message.setText("正在保存…")
        self.runner.start(self.ledger, lambda ledger, _p, _c: call(ledger), name=self.windowTitle(),
                          on_done=self._done, on_error=self._failed)

    def _done(self, value) -> None:
        self.result_value = value
        self.message.setText("")
        self.accept()
        if self.on_success is not None:
            self.on_success(value)

    def _failed(self, message: str) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(message)
        self.ok.setEnabled(True)


class AddUserDialog(ServiceDialog):
    ok_text = "添加"

    def __init__(self, parent, runner, ledger, roles: dict[str, str]):
        super().__init__(parent, runner, ledger, "添加用户",
                         "新用户用自己的用户名和密码打开本台账。请把初始密码当面告诉对方，"
                         "并请对方在“设置 → 我的账户”中改为只有自己知道的密码。")
        self.username = QLineEdit()
        self.username.setPlaceholderText("登录用，如 zhangsan")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("如 张三（可不填）")
        self.role = QComboBox()
        for code, name in roles.items():
            self.role.addItem(name, code)
        self.form.addRow("用户名", self.username)
        self.form.addRow("姓名", self.display_name)
        self.form.addRow("角色", self.role)
        self.passwords = PasswordFields(self.form, "初始密码")
        self.username.setFocus()

    def problem(self) -> str | None:
        if not self.username.text().strip():
            return "请填写用户名"
        return self.passwords.problem()

    def call(self):
        name, shown = self.username.text().strip(), self.display_name.text().strip() or None
        role, password = self.role.currentData(), self.passwords.password.text()
        return lambda ledger: users.add_user(ledger, name, password, role=role, display_name=shown)


class NewPasswordDialog(ServiceDialog):
    """重设密码 (an active user) or 启用 (a disabled one): a new password for someone else."""

    def __init__(self, parent, runner, ledger, username: str, enable: bool = False):
        self.ok_text = "启用" if enable else "重设密码"
        title = f"启用用户“{username}”" if enable else f"重设“{username}”的密码"
        intro = ("启用后，该用户用下面设置的新密码打开台账。" if enable else
                 "为该用户设置新密码（不需要原密码）。原密码随即失效，台账不会重新加密。")
        super().__init__(parent, runner, ledger, title, intro)
        self.username = username
        self.enable = enable
        self.passwords = PasswordFields(self.form, "新密码")

    def problem(self) -> str | None:
        return self.passwords.problem()

    def call(self):
        name, password = self.username, self.passwords.password.text()
        if self.enable:
            return lambda ledger: users.enable_user(ledger, name, password)
        return lambda ledger: users.reset_password(ledger, name, password)


class RoleDialog(ServiceDialog):
    ok_text = "保存"

    def __init__(self, parent, runner, ledger, username: str, current: str, roles: dict[str, str]):
        super().__init__(parent, runner, ledger, f"更改“{username}”的角色",
                         "角色决定该用户今后能做什么；只有管理员能管理用户和恢复备份。")
        self.username = username
        self.role = QComboBox()
        for code, name in roles.items():
            self.role.addItem(name, code)
        self.role.setCurrentIndex(max(0, self.role.findData(current)))
        self.form.addRow("角色", self.role)

    def call(self):
        name, role = self.username, self.role.currentData()
        return lambda ledger: users.set_role(ledger, name, role)


class RecoveryCodeDialog(QDialog):
    """The new recovery code, shown this once, with 打印… (the set-up wizard's sheet)."""

    def __init__(self, parent: QWidget, code: str, office: str, ledger_path: str):
        super().__init__(parent)
        self.setWindowTitle("新的恢复码")
        self.setMinimumWidth(480)
        self.code, self.office, self.ledger_path = code, office, ledger_path
        layout = QVBoxLayout(self)
        intro = QLabel("新的恢复码已生成，旧恢复码从现在起不能再打开本台账"
                       "（此前做的备份仍可用旧恢复码打开）。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.code_label = code_label(code)
        self.code_label.setStyleSheet("padding: 12px; border: 1px solid #c0c0c0; background: #fafafa;")
        layout.addWidget(self.code_label)
        explain = QLabel("恢复码只显示这一次。忘记密码时，可用它打开台账并重设密码。"
                         "请打印或抄写后锁在柜中，不要与电脑放在一起。")
        explain.setWordWrap(True)
        layout.addWidget(explain)
        row = QHBoxLayout()
        self.print_button = QPushButton("打印恢复码…")
        self.print_button.clicked.connect(self.print_code)
        self.stored = QCheckBox("我已妥善保存新的恢复码")
        row.addWidget(self.print_button)
        row.addStretch(1)
        row.addWidget(self.stored)
        layout.addLayout(row)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.accept)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)

    def print_code(self) -> None:
        if print_recovery_sheet(self, self.office, self.ledger_path, self.code):
            self.stored.setChecked(True)

    def accept(self) -> None:
        if not self.stored.isChecked():
            answer = QMessageBox.question(self, APP_TITLE, "还没有确认保存新的恢复码。关闭后它不会再显示，"
                                          "旧恢复码已经失效。确定关闭吗？")
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()
