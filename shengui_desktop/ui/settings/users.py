"""用户管理 (administrators only): who may open this ledger, with what role; add a user,
reset a password, change a role, disable or enable. Every change is a call of
services/office/users.py, which checks again that the signed-in person is an administrator."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from ...services.office import users
from ..common import Column, DictTableModel, make_table
from .dialogs import AddUserDialog, NewPasswordDialog, RoleDialog

DISABLED_BRUSH = QBrush(QColor("#eeeeee"))


class UsersTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.window_ = page.window_
        self.runner = page.runner
        self.dialog = None  # the form open now (tests reach it here)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        intro = QLabel("每位使用本台账的人员应有自己的用户名和密码。停用的用户不能再打开台账，"
                       "其记录保留。只有管理员能管理用户。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = DictTableModel([
            Column("username", "用户名", width=140),
            Column("display_name", "姓名", width=140),
            Column("role_name", "角色", width=120),
            Column("status", "状态", width=130),
            Column("created", "添加时间"),
        ], self, row_brush=lambda row: None if row["active"] else DISABLED_BRUSH)
        self.table = make_table(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected())
        self.table.doubleClicked.connect(lambda _i: self.change_role())
        row = QHBoxLayout()  # the actions above the list, where the eye is
        self.add_button = QPushButton("添加用户…")
        self.reset_button = QPushButton("重设密码…")
        self.role_button = QPushButton("更改角色…")
        self.disable_button = QPushButton("停用")
        self.add_button.clicked.connect(self.add_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.role_button.clicked.connect(self.change_role)
        self.disable_button.clicked.connect(self.disable_or_enable)
        for b in (self.add_button, self.reset_button, self.role_button, self.disable_button):
            b.setMinimumHeight(30)
            row.addWidget(b)
        self.add_button.setStyleSheet("font-weight: bold; padding: 0 12px;")
        self.hint = QLabel("选中一位用户后，可重设密码、更改角色或停用。")
        self.hint.setStyleSheet("color: #555;")
        row.addSpacing(8)
        row.addWidget(self.hint)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel("")  # what the last action did
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #1b7f3a;")
        self.status.setVisible(False)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.refresh()

    # -- the list ------------------------------------------------------------------------
    def refresh(self) -> None:
        chosen = self.selected()
        ledger = self.window_.ledger
        me = ledger.user
        rows = []
        for u in users.list_users(ledger):
            row = u.as_dict()
            row["status"] = u.status + ("（当前登录）" if u.username == me else "")
            row["created"] = u.created_at.replace("T", " ")
            rows.append(row)
        self.model.set_rows(rows)
        names = [r["username"] for r in rows]
        if chosen and chosen["username"] in names:
            self.table.selectRow(names.index(chosen["username"]))
        self._selected()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.row(rows[0].row()) if rows else None

    def select(self, username: str) -> None:
        names = [r["username"] for r in self.model.rows_data]
        self.table.selectRow(names.index(username))

    def _selected(self) -> None:
        row = self.selected()
        for b in (self.reset_button, self.role_button, self.disable_button):
            b.setEnabled(row is not None)
        self.hint.setVisible(row is None)
        if row is None:
            self.disable_button.setText("停用")
            return
        self.disable_button.setText("停用" if row["active"] else "启用…")
        self.reset_button.setEnabled(row["active"])
        self.disable_button.setEnabled(row["username"] != self.window_.ledger.user)
        self.disable_button.setToolTip("" if row["username"] != self.window_.ledger.user
                                       else "不能停用当前登录的用户")

    # -- actions -------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _open(self, dialog, done_text) -> None:
        def done(result) -> None:
            self.refresh()
            name = getattr(result, "username", None)
            if name:
                self.select(name)
            self.say(done_text(result))
            self.page.users_changed()
        dialog.on_success = done
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def add_user(self) -> None:
        dialog = AddUserDialog(self, self.runner, self.window_.ledger, users.roles(self.window_.ledger))
        self._open(dialog, lambda u: f"已添加用户“{u.username}”（{u.role_name}）。请把初始密码当面告诉对方。")

    def reset_password(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = NewPasswordDialog(self, self.runner, self.window_.ledger, row["username"])
        self._open(dialog, lambda _r: f"已为“{row['username']}”设置新密码。")

    def change_role(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = RoleDialog(self, self.runner, self.window_.ledger, row["username"], row["role"],
                            users.roles(self.window_.ledger))
        self._open(dialog, lambda u: f"“{u.username}”的角色已改为{u.role_name}。")

    def disable_or_enable(self) -> None:
        row = self.selected()
        if row is None:
            return
        name = row["username"]
        if not row["active"]:
            dialog = NewPasswordDialog(self, self.runner, self.window_.ledger, name, enable=True)
            self._open(dialog, lambda _u: f"已启用“{name}”，请把新密码当面告诉对方。")
            return
        answer = QMessageBox.question(
            self, "停用用户", f"停用“{name}”（{row['display_name']}）？\n\n停用后该用户的密码不能再打开台账，"
            "其走访等记录保留；以后可以重新启用（需设置新密码）。")
        if answer != QMessageBox.StandardButton.Yes:
            return
        ledger = self.window_.ledger

        def done(_user) -> None:
            self.refresh()
            self.say(f"已停用“{name}”。")

        def failed(message: str) -> None:
            self.say("")
            QMessageBox.warning(self, "无法停用", message)

        self.runner.start(ledger, lambda worker, _p, _c: users.disable_user(worker, name),
                          name="disable", on_done=done, on_error=failed)
