"""Screenshots of who did what (issue 19 item 2) at 1024×768 and 1600×1000, under Xvfb:
设置 → 审计日志 at the demo county after a day of work (the township's entries arrived in its
package; 验证 clicked), the same tab on a tampered log, the enterprise window's 修改记录, and a
conflict on 数据同步 naming office and person:

    xvfb-run -a -s "-screen 0 1600x1000x24" uv run python docs/screenshots/take_audit.py OUT_DIR
"""

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from shengui_desktop.errors import WrongPassphrase
from shengui_desktop.reports.sources import Filters
from shengui_desktop.services import sync
from shengui_desktop.services.excel import export_table
from shengui_desktop.services.ledger import visits
from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, ensure_demo_ledger, ensure_township_demo
from shengui_desktop.services.office import backups, session, users
from shengui_desktop.services.reports import print_report
from shengui_desktop.ui.main_window import MainWindow

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
app = QApplication([])
county_path, town_path = work / "county.sgdb", work / "town.sgdb"
ensure_demo_ledger(county_path, enterprises=120)
ensure_township_demo(town_path, county_path)

# a day of work: 张三 at 秀水镇, 王五 at the county, a wrong password, a print, an export
admin = session.unlock(town_path, password=DEMO_PASSWORD, user="admin")
users.add_user(admin, "zhangsan", "zhangsan-pw-1", role="乡镇填报员", display_name="张三")
backups.make_backup(admin)
admin.close()
try:
    session.unlock(town_path, password="wrong", user="zhangsan")
except WrongPassphrase:
    pass
town = session.unlock(town_path, password="zhangsan-pw-1", user="zhangsan")
firm = town.one("SELECT id, name FROM enterprises WHERE township_code = ? ORDER BY name LIMIT 1",
                (town.this_site()["area_code"],))
town.update("enterprises", firm["id"], {"contact_phone": "13800000001", "contact_person": "王经理"})
visits.add_visit(town, firm["id"], {"visit_date": "2026-11-03", "visitors": "张三、李四",
                                    "summary": "了解四季度订单和用电增容进展"},
                 issues=[{"description": "10千伏线路增容尚未批复", "raised_date": "2026-11-03"}])
print_report(town, "visits", work / "走访.pdf", Filters(year=2026, today=date(2026, 11, 30)))
county_admin = session.unlock(county_path, password=DEMO_PASSWORD, user="admin")
users.add_user(county_admin, "wangwu", "wangwu-pw-1", role="县级管理员", display_name="王五")
county_admin.close()
county = session.unlock(county_path, password="wangwu-pw-1", user="wangwu")
county.update("enterprises", firm["id"], {"contact_phone": "13900000002"})  # the same field: a conflict
export_table(county, "enterprises", work / "企业名单.xlsx")
up = sync.export_packages(town, work / "usb", to=county.this_site()["area_code"])
sync.import_packages(county, [r.path for r in up])
town.close()
county.close()


def settle(window, until=lambda: True) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (window.figures_ready and until()):
        app.processEvents()
        time.sleep(0.05)
    for _ in range(5):
        app.processEvents()


def open_county(user="admin", password=DEMO_PASSWORD) -> MainWindow:
    ledger = session.unlock(county_path, password=password, user=user)
    window = MainWindow(ledger, settings=QSettings(str(work / "w.ini"), QSettings.Format.IniFormat))
    window.show()
    settle(window)
    return window


window = open_county()
window.show_page("设置")
page = window.settings_page
page.show_tab("审计日志")
tab = page.audit_tab
settle(window, lambda: tab.loaded and not tab.busy)
tab.verify()
settle(window, lambda: not tab.busy)
for width, height in ((1024, 768), (1600, 1000)):
    window.resize(width, height)
    settle(window)
    window.grab().save(str(out / f"audit-{width}.png"))
tab.office.setCurrentIndex(tab.office.findText("秀水镇"))
settle(window, lambda: not tab.busy)
window.resize(1024, 768)
settle(window)
window.grab().save(str(out / "audit-township-1024.png"))

# the enterprise window's 修改记录
enterprise = window.open_enterprise(firm["id"])
enterprise.tabs.setCurrentWidget(enterprise.history)
enterprise.resize(1000, 640)
settle(window)
enterprise.grab().save(str(out / "enterprise-history.png"))
enterprise.close()

# the conflict on 数据同步
window.show_page("数据同步")
window.sync_page.tabs.setCurrentIndex(1)
window.sync_page.conflicts.table.selectRow(0)
window.resize(1024, 768)
settle(window)
window.grab().save(str(out / "sync-conflict-person-1024.png"))
window.close()

# a tampered log: 验证 names the entry
ledger = session.unlock(county_path, password=DEMO_PASSWORD, user="admin")
ledger.conn.execute("DROP TRIGGER audit_log_no_update")
ledger.conn.execute("UPDATE audit_log SET person = 'admin' WHERE office_id = ? AND action = '修改台账'"
                    " AND person = 'wangwu'", (ledger.site_id,))
ledger.close()
window = open_county()
window.show_page("设置")
window.settings_page.show_tab("审计日志")
tab = window.settings_page.audit_tab
settle(window, lambda: tab.loaded and not tab.busy)
tab.verify()
settle(window, lambda: not tab.busy)
window.resize(1024, 768)
settle(window)
window.grab().save(str(out / "audit-broken-1024.png"))
window.close()
print("saved to", out)
