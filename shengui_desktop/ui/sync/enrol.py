"""登记新单位: a package came from an office this ledger does not know. A person compares
the fingerprint with what that office reads from its own window over the phone, and only an
explicit confirmation (a ticked box, or the fingerprint typed as it was heard) lets the
import pin the office's key. Cancel changes nothing."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QGroupBox,
                               QLabel, QLineEdit, QVBoxLayout)

from ...services.office.setup import ROLES
from .fingerprint import FingerprintView, same, typed_state


class EnrolDialog(QDialog):
    def __init__(self, office: dict, parent=None, number: int = 1, total: int = 1):
        """`office`: services.sync.inspect_package's answer for one of its files, plus
        `files` (every chosen file from that office). `number` of `total`: the chosen files
        come from `total` new offices, each confirmed in its own dialog, one after another."""
        super().__init__(parent)
        self.office = office
        self.fingerprint = office["fingerprint"]
        self.number, self.total = number, total
        sender = office["sender"]
        self.setWindowTitle("登记新单位" + (f"（第{number}个，共{total}个）" if total > 1 else ""))
        layout = QVBoxLayout(self)

        head = QLabel(f"“{sender['name']}”尚未在本台账登记")
        head.setStyleSheet("font-size: 16px; font-weight: bold;")
        intro = QLabel("登记后，本台账只接受用该单位这把密钥签名的同步包。请打电话给该单位，请对方打开本程序"
                       "“数据同步”页，读出“本机证书指纹”，与下面的指纹逐组核对。")
        intro.setWordWrap(True)
        layout.addWidget(head)
        layout.addWidget(intro)
        self.sequence = QLabel(f"所选文件来自{total}个未登记的单位，每个单位分别电话核对（这是第{number}个）；"
                               "全部接受后一并导入，任何一个取消则都不导入。" if total > 1 else "")
        self.sequence.setWordWrap(True)
        self.sequence.setVisible(total > 1)
        layout.addWidget(self.sequence)

        who = QGroupBox("发送单位（同步包中所载）")
        form = QFormLayout(who)
        self.name_label = QLabel(sender["name"])
        form.addRow("单位名称：", self.name_label)
        form.addRow("单位类型：", QLabel(ROLES.get(sender.get("role", ""), sender.get("role") or "（未注明）")))
        form.addRow("区划代码：", QLabel(sender["area_code"]))
        files = office.get("files") or []
        shown = "、".join(p.name for p in files[:3]) + (f" 等{len(files)}个文件" if len(files) > 3 else "")
        packages = QLabel(shown or "")
        packages.setWordWrap(True)
        form.addRow("同步包：", packages)
        layout.addWidget(who)

        box = QGroupBox("密钥指纹（共8组，请逐组核对）")
        inner = QVBoxLayout(box)
        self.view = FingerprintView(self.fingerprint, point_size=20)
        inner.addWidget(self.view)
        layout.addWidget(box)

        self.typed = QLineEdit()
        self.typed.setPlaceholderText("可选：输入对方读出的指纹（不区分大小写，空格可省略）")
        self.typed.setMaxLength(64)
        self.typed_state = QLabel("")
        self.confirm = QCheckBox("我已与对方电话核对，对方读出的8组指纹与上面完全一致")
        warn = QLabel("如有任何一组不一致，请点“取消”：该文件可能是伪造的，台账不会有任何改动。")
        warn.setStyleSheet("color: #b00020;")
        warn.setWordWrap(True)
        for w in (self.typed, self.typed_state, self.confirm, warn):
            layout.addWidget(w)

        self.buttons = QDialogButtonBox()
        self.accept_button = self.buttons.addButton(
            "接受，核对下一个" if number < total else "接受并导入", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.accept_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.confirm.toggled.connect(self._update)
        self.typed.textChanged.connect(self._typed)
        self.cancel_button.setDefault(True)  # Enter must not accept a key by accident
        self.resize(620, self.sizeHint().height())

    def _typed(self, text: str) -> None:
        message, style, verdict = typed_state(text, self.fingerprint)
        self.typed_state.setText(message)
        if style:
            self.typed_state.setStyleSheet(style)
        if verdict is True:
            self.confirm.setChecked(True)
        elif verdict is False:
            self.confirm.setChecked(False)
        self._update()

    def _update(self, *_args) -> None:
        typed_ok = not self.typed.text().strip() or same(self.typed.text(), self.fingerprint)
        self.accept_button.setEnabled(self.confirm.isChecked() and typed_ok)

    def accept(self) -> None:
        if not self.accept_button.isEnabled():
            return
        super().accept()
