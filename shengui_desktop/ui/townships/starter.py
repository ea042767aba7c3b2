"""乡镇与部门 → 制作乡镇初始包…: the county's starter package for a new township (#21 item 5).

The county chooses the township (of its list, with no enrolled office yet) and how the file is
protected (a one-time code the program makes, or a passphrase of the county's own), then
where to save it; services/office/starter.py `make_starter` runs on the worker with progress
and 取消. The one-time code is then shown large, with 打印 for the sheet the cadre takes
with the file (on paper, apart from the USB stick).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QRadioButton, QStackedWidget,
                               QVBoxLayout, QWidget)

from ...services.office import starter
from ..common import APP_TITLE, ask_save_file, code_label, print_html
from ..jobs import Job, JobRunner, core_progress

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

RED, GREEN = "#b00020", "#2e7d32"


def starter_sheet_html(made: starter.StarterMade) -> str:
    """The sheet printed for the township's cadre: the code, what the file is, what to do."""
    e = html.escape
    return (f"<h2>{e(APP_TITLE)} — 乡镇初始包初始码</h2>"
            f"<p>乡镇：{e(made.township)}（{e(made.area_code)}）</p>"
            f"<p>县级单位：{e(made.county)}　县级证书指纹：{e(made.fingerprint)}</p>"
            f"<p>初始包文件：{e(made.path.name)}（企业{made.enterprises}户，政策配置：{e(made.profile)}）</p>"
            f"<p style='font-size:24pt; font-family:monospace'><b>{e(made.code or '')}</b></p>"
            "<p>使用方法：在乡镇的电脑上安装本程序，第一次打开时选择“从县里的初始包开始”，选择上述文件，"
            "输入此初始码（不区分大小写），核对县级证书指纹与本页一致后，设置管理员和密码。"
            "建账后请导出第一个同步包交回县里。</p>"
            "<p>本页与初始包文件请分开交付、妥善保管；初始码只能用于这一个文件。</p>")


def print_starter_sheet(parent: QWidget, made: starter.StarterMade) -> bool:
    """The code on paper through the system print dialog; False when cancelled."""
    return print_html(parent, starter_sheet_html(made))


class StarterDialog(QDialog):
    def __init__(self, ledger: Ledger, parent: QWidget | None = None, township: str | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.runner = JobRunner(self)
        self.job: Job | None = None
        self.made: starter.StarterMade | None = None
        self.setWindowTitle("制作乡镇初始包")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.stack.addWidget(self._form_page(township))
        self.stack.addWidget(self._done_page())
        buttons = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.save_button = QPushButton("保存初始包…")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(0)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._choose_kind()

    # -- the form -------------------------------------------------------------------------
    def _form_page(self, township: str | None) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("为尚未建账的乡镇制作初始包：包含本县的县级证书、乡镇名称和代码、当前政策配置"
                       "（含本县修订版）、该乡镇的企业及其月度数据、库别和走访记录、目标任务。乡镇在第一次打开"
                       "程序时选择“从县里的初始包开始”即可建账；它发来的第一个同步包将自动登记其密钥。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.township = QComboBox()
        self.choices = starter.township_choices(self.ledger)
        for t in self.choices:
            label = f"{t['name']}（{t['code']}）企业{t['enterprises']}户"
            if t["enrolled"]:
                label += "　已登记台账"
            elif t["starter_used"]:
                label += "　初始包已使用"
            elif t["starter_made"]:
                label += f"　已于{t['starter_made'][:10]}制作过（重新制作后原包作废）"
            self.township.addItem(label, t["code"])
            if t["enrolled"]:  # an enrolled office is re-keyed, not set up again
                item = self.township.model().item(self.township.count() - 1)
                item.setEnabled(False)
        first = next((i for i, t in enumerate(self.choices) if not t["enrolled"]
                      and (township is None or t["code"] == township)), None)
        if first is None:
            first = next((i for i, t in enumerate(self.choices) if not t["enrolled"]), -1)
        self.township.setCurrentIndex(first)
        form.addRow("乡镇", self.township)
        self.kinds = QButtonGroup(self)
        self.by_code = QRadioButton("一次性初始码（推荐）：制作后显示并可打印，随纸交给乡镇经办人")
        self.by_passphrase = QRadioButton("县里自定密码：")
        self.by_code.setChecked(True)
        for i, b in enumerate((self.by_code, self.by_passphrase)):
            self.kinds.addButton(b, i)
            b.toggled.connect(self._choose_kind)
        form.addRow("加密方式", self.by_code)
        form.addRow("", self.by_passphrase)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setPlaceholderText(f"至少{starter.MIN_PASSPHRASE}个字符")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("密码", self.passphrase)
        form.addRow("再次输入", self.confirm)
        layout.addLayout(form)
        if not any(not t["enrolled"] for t in self.choices):
            empty = QLabel("乡镇列表中没有尚未登记台账的乡镇：请先在“乡镇与部门”页点“添加乡镇…”，"
                           "填写新乡镇的名称和9位代码，再制作初始包。")
            empty.setWordWrap(True)
            empty.setStyleSheet(f"color: {RED};")
            layout.addWidget(empty)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.done_title = QLabel("")
        self.done_title.setWordWrap(True)
        self.done_title.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
        layout.addWidget(self.done_title)
        self.code_label = code_label(point_size=24, centred=False)
        self.code_label.setStyleSheet("background: #fffbe6; border: 1px solid #e0c060; padding: 10px;")
        layout.addWidget(self.code_label)
        self.code_note = QLabel("")
        self.code_note.setWordWrap(True)
        layout.addWidget(self.code_note)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setStyleSheet("background: #f4f6fa; border: 1px solid #d5dbe5; padding: 6px;")
        layout.addWidget(self.details)
        self.print_button = QPushButton("打印初始码…")
        self.print_button.clicked.connect(lambda: print_starter_sheet(self, self.made) if self.made else None)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _choose_kind(self, *_args) -> None:
        own = self.by_passphrase.isChecked()
        for w in (self.passphrase, self.confirm):
            w.setEnabled(own)

    def _say(self, text: str, colour: str = "#333") -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")

    def chosen_township(self) -> str | None:
        code = self.township.currentData()
        return str(code) if code else None

    # -- the work ---------------------------------------------------------------------------
    def save(self) -> None:
        if self.job is not None:
            return
        code = self.chosen_township()
        if code is None:
            self._say("请选择要制作初始包的乡镇。", RED)
            return
        passphrase = None
        if self.by_passphrase.isChecked():
            passphrase = self.passphrase.text()
            if passphrase != self.confirm.text():
                self._say("两次输入的密码不一致。", RED)
                return
            if len(passphrase.strip()) < starter.MIN_PASSPHRASE:
                self._say(f"密码至少需要{starter.MIN_PASSPHRASE}个字符。", RED)
                return
        try:
            suggested = starter.starter_file_name(self.ledger, code)
        except starter.StarterError as e:
            self._say(str(e), RED)
            return
        path = ask_save_file(self, "保存乡镇初始包", suggested, starter.FILTER, "sgstart")
        if not path:
            return
        self.start(Path(path), code, passphrase)

    def start(self, path: Path, township: str, passphrase: str | None) -> None:
        """Make the starter on the worker (tests call this instead of the save dialog)."""
        def work(ledger, progress, cancelled):
            return starter.make_starter(ledger, township, path, passphrase=passphrase, overwrite=True,
                                        progress=core_progress(progress), cancel=cancelled)

        self._say("正在制作初始包…")
        self.progress.setRange(0, 0)
        self.job = self.runner.start(self.ledger, work, name="starter", on_done=self._made,
                                     on_error=self._failed, on_progress=self._progress)
        self.job.on("cancelled", self._cancelled)
        self._busy(True)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.township.setEnabled(not busy)
        self.cancel_button.setText("取消制作" if busy else ("关闭" if self.made else "取消"))

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if text:
            self._say(f"正在{text}…")

    def _made(self, made: starter.StarterMade) -> None:
        self.job = None
        self.made = made
        self._busy(False)
        self.save_button.setVisible(False)
        self.done_title.setText(f"已制作“{made.township}”的初始包。")
        if made.code:
            self.code_label.setText(made.code)
            self.code_note.setText("这是打开该初始包的初始码，只显示这一次：请打印或抄写后交给乡镇经办人，"
                                   "与初始包文件分开交付（文件在U盘上，初始码在纸上）。")
        else:
            self.code_label.setVisible(False)
            self.print_button.setVisible(False)
            self.code_note.setText("初始包用县里自定的密码加密：请另行（当面或电话）告知乡镇经办人。")
        self.details.setText("\n".join(made.lines()) + "\n该乡镇用此包建账后发来的第一个同步包将自动登记其密钥"
                             "（无需电话核对指纹）；本县审计日志已记录此次制作。")
        self.stack.setCurrentIndex(1)
        # the code page is taller than the form: grow to show all of it (word-wrapped lines)
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.heightForWidth(self.width()),
                                      self.sizeHint().height()))

    def _failed(self, message: str) -> None:
        self.job = None
        self._busy(False)
        self._say(f"未能制作初始包：{message}", RED)

    def _cancelled(self) -> None:
        self.job = None
        self._busy(False)
        self._say("已取消，未写入任何文件，台账未作修改。", "#9a5b00")

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self._say("正在取消…")
            return
        if self.made is not None:
            self.accept()
        else:
            self.reject()

    def reject(self) -> None:
        if self.job is not None:
            self.job.cancel()
            return
        self.runner.shutdown()
        super().reject()

    def accept(self) -> None:
        self.runner.shutdown()
        super().accept()
