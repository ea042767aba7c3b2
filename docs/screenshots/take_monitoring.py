"""Screenshots of the 月度监测 page on the demo county (40 enterprises, 2026-11-23) under 闽侯's
profile, three enterprises without October figures: the month's table, the selected row's
提示, the 季度对标 tab, the table narrowed to one township and a mark, an empty choice, and
报表打印 with 企业月度监测表 of September chosen with the month picker. Whole-screen grabs of a
real window under Xvfb, at the size of the screen.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_monitoring.py OUT_DIR 1024 768
"""
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QDate, QEventLoop, QSettings
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.main_window import MainWindow

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tag = f"monitoring-{width}"
app = QApplication(sys.argv)
work = Path(tempfile.mkdtemp())
TODAY = date(2026, 11, 23)
ledger, _ = init_office(work / "county.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password="screenshot-123")
reference.add_township(ledger, "140322100", "秀水镇")
reference.add_township(ledger, "140322101", "路家村镇")
for name in reference.STANDARD_DEPARTMENTS:
    reference.add_department(ledger, name)
generate(ledger, enterprises=40, townships=2, seed=7, as_of=TODAY)
policy.choose_profile(ledger, "minhou")
late = ledger.rows("SELECT f.id FROM monthly_figures f JOIN enterprises e ON e.id = f.enterprise_id"
                   " WHERE e.pool = 'base' AND f.period = '2026-10' ORDER BY e.name LIMIT 3")
with ledger.transaction():
    for row in late:  # three enterprises have not reported October yet
        ledger.delete("monthly_figures", row["id"])

window = MainWindow(ledger, settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat),
                    today=TODAY)
window.ledger_page.setMinimumSize(1, 1)
window.setGeometry(0, 0, width, height)
window.show()


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


def shot(name):
    wait(ms=1000)
    app.primaryScreen().grabWindow(0).save(str(out / f"{tag}-{name}.png"))


wait(lambda: window.figures_ready, 15000)
window.show_page("月度监测")
page = window.monitoring_page
wait(lambda: not page.loading and page.table is not None, 20000)
marked = next(i for i in range(page.month_model.rowCount()) if page.month_model.row(i)["marks"])
page.month_view.selectRow(marked)
shot("month")
page.tabs.setCurrentIndex(1)
shot("quarter")
page.tabs.setCurrentIndex(0)
page.set_filters(township="140322100", flag="any")
wait(lambda: not page.loading, 20000)
shot("filtered")
page.set_filters(pool="entry", flag="late_report")
wait(lambda: not page.loading, 20000)
shot("empty")
page.set_filters()
wait(lambda: not page.loading, 20000)

window.show_page("报表打印")
printing = window.print_page
printing.select("monitor")
printing.month.setDate(QDate(2026, 9, 1))
printing.generate()
wait(lambda: printing.job is None and printing.viewer.page_count() > 0, 30000)
shot("print")
window.close()
app.quit()
