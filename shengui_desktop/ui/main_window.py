"""The main window (placeholder until the window issue builds the pages)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow

from ..storage.ledger import Ledger


class MainWindow(QMainWindow):
    def __init__(self, ledger: Ledger):
        super().__init__()
        self.ledger = ledger
        site = ledger.one("SELECT name, area_code FROM sites WHERE is_self = 1")
        self.setWindowTitle(f"小升规企业培育台账 — {site['name']}")
        count = ledger.scalar("SELECT count(*) FROM enterprises")
        self.setCentralWidget(QLabel(f"{site['name']}（{site['area_code']}）：企业{count}户"))
        self.statusBar().showMessage(f"{site['name']} | 用户：{ledger.user} | {ledger.path}")
        self.resize(1000, 700)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        self.ledger.close()
        super().closeEvent(event)
