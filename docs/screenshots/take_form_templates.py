"""Screenshots of the templates that travel from the county (#22 item 4), 2026-11-23: the county's
一表通 page (下发的报表: template × township, one overdue in red), its 下发报表模板 dialog, the
township's 收到的报表 (overdue red, 已填报, 已报送 grey) and its 首页 calendar with the due days
ringed and 待填报表 listed. Real packages between a county and two townships (tests/sync_helpers.py
sets them up and enrols them). Whole-screen grabs of a real window under Xvfb.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_form_templates.py OUT_DIR 1024 768
"""
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Alignment, Font  # noqa: E402
from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from shengui_desktop.services.excel import form_templates as ft  # noqa: E402
from shengui_desktop.ui.forms.board import SendDialog  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402
from sync_helpers import build_template, clone, exchange  # noqa: E402

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tag = f"formsync-{width}"
app = QApplication(sys.argv)
work = Path(tempfile.mkdtemp())
TODAY, SENT = date(2026, 11, 23), date(2026, 11, 10)
ledgers = clone(build_template(work / "template", enterprises_per_township=6), work / "ledgers")
county, xiushui, lujia = ledgers["C"], ledgers["A"], ledgers["B"]


def form(name: str) -> Path:
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "{{单位}}" + name + "（{{期间}}）"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:E1")
    ws.append([])
    ws.append(["序号", "企业名称", "统一社会信用代码", "营业收入（万元）", "同比"])
    ws.append(["{{#企业}}{{序号}}", "{{企业名称}}", "{{统一社会信用代码}}", "{{营业收入}}", "{{同比}}{{/企业}}"])
    path = work / f"{name}.xlsx"
    wb.save(path)
    return path


monthly = ft.send_template(county, form("规上工业企业月报"), department="统计局", due="2026-11-20",
                           period="2026-10", today=SENT)
pool = ft.send_template(county, form("小升规培育库企业名单"), department="工信局", due="2026-11-28",
                        period="2026-10", today=SENT)
ft.send_template(county, form("重点项目推进情况表"), department="发改局", due="2026-12-05", to=["秀水镇"], today=SENT)
gone = ft.send_template(county, form("一季度用电情况"), department="县政府办", due="2026-12-10", today=SENT)
ft.withdraw_template(county, gone["id"], today=date(2026, 11, 12))
for town in (xiushui, lujia):
    exchange(county, town, work / "usb")
ft.mark_sent(lujia, monthly["id"], on="2026-11-19", today=TODAY)
ft.record_filled(lujia, pool["id"], today=TODAY)
ft.record_filled(xiushui, pool["id"], today=date(2026, 11, 20))
ft.mark_sent(xiushui, pool["id"], on="2026-11-21", today=TODAY)
for town in (xiushui, lujia):
    exchange(town, county, work / "usb")


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


def shot(name):
    wait(ms=1000)
    app.primaryScreen().grabWindow(0).save(str(out / f"{tag}-{name}.png"))


def window_for(ledger):
    window = MainWindow(ledger, settings=QSettings(str(work / f"{id(ledger)}.ini"), QSettings.Format.IniFormat),
                        today=TODAY)
    window.setGeometry(0, 0, width, height)
    window.show()
    wait(lambda: window.figures_ready, 15000)
    return window


window = window_for(county)
window.show_page("一表通")
shot("county")
dialog = SendDialog(county, TODAY, window)
dialog.set_path(str(work / "规上工业企业月报.xlsx"))
dialog.name.setText("规上工业企业11月快报")
dialog.department.setCurrentText("统计局")
QTimer.singleShot(1500, lambda: (app.primaryScreen().grabWindow(0).save(str(out / f"{tag}-send.png")),
                                 dialog.reject()))
dialog.exec()
window.close()

window = window_for(xiushui)
wait(lambda: getattr(window.home, "due_forms", None) is not None, 10000)
shot("home")
window.show_page("一表通")
window.forms_page.board.select(monthly["id"])  # the overdue one, its buttons live
shot("township")
window.close()
for ledger in ledgers.values():
    ledger.close()
