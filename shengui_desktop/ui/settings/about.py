"""关于: the program's version, the ledger's schema version, this office's key fingerprint
(laid out for reading aloud) and the ledger's path, from services.office.site.about."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...services.office import site
from ..common import APP_TITLE
from ..sync.fingerprint import FingerprintView


class AboutTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.window_ = page.window_
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        title = QLabel(APP_TITLE)
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        layout.addWidget(title)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setVerticalSpacing(8)
        layout.addLayout(self.form)
        self.fingerprint: FingerprintView | None = None
        note = QLabel("对方登记本单位时，请在电话中逐组读出上面的密钥指纹，核对无误后对方才能接收本单位的同步包。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        layout.addStretch(1)
        self.values: dict[str, QLabel] = {}
        self.refresh()

    def refresh(self) -> None:
        info = site.about(self.window_.ledger)
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fingerprint = FingerprintView(info.fingerprint)
        self.values = {}
        for label, value in info.lines():
            if label == "本单位密钥指纹" and info.fingerprint:
                holder = QWidget()  # the groups at their natural width, not spread out
                row = QHBoxLayout(holder)
                row.setContentsMargins(0, 4, 0, 4)
                row.addWidget(self.fingerprint)
                row.addStretch(1)
                self.form.addRow(label, holder)
                continue
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[label] = shown
            self.form.addRow(label, shown)
