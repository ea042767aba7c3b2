"""What the main window holds once a ledger is open (#20, bench window_rss: the province
ledger's window held 409–418 MB, goal ≤ 400 MB): no pinyin dictionary, no page filled
while hidden, no job's freed memory kept, the enterprises' repeated codes held once, and the
window's own thread reads neither the change log nor the visits and issues."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

from shengui_desktop.domain.search import search_key
from shengui_desktop.services.ledger import visits
from shengui_desktop.ui import jobs
from shengui_desktop.ui.home import page as home_page
from shengui_desktop.ui.ledger.index import CODE, DEPARTMENT, POOL, SEARCH, TOWNSHIP, EnterpriseIndex, Filters

from conftest import PASSWORD
from test_ui_support import TODAY, add_enterprise, open_window


def _seed(county) -> list[str]:
    ids = [add_enterprise(county, f"秀水机械{i}有限公司", i) for i in range(1, 4)]
    visit = visits.add_visit(county, ids[0], {"visit_date": TODAY.isoformat(), "visitors": "张三",
                                              "summary": "了解生产经营情况"},
                             issues=[{"category": "融资", "description": "流动资金紧张"}])
    assert visit
    return ids


def test_the_window_opens_without_pinyin_and_fills_hidden_pages_when_shown(county):
    """In a process of its own (the tests' process has pypinyin from the enterprises they
    make): the window on a ledger until its policy columns are in."""
    _seed(county)
    county.close()  # one writer per ledger: the process opens it (the fixture's close is a no-op then)
    code = (
        "import sys, time\n"
        "from PySide6.QtCore import QSettings\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from shengui_desktop.storage.files import open_ledger\n"
        "from shengui_desktop.ui.main_window import MainWindow\n"
        "ledger = open_ledger(sys.argv[1], passphrase=sys.argv[2], user='admin')\n"
        "settings = QSettings(sys.argv[3], QSettings.Format.IniFormat)\n"
        "window = MainWindow(ledger, settings=settings)\n"
        "window.show()\n"
        "deadline = time.monotonic() + 60\n"
        "while not window.figures_ready and time.monotonic() < deadline:\n"
        "    app.processEvents()\n"
        "print(window.figures_ready, 'pypinyin' in sys.modules,\n"
        "      window.townships_page.township_model.rowCount())\n"
        "window.show_page('乡镇与部门')\n"
        "app.processEvents()\n"
        "print(window.townships_page.township_model.rowCount())\n"
        "window.close_backup = None\n"
        "window.successor = True\n"  # no backup on closing
        "window.close()\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code, str(county.path), PASSWORD,
                          str(county.path.parent / "w.ini")], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded, pinyin, hidden_rows = out.stdout.split("\n")[0].split()
    assert (loaded, pinyin, hidden_rows) == ("True", "False", "0")
    assert out.stdout.split("\n")[1] == "2"  # 秀水镇 and 路家村镇, once shown


def test_the_gui_thread_reads_no_log_visits_or_issues_and_the_dashboard_loads_once(
        qtbot, county, tmp_path, monkeypatch):
    _seed(county)
    stats_jobs: list[int] = []
    real_stats = home_page.home_stats
    monkeypatch.setattr(home_page, "home_stats", lambda today: stats_jobs.append(1) or real_stats(today))
    trims: list[int] = []
    real_trim = jobs.release_freed_memory
    monkeypatch.setattr(jobs, "release_freed_memory", lambda: trims.append(1) or real_trim())
    read: set[str] = set()

    def watch(action, table, _column, _db, _trigger):
        if action == sqlite3.SQLITE_READ and table:
            read.add(table)
        return sqlite3.SQLITE_OK

    county.conn.set_authorizer(watch)  # the window's own connection: jobs open theirs
    try:
        window = open_window(qtbot, county, tmp_path)
        qtbot.waitUntil(lambda: not window.busy() and bool(window.home.stats), timeout=10000)
    finally:
        county.conn.set_authorizer(None)
    assert not read & {"change_log", "visits", "issues", "monthly_figures"}, read
    assert "enterprises" in read  # the first screen of the ledger page
    assert len(stats_jobs) == 1  # with the rows; the evaluations only redraw the dashboard
    assert "未办结问题　1个" in window.home.buttons["open_issues"].text()
    assert len(trims) >= 3  # rows, figures, the dashboard: each gave back what it freed
    window.close()


def test_the_index_holds_each_repeated_code_once_and_searches_as_before():
    rows = [(f"id{i}", f"秀水机械{i}有限公司", f"91140322MA000000{i}X", "".join(["140322", "100"]),
             "3411", "below_scale", "".join(["res", "erve"]), "".join(["d", "1"]), None,
             search_key(f"秀水机械{i}有限公司")) for i in range(3)]
    assert rows[0][TOWNSHIP] is not rows[1][TOWNSHIP]  # as SQLite gives them: a string per cell
    index = EnterpriseIndex(rows=rows)
    kept = index.rows
    assert kept[0][TOWNSHIP] is kept[1][TOWNSHIP] is kept[2][TOWNSHIP]
    assert kept[0][POOL] is kept[2][POOL] and kept[0][DEPARTMENT] is kept[1][DEPARTMENT]
    assert all(r[SEARCH] is None for r in kept) and [r[CODE] for r in kept] == [r[CODE] for r in rows]
    assert index.filter(Filters(text="xsjx")) == [0, 1, 2]
    assert index.filter(Filters(text="xiushuijixie1")) == [1]
    # an edit: the new tuple (with its search key) replaces the old, compacted as well
    index.replace_row(("id1", "南娄化工有限公司", "91140322MA0000001X", "140322100", "2611",
                       "below_scale", "reserve", "d1", None, search_key("南娄化工有限公司")))
    assert index.filter(Filters(text="nlhg")) == [1] and index.rows[1][SEARCH] is None
    assert index.rows[1][TOWNSHIP] is kept[0][TOWNSHIP]
    order = sorted(range(3), key=index.sort_key("name"))
    assert order == [1, 0, 2]  # nanlou… before xiushui…, by pinyin
