"""Screenshots of the 数据同步 page on a small made-up county (盂县 with three townships):
the page after an import, the enrolment dialog of a new township, the conflicts and the
duplicates tabs.

    Offscreen (widget grabs):
        QT_QPA_PLATFORM=offscreen uv run python docs/screenshots/take_sync.py docs/screenshots
    Real window (xcb under Xvfb, whole screen grabs):
        HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1440x900x24" \\
            uv run python docs/screenshots/take_sync.py docs/screenshots --xvfb
"""
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog

from shengui_desktop.services.ledger import reference
from shengui_desktop.services import sync
from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.office.setup import init_office, this_site
from shengui_desktop.sync import certificates
from shengui_desktop.ui import app as appmod

out = Path(sys.argv[1])
real = "--xvfb" in sys.argv
application = appmod._application()
work = Path(tempfile.mkdtemp())
PASSWORD = "screenshot-123"
TOWNS = {"140322100": "秀水镇", "140322101": "路家村镇", "140322102": "南娄镇"}


def valid_codes():
    """Made-up but valid unified social credit codes (both check characters right)."""
    import random

    from shengui_desktop.domain import credit_code
    rng, chars = random.Random(3), "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        body = "".join(rng.choice(chars) for _ in range(8))
        check = credit_code.org_check_character(body)
        if check in chars:
            yield credit_code.complete("91140322" + body + check)


CODES = valid_codes()


def wait(predicate, timeout=15.0):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError
        application.processEvents()
        time.sleep(0.01)


def settle(seconds=0.4):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        application.processEvents()
        time.sleep(0.01)


def grab(widget, name):
    settle()
    if real:
        QApplication.primaryScreen().grabWindow(0).save(str(out / f"xvfb-{name}.png"))
    else:
        widget.grab().save(str(out / f"{name}.png"))
    print("saved", name)


def office(code, name, role):
    ledger, _ = init_office(work / f"{code}.sgdb", role=role, name=name, area_code=code,
                            admin_user="admin", password=PASSWORD)
    return ledger


def firm(ledger, name, code, township):
    return create_enterprise(ledger, {"name": name, "credit_code": code, "township_code": township,
                                      "industry_code": "3411"})[0]


county = office("140322", "盂县", "county")
for code, name in TOWNS.items():
    reference.add_township(county, code, name)
sync.export_certificate(county, work / "county.json")
towns = {}
for code, name in TOWNS.items():
    t = office(code, name, "township")
    certificates.pin_county_certificate(t, work / "county.json")
    towns[code] = t
usb = work / "usb"
xs, lj, nl = (towns[c] for c in TOWNS)
a = firm(xs, "秀水机械有限公司", next(CODES), "140322100")
b = firm(xs, "盂县鑫源铸造有限公司", next(CODES), "140322100")
firm(lj, "路家村镇建材厂", next(CODES), "140322101")
dup_code = next(CODES)
for t in (xs, lj):
    sync.import_packages(county, [sync.export_packages(t, usb)[0].path],
                         accept_fingerprint=this_site(t)["fingerprint"])
by_name = {name: towns[code] for code, name in TOWNS.items()}
for p in sync.export_packages(county, usb):
    sync.import_packages(by_name[p.recipient], [p.path])
# edits made at both ends without seeing each other: conflicts at the county
county.update("enterprises", a, {"address": "秀水镇工业园区3号", "contact_phone": "0353-6012345"})
xs.update("enterprises", a, {"address": "秀水镇工业园区5号", "contact_phone": "13935312345"})
county.update("enterprises", b, {"liaison_cadre": "王建军"})
xs.update("enterprises", b, {"liaison_cadre": "李红梅"})
# the same enterprise registered at the county and at 路家村镇
firm(county, "盂县华盛新材料有限公司", dup_code, "140322101")
firm(lj, "华盛新材料公司", dup_code, "140322101")
skipped = sync.export_packages(lj, usb)[0].path  # never reaches the county: a gap
skipped.unlink()
lj.update("enterprises", firm(lj, "路家村镇农机修造厂", next(CODES), "140322101"), {"note": "新录入"})
incoming = [sync.export_packages(xs, usb)[0].path, sync.export_packages(lj, usb)[0].path]
firm(nl, "南娄镇石材加工厂", next(CODES), "140322102")
new_town = sync.export_packages(nl, usb)[0].path

from shengui_desktop.ui.main_window import MainWindow  # noqa: E402

window = MainWindow(county, settings=QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
window.show()
wait(lambda: window.figures_ready)
window.show_page("数据同步")
page = window.sync_page
tab = page.transfer
tab.import_files(incoming + [new_town])
wait(lambda: tab.enrol_dialog is not None and tab.enrol_dialog.isVisible())
dialog = tab.enrol_dialog
dialog.typed.setText(this_site(nl)["fingerprint"].replace(" ", "")[:16])
grab(dialog, "sync-enrol")
dialog.typed.setText(this_site(nl)["fingerprint"])
dialog.accept_button.click()
wait(lambda: "导入结果" in tab.result.toPlainText())
grab(window, "sync-page")
page.show_tab("冲突")
page.conflicts.table.selectRow(0)
grab(window, "sync-conflicts")
page.conflicts.keep_local.click()  # one decided, then shown with the settled ones
page.conflicts.show_settled.setChecked(True)
page.conflicts.table.selectRow(0)
grab(window, "sync-conflicts-settled")
page.conflicts.show_settled.setChecked(False)
page.show_tab("疑似重复")
page.duplicates.task_table.selectRow(0)
page.duplicates.enterprise_table.selectRow(0)
grab(window, "sync-duplicates")
page.show_tab("同步")

# the township's side: its own fingerprint to read out, export to the stick
township = MainWindow(xs, settings=QSettings(str(work / "settings-t.ini"), QSettings.Format.IniFormat))
window.hide()
township.show()
wait(lambda: township.figures_ready)
township.show_page("数据同步")
QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(usb))  # the USB stick
township.sync_page.transfer.export_button.click()
wait(lambda: "导出完成" in township.sync_page.transfer.result.toPlainText())
grab(township, "sync-township")
print("platform", application.platformName())
for w in (township, window):
    w.close()
