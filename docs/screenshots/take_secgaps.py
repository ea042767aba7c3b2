"""Screenshots of issue 19's remaining gaps, whole-screen grabs under Xvfb at the screen's
size (run once at 1024×768 and once at 1600×1000):

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_secgaps.py OUT_DIR 1024 768

* `lock-takeover-W.png`, `lock-refused-W.png`: the 强制接管 confirmation naming host,
  process, since when and the risk, over the unlock dialog; the dialog's message after 取消;
* `sync-stick-W.png`: 数据同步 → U盘中的同步包 at the county (file names of codes, offices
  read from the signed manifests: imported, not yet, a damaged file);
* `backup-folder-W.png`: 设置 → 备份与恢复 with the 备份文件夹 changed (更改…, 恢复默认);
* `close-backup-W.png`, `close-backup-failed-W.png`: closing the window: 正在备份… on the
  worker, and a failed backup's 仍然关闭 / 取消;
* `audit-copies-W.png`: 设置 → 审计日志 at the county after 验证: each copy of 秀水镇's ledger
  its own chain, named (秀水镇（原台账）, 秀水镇（设备…）).
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from shengui_desktop.domain import credit_code
from shengui_desktop.services import sync
from shengui_desktop.services.ledger import enterprises
from shengui_desktop.services.office import audit, backups, session
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage import origins
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.lock import lock_path_for
from shengui_desktop.sync import certificates
from shengui_desktop.ui.app import install_chinese
from shengui_desktop.ui.main_window import MainWindow
from shengui_desktop.ui.start.unlock import UnlockDialog

out, width, height = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
app = QApplication(sys.argv)
translators = install_chinese(app)
work = Path(tempfile.mkdtemp())
PASSWORD = "screenshot-123"


def wait(until=lambda: False, ms=300):
    start = time.monotonic()
    while not until() and (time.monotonic() - start) * 1000 < ms:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 30)
        time.sleep(0.01)


def grab(name: str) -> None:
    wait(ms=400)
    app.primaryScreen().grabWindow(0).save(str(out / f"{name}-{width}.png"))


def grab_modal_then(name: str, button_text: str) -> None:
    """When the next modal box is up: grab the screen, then press its `button_text`."""
    def act():
        box = app.activeModalWidget()
        if box is None or not box.isVisible():
            QTimer.singleShot(100, act)
            return
        wait(ms=500)
        app.primaryScreen().grabWindow(0).save(str(out / f"{name}-{width}.png"))
        for b in box.buttons():
            if b.text() == button_text:
                b.click()
                return
    QTimer.singleShot(200, act)


def window_on(path: Path, user="admin") -> MainWindow:
    ledger = session.unlock(path, password=PASSWORD, user=user)
    window = MainWindow(ledger, settings=QSettings(str(work / "w.ini"), QSettings.Format.IniFormat))
    window.resize(width, height - 30)
    window.move(0, 0)
    window.show()
    wait(lambda: window.figures_ready, 20000)
    return window


# -- a county, 秀水镇, and 秀水镇's ledger copied to a laptop --------------------------------
county, _ = init_office(work / "盂县台账.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password=PASSWORD)
town, _ = init_office(work / "秀水镇台账.sgdb", role="township", name="秀水镇", area_code="140322100",
                      admin_user="admin", password=PASSWORD)
cert = work / "county.cert.json"
sync.export_certificate(county, cert)
certificates.pin_county_certificate(town, cert)
for i, name in enumerate(("秀水机械有限公司", "秀水化工有限公司", "秀水食品有限公司")):
    org8 = f"{i + 1:08d}"
    code = credit_code.complete(f"91140322{org8}{credit_code.org_check_character(org8)}")
    enterprises.add_enterprise(town, {"name": name, "credit_code": code,
                                      "township_code": "140322100", "industry_code": "3411"})
usb = work / "U盘"
first = sync.export_packages(town, usb)[0].path
sync.import_packages(county, [first], accept_fingerprint=sync.certificate(town)["fingerprint"])
town.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
laptop = work / "laptop"
laptop.mkdir()
shutil.copy(town.path, laptop / town.path.name)
shutil.copy(keys_path_for(town.path), keys_path_for(laptop / town.path.name))
real = origins.machine_id
origins.machine_id = lambda: "cadre-laptop"
copy = session.unlock(laptop / town.path.name, password=PASSWORD)
origins.machine_id = real
audit.record(copy, audit.PRINT, "走访记录", "笔记本上打印")
audit.record(town, audit.PRINT, "企业台账", "办公室打印")
second = sync.export_packages(town, usb)[0].path
from_copy = sync.export_packages(copy, work / "U盘2")[0].path
sync.import_packages(county, [from_copy])
shutil.copy(from_copy, usb / from_copy.name.replace(".sgpkg", "-2.sgpkg"))
(usb / "旧文件.sgpkg").write_bytes(b"not a package")
copy.close()
town.close()
county_path = county.path
county.close()

# -- 强制接管: a lock left by another computer ---------------------------------------------
lock_path_for(county_path).write_text(json.dumps(
    {"host": "XIUSHUI-LAPTOP", "pid": 5120, "started": "2026-12-04T16:42:10"}), encoding="utf-8")
dialog = UnlockDialog(county_path)
dialog.move(max(0, (width - 560) // 2), 40)
dialog.show()
dialog.password.setText(PASSWORD)
grab_modal_then("lock-takeover", "取消")
dialog.try_unlock()
wait(lambda: "XIUSHUI-LAPTOP" in dialog.message.text() and app.activeModalWidget() is None, 20000)
grab("lock-refused")
dialog.close()
lock_path_for(county_path).unlink()

# -- 数据同步 → U盘中的同步包 -----------------------------------------------------------------
window = window_on(county_path)
window.show_page("数据同步")
tab = window.sync_page.transfer
tab._remember_dir(usb)
packages = tab.show_packages()
packages.resize(min(900, width - 60), 360)
packages.move(30, 120)
wait(lambda: len(packages.model.rows_data) == 4, 20000)
grab("sync-stick")
packages.close()

# -- 设置 → 审计日志, after 验证 -----------------------------------------------------------
window.show_page("设置")
page = window.settings_page
page.show_tab("审计日志")
atab = page.audit_tab
wait(lambda: atab.loaded and not atab.busy, 20000)
atab.verify()
wait(lambda: not atab.busy, 20000)
grab("audit-copies")

# -- 设置 → 备份与恢复 with the folder changed -----------------------------------------------
page.show_tab("备份与恢复")
btab = page.backups_tab
btab._set_folder(str(work / "D盘备份" / "秀水镇"))
grab("backup-folder")

# -- closing: 正在备份… on the worker, then a failed one ----------------------------------
release = threading.Event()
real_backup = backups.backup_on_close


def slow(ledger, **kwargs):
    release.wait(20)
    return real_backup(ledger, **kwargs)


backups.backup_on_close = slow
window.close()
wait(lambda: window.close_backup is not None and window.close_backup.dialog is not None
     and window.close_backup.dialog.isVisible(), 10000)
grab("close-backup")
backups.backup_on_close = lambda _l, **_k: "关闭时的自动备份未完成：无法写入“D:\\备份”：磁盘空间不足。"
release.set()
wait(lambda: not window.isVisible(), 20000)
window = window_on(county_path)
grab_modal_then("close-backup-failed", "仍然关闭")
window.close()
wait(lambda: not window.isVisible(), 20000)
print("saved to", out)
