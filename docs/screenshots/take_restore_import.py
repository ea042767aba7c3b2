"""Screenshots of the first-run wizard's 从备份恢复 path and of the Excel导入 page's problem
table, at one screen size:

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_restore_import.py OUT_DIR 1024
    (… "-screen 0 1600x1000x24" … OUT_DIR 1600)

Writes OUT_DIR/restore-<size>-{start,chosen,wrong,done}.png (the wizard on a "new
computer": a backup of a small demo ledger on a "USB stick") and
OUT_DIR/import-problems-<size>.png (a bad list with long values and messages), then the
restored ledger's window: the 走访记录 and 问题台账 pages with 导出Excel, and 设置 → 备份与恢复
after 检查台账完整性 (visits-/issues-/verify-<size>.png).
"""
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from excel_build import credit, write_xlsx  # noqa: E402

from shengui_desktop.services.ledger import reference  # noqa: E402
from shengui_desktop.services.ledger.demo import DEMO_PASSWORD, DEMO_USER, generate  # noqa: E402
from shengui_desktop.services.office import backups, session  # noqa: E402
from shengui_desktop.services.office.setup import init_office  # noqa: E402
from shengui_desktop.ui import app as appmod  # noqa: E402
from shengui_desktop.ui.main_window import MainWindow  # noqa: E402
from shengui_desktop.ui.start import restore as restore_page  # noqa: E402
from shengui_desktop.ui.start.wizard import SetupWizard  # noqa: E402

out, size = Path(sys.argv[1]), sys.argv[2]
out.mkdir(parents=True, exist_ok=True)
application = appmod._application()
folder = Path(tempfile.mkdtemp())


def settle(until=lambda: True, ms: int = 20000) -> None:
    waited = 0
    while (not until() or waited < 300) and waited < ms:
        QTest.qWait(50)
        waited += 50


# -- the wizard on a new computer -----------------------------------------------------------
old, _code = init_office(folder / "old" / "ledger.sgdb", role="county", name="盂县", area_code="140322",
                         admin_user=DEMO_USER, password=DEMO_PASSWORD)
generate(old, enterprises=60, townships=3, seed=7, as_of=date(2026, 11, 23))
made = backups.make_backup(old)
session.close(old)
stick = folder / "U盘"
stick.mkdir()
shutil.copy(made.path, stick)
shutil.copy(f"{made.path}.keys", stick)
new_path = folder / "新电脑" / "shengui_desktop" / "ledger.sgdb"
wizard = SetupWizard(new_path)
wizard.show()
settle()
wizard.start_page.restore_button.setChecked(True)
wizard.grab().save(str(out / f"restore-{size}-start.png"))
wizard.next()
restore_page.ask_backup_file = lambda *_a: str(stick / made.path.name)
page = wizard.restore_page
page.choose()
settle()
wizard.grab().save(str(out / f"restore-{size}-chosen.png"))
page.password.setText("wrong-password")
page.start()
settle(lambda: not page.running())
wizard.grab().save(str(out / f"restore-{size}-wrong.png"))
page.password.setText(DEMO_PASSWORD)
page.start()
settle(lambda: not page.running())
wizard.grab().save(str(out / f"restore-{size}-done.png"))
QApplication.primaryScreen().grabWindow(0).save(str(out / f"restore-{size}-screen.png"))
restored = wizard.ledger
wizard.accept()
window = MainWindow(restored, settings=QSettings(str(folder / "r.ini"), QSettings.Format.IniFormat),
                    today=date(2026, 11, 23))
window.show()
settle(lambda: window.figures_ready)
for name, page in (("visits", "走访记录"), ("issues", "问题台账")):
    window.show_page(page)
    settle(lambda: getattr(window.stack.currentWidget(), "loaded", True))
    window.grab().save(str(out / f"{name}-{size}.png"))
QMessageBox.information = staticmethod(lambda *a, **k: None)  # the verdict's box; the tab shows it too
window.show_page("设置")
window.settings_page.show_tab("备份与恢复")
tab = window.settings_page.backups_tab
tab.verify()
settle(lambda: tab.job is None)
window.grab().save(str(out / f"verify-{size}.png"))
window.close()
session.close(restored)

# -- the import page's problems ------------------------------------------------------------------
ledger, _code = init_office(folder / "c.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user=DEMO_USER, password=DEMO_PASSWORD)
reference.add_township(ledger, "140322100", "秀水镇")
window = MainWindow(ledger, settings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
window.show()
window.show_page("Excel导入")
bad = write_xlsx(folder / "2025年规下工业企业名单（统计局反馈）.xlsx", [
    ["2025年规下工业企业名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）", "从业人员（人）"],
    [1, "山西省阳泉市盂县秀水镇精密机械制造与装备配套服务有限责任公司", "91140322ABC", "秀水镇", 1200, 30],
    [2, "路家村化工有限公司", credit(2), "路家村镇（原路家村乡，2019年撤乡设镇）", "很多，约一千二百万元左右，具体以税务局核定为准", 12],
    [3, "秀水食品加工厂", credit(3), "秀水镇", -5, "三十"],
    [4, "", credit(4), "秀水镇", 100, 3]])
window.import_page.open_file(bad)
settle(lambda: window.import_page.job is None)
window.grab().save(str(out / f"import-problems-{size}.png"))
QApplication.primaryScreen().grabWindow(0).save(str(out / f"import-problems-{size}-screen.png"))
window.close()
print("screen", QApplication.primaryScreen().availableGeometry(), "platform", application.platformName())
