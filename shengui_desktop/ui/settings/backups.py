"""备份与恢复: this ledger's backups (the folder beside it), 立即备份, restoring one, and
检查台账完整性 (the check `shengui verify` makes: every page's checksum, SQLite's own check,
the records counted; a damaged file is told in Chinese with what to do).

Both run on the worker with progress and 取消. A restore is confirmed by a message that names
the backup, its date and the ledger file it replaces; the worker copies and checks the
backup and keeps the current ledger as a backup first; then, on this thread and with every
other connection closed, the file is swapped and the main window opened again on it (the
key is the same: no password is asked).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton,
                               QVBoxLayout, QWidget)

from ...errors import UserError
from ...services.office import backups, session, upkeep, users
from ..common import Column, DictTableModel, chinese_labels, make_table
from ..jobs import core_progress, run_with_progress

EMPTY_TEXT = "还没有备份。点击“立即备份”，把台账加密备份到上面的文件夹；建议每周备份一次，并复制到U盘另行保存。"


class BackupsTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.window_ = page.window_
        self.runner = page.runner
        self.job = None
        self.last_check: dict | None = None  # the last 检查台账完整性 result
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.folder_label = QLabel("")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_button = QPushButton("打开备份文件夹")
        self.folder_button.clicked.connect(self.open_folder)
        # 备份文件夹: where the backups (立即备份, daily, on close) go; an administrator's setting
        self.change_folder_button = QPushButton("更改…")
        self.change_folder_button.setToolTip("选择备份存放的文件夹（最好在另一块磁盘或U盘上）；此前的备份留在原处")
        self.change_folder_button.clicked.connect(self.change_folder)
        self.default_folder_button = QPushButton("恢复默认")
        self.default_folder_button.setToolTip("备份改回存入台账旁的backups文件夹")
        self.default_folder_button.clicked.connect(self.default_folder)
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        top.addWidget(self.change_folder_button)
        top.addWidget(self.default_folder_button)
        top.addWidget(self.folder_button)
        layout.addLayout(top)
        row = QHBoxLayout()  # the actions above the list
        self.backup_button = QPushButton("立即备份")
        self.usb_button = QPushButton("备份到U盘…")
        self.usb_button.setToolTip("把台账加密备份到所选的文件夹（如U盘），连同密钥文件；"
                                   "换电脑时在新电脑上选择“从备份恢复台账”")
        self.usb_button.clicked.connect(self.backup_to_folder)
        self.backup_button.setStyleSheet("font-weight: bold; padding: 0 14px;")
        self.restore_button = QPushButton("用所选备份恢复…")
        self.other_button = QPushButton("从其他备份文件恢复…")
        self.verify_button = QPushButton("检查台账完整性")
        self.verify_button.setToolTip("逐页核对台账文件的校验码和数据结构，发现损坏时说明怎样处理（只读，不修改台账）")
        self.verify_button.clicked.connect(self.verify)
        self.backup_button.clicked.connect(lambda: self.backup_now())
        self.restore_button.clicked.connect(self.restore_selected)
        self.other_button.clicked.connect(self.restore_other)
        for b in (self.backup_button, self.usb_button, self.restore_button, self.other_button,
                  self.folder_button, self.verify_button, self.change_folder_button,
                  self.default_folder_button):
            b.setMinimumHeight(30)
        row.addWidget(self.backup_button)
        row.addWidget(self.usb_button)
        row.addSpacing(12)
        row.addWidget(self.restore_button)
        row.addWidget(self.other_button)
        row.addStretch(1)
        row.addWidget(self.verify_button)
        layout.addLayout(row)
        self.status = QLabel("")  # what the last action did, beside the buttons that did it
        self.status.setWordWrap(True)
        self.status.setVisible(False)
        layout.addWidget(self.status)
        self.model = DictTableModel([
            Column("made", "备份时间", width=160),
            Column("kind", "类型", width=120),
            Column("size", "大小", width=80, align_right=True),
            Column("name", "文件"),
        ], self)
        self.table = make_table(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selected())
        layout.addWidget(self.table, 1)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #555; padding: 6px;")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.empty, 1)
        self.note = QLabel("备份是加密的台账副本（连同密钥文件 .keys），需用备份时的密码或恢复码才能打开。"
                           "恢复只替换台账中的数据；用户、密码、恢复码和本单位密钥保持现在的设置。")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        layout.addWidget(self.note)
        self.refresh()

    # -- the list ------------------------------------------------------------------------
    def refresh(self) -> None:
        path = self.window_.ledger.path
        state = backups.folder_state(path)
        self.folder_state = state
        self.folder_label.setText(f"备份文件夹：{state['folder']}" + (
            "（默认）" if state["is_default"] else f"（已更改；默认为 {state['default']}）"))
        found = backups.list_backups(path)
        self.model.set_rows([{"made": b.made_text, "kind": b.kind_name, "size": b.size_text,
                              "name": b.path.name, "backup": b} for b in found])
        self.table.setVisible(bool(found))
        self.empty.setVisible(not found)
        self._selected()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row())["backup"] if rows else None

    def _selected(self) -> None:
        admin = users.is_admin(self.window_.ledger)
        idle = self.job is None
        self.backup_button.setEnabled(idle)
        self.usb_button.setEnabled(idle)
        self.verify_button.setEnabled(idle)
        self.restore_button.setEnabled(idle and admin and self.selected() is not None)
        self.other_button.setEnabled(idle and admin)
        tip = "" if admin else "只有管理员可以从备份恢复台账"
        self.restore_button.setToolTip(tip or "先在列表中选择一份备份")
        self.other_button.setToolTip(tip)
        self.change_folder_button.setEnabled(idle and admin)
        self.default_folder_button.setEnabled(idle and admin and not self.folder_state["is_default"])
        if not admin:
            for b in (self.change_folder_button, self.default_folder_button):
                b.setToolTip("只有管理员可以设置备份文件夹")

    def say(self, text: str, colour: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")
        self.status.setVisible(bool(text))

    def change_folder(self) -> None:
        """更改…: a folder chosen; refused (unwritable, the ledger's own folder) with a
        sentence, the setting unchanged."""
        chosen = ask_backup_folder(self, self.folder_state["folder"])
        if chosen:
            self._set_folder(chosen)

    def default_folder(self) -> None:
        self._set_folder(None)

    def _set_folder(self, folder: str | None) -> None:
        try:
            now = backups.set_backup_folder(self.window_.ledger, folder)
        except UserError as e:
            self.say(str(e), "#b00020")
            QMessageBox.warning(self, "备份文件夹", str(e))
            return
        self.refresh()
        self.say(f"备份文件夹已{'恢复为默认' if folder is None else '改为'}：{now}。此前的备份留在原处。", "#2e7d32")

    def open_folder(self) -> None:
        folder = backups.backup_folder(self.window_.ledger.path)
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # -- backing up ------------------------------------------------------------------------
    def _ended(self) -> None:
        self.job = None
        self._selected()

    def backup_to_folder(self) -> None:
        """备份到U盘: the same encrypted backup with its key file, into a folder chosen."""
        if self.job is not None:
            return
        folder = ask_folder(self)
        if folder:
            self.backup_now(Path(folder))

    def backup_now(self, folder: Path | None = None) -> None:
        if self.job is not None:
            return

        def work(ledger, progress, cancelled):
            return backups.make_backup(ledger, progress=core_progress(progress), cancel=cancelled,
                                       folder=folder)

        def done(made) -> None:
            self._ended()
            self.refresh()
            if folder is None:
                self.say(f"已备份：{made.path}（{made.size_text}）")
            else:
                self.say(f"已备份到：{made.path}（{made.size_text}），密钥文件 {made.path.name}.keys 在同一文件夹，"
                         "两个文件要一起保存。换电脑时，在新电脑上选择“从备份恢复台账”并选此文件。")
            self.window_.statusBar().showMessage("已备份台账", 8000)

        def failed(message: str) -> None:
            self._ended()
            QMessageBox.warning(self, "备份失败", message)

        def cancelled() -> None:
            self._ended()
            self.say("已取消备份，未留下文件。")

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work, "正在备份台账…",
                                     done, failed)
        self.job.on("cancelled", cancelled)
        self._selected()

    # -- checking --------------------------------------------------------------------------
    def verify(self) -> None:
        """检查台账完整性 on the worker (its own connection reads the file as it is on disk)."""
        if self.job is not None:
            return

        def work(ledger, progress, cancelled):
            return upkeep.check_ledger(ledger, progress=core_progress(progress), cancel=cancelled)

        def done(result: dict) -> None:
            self._ended()
            self.last_check = result
            text = upkeep.check_text(result)
            self.say(text, "" if result["ok"] else "#b00020")
            if result["ok"]:
                self.window_.statusBar().showMessage("台账检查通过", 8000)
                QMessageBox.information(self, "检查台账完整性", text)
            else:
                QMessageBox.warning(self, "台账已损坏", text)

        def failed(message: str) -> None:
            self._ended()
            self.last_check = None
            text = f"无法检查台账：{message}\n{upkeep.DAMAGED_ADVICE}"
            self.say(text, "#b00020")
            QMessageBox.warning(self, "台账已损坏", text)

        def cancelled() -> None:
            self._ended()
            self.say("已取消检查。")

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work,
                                     "正在检查台账完整性…", done, failed)
        self.job.on("cancelled", cancelled)
        self._selected()

    # -- restoring -----------------------------------------------------------------------
    def restore_selected(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.restore(chosen.path)

    def restore_other(self) -> None:
        reason = self._other_work()
        if reason:
            QMessageBox.information(self, "请稍候", reason)
            return
        path, _ = QFileDialog.getOpenFileName(self, "选择备份文件", str(backups.backup_folder(
            self.window_.ledger.path)), "台账备份 (*.sgdb *.bak);;所有文件 (*)")
        if path:
            self.restore(Path(path))

    def _other_work(self) -> str | None:
        """Why a restore cannot start now (other background work, open windows), or None."""
        window = self.window_
        runners = [window.runner] + [getattr(p, "runner", None) for p in pages(window)]
        audit_tab = getattr(self.page, "audit_tab", None)
        if audit_tab is not None:
            runners.append(audit_tab.runner)
        if any(r is not None and r is not self.runner and r.busy() for r in runners) or \
                getattr(window.print_page, "busy", lambda: False)():
            return "正在进行其他后台工作（读取、导入、导出或打印），请等它完成后再恢复。"
        return None

    def restore(self, source: Path) -> None:
        if self.job is not None:
            return
        ledger_path = self.window_.ledger.path
        try:
            backup = backups.describe(source)
        except OSError:
            QMessageBox.warning(self, "无法恢复", f"找不到备份文件“{source}”。")
            return
        reason = self._other_work()
        if reason:
            QMessageBox.information(self, "请稍候", reason)
            return
        answer = QMessageBox.question(self, "从备份恢复台账", backups.confirm_text(ledger_path, backup, self.window_.ledger)
                                      + "\n\n确定恢复吗？")
        if answer != QMessageBox.StandardButton.Yes:
            return
        for other in list(self.window_.open_windows):  # a visit form keeps its draft first
            other.close()

        def work(ledger, progress, cancelled):
            return backups.prepare_restore(ledger, backup.path, progress=core_progress(progress),
                                           cancel=cancelled)

        def failed(message: str) -> None:
            self._ended()
            QMessageBox.warning(self, "无法恢复", message + ("" if "未作任何修改" in message
                                                          else "\n台账未作任何修改。"))

        def cancelled() -> None:
            self._ended()
            self.say("已取消恢复，台账未作任何修改。")

        self.job = run_with_progress(self, self.runner, self.window_.ledger, work,
                                     "正在检查备份并保留当前台账…", self._prepared, failed)
        self.job.on("cancelled", cancelled)
        self._selected()

    def _prepared(self, prepared) -> None:
        """On this thread, with nothing else running: swap the file, open the window again."""
        self._ended()
        window = self.window_
        window.runner.shutdown()  # nothing runs (checked before), nothing may start now
        for page in pages(window):
            runner = getattr(page, "runner", None)
            if runner is not None:
                runner.shutdown()
        old = window.ledger
        try:
            done = backups.finish_restore(old, prepared)
        except UserError as e:
            backups.discard_restore(prepared)
            self._reopen_after_failure(old, str(e), prepared.kept.path)
            return
        except OSError as e:
            backups.discard_restore(prepared)
            self._reopen_after_failure(old, str(e), prepared.kept.path)
            return
        fresh = reopen_window(window, done.ledger)
        fresh.show_page("设置")
        fresh.settings_page.show_tab("备份与恢复")
        fresh.settings_page.backups_tab.say(done.message)
        QMessageBox.information(fresh, "已恢复", done.message)

    def _reopen_after_failure(self, old, message: str, kept: Path) -> None:
        try:
            ledger = session.worker_connection(old)  # the file as it is now, same key
        except UserError as e:
            QMessageBox.critical(self, "恢复失败", f"{message}\n\n台账无法重新打开：{e}\n"
                                 f"恢复前的台账保存在“{kept}”。请关闭程序，重新打开后用它恢复。")
            return
        fresh = reopen_window(self.window_, ledger)
        fresh.show_page("设置")
        QMessageBox.warning(fresh, "恢复失败", f"{message}\n恢复前的台账另存在“{kept}”。")


def ask_backup_folder(parent: QWidget, current: str) -> str:
    """The new 备份文件夹; '' when cancelled. Tests replace it."""
    dialog = QFileDialog(parent, "选择备份文件夹", current)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chinese_labels(dialog, "选择")
    if dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return ""


def ask_folder(parent: QWidget) -> str:
    """The folder (a USB stick) to back up into; '' when cancelled. Tests replace it."""
    dialog = QFileDialog(parent, "选择备份到的文件夹（如U盘）")
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    chinese_labels(dialog, "选择")
    if dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return ""


def pages(window) -> list[QWidget]:
    """The main window's pages (whatever its navigation)."""
    return [window.stack.widget(i) for i in range(window.stack.count())]


def reopen_window(window, ledger):
    """A new main window on `ledger` replaces `window` (every page then reads the restored
    file; none keeps rows of the old one). The old window closes; it keeps the new one
    alive as `successor`."""
    fresh = type(window)(ledger, settings=window.settings, today=window.today)
    fresh.setGeometry(window.geometry())
    window.successor = fresh
    fresh.show()
    window.close()
    return fresh

