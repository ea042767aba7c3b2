"""Screenshots of the county demo (`shengui --demo county`, #18 item 8): its 首页 and its
数据同步 page (同步, 冲突 with the open conflict chosen, 疑似重复 with the pair chosen), at one
screen size:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_county_demo.py OUT_DIR 1024
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600)

Writes OUT_DIR/county-demo-<size>-<what>.png, and prints how long the demo took to build.
"""
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER
from shengui_desktop.services.ledger.demo_county import ensure_demo_ledger
from shengui_desktop.services.office import session
from shengui_desktop.ui import app as appmod
from shengui_desktop.ui.main_window import MainWindow

out, size = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
application = appmod._application()
folder = Path(tempfile.mkdtemp())
started = time.perf_counter()
path = ensure_demo_ledger(folder / "demo-county.sgdb", township_path=folder / "demo-township.sgdb")
print(f"built the county demo (and 秀水镇's) in {time.perf_counter() - started:.1f} s")
ledger = session.unlock(path, password=DEMO_PASSWORD, user=DEMO_USER)
window = MainWindow(ledger, settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
window.show()


def settle(until=lambda: True, ms: int = 15000) -> None:
    waited = 0
    while (not until() or waited < 300) and waited < ms:
        QTest.qWait(50)
        waited += 50


def shot(widget, name: str) -> None:
    settle()
    widget.grab().save(str(out / f"county-demo-{size}-{name}.png"))


settle(lambda: window.figures_ready)
window.show_page("首页")
settle(lambda: getattr(window.home, "loaded", True))
shot(window, "home")
QApplication.primaryScreen().grabWindow(0).save(str(out / f"county-demo-{size}-screen.png"))
window.show_page("数据同步")
page = window.sync_page
shot(window, "sync")
page.show_tab("冲突")
page.conflicts.table.selectRow(0)
shot(window, "sync-conflicts")
page.show_tab("疑似重复")
page.duplicates.task_table.selectRow(0)
shot(window, "sync-duplicates")
window.close()
