"""Screenshots of the 目标任务 page and the home page's charts at 1024×768 and 1600×1000 on a
demo county (盂县 profile: its 2024 net-increase targets by township and department; 60
enterprises in 5 townships, seen on 2024-11-23), under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        uv run python docs/screenshots/take_targets.py OUT_DIR
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")  # a throwaway ledger: a cheap key
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from shengui_desktop.services import policy  # noqa: E402
from shengui_desktop.services.ledger import reference  # noqa: E402
from shengui_desktop.services.ledger.demo import generate  # noqa: E402
from shengui_desktop.services.office.setup import init_office  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402

TODAY = date(2024, 11, 23)
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])
ledger, _ = init_office(work / "c.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password="correct-horse-9")
for name in reference.STANDARD_DEPARTMENTS:
    reference.add_department(ledger, name)
generate(ledger, enterprises=60, townships=5, seed=7, as_of=TODAY)
policy.choose_profile(ledger, "yuxian")
policy.set_target(ledger, kind="stock", first_year=2024, until=2025, value=30)
window = MainWindow(ledger, settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat), today=TODAY)
window.show()


def settle(done) -> None:
    """Let the worker finish: the window's loading, a page's reading."""
    while not done():
        app.processEvents()
        time.sleep(0.05)
    for _ in range(5):
        app.processEvents()


settle(lambda: window.figures_ready and "targets" in window.home.stats and not window.home.runner.busy())
page = window.targets_page
for width, height in ((1024, 768), (1600, 1000)):
    window.resize(width, height)
    window.show_page("首页")
    settle(lambda: not window.home.runner.busy())
    window.grab().save(str(out / f"home-charts-{width}.png"))
    window.show_page("目标任务")
    page.scope.setCurrentIndex(0)
    page.kind.setCurrentIndex(0)
    settle(lambda: page.tables is not None and not page.runner.busy())
    window.grab().save(str(out / f"targets-{width}.png"))
    page.scope.setCurrentIndex(1)
    settle(lambda: True)
    window.grab().save(str(out / f"targets-departments-{width}.png"))
    page.scope.setCurrentIndex(0)
    page.kind.setCurrentIndex(page.kind.count() - 1)
    settle(lambda: True)
    window.grab().save(str(out / f"targets-stock-{width}.png"))
window.show_page("目标任务")
page.kind.setCurrentIndex(0)
dialog = page.edit_target()
settle(lambda: True)
dialog.grab().save(str(out / "targets-dialog.png"))
dialog.reject()
window.close()

# 秀水镇 (the township demo: the county demo's package brings its targets): its own line, read only
from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER, ensure_township_demo  # noqa: E402
from shengui_desktop.storage.files import open_ledger  # noqa: E402

town_path = ensure_township_demo(work / "town.sgdb", work / "demo-county.sgdb")
town = open_ledger(town_path, passphrase=DEMO_PASSWORD, user=DEMO_USER)
window = MainWindow(town, settings=QSettings(str(work / "t.ini"), QSettings.Format.IniFormat), today=TODAY)
window.show()
settle(lambda: window.figures_ready and "targets" in window.home.stats and not window.home.runner.busy())
page = window.targets_page
for width, height in ((1024, 768), (1600, 1000)):
    window.resize(width, height)
    window.show_page("首页")
    settle(lambda: not window.home.runner.busy())
    window.grab().save(str(out / f"home-township-{width}.png"))
    window.show_page("目标任务")
    settle(lambda: page.tables is not None and not page.runner.busy())
    window.grab().save(str(out / f"targets-township-{width}.png"))
window.close()
print("saved to", out)
