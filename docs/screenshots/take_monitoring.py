"""Screenshots of the 月度监测 page on the demo county (40 enterprises, 2026-11-23) under 闽侯's
profile, three enterprises without October figures: the month's table, the selected row's
提示, the 季度对标 tab, the table narrowed to one township and a mark, an empty choice, and
报表打印 with 企业月度监测表 of September chosen with the month picker. Whole-screen grabs of a
real window under Xvfb, at the size of the screen.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_monitoring.py OUT_DIR 1024 768
"""
import sys
from pathlib import Path

from PySide6.QtCore import QDate

from shengui_desktop.services import policy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import Shots  # noqa: E402  (docs/screenshots/shots.py)

s = Shots('monitoring')
app, work, out, width, height, tag = s.app, s.work, s.out, s.width, s.height, s.tag
wait, shot = s.wait, s.shot
ledger = s.demo_county()
policy.choose_profile(ledger, "minhou")
late = ledger.rows("SELECT f.id FROM monthly_figures f JOIN enterprises e ON e.id = f.enterprise_id"
                   " WHERE e.pool = 'base' AND f.period = '2026-10' ORDER BY e.name LIMIT 3")
with ledger.transaction():
    for row in late:  # three enterprises have not reported October yet
        ledger.delete("monthly_figures", row["id"])

window = s.open_window(ledger)



wait(lambda: window.figures_ready, 15000)
window.show_page("月度监测")
page = window.monitoring_page
wait(lambda: not page.loading and page.table is not None, 20000)
marked = next(i for i in range(page.month_model.rowCount()) if page.month_model.row(i)["marks"])
page.month_view.selectRow(marked)
shot("month")
page.tabs.setCurrentIndex(1)
shot("quarter")
page.tabs.setCurrentIndex(0)
page.set_filters(township="140322100", flag="any")
wait(lambda: not page.loading, 20000)
shot("filtered")
page.set_filters(pool="entry", flag="late_report")
wait(lambda: not page.loading, 20000)
shot("empty")
page.set_filters()
wait(lambda: not page.loading, 20000)

window.show_page("报表打印")
printing = window.print_page
printing.select("monitor")
printing.month.setDate(QDate(2026, 9, 1))
printing.generate()
wait(lambda: printing.job is None and printing.viewer.page_count() > 0, 30000)
shot("print")
window.close()
app.quit()
