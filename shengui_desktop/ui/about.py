"""帮助 → 关于: the 设置 page's 关于 view (program and schema version, this office and its key
fingerprint laid out for reading aloud, the ledger file) in a dialog of its own."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

from .common import APP_TITLE
from .settings.about import AboutTab


class AboutDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window  # what AboutTab reads its ledger from
        self.setWindowTitle(f"关于 — {APP_TITLE}")
        layout = QVBoxLayout(self)
        self.view = AboutTab(self)
        layout.addWidget(self.view)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
