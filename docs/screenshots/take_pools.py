"""Screenshots of the 培育库 page at 1024×768 and 1600×1000 on demo counties (孝义: the pools
against their sizes; 顺城: the quarterly review; 湖南: the exit-risk list) and an empty ledger,
under Xvfb (the real X server path):

    xvfb-run -a -s "-screen 0 1600x1000x24" uv run python docs/screenshots/take_pools.py OUT_DIR
"""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.main_window import MainWindow

TODAY = date(2026, 9, 23)
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])


def settle(window, until=lambda: True) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (window.figures_ready and window.pools_page.job is None and until()):
        app.processEvents()
        time.sleep(0.05)
    for _ in range(5):
        app.processEvents()


def county(code: str, enterprises: int = 300) -> MainWindow:
    ledger, _ = init_office(work / f"{code}.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password="correct-horse-9")
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(ledger, name)
    if enterprises:
        generate(ledger, enterprises=enterprises, townships=5, seed=7, as_of=TODAY)
    if code != "none":
        policy.choose_profile(ledger, code)
    window = MainWindow(ledger, settings=QSettings(str(work / f"{code}.ini"), QSettings.Format.IniFormat),
                        today=TODAY)
    window.show()
    window.show_page("培育库")
    settle(window, lambda: window.pools_page.board is not None)
    return window


shots = {"xiaoyi": 0, "shuncheng": 1, "hunan": 2}
for code, tab in shots.items():
    window = county(code)
    page = window.pools_page
    for width, height in ((1024, 768), (1600, 1000)):
        window.resize(width, height)
        page.tabs.setCurrentIndex(tab)
        settle(window)
        window.grab().save(str(out / f"pools-{code}-{width}.png"))
    if code == "xiaoyi":
        window.resize(1024, 768)
        page.tabs.setCurrentIndex(0)
        page.differs.table.selectRow(0)
        page.differs.table.selectionModel().select(
            page.differs.model.index(1, 0), page.differs.table.selectionModel().SelectionFlag.Select
            | page.differs.table.selectionModel().SelectionFlag.Rows)
        dialog = page.move_lines(page.differs.selected())
        dialog.reason.setPlainText("二季度预计主营业务收入达2,000万元，按库容排名调入")
        settle(window)
        dialog.grab().save(str(out / "pools-move-dialog.png"))
        dialog.reject()
    window.close()

for code in (None, "yuxian"):
    window = county(code or "none", enterprises=0)
    window.resize(1024, 768)
    settle(window)
    window.grab().save(str(out / f"pools-empty-{code or 'noprofile'}-1024.png"))
    window.close()
