"""Screenshots of every page of the real window on a demo ledger, at one screen size:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_pages.py OUT_DIR 1024 county
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600 township)

Writes OUT_DIR/<office>-<size>-<page>.png (the window as drawn, widget.grab()) and
OUT_DIR/<office>-<size>-screen.png (the whole screen: does the window fit on it?).
"""
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER
from shengui_desktop.services.ledger.demo_county import ensure_demo_ledger, ensure_township_demo
from shengui_desktop.services.office import session
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui import app as appmod
from shengui_desktop.ui.main_window import PAGE_LIST, MainWindow

out, size, office = Path(sys.argv[1]), sys.argv[2], sys.argv[3]  # office: county, township, empty
out.mkdir(parents=True, exist_ok=True)
application = appmod._application()
folder = Path(tempfile.mkdtemp())
county = folder / "demo-county.sgdb"
if office == "empty":  # a county just set up: the empty states
    ledger, _code = init_office(folder / "empty.sgdb", role="county", name="盂县", area_code="140322",
                                admin_user=DEMO_USER, password=DEMO_PASSWORD)
    ledger.close()
    path = folder / "empty.sgdb"
else:
    path = ensure_township_demo(folder / "demo-township.sgdb", county) if office == "township" \
        else ensure_demo_ledger(county)
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
    widget.grab().save(str(out / f"{office}-{size}-{name}.png"))


settle(lambda: window.figures_ready)
QApplication.primaryScreen().grabWindow(0).save(str(out / f"{office}-{size}-screen.png"))
for row, page in enumerate(PAGE_LIST):
    window.nav.setCurrentRow(row)
    widget = getattr(window, page.attr)
    settle(lambda w=widget: getattr(w, "loaded", True))
    shot(window, f"page{row + 1}")
    if page.attr == "sync_page":
        for tab in range(1, window.sync_page.tabs.count()):
            window.sync_page.tabs.setCurrentIndex(tab)
            shot(window, f"page{row + 1}-tab{tab + 1}")

window.nav.setCurrentRow(0)
window.page_menu.popup(window.mapToGlobal(window.menuBar().actionGeometry(
    window.page_menu.menuAction()).bottomLeft()))
settle()
QApplication.primaryScreen().grabWindow(0).save(str(out / f"{office}-{size}-menu.png"))
window.page_menu.close()
if office == "empty":
    window.close()
    sys.exit(0)
window.show_page("企业台账")
first = window.ledger_page.model.enterprise_id(0)
enterprise = window.open_enterprise(first)
for tab in range(enterprise.tabs.count()):
    enterprise.tabs.setCurrentIndex(tab)
    settle(ms=1500)
    shot(enterprise, f"enterprise-tab{tab + 1}")
enterprise.close()

form = window.new_visit(first)
for _ in range(6):
    form.add_issue_row(focus=True)
shot(form, "visit-form")
QApplication.primaryScreen().grabWindow(0).save(str(out / f"{office}-{size}-visit-screen.png"))
form.close()

box = window.show_about()
shot(box, "about")
box.close()
dialog = QFileDialog(window, "导入同步包", "", "同步包 (*.sgpkg)")
dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
dialog.show()
shot(dialog, "file-dialog")
dialog.close()
QTimer.singleShot(300, lambda: (QApplication.activeModalWidget().grab().save(str(out / f"{office}-{size}-demo-choice.png")),
                               QApplication.activeModalWidget().reject()))
appmod.ask_demo_office()
window.close()
print("screen", QApplication.primaryScreen().availableGeometry(), "platform", application.platformName())
