"""First-run wizard: a new ledger (role, office, administrator, certificate or profile,
recovery code); on a new computer, a ledger restored from a backup file (choose the file,
confirm what will be created, the password of the time of the backup or the recovery code,
progress, open); or a township's ledger from the county's starter package (the file and its
code, what it holds, administrator, progress, recovery code: ui/start/starter.py). All do
their work through services/office/ on the worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QRadioButton,
                               QVBoxLayout, QWizard, QWizardPage)

from ...errors import UserError
from ...services import policy
from ...services.office.setup import ROLES, check_area_code, check_county_certificate, set_up_office
from ..common import APP_TITLE, code_label, print_html
from ..jobs import JobRunner
from .restore import RestorePage
from .starter import StarterDonePage, StarterPage

MIN_PASSWORD = 8


def password_strength(password: str) -> tuple[int, str]:
    """(0–3, hint) for the strength label; the key slot itself enforces only the minimum."""
    if len(password) < MIN_PASSWORD:
        return 0, f"太短：至少{MIN_PASSWORD}个字符"
    kinds = sum(any(test(c) for c in password) for test in (
        str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum()))
    if len(password) >= 12 and kinds >= 3:
        return 3, "强"
    if len(password) >= 10 and kinds >= 2:
        return 2, "中等：可再加长或混用大小写、数字、符号"
    return 1, "弱：建议至少10个字符，混用字母、数字和符号"


class StartPage(QWizardPage):
    """新建台账, 从县里的初始包开始 (a new township the county prepared), or 从备份恢复 when
    this computer replaces one whose ledger was backed up."""

    def __init__(self, path: Path):
        super().__init__()
        self.setTitle("开始使用")
        self.setSubTitle("本电脑上还没有台账。")
        layout = QVBoxLayout(self)
        self.new_button = QRadioButton("新建台账")
        self.new_button.setChecked(True)
        new_note = QLabel("第一次使用本程序：设置本单位、管理员和密码，生成新的加密台账。")
        self.starter_button = QRadioButton("从县里的初始包开始（乡镇）")
        starter_note = QLabel("县里已为本乡镇制作了初始包（.sgstart 文件）并给了初始码：县级证书、本乡镇名称"
                              "和代码、政策配置和本乡镇的企业一次导入，不必手工填写和交换证书。")
        self.restore_button = QRadioButton("从备份恢复台账")
        restore_note = QLabel("原来的电脑坏了或换了新电脑：用U盘上的台账备份（.sgdb 文件及其旁边的"
                              " .keys 密钥文件）和备份时的密码或恢复码，在本机恢复台账。")
        for note in (new_note, starter_note, restore_note):
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; margin-left: 22px; margin-bottom: 10px;")
        for w in (self.new_button, new_note, self.starter_button, starter_note,
                  self.restore_button, restore_note):
            layout.addWidget(w)
        where = QLabel(f"台账将保存在：{path}")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setStyleSheet("color: #555;")
        layout.addStretch(1)
        layout.addWidget(where)

    def nextId(self) -> int:  # noqa: N802
        wizard = self.wizard()
        if wizard is None:
            return -1
        if self.starter_button.isChecked():
            return wizard.STARTER
        return wizard.RESTORE if self.restore_button.isChecked() else wizard.OFFICE


class OfficePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("本单位")
        self.setSubTitle("选择本台账属于乡镇（街道）还是县（区、市），并填写单位名称和统计用区划代码。")
        layout = QVBoxLayout(self)
        self.roles = QButtonGroup(self)
        row = QHBoxLayout()
        self.role_buttons: dict[str, QRadioButton] = {}
        for i, (code, label) in enumerate(ROLES.items()):
            button = QRadioButton(label)
            self.roles.addButton(button, i)
            self.role_buttons[code] = button
            row.addWidget(button)
        self.role_buttons["township"].setChecked(True)
        layout.addLayout(row)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：秀水镇 或 盂县")
        self.area_code = QLineEdit()
        self.area_code.setPlaceholderText("乡镇9位，如140322100；县6位，如140322")
        form.addRow("单位名称", self.name)
        form.addRow("区划代码", self.area_code)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.registerField("name*", self.name)
        self.registerField("area_code*", self.area_code)

    def role(self) -> str:
        return next(code for code, b in self.role_buttons.items() if b.isChecked())

    def validatePage(self) -> bool:  # noqa: N802
        try:
            check_area_code(self.role(), self.area_code.text().strip())
        except UserError as e:
            self.message.setText(str(e))
            return False
        if not self.name.text().strip():
            self.message.setText("单位名称不能为空")
            return False
        self.message.setText("")
        return True


class AdminPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("管理员")
        self.setSubTitle("管理员可以添加其他用户。密码用于加密台账，请牢记。")
        form = QFormLayout(self)
        self.user = QLineEdit("admin")
        self.display = QLineEdit()
        self.display.setPlaceholderText("如：张三（可不填）")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.strength = QLabel(" ")
        self.message = QLabel("")
        self.message.setStyleSheet("color: #b00020")
        form.addRow("用户名", self.user)
        form.addRow("姓名", self.display)
        form.addRow("密码", self.password)
        form.addRow("", self.strength)
        form.addRow("再次输入", self.confirm)
        form.addRow("", self.message)
        self.password.textChanged.connect(self._strength)
        self.registerField("admin_user*", self.user)

    def _strength(self, text: str) -> None:
        level, hint = password_strength(text)
        colour = ("#b00020", "#c77700", "#1a5fb4", "#2e7d32")[level]
        self.strength.setText(f"密码强度：{hint}")
        self.strength.setStyleSheet(f"color: {colour}")

    def validatePage(self) -> bool:  # noqa: N802
        if password_strength(self.password.text())[0] == 0:
            self.message.setText(f"密码至少需要{MIN_PASSWORD}个字符")
            return False
        if self.password.text() != self.confirm.text():
            self.message.setText("两次输入的密码不一致")
            return False
        self.message.setText("")
        return True

    def initializePage(self) -> None:  # noqa: N802
        wizard = self.wizard()
        from_starter = wizard is not None and wizard.start_page.starter_button.isChecked()
        # from a starter package the next step creates the ledger: there is nothing else to ask
        self.setButtonText(QWizard.WizardButton.NextButton, "创建台账" if from_starter else "下一步")

    def nextId(self) -> int:  # noqa: N802
        wizard = self.wizard()
        if wizard is None:
            return -1
        return wizard.STARTER_DONE if wizard.start_page.starter_button.isChecked() else wizard.CONNECT


class ConnectPage(QWizardPage):
    """Township: the county's certificate file. County: the policy profile."""

    def __init__(self, office: OfficePage):
        super().__init__()
        self.office = office
        self.setTitle("联网设置")
        layout = QVBoxLayout(self)
        self.cert_box = QHBoxLayout()
        self.cert_path = QLineEdit()
        self.cert_path.setPlaceholderText("县级单位提供的证书文件（.json），可稍后导入")
        browse = QPushButton("选择文件…")
        browse.clicked.connect(self._browse)
        self.cert_box.addWidget(self.cert_path)
        self.cert_box.addWidget(browse)
        self.cert_label = QLabel("县级证书：用于核验县里发来的数据包。")
        self.cert_widgets = [self.cert_label, self.cert_path, browse]
        self.profile_label = QLabel("政策配置：按本地政策文件判断入库建议、奖补和目标。")
        self.profile = QComboBox()
        self.profile_widgets = [self.profile_label, self.profile]
        layout.addWidget(self.cert_label)
        layout.addLayout(self.cert_box)
        layout.addWidget(self.profile_label)
        layout.addWidget(self.profile)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "创建台账")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择县级证书", "", "证书 (*.json *.cert);;所有文件 (*)")
        if path:
            self.cert_path.setText(path)

    def initializePage(self) -> None:  # noqa: N802
        township = self.office.role() == "township"
        for w in self.cert_widgets:
            w.setVisible(township)
        for w in self.profile_widgets:
            w.setVisible(not township)
        self.profile.clear()
        notes = []
        if township:
            self.setSubTitle("乡镇台账需要县级单位的证书，才能接收县里发来的数据。")
        else:
            self.setSubTitle("选择本县适用的政策配置。")
            profiles = policy.list_profiles()
            for p in profiles:
                self.profile.addItem(p["name"], p["code"])
            if not profiles:
                self.profile.addItem("（暂无可选政策配置，可稍后设置）", None)
        self.note.setText("\n".join(notes))

    def validatePage(self) -> bool:  # noqa: N802
        path = self.cert_path.text().strip()
        if self.office.role() == "township" and path:
            if not Path(path).is_file():
                self.note.setText(f"找不到证书文件“{path}”")
                return False
            try:  # the same check set-up makes before it writes anything
                check_county_certificate(Path(path), self.office.area_code.text().strip())
            except UserError as e:
                self.note.setText(str(e))
                return False
        return True


class RecoveryPage(QWizardPage):
    """Creates the ledger (on a worker), then shows the recovery code exactly once."""

    def __init__(self, wizard: "SetupWizard"):
        super().__init__()
        self.wiz = wizard
        self.setTitle("恢复码")
        layout = QVBoxLayout(self)
        self.status = QLabel("正在创建加密台账…")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.code = code_label()
        layout.addWidget(self.code)
        self.explain = QLabel("恢复码只显示这一次。忘记密码时，可用它打开台账并重设密码。"
                              "请打印或抄写后锁在柜中，不要与电脑放在一起。")
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.print_button = QPushButton("打印恢复码…")
        self.print_button.clicked.connect(self.print_code)
        layout.addWidget(self.print_button)
        self.stored = QCheckBox("我已妥善保存恢复码")
        self.stored.toggled.connect(self.completeChanged)
        layout.addWidget(self.stored)
        layout.addStretch(1)
        for w in (self.print_button, self.stored, self.explain):
            w.setVisible(False)
        self.error = None

    def initializePage(self) -> None:  # noqa: N802
        self.wiz.create_ledger(self._created, self._failed)

    def _created(self, result) -> None:
        ledger, recovery, notes = result
        self.wiz.ledger = ledger
        self.wiz.recovery_code = recovery
        self.status.setText("台账已创建。" + ("\n" + "\n".join(notes) if notes else ""))
        self.code.setText(recovery)
        for w in (self.print_button, self.stored, self.explain):
            w.setVisible(True)
        self.completeChanged.emit()

    def _failed(self, message: str) -> None:
        self.error = message
        self.status.setText(f"创建失败：{message}\n请点“取消”后重新设置。")
        self.status.setStyleSheet("color: #b00020")

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.ledger is not None and self.stored.isChecked()

    def nextId(self) -> int:  # noqa: N802
        return -1

    def print_code(self) -> None:
        print_recovery_sheet(self, self.wiz.office.name.text(), str(self.wiz.path),
                             self.wiz.recovery_code or "")


def print_recovery_sheet(parent, office: str, path: str, code: str) -> bool:
    """The recovery code on paper, through the system print dialog (also used by 设置 when a
    new code is made). False when the person cancelled the dialog."""
    return print_html(parent, recovery_sheet_html(office, path, code))


def recovery_sheet_html(office: str, path: str, code: str) -> str:
    return (f"<h2>{APP_TITLE} — 恢复码</h2><p>单位：{office}</p><p>台账文件：{path}</p>"
            f"<p style='font-size:20pt; font-family:monospace'><b>{code}</b></p>"
            "<p>忘记密码时，在“打开台账”中勾选“使用恢复码”并输入此码。请妥善保管，不要与电脑放在一起。</p>")


class SetupWizard(QWizard):
    START, OFFICE, ADMIN, CONNECT, RECOVERY, RESTORE, STARTER, STARTER_DONE = range(8)  # page ids

    def __init__(self, path: Path, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.ledger = None
        self.recovery_code: str | None = None
        self.runner = JobRunner(self)
        self.setWindowTitle(f"开始使用 — {APP_TITLE}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setMinimumSize(620, 500)
        # once a ledger is made or restored and can be opened, there is no going back
        self.setOption(QWizard.WizardOption.DisabledBackButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "完成")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.start_page = StartPage(self.path)
        self.office = OfficePage()
        self.admin = AdminPage()
        self.connect_page = ConnectPage(self.office)
        self.recovery = RecoveryPage(self)
        self.restore_page = RestorePage(self)
        self.starter_page = StarterPage(self)
        self.starter_done = StarterDonePage(self)
        for page_id, page in ((self.START, self.start_page), (self.OFFICE, self.office),
                              (self.ADMIN, self.admin), (self.CONNECT, self.connect_page),
                              (self.RECOVERY, self.recovery), (self.RESTORE, self.restore_page),
                              (self.STARTER, self.starter_page), (self.STARTER_DONE, self.starter_done)):
            self.setPage(page_id, page)
        self.setStartId(self.START)

    def create_ledger(self, on_done, on_error) -> None:
        role = self.office.role()
        args = dict(role=role, name=self.office.name.text().strip(),
                    area_code=self.office.area_code.text().strip(),
                    admin_user=self.admin.user.text().strip(),
                    password=self.admin.password.text(),
                    display_name=self.admin.display.text().strip() or None)
        cert = self.connect_page.cert_path.text().strip() if role == "township" else ""
        profile = self.connect_page.profile.currentData() if role == "county" else None
        path = self.path

        def work(_ledger, _progress, _cancelled):
            made = set_up_office(path, **args, county_certificate=Path(cert) if cert else None,
                                 profile=profile)
            return made.ledger, made.recovery_code, made.notes

        self.runner.start(None, work, name="create", on_done=on_done, on_error=on_error)

    def print_recovery(self, parent, office: str, code: str) -> bool:
        return print_recovery_sheet(parent, office, str(self.path), code)

    def reject(self) -> None:
        if self.restore_page.running():
            self.restore_page.cancel()  # the worker stops; nothing is left at the path
            return
        if self.starter_done.running():
            self.starter_done.cancel()  # the same: the ledger is built aside, then removed
            return
        if self.ledger is not None and self.currentPage() in (self.recovery, self.starter_done):
            # The ledger exists; leaving without confirming the code is allowed but warned.
            from PySide6.QtWidgets import QMessageBox
            answer = QMessageBox.question(self, APP_TITLE, "台账已创建。确定不保存恢复码就退出吗？"
                                          "忘记密码后将无法打开台账。")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.runner.shutdown()
        super().reject()

    def accept(self) -> None:
        self.runner.shutdown()
        super().accept()
