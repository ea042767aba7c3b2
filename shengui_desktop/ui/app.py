"""Starting the application: the set-up wizard (no ledger yet) or the unlock dialog, then
the main window. `shengui --demo` makes a demo ledger once and shows its password."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ..paths import default_ledger_path


def demo_ledger_path() -> Path:
    return default_ledger_path().with_name("demo.sgdb")


def _application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("小升规企业培育台账")
    app.setOrganizationName("shengui_desktop")
    return app


def start(ledger: Path | None = None, demo: bool = False):
    """The dialogs before the window; returns the MainWindow, or None when the user gave up."""
    from ..services.ledger.demo import DEMO_PASSWORD, DEMO_USER, ensure_demo_ledger
    from ..services.office import session
    from .main_window import MainWindow
    from .start.unlock import UnlockDialog
    from .start.wizard import SetupWizard

    hint = None
    if demo:
        ledger = ensure_demo_ledger(demo_ledger_path())
        hint = f"演示台账：用户 {DEMO_USER}，密码 {DEMO_PASSWORD}"
    path = Path(ledger) if ledger else default_ledger_path()
    if not path.exists():
        wizard = SetupWizard(path)
        accepted = wizard.exec() == SetupWizard.DialogCode.Accepted
        opened = wizard.ledger
        if opened is None:
            return None
        if not accepted:
            session.close(opened)
            return None
    else:
        dialog = UnlockDialog(path, hint=hint)
        if demo:
            dialog.password.setText(DEMO_PASSWORD)
        if dialog.exec() != UnlockDialog.DialogCode.Accepted:
            return None
        opened = dialog.ledger
    window = MainWindow(opened)
    window.show()
    return window


def run(ledger: Path | None = None, demo: bool = False) -> int:
    app = _application()
    window = start(ledger, demo)
    if window is None:
        return 1
    return app.exec()
