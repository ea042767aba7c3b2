"""Screenshots of the 报表打印 page on the demo county (40 enterprises, 2026-11-23): the empty
page, the 企业台账 of 秀水镇 previewed, an enterprise's window with 打印一户一册 and the 一户一册
it opens, the blank visit form, the system print dialog, the save dialog and a generation in
progress. Whole-screen grabs of a real window under Xvfb, at the size of the screen.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_print.py OUT_DIR 1024 768
"""
import sys
import threading
from pathlib import Path

from PySide6.QtPrintSupport import QPrinter

from shengui_desktop.services import reports
from shengui_desktop.ui.printing import viewer
from shengui_desktop.ui.printing.printer import prepare_printer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import Shots  # noqa: E402  (docs/screenshots/shots.py)

s = Shots('print')
app, work, out, width, height, tag = s.app, s.work, s.out, s.width, s.height, s.tag
wait, shot = s.wait, s.shot
ledger = s.demo_county()

window = s.open_window(ledger)



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
