"""Screenshots of the 政策配置 and 乡镇与部门 pages at 1024×768 and 1600×1000 on a demo county
(盂县 profile, 60 enterprises in 5 townships), offscreen:

    uv run python docs/screenshots/take_policy.py OUT_DIR
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from shengui_desktop.services import policy  # noqa: E402
from shengui_desktop.services.ledger import reference  # noqa: E402
from shengui_desktop.services.ledger.demo import generate  # noqa: E402
from shengui_desktop.services.office.setup import init_office  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])
ledger, _ = init_office(work / "c.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password="correct-horse-9")
for name in reference.STANDARD_DEPARTMENTS:
    reference.add_department(ledger, name)
generate(ledger, enterprises=60, townships=5, seed=7, as_of=date(2026, 11, 23))
policy.choose_profile(ledger, "yuxian")
window = MainWindow(ledger, settings=QSettings(str(work / "s.ini"), QSettings.Format.IniFormat),
                    today=date(2026, 11, 23))
window.show()
while not window.figures_ready:
    app.processEvents()
    time.sleep(0.05)
for width, height in ((1024, 768), (1600, 1000)):
    window.resize(width, height)
    window.show_page("政策配置")
    app.processEvents()
    window.grab().save(str(out / f"policy-{width}.png"))
    window.townships_page.year.setValue(2024)
    window.show_page("乡镇与部门")
    app.processEvents()
    window.grab().save(str(out / f"townships-{width}.png"))
window.close()
