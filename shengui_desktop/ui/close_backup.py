"""The automatic backup when the window closes, on the worker (issue 19).

A big ledger's copy took as long as it took on the GUI thread, the window frozen and
unanswering. Now the main window's closeEvent ignores the first close and starts the backup
(services/office/backups.py backup_on_close) on the worker (ui/jobs.py) with a small
progress dialog, 正在备份…; then it closes. 取消 asks first (不备份，直接关闭 / 继续备份) and
closes without the backup. A backup that fails shows what went wrong with 仍然关闭 / 取消
(the window stays open, to back up by hand or free the disk).
"""

from __future__ import annotations

from typing import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..services.office import backups
from .jobs import Job, JobRunner, core_progress

TITLE = "关闭前自动备份"


def confirm_skip(parent: QWidget) -> bool:
    """取消 pressed: close without the backup? (继续备份 the default)."""
    box = QMessageBox(QMessageBox.Icon.Question, TITLE,
                      "不等备份完成就关闭吗？本次关闭将不做自动备份（此前的备份不受影响）。",
                      QMessageBox.StandardButton.NoButton, parent)
    skip = box.addButton("不备份，直接关闭", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("继续备份", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    return box.clickedButton() is skip


def close_anyway(parent: QWidget, problem: str) -> bool:
    """The backup failed: 仍然关闭 / 取消 (取消 the default: the window stays open)."""
    box = QMessageBox(QMessageBox.Icon.Warning, TITLE,
                      f"{problem}\n\n仍然关闭吗？选“取消”则不关闭，可以在“设置 → 备份与恢复”中另行备份。",
                      QMessageBox.StandardButton.NoButton, parent)
    go = box.addButton("仍然关闭", QMessageBox.ButtonRole.AcceptRole)
    stay = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.exec()
    return box.clickedButton() is go


class CloseBackup:
    """One close's backup: started by `start`, then `close_now()` (the window closes for
    good) or, after a failed backup the person chose to stay with, nothing."""

    def __init__(self, parent: QWidget, runner: JobRunner, ledger, close_now: Callable[[], None],
                 on_stay: Callable[[], None]):
        self.parent, self.runner, self.ledger = parent, runner, ledger
        self.close_now, self.on_stay = close_now, on_stay
        self.job: Job | None = None
        self.dialog: QProgressDialog | None = None
        self.ended = False

    def start(self) -> None:
        dialog = QProgressDialog("正在备份…", "取消", 0, 0, self.parent)
        dialog.setWindowTitle(TITLE)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(320)
        self.dialog = dialog

        def work(own, progress, cancelled):
            return backups.backup_on_close(own, progress=core_progress(progress), cancel=cancelled)

        def progress(done: int, total: int, _text: str) -> None:
            if self.dialog is not None and shiboken6.isValid(self.dialog):
                self.dialog.setMaximum(max(total, 0))
                self.dialog.setValue(min(done, total) if total else 0)

        self.job = self.runner.start(self.ledger, work, name="close_backup", on_done=self._done,
                                     on_error=self._done, on_progress=progress)
        self.job.on("cancelled", self._cancelled)
        dialog.canceled.connect(self._cancel_pressed)
        dialog.show()

    def _hide(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.canceled.disconnect(self._cancel_pressed)
            dialog.close()
            dialog.deleteLater()

    def _cancel_pressed(self) -> None:
        if self.ended or self.job is None:
            return
        if confirm_skip(self.parent):
            self.job.cancel()  # the backup stops and leaves nothing; _cancelled closes
        else:  # 继续备份: shown again once the dialog has hidden itself for the 取消
            QTimer.singleShot(0, self._show_again)

    def _show_again(self) -> None:
        if not self.ended and self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.show()

    def _done(self, problem: str | None) -> None:
        self.ended = True
        self._hide()
        if problem and not close_anyway(self.parent, problem):
            self.on_stay()
            return
        self.close_now()

    def _cancelled(self) -> None:
        self.ended = True
        self._hide()
        self.close_now()
