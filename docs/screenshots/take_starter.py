"""Screenshots of the county's starter package (#21 item 5), at one screen size:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_starter.py OUT_DIR 1024
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600)

Writes OUT_DIR/starter-<size>-county-{page,form,code}.png (乡镇与部门 with 制作乡镇初始包…, the
dialog, the one-time code after saving) and OUT_DIR/starter-<size>-wizard-{start,empty,wrong,
contents,admin,done}.png (the first-run wizard on a new computer: 从县里的初始包开始, the file
chosen, a wrong code, what the file holds, the administrator, the ledger made with its
recovery code), then the new township's window (starter-<size>-window.png).
"""
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER, generate
from shengui_desktop.services.office import session, starter
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.ui import app as appmod
from shengui_desktop.ui.main_window import MainWindow
from shengui_desktop.ui.start import starter as starter_pages
from shengui_desktop.ui.start.wizard import SetupWizard
from shengui_desktop.ui.townships import starter as county_dialog

out, size = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
application = appmod._application()
folder = Path(tempfile.mkdtemp())


def settle(until=lambda: True, ms: int = 60000) -> None:
    waited = 0
    while (not until() or waited < 300) and waited < ms:
        QTest.qWait(50)
        waited += 50


def shot(widget, name: str) -> None:
    widget.grab().save(str(out / f"starter-{size}-{name}.png"))


# -- the county ---------------------------------------------------------------------------------
county, _code = init_office(folder / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user=DEMO_USER, password=DEMO_PASSWORD)
for code, name in (("140322100", "秀水镇"), ("140322101", "路家村镇"), ("140322102", "南娄镇")):
    reference.add_township(county, code, name)
generate(county, enterprises=60, townships=3, seed=7, as_of=date(2026, 11, 23))
policy.choose_profile(county, "yuxian")
window = MainWindow(county, settings=QSettings(str(folder / "c.ini"), QSettings.Format.IniFormat),
                    today=date(2026, 11, 23))
window.show()
settle(lambda: window.figures_ready)
window.show_page("乡镇与部门")
settle()
window.townships_page.township_table.selectRow(0)
shot(window, "county-page")
dialog = county_dialog.StarterDialog(county, window, township="140322100")
dialog.show()
settle()
shot(dialog, "county-form")
stick = folder / "U盘"
stick.mkdir()
target = stick / starter.starter_file_name(county, "140322100")
dialog.start(target, "140322100", None)
settle(lambda: dialog.job is None)
shot(dialog, "county-code")
QApplication.primaryScreen().grabWindow(0).save(str(out / f"starter-{size}-county-screen.png"))
made = dialog.made
dialog.accept()
window.close()
session.close(county)

# -- the township's new computer ------------------------------------------------------------------
new_path = folder / "新电脑" / "shengui_desktop" / "ledger.sgdb"
wizard = SetupWizard(new_path)
wizard.show()
settle()
wizard.start_page.starter_button.setChecked(True)
shot(wizard, "wizard-start")
wizard.next()
page = wizard.starter_page
shot(wizard, "wizard-empty")
starter_pages.ask_starter_file = lambda *_a: str(target)
page.choose()
page.code.setText("K7M2Q-X9P4H-T8ABC-DEFGH")
page.check()
settle(lambda: not page.running())
shot(wizard, "wizard-wrong")
page.code.setText(made.code)
page.check()
settle(lambda: not page.running())
shot(wizard, "wizard-contents")
wizard.next()
wizard.admin.user.setText("zhangsan")
wizard.admin.display.setText("张三")
wizard.admin.password.setText("Xiushui-2026!")
wizard.admin.confirm.setText("Xiushui-2026!")
shot(wizard, "wizard-admin")
wizard.next()
settle(lambda: not wizard.starter_done.running())
shot(wizard, "wizard-done")
QApplication.primaryScreen().grabWindow(0).save(str(out / f"starter-{size}-wizard-screen.png"))
township = wizard.ledger
wizard.accept()
window = MainWindow(township, settings=QSettings(str(folder / "t.ini"), QSettings.Format.IniFormat),
                    today=date(2026, 11, 23))
window.show()
settle(lambda: window.figures_ready)
window.show_page("企业台账")
settle(lambda: getattr(window.stack.currentWidget(), "loaded", True))
shot(window, "window")
window.close()
session.close(township)
shutil.rmtree(folder, ignore_errors=True)
print("screen", QApplication.primaryScreen().availableGeometry(), "platform", application.platformName())
