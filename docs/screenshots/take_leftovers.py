"""Screenshots of the leftovers of #15, #17 and #19: 数据同步 → 台账副本… (秀水镇's ledger on two
computers, the laptop abandoned) and its confirmation; 导出Excel's year and month choice;
the damaged-ledger box a page load shows after the unlock. Whole-screen grabs of a real
window under Xvfb, at the screen's size:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_leftovers.py OUT_DIR 1024 768
"""
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))  # the sync tests' small county

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from shengui_desktop.services import sync  # noqa: E402
from shengui_desktop.services.ledger import demo  # noqa: E402
from shengui_desktop.services.office import session  # noqa: E402
from shengui_desktop.services.office.setup import init_office  # noqa: E402
from shengui_desktop.ui.app import install_chinese  # noqa: E402
from shengui_desktop.ui.excel_import.export_choice import ExportChoiceDialog  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
app = QApplication(sys.argv)
translators = install_chinese(app)
work = Path(tempfile.mkdtemp())
TODAY = date(2026, 11, 23)

from sync_helpers import CODES, build_template, clone  # noqa: E402
from test_sync_copies import copy_to_other_computer, enterprises_of, send  # noqa: E402


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


def grab(name: str) -> None:
    wait(ms=600)
    app.primaryScreen().grabWindow(0).save(str(out / f"{name}-{width}.png"))


def window_for(ledger, folder: str) -> MainWindow:
    settings = QSettings(str(work / f"{folder}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(ledger, settings=settings, today=TODAY)
    window.show()
    window.setGeometry(app.primaryScreen().availableGeometry())
    wait(lambda: window.figures_ready, 10000)
    return window


# -- 台账副本 -------------------------------------------------------------------------------
sites = clone(build_template(work / "template"), work / "ledgers")
sites["A2"] = copy_to_other_computer(sites["A"], work / "laptop")
c, a, a2 = sites["C"], sites["A"], sites["A2"]
ent = enterprises_of(a, CODES["A"])[0]
a.update("enterprises", ent, {"note": "台式机"})
a2.update("enterprises", ent, {"address": "笔记本"})
send(a, c, work / "u1")
send(a2, c, work / "u2")
send(c, a, work / "u3")
for n in range(3):
    a.insert("visits", {"enterprise_id": ent, "visit_date": f"2026-11-0{n + 2}", "visitors": "张三",
                        "summary": f"台式机第{n + 1}次走访"})
    c.update("enterprises", ent, {"liaison_cadre": f"县干部{n}"})
    send(a, c, work / f"a{n}")
    send(c, a, work / f"c{n}")
send(a, c, work / "last")
window = window_for(c, "county")
window.show_page("数据同步")
dialog = window.sync_page.transfer.show_devices()
wait(dialog.isVisible, 5000)
laptop = next(i for i, r in enumerate(dialog.model.rows_data) if r["origin_id"] == a2.origin_id)
dialog.table.selectRow(laptop)
grab("sync-devices")
box = QMessageBox(QMessageBox.Icon.Warning, "停用台账副本", sync.retire_confirmation(dialog.selected()),
                  QMessageBox.StandardButton.NoButton, dialog)
box.addButton("停用", QMessageBox.ButtonRole.AcceptRole)
box.setDefaultButton(box.addButton("取消", QMessageBox.ButtonRole.RejectRole))
box.open()
grab("sync-devices-confirm")
box.close()
dialog.close()

# -- 导出Excel: the year and the month ---------------------------------------------------------
window.show_page("Excel导入")
for takes, title in (("year", "奖补测算"), ("period", "企业月度监测表")):
    choice = ExportChoiceDialog(window.import_page, title, takes, c, TODAY)
    choice.open()
    grab(f"export-choice-{takes}")
    choice.close()
window.close()

# -- a page damaged after the unlock -----------------------------------------------------------
db = work / "damaged" / "盂县台账.sgdb"
made, _ = init_office(db, role="county", name="盂县", area_code="140322", admin_user="admin",
                      password="screenshot-123")
demo.generate(made, enterprises=40, as_of=TODAY)
made.close()
ledger = session.unlock(db, password="screenshot-123", user="admin")
window = window_for(ledger, "damaged")
data = bytearray(db.read_bytes())
for page in range(len(data) // 4096 // 2, len(data) // 4096):
    data[page * 4096 + 200] ^= 0x10
db.write_bytes(bytes(data))
window.show_page("走访记录")
wait(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in app.topLevelWidgets()), 10000)
grab("damage-after-unlock")
