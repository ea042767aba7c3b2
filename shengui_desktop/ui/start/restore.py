"""The first-run wizard's 从备份恢复 page: a new computer gets its ledger from a backup.

Choose the backup file (a USB stick); the page says what will be created where and from
which backup; the person gives the user name and password of the time of the backup (or the
printed recovery code); 恢复台账 runs services.office.backups.restore_new_ledger on the
worker with a progress bar and 取消. A wrong password, a damaged or foreign file or a cancel
leaves nothing on this computer and says so in Chinese; once restored, 完成 opens it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget, QWizardPage)

from ...errors import UserError
from ...services.office import backups
from ..common import ask_open_file
from ..jobs import Job, core_progress
from .host import WizardHost
from .unlock import ask_new_password


BACKUP_FILTER = "台账备份 (*.sgdb *.bak);;所有文件 (*)"
NOTHING_WRITTEN = "本机没有写入任何文件，可改正后重试。"
RED, GREEN = "#b00020", "#2e7d32"


def ask_backup_file(parent: QWidget, folder: str = "") -> str:
    """The backup to restore from (a USB stick); '' when cancelled. Tests replace it."""
    return ask_open_file(parent, "选择台账备份文件", folder, BACKUP_FILTER)


class RestorePage(QWizardPage):
    def __init__(self, wizard: WizardHost):
        super().__init__()
        self.wiz = wizard
        self.backup: backups.Backup | None = None
        self.job: Job | None = None
        self.stop = threading.Event()
        self.used_recovery = False
        self.setTitle("从备份恢复台账")
        self.setSubTitle("选择U盘等处的台账备份，输入备份时的密码（或恢复码），在本机恢复台账。")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setReadOnly(True)
        self.file.setPlaceholderText("尚未选择备份文件（.sgdb，旁边须有同名的 .keys 密钥文件）")
        self.browse = QPushButton("选择备份文件…")
        self.browse.clicked.connect(self.choose)
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        self.confirm = QLabel("")
        self.confirm.setWordWrap(True)
        self.confirm.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confirm.setStyleSheet("background: #f4f6fa; border: 1px solid #d5dbe5; padding: 6px;")
        self.confirm.setVisible(False)
        layout.addWidget(self.confirm)
        form = QFormLayout()
        self.user = QComboBox()
        self.user.setEditable(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("备份时使用的密码")
        self.password.returnPressed.connect(self.start)
        self.use_recovery = QCheckBox("忘记密码，使用恢复码")
        self.recovery = QLineEdit()
        self.recovery.setPlaceholderText("例如 E3M7H-7GZ5K-VSCKT-BCZ6Q-JQDH5（不区分大小写）")
        self.recovery_label = QLabel("恢复码")
        self.use_recovery.toggled.connect(self._toggle_recovery)
        form.addRow("用户", self.user)
        form.addRow("密码", self.password)
        form.addRow("", self.use_recovery)
        form.addRow(self.recovery_label, self.recovery)
        layout.addLayout(form)
        self._toggle_recovery(False)
        actions = QHBoxLayout()
        self.restore_button = QPushButton("恢复台账")
        self.restore_button.setStyleSheet("font-weight: bold; padding: 2px 16px;")
        self.restore_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.restore_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("取消恢复")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setVisible(False)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        actions.addWidget(self.restore_button)
        actions.addWidget(self.bar, 1)
        actions.addWidget(self.cancel_button)
        actions.addStretch(0)
        layout.addLayout(actions)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._update()

    # -- the form --------------------------------------------------------------------------
    def _toggle_recovery(self, on: bool) -> None:
        self.recovery.setVisible(on)
        self.recovery_label.setVisible(on)
        self.password.setEnabled(not on)

    def _say(self, text: str, colour: str = "#333") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")

    def choose(self) -> None:
        folder = str(self.backup.path.parent) if self.backup else ""
        chosen = ask_backup_file(self, folder)
        if chosen:
            self.set_backup(Path(chosen))

    def set_backup(self, path: Path) -> None:
        """Show what restoring `path` would create, and the users its key file knows."""
        self.backup = None
        self.file.setText(str(path))
        self.confirm.setVisible(False)
        self.user.clear()
        try:
            backup = backups.describe(path)
            names = backups.backup_users(path)
        except UserError as e:
            self._say(str(e), RED)
        except OSError:
            self._say(f"找不到备份文件“{path}”。", RED)
        else:
            self.backup = backup
            self.user.addItems(names)
            self.confirm.setText(backups.new_place_text(self.wiz.path, backup))
            self.confirm.setVisible(True)
            self._say("请输入备份时的用户名和密码，然后点击“恢复台账”。")
            self.password.setFocus()
        self._update()

    def _update(self) -> None:
        idle = self.job is None
        done = self.wiz.ledger is not None
        self.restore_button.setEnabled(idle and not done and self.backup is not None)
        for w in (self.browse, self.user, self.use_recovery, self.recovery):
            w.setEnabled(idle and not done)
        self.password.setEnabled(idle and not done and not self.use_recovery.isChecked())
        self.cancel_button.setVisible(not idle)
        self.bar.setVisible(not idle)
        self.completeChanged.emit()

    def running(self) -> bool:
        return self.job is not None

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.ledger is not None

    def nextId(self) -> int:  # noqa: N802
        return -1

    # -- the worker ------------------------------------------------------------------------
    def start(self) -> None:
        if self.job is not None or self.backup is None or self.wiz.ledger is not None:
            return
        code = self.recovery.text().strip() if self.use_recovery.isChecked() else None
        password = None if code else self.password.text()
        if not code and not password:
            self._say("请输入备份时的密码，或勾选“使用恢复码”并输入恢复码。", RED)
            return
        user = self.user.currentText().strip() or None
        path, source = self.wiz.path, self.backup.path
        self.used_recovery = bool(code)
        self.stop = threading.Event()  # the page's own flag: once the file is in place,
        stop = self.stop                # a late 取消 must not lose the opened ledger

        def work(_ledger, progress, _cancelled):
            return backups.restore_new_ledger(path, source, password=password, user=user,
                                              recovery_code=code, progress=core_progress(progress),
                                              cancel=stop)

        self.bar.setRange(0, 0)
        self._say("正在核对密码并复制、检查备份…")
        self.job = self.wiz.runner.start(None, work, name="restore", on_done=self._restored,
                                         on_error=self._failed, on_progress=self._progress)
        self.job.on("cancelled", self._cancelled)
        self._update()

    def _progress(self, done: int, total: int, text: str) -> None:
        if total and text == "复制并检查备份":
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * done / total))
        else:
            self.bar.setRange(0, 0)
        if text:
            self._say(f"正在{text}…")

    def cancel(self) -> None:
        if self.job is not None:
            self.stop.set()
            self._say("正在取消…")

    def _restored(self, ledger) -> None:
        self.job = None
        self.wiz.ledger = ledger
        self._update()
        if self.used_recovery:
            ask_new_password(self, ledger, self.recovery.text().strip(),
                             self.user.currentText().strip() or "admin")
        self._say(f"已恢复台账：{self.wiz.path}\n点击“打开台账”开始使用。", GREEN)
        self.wiz.setButtonText(self.wiz.WizardButton.FinishButton, "打开台账")

    def _failed(self, message: str) -> None:
        self.job = None
        self._say(f"{message}\n{NOTHING_WRITTEN}", RED)
        self._update()
        (self.recovery if self.use_recovery.isChecked() else self.password).selectAll()

    def _cancelled(self) -> None:
        self.job = None
        self._say(f"已取消恢复。{NOTHING_WRITTEN}", "#9a5b00")
        self._update()
