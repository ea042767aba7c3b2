"""Screenshots of the 报表打印 page on the demo county (40 enterprises, 2026-11-23): the empty
page, the 企业台账 of 秀水镇 previewed, an enterprise's window with 打印一户一册 and the 一户一册
it opens, the blank visit form, the system print dialog, the save dialog and a generation in
progress. Whole-screen grabs of a real window under Xvfb, at the size of the screen.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_print.py OUT_DIR 1024 768
"""
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import reports
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui.main_window import MainWindow
from shengui_desktop.ui.printing import viewer
from shengui_desktop.ui.printing.printer import prepare_printer

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tag = f"print-{width}"
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

window = MainWindow(ledger, settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat),
                    today=TODAY)
# the 企业台账 page alone asks for 979 px today (its own task); let the window fit the screen
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
window.show_page("报表打印")
page = window.print_page
shot("empty")
page.township.setCurrentIndex(page.township.findText("秀水镇"))
page.select("ledger")
page.generate()
wait(lambda: page.job is None, 20000)
shot("ledger")

eid = ledger.scalar("SELECT id FROM enterprises WHERE pool = 'entry' ORDER BY name LIMIT 1")
enterprise = window.open_enterprise(eid)
enterprise.move(60, 60)
shot("enterprise-window")
enterprise.print_button.click()
wait(lambda: page.job is None and page.viewer.page_count() > 0, 20000)
enterprise.close()
shot("dossier")

page.select("visit_form")
page.generate()
wait(lambda: page.job is None, 20000)
shot("visit-form")

printer = QPrinter(QPrinter.PrinterMode.HighResolution)
prepare_printer(printer, page.viewer.pages, page.viewer.title)
dialog = viewer.make_print_dialog(printer, page.viewer)
dialog.setMinMax(1, page.viewer.page_count())
dialog.show()
shot("print-dialog")
dialog.close()

# a dossier of a pool, held at its first step so the progress dialog shows
real, go = reports.print_report, threading.Event()


def held(*args, progress=None, **kwargs):
    def tell(*a):
        progress(*a)
        go.wait(5)
    return real(*args, progress=tell, **kwargs)


reports.print_report = held
page.select("dossier")
page.picker.set_enterprise(None)
page.pool.setCurrentIndex(page.pool.findData("cultivation"))
page.generate()
wait(ms=900)
shot("progress")
go.set()
wait(lambda: page.job is None, 20000)
window.close()
