"""Screenshots of roles, wrong passwords and auto-lock (#19 item 2) at 1024×768 and
1600×1000 on a small demo county (盂县) under Xvfb:

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1600x1000x24" \\
        uv run python docs/screenshots/take_roles.py OUT_DIR

roles-settings-account-*.png  设置 → 我的账户 with the 自动锁定 setting (an administrator)
roles-viewer-sync-*.png  a 县级查看 user's 数据同步 page: import, export and re-keying disabled
roles-viewer-ledger-*.png  the same user's 企业台账: 新增企业 and 记录走访 disabled, export allowed
roles-unlock-wait.png  the unlock dialog after three wrong passwords (waiting 4 s)
roles-locked-*.png  the whole screen after auto-lock: no page, the unlock dialog
"""

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")  # a throwaway ledger: a cheap key
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from shengui_desktop.errors import WrongPassphrase  # noqa: E402
from shengui_desktop.services.ledger.demo import generate  # noqa: E402
from shengui_desktop.services.office import session, users  # noqa: E402
from shengui_desktop.services.office.setup import init_office  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402
from shengui_desktop.ui.start.unlock import UnlockDialog  # noqa: E402

TODAY = date(2026, 11, 23)
PASSWORD = "correct-horse-9"
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])
ledger, _ = init_office(work / "c.sgdb", role="county", name="盂县", area_code="140322",
                        admin_user="admin", password=PASSWORD)
generate(ledger, enterprises=40, townships=3, seed=7, as_of=TODAY)
users.add_user(ledger, "wang", "viewer-password-1", role="县级查看", display_name="王芳")


def settle(done) -> None:
    while not done():
        app.processEvents()
        time.sleep(0.05)
    for _ in range(10):
        app.processEvents()


def window_for(opened, name):
    window = MainWindow(opened, settings=QSettings(str(work / f"{name}.ini"), QSettings.Format.IniFormat),
                        today=TODAY)
    window.show()
    settle(lambda: window.figures_ready and not window.busy())
    return window


admin = window_for(ledger, "admin")
for width, height in ((1024, 768), (1600, 1000)):
    admin.resize(width, height)
    admin.show_page("设置")
    admin.settings_page.show_tab("我的账户")
    settle(lambda: True)
    admin.grab().save(str(out / f"roles-settings-account-{width}.png"))
admin.resize(1024, 768)
admin.move(0, 0)
admin.show_page("企业台账")
settle(lambda: not admin.busy())
admin.lock()
settle(lambda: admin.unlock_dialog is not None and admin.unlock_dialog.isVisible())
app.primaryScreen().grabWindow(0, 0, 0, 1100, 800).save(str(out / "roles-locked-1024.png"))
admin.unlock_dialog.reject()
settle(lambda: not admin.isVisible())

viewer = window_for(session.unlock(work / "c.sgdb", password="viewer-password-1", user="wang"), "viewer")
for width, height in ((1024, 768), (1600, 1000)):
    viewer.resize(width, height)
    for page, name in (("数据同步", "sync"), ("企业台账", "ledger")):
        viewer.show_page(page)
        settle(lambda: not viewer.busy())
        viewer.grab().save(str(out / f"roles-viewer-{name}-{width}.png"))
viewer.close()

for _ in range(3):
    try:
        session.unlock(work / "c.sgdb", password="wrong-password", user="admin", wait=lambda s: None)
    except WrongPassphrase:
        pass
dialog = UnlockDialog(work / "c.sgdb")
dialog.show()
settle(lambda: True)
dialog.grab().save(str(out / "roles-unlock-wait.png"))
dialog.reject()
