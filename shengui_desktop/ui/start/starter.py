"""The first-run wizard's 从县里的初始包开始 path: a township set up from the county's file.

1. :class:`StarterPage`: choose the `.sgstart` file (a USB stick), type the code the county
   printed, 核对 (on the worker: the code's key derivation takes a second): the page shows
   what it holds (county and its key fingerprint, township, enterprises, profile), to confirm.
2. The wizard's 管理员 page: the ledger's own administrator and password.
3. :class:`StarterDonePage`: the ledger is created from the file on the worker with a
   progress bar and 取消 (services/office/starter.py `set_up_from_starter`: one transaction,
   nothing left behind on a failure or a cancel), then the recovery code is shown once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QVBoxLayout, QWidget, QWizardPage)

from ...services.office import starter
from ..common import ask_open_file, code_label
from ..jobs import Job, core_progress
from .host import WizardHost


RED, GREEN, GREY = "#b00020", "#2e7d32", "#555"
NOTHING_WRITTEN = "本机没有写入任何文件。"


def ask_starter_file(parent: QWidget, folder: str = "") -> str:
    """The starter package to open (a USB stick); '' when cancelled. Tests replace it."""
    return ask_open_file(parent, "选择县里的初始包", folder, starter.FILTER)


class StarterPage(QWizardPage):
    """The file, the code, and what the file holds."""

    def __init__(self, wizard: WizardHost):
        super().__init__()
        self.wiz = wizard
        self.path: Path | None = None
        self.preview: starter.StarterPreview | None = None
        self.job: Job | None = None
        self.setTitle("从县里的初始包开始")
        self.setSubTitle("县里在“乡镇与部门”页为本乡镇制作的初始包（.sgstart 文件）和打印的初始码，"
                         "包含县级证书、本乡镇名称和代码、政策配置和本乡镇的企业。")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.file = QLineEdit()
        self.file.setReadOnly(True)
        self.file.setPlaceholderText("尚未选择初始包文件（.sgstart）")
        self.browse = QPushButton("选择初始包…")
        self.browse.clicked.connect(self.choose)
        row.addWidget(self.file, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText("如 K7M2Q-X9P4H-T8ABC-DEFGH（不区分大小写，短横线可不输）")
        self.code.returnPressed.connect(self.check)
        self.check_button = QPushButton("核对")
        self.check_button.clicked.connect(self.check)
        code_row = QHBoxLayout()
        code_row.addWidget(self.code, 1)
        code_row.addWidget(self.check_button)
        form.addRow("初始码", code_row)
        layout.addLayout(form)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setVisible(False)
        layout.addWidget(self.bar)
        self.contents = QLabel("")
        self.contents.setWordWrap(True)
        self.contents.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.contents.setStyleSheet("background: #f4f6fa; border: 1px solid #d5dbe5; padding: 8px;")
        self.contents.setVisible(False)
        layout.addWidget(self.contents)
        self.message = QLabel("请选择县里给的初始包文件，输入初始码，然后点“核对”。")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        where = QLabel(f"台账将保存在：{wizard.path}")
        where.setWordWrap(True)
        where.setStyleSheet(f"color: {GREY};")
        layout.addWidget(where)
        self.code.textChanged.connect(self._forget)
        self._update()

    def _say(self, text: str, colour: str = "#333") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")

    def _forget(self, *_args) -> None:
        """A changed file or code must be checked again before going on."""
        if self.preview is not None:
            self.preview = None
            self.contents.setVisible(False)
            self._say("请点“核对”。")
        self._update()

    def _update(self) -> None:
        idle = self.job is None
        for w in (self.browse, self.code):
            w.setEnabled(idle)
        self.check_button.setEnabled(idle and self.path is not None and bool(self.code.text().strip()))
        self.bar.setVisible(not idle)
        self.completeChanged.emit()

    def choose(self) -> None:
        chosen = ask_starter_file(self, str(self.path.parent) if self.path else "")
        if chosen:
            self.path = Path(chosen)
            self.file.setText(chosen)
            self._forget()
            self._say("请输入县里打印的初始码，然后点“核对”。")
            self.code.setFocus()
            self._update()

    def check(self) -> None:
        if self.job is not None or self.path is None or not self.code.text().strip():
            return
        path, code = self.path, self.code.text()

        def work(_ledger, _progress, _cancelled):
            return starter.preview_starter(path, code)

        self._say("正在核对初始码和初始包…")
        self.job = self.wiz.runner.start(None, work, name="starter-check", on_done=self._checked,
                                         on_error=self._failed)
        self._update()

    def _checked(self, preview: starter.StarterPreview) -> None:
        self.job = None
        self.preview = preview
        self.contents.setText("\n".join(preview.lines()))
        self.contents.setVisible(True)
        self._say("请与县里核对以上内容（特别是县级证书指纹），无误后点“下一步”设置管理员和密码。", GREEN)
        self._update()

    def _failed(self, message: str) -> None:
        self.job = None
        self.preview = None
        self.contents.setVisible(False)
        self._say(f"{message}\n{NOTHING_WRITTEN}", RED)
        self.code.selectAll()
        self._update()

    def running(self) -> bool:
        return self.job is not None

    def isComplete(self) -> bool:  # noqa: N802
        return self.preview is not None and self.job is None

    def nextId(self) -> int:  # noqa: N802
        return self.wiz.ADMIN


class RecoveryBox(QWidget):
    """The recovery code, shown once, with 打印 and 我已妥善保存恢复码 (hidden until set)."""

    def __init__(self, page: StarterDonePage):
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.title = QLabel("恢复码（只显示这一次）：")
        self.code = code_label()
        self.explain = QLabel("忘记密码时，可用恢复码打开台账并重设密码。请打印或抄写后锁在柜中，不要与电脑放在一起。")
        self.explain.setWordWrap(True)
        self.print_button = QPushButton("打印恢复码…")
        self.print_button.clicked.connect(self.print_code)
        self.stored = QCheckBox("我已妥善保存恢复码")
        self.stored.toggled.connect(page.completeChanged)
        for w in (self.title, self.code, self.explain, self.print_button, self.stored):
            layout.addWidget(w)
        self.setVisible(False)

    def show_code(self, code: str) -> None:
        self.code.setText(code)
        self.setVisible(True)

    def print_code(self) -> None:
        self.page.wiz.print_recovery(self, self.page.office_name(), self.code.text())


class StarterDonePage(QWizardPage):
    """Creates the ledger from the starter on the worker (progress, 取消), then shows the
    recovery code once, as the new-ledger path does."""

    def __init__(self, wizard: WizardHost):
        super().__init__()
        self.wiz = wizard
        self.job: Job | None = None
        self.setTitle("从初始包建账")
        layout = QVBoxLayout(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        actions = QHBoxLayout()
        self.bar = QProgressBar()
        self.cancel_button = QPushButton("取消建账")
        self.cancel_button.clicked.connect(self.cancel)
        actions.addWidget(self.bar, 1)
        actions.addWidget(self.cancel_button)
        layout.addLayout(actions)
        self.recovery = RecoveryBox(self)
        layout.addWidget(self.recovery)
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802
        preview = self.wiz.starter_page.preview
        admin = self.wiz.admin
        if preview is None or self.wiz.ledger is not None:
            return
        args = dict(admin_user=admin.user.text().strip(), password=admin.password.text(),
                    display_name=admin.display.text().strip() or None)
        path = self.wiz.path

        def work(_ledger, progress, cancelled):
            made = starter.set_up_from_starter(path, preview, progress=core_progress(progress),
                                               cancel=cancelled, **args)
            return made.ledger, made.recovery_code, made.notes

        self.status.setText(f"正在从初始包建立“{preview.township}”的台账…")
        self.status.setStyleSheet("")
        self.bar.setRange(0, 0)
        self.job = self.wiz.runner.start(None, work, name="starter-create", on_done=self._created,
                                         on_error=self._failed, on_progress=self._progress)
        self.job.on("cancelled", self._cancelled)
        self._update()

    def _update(self) -> None:
        busy = self.job is not None
        self.bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.completeChanged.emit()

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if text:
            self.status.setText(f"正在{text}…")

    def running(self) -> bool:
        return self.job is not None

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.status.setText("正在取消…")

    def _created(self, result) -> None:
        self.job = None
        ledger, code, notes = result
        self.wiz.ledger = ledger
        self.wiz.recovery_code = code
        self.status.setText("台账已创建。\n" + "\n".join(notes))
        self.status.setStyleSheet(f"color: {GREEN};")
        self.recovery.show_code(code)
        self.wiz.setButtonText(self.wiz.WizardButton.FinishButton, "打开台账")
        self._update()

    def _failed(self, message: str) -> None:
        self.job = None
        self.status.setText(f"建账失败：{message}\n{NOTHING_WRITTEN}请点“取消”后重新开始。")
        self.status.setStyleSheet(f"color: {RED};")
        self._update()

    def _cancelled(self) -> None:
        self.job = None
        self.status.setText(f"已取消建账。{NOTHING_WRITTEN}")
        self.status.setStyleSheet("color: #9a5b00;")
        self._update()

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.ledger is not None and self.recovery.stored.isChecked()

    def nextId(self) -> int:  # noqa: N802
        return -1

    def office_name(self) -> str:
        preview = self.wiz.starter_page.preview
        return preview.township if preview else ""
