"""帮助 → 关于: the program's and the ledger's versions, this office and its key
fingerprint, the ledger file (everything selectable, to read out or paste into a message)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from ..services.office import site
from .common import APP_TITLE

ROLES = {"township": "乡镇", "county": "县级"}


class AboutDialog(QDialog):
    def __init__(self, ledger, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"关于 — {APP_TITLE}")
        self.setMinimumWidth(520)
        info = site.about(ledger)
        self.info = info
        layout = QVBoxLayout(self)
        title = QLabel(f"{APP_TITLE}（离线版）")
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(title)
        form = QFormLayout()
        schema = f"{info['schema']}"
        if info["schema"] != info["schema_latest"]:
            schema += f"（本程序最新为{info['schema_latest']}）"
        groups = " ".join(info["fingerprint"][i:i + 4] for i in range(0, len(info["fingerprint"]), 4)) \
            if " " not in info["fingerprint"] else info["fingerprint"]
        self.values: dict[str, QLabel] = {}
        for key, label, text in (
                ("version", "程序版本", info["version"]),
                ("schema", "数据库结构版本", schema),
                ("office", "本单位", f"{info['name']}（{ROLES.get(info['role'], info['role'])}，"
                                   f"区划代码 {info['area_code']}）"),
                ("fingerprint", "本机密钥指纹", groups),
                ("path", "台账文件", info["path"]),
                ("user", "当前用户", info["user"] or "（恢复码）")):
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key == "fingerprint":
                value.setStyleSheet("font-family: monospace; font-size: 14px;")
            form.addRow(label, value)
            self.values[key] = value
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

    def text(self) -> str:
        """Everything the dialog shows, one line a value (what a test reads)."""
        return "\n".join(v.text() for v in self.values.values())
