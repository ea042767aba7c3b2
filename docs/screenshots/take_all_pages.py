"""Every page of the window, for the county demo and 秀水镇's township demo, at one screen size
(the pages of PAGE_LIST in order), to look at them all after a change:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_all_pages.py OUT_DIR 1024
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600)

Writes OUT_DIR/<office>-<size>-<nn>-<page>.png (the whole screen, so a window that runs off a
small screen shows it).
"""
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER
from shengui_desktop.services.ledger.demo_county import ensure_demo_ledger
from shengui_desktop.services.office import session
from shengui_desktop.ui import app as appmod
from shengui_desktop.ui.jobs import JobRunner
from shengui_desktop.ui.main_window import PAGE_LIST, MainWindow

out, size = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
application = appmod._application()
folder = Path(tempfile.mkdtemp())
county = ensure_demo_ledger(folder / "demo-county.sgdb", township_path=folder / "demo-township.sgdb")


def settle(window=None, ms: int = 600, most: int = 60000) -> None:
    """Wait `ms`, then until no page of `window` has a job running (at most `most` ms)."""
    QTest.qWait(ms)
    waited = ms
    while window is not None and waited < most and any(
            r.busy() for r in window.findChildren(JobRunner)):
        QTest.qWait(100)
        waited += 100
    QTest.qWait(200)


for office, path in (("county", county), ("township", folder / "demo-township.sgdb")):
    ledger = session.unlock(path, password=DEMO_PASSWORD, user=DEMO_USER)
    window = MainWindow(ledger, settings=QSettings(str(folder / f"{office}.ini"), QSettings.Format.IniFormat))
    window.show()
    settle(window, 3000)
    for n, page in enumerate(PAGE_LIST, 1):
        window.show_page(page.name)
        settle(window)
        QApplication.primaryScreen().grabWindow(0).save(str(out / f"{office}-{size}-{n:02d}-{page.name}.png"))
    window.close()
    session.close(ledger)
