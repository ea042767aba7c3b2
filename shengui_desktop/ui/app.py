"""Starting the application: unlock (or the demo ledger), then the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ..paths import default_ledger_path


def demo_ledger_path() -> Path:
    return default_ledger_path().with_name("demo.sgdb")


def run(ledger: Path | None = None, demo: bool = False) -> int:
    from ..services.demo import DEMO_PASSWORD, ensure_demo_ledger
    from .main_window import MainWindow
    from .unlock import UnlockDialog

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("小升规企业培育台账")
    app.setOrganizationName("shengui_desktop")
    hint = None
    if demo:
        ledger = ensure_demo_ledger(demo_ledger_path())
        hint = f"演示台账密码：{DEMO_PASSWORD}"
    path = ledger or default_ledger_path()
    if not path.exists():
        from PySide6.QtWidgets import QMessageBox
        QMessageBox.information(None, "小升规企业培育台账",
                                f"尚未创建台账：{path}\n请先运行 shengui init，或用 shengui --demo 试用。")
        return 1
    dialog = UnlockDialog(path, hint=hint)
    if dialog.exec() != UnlockDialog.DialogCode.Accepted:
        return 1
    window = MainWindow(dialog.ledger)
    window.show()
    return app.exec()
