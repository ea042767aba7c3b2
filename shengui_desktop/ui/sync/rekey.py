"""更换乡镇密钥: a package claims the code of an office enrolled under another key. That
is an impostor, or the office reinstalled its computer and lost its key. Only after a phone
call, with the new fingerprint typed as the office reads it out (and a ticked box), does the
county replace the enrolled key; the old one is revoked. Cancel changes nothing."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QLabel, QLineEdit, QVBoxLayout)

from ...services import sync
from .fingerprint import FingerprintView, same, typed_state


def title_for(enrolled: dict) -> str:
    return "更换乡镇密钥" if enrolled.get("role") == "township" else "更换县级密钥"


class RekeyDialog(QDialog):
    def __init__(self, offer: dict, parent=None):
        """`offer`: one of flow.ImportOutcome.rekey_offers (the enrolled office, the claiming
        sender, the fingerprint in its files, the files)."""
        super().__init__(parent)
        self.offer = offer
        enrolled = offer["enrolled"]
        self.fingerprint = offer["fingerprint"]
        name, code = enrolled["name"], enrolled["area_code"]
        kind = "乡镇" if enrolled.get("role") == "township" else "县里"
        self.setWindowTitle(title_for(enrolled))
        layout = QVBoxLayout(self)

        head = QLabel(f"已登记的{name}使用另一把密钥")
        head.setStyleSheet("font-size: 16px; font-weight: bold;")
        intro = QLabel(f"所选的同步包声称来自{name}（{code}），但不是用登记的密钥签名的：可能是冒充，"
                       f"或{kind}重装了电脑。请打电话给{name}（使用登记过的电话号码，不要用文件或来人提供的号码），"
                       "请对方打开本程序“数据同步”页，读出“本机证书指纹”，输入到下面。")
        intro.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(intro)

        who = QGroupBox("要更换密钥的单位")
        form = QFormLayout(who)
        self.name_label = QLabel(name)
        form.addRow("单位名称：", self.name_label)
        form.addRow("区划代码：", QLabel(code))
        files = offer.get("files") or []
        shown = "、".join(p.name for p in files[:3]) + (f" 等{len(files)}个文件" if len(files) > 3 else "")
        packages = QLabel(shown)
        packages.setWordWrap(True)
        form.addRow("同步包：", packages)
        layout.addWidget(who)

        old_box = QGroupBox("已登记的密钥指纹（更换后吊销）")
        self.old_view = FingerprintView(enrolled["fingerprint"], point_size=14)
        QVBoxLayout(old_box).addWidget(self.old_view)
        new_box = QGroupBox("同步包中的新密钥指纹（请与对方读出的逐组核对）")
        self.new_view = FingerprintView(self.fingerprint, point_size=20)
        QVBoxLayout(new_box).addWidget(self.new_view)
        layout.addWidget(old_box)
        layout.addWidget(new_box)

        self.warning = QLabel(sync.REKEY_WARNING)
        self.warning.setStyleSheet("color: #b00020;")
        self.warning.setWordWrap(True)
        layout.addWidget(self.warning)

        self.typed = QLineEdit()
        self.typed.setPlaceholderText("必填：输入对方在电话中读出的指纹（不区分大小写，空格可省略）")
        self.typed.setMaxLength(64)
        self.typed_state = QLabel("")
        self.confirm = QCheckBox(f"我已打电话给{name}，确认是对方重装了电脑，对方读出的8组指纹与新密钥完全一致")
        for w in (self.typed, self.typed_state, self.confirm):
            layout.addWidget(w)

        self.buttons = QDialogButtonBox()
        self.accept_button = self.buttons.addButton("吊销原密钥并更换",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.accept_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.confirm.toggled.connect(self._update)
        self.typed.textChanged.connect(self._typed)
        self.cancel_button.setDefault(True)  # Enter must not replace a key by accident
        self.resize(660, self.sizeHint().height())

    def typed_fingerprint(self) -> str:
        return self.typed.text()

    def _typed(self, text: str) -> None:
        message, style, _verdict = typed_state(text, self.fingerprint)
        self.typed_state.setText(message)
        if style:
            self.typed_state.setStyleSheet(style)
        self._update()

    def _update(self, *_args) -> None:
        # typing is required here (unlike a first enrolment): the box alone is not enough
        self.accept_button.setEnabled(self.confirm.isChecked() and same(self.typed.text(), self.fingerprint))

    def accept(self) -> None:
        if not self.accept_button.isEnabled():
            return
        super().accept()
