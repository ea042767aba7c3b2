"""What the take_*.py scripts share: a fast key derivation, the demo county of the screenshots
(盂县 with 秀水镇 and 路家村镇, the standard departments, 40 generated enterprises as of
2026-11-23), a main window the size of the screen, and waiting/grabbing under Xvfb.

    from shots import Shots
    s = Shots("print")                       # reads OUT_DIR WIDTH HEIGHT from the command line
    ledger = s.demo_county()
    window = s.open_window(ledger)
    s.wait(lambda: window.figures_ready, 15000)
    s.shot("empty")                          # OUT_DIR/print-1024-empty.png
"""
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TODAY = date(2026, 11, 23)
PASSWORD = "screenshot-123"


class Shots:
    def __init__(self, prefix: str | None):
        self.out, self.width, self.height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        self.tag = f"{prefix}-{self.width}" if prefix else f"{self.width}"
        self.app = QApplication.instance() or QApplication(sys.argv)
        self.work = Path(tempfile.mkdtemp())

    def demo_county(self, enterprises: int = 40):
        """The screenshots' county ledger, as every script has shown it since #16."""
        from shengui_desktop.services.ledger import reference
        from shengui_desktop.services.ledger.demo import generate
        from shengui_desktop.services.office.setup import init_office

        ledger, _ = init_office(self.work / "county.sgdb", role="county", name="盂县", area_code="140322",
                                admin_user="admin", password=PASSWORD)
        reference.add_township(ledger, "140322100", "秀水镇")
        reference.add_township(ledger, "140322101", "路家村镇")
        for name in reference.STANDARD_DEPARTMENTS:
            reference.add_department(ledger, name)
        generate(ledger, enterprises=enterprises, townships=2, seed=7, as_of=TODAY)
        return ledger

    def settings(self) -> QSettings:
        return QSettings(str(self.work / "settings.ini"), QSettings.Format.IniFormat)

    def open_window(self, ledger, **kwargs):
        """The main window on ``ledger``, the size of the screen, shown."""
        from shengui_desktop.ui.main_window import MainWindow

        window = MainWindow(ledger, settings=self.settings(), today=TODAY, **kwargs)
        window.ledger_page.setMinimumSize(1, 1)  # the ledger page's own minimum is larger than 1024
        window.setGeometry(0, 0, self.width, self.height)
        window.show()
        return window

    def wait(self, until=lambda: False, ms: int = 300) -> None:
        """Let the event loop run until ``until()`` holds or ``ms`` have passed (a script, not a test)."""
        start = time.monotonic()
        while not until() and (time.monotonic() - start) * 1000 < ms:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
            time.sleep(0.01)

    def shot(self, name: str) -> Path:
        """The whole screen after a second of settling, as OUT_DIR/<prefix>-<width>-<name>.png."""
        self.wait(ms=1000)
        path = self.out / f"{self.tag}-{name}.png"
        self.app.primaryScreen().grabWindow(0).save(str(path))
        return path
