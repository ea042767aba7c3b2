"""The fast paths of issue #20 give what the old ones gave, and the hot queries use the
intended index (bench/README.md has the numbers)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from shengui_desktop.services.ledger import figures
from shengui_desktop.services.ledger.enterprises import annual_revenue_totals
from shengui_desktop.services.ledger.demo import generate

AS_OF = date(2026, 11, 23)
# what year_revenues read before: planned on the period index, sorted in a temp B-tree
OLD_YEAR_SQL = ("SELECT enterprise_id, sum(revenue), count(revenue) FROM monthly_figures"
                " WHERE period BETWEEN ? AND ? GROUP BY enterprise_id")


@pytest.fixture(scope="module")
def county_ledger(tmp_path_factory):
    """A generated county (12 townships, 600 enterprises, 36 months), with a few annual
    figures so the 年报 fallback is exercised too."""
    from shengui_desktop.services.office.setup import init_office

    from conftest import PASSWORD

    ledger, _ = init_office(tmp_path_factory.mktemp("perf") / "county.sgdb", role="county",
                            name="测试县", area_code="140322", admin_user="admin", password=PASSWORD)
    generate(ledger, enterprises=600, townships=12, seed=3, as_of=AS_OF)
    some = [r[0] for r in ledger.conn.execute("SELECT id FROM enterprises ORDER BY id LIMIT 40")]
    for n, ent in enumerate(some):
        figures.record_year(ledger, ent, AS_OF.year - 1, {"revenue": 1_000_000 * (n + 1)})
    yield ledger
    ledger.close()


def plan(ledger, sql: str, params=()) -> str:
    return " / ".join(r[3] for r in ledger.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_year_revenue_reads_the_covering_index(county_ledger):
    text = plan(county_ledger, figures.YEAR_REVENUE_SQL, ("2025-01", "2025-12"))
    assert "COVERING INDEX monthly_figures_enterprise_figures" in text
    assert "TEMP B-TREE" not in text
    # the old statement is what the fix is about: the period index and a sort
    assert "TEMP B-TREE" in plan(county_ledger, OLD_YEAR_SQL, ("2025-01", "2025-12"))


def test_year_revenues_same_as_the_old_query(county_ledger):
    for year in (AS_OF.year - 2, AS_OF.year - 1, AS_OF.year):
        old = {ent: (total, months) for ent, total, months in county_ledger.conn.execute(
            OLD_YEAR_SQL, (f"{year}-01", f"{year}-12"))}
        new = {ent: (total, months) for ent, total, months in county_ledger.conn.execute(
            figures.YEAR_REVENUE_SQL, (f"{year}-01", f"{year}-12"))}
        assert new == old and len(new) > 500
    totals = annual_revenue_totals(county_ledger, AS_OF.year - 1)
    assert len(totals) > 500 and all(isinstance(v[0], int) for v in totals.values())


def test_the_unlock_dialog_does_not_wait_for_the_main_window(tmp_path):
    """Start to the unlock dialog (the dialog made on a real ledger, its user list read):
    neither the main window nor sqlite-utils nor pypinyin is imported on the way (each costs
    about half a second on an office PC), nor what only an opened ledger needs: opening it
    (storage.files, the Ledger class, migrations: a quarter of a second) and the sync
    services (the copy notice after the unlock), the key derivation and ciphers (the user
    list is read before any key is), the window's table widgets (ui/common.py)."""
    import os

    from shengui_desktop.services.office.setup import init_office

    ledger, _ = init_office(tmp_path / "l.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password="unlock-pass-1")
    ledger.close()
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from shengui_desktop.ui.start.unlock import UnlockDialog\n"
            "import shengui_desktop.ui.app\n"
            "dialog = UnlockDialog(sys.argv[1])\n"
            "dialog.show()\n"
            "app.processEvents()\n"
            "assert dialog.user.count() == 1\n"
            "heavy = [m for m in ('sqlite_utils', 'pypinyin', 'shengui_desktop.ui.main_window',"
            " 'shengui_desktop.ui.start.wizard', 'reportlab', 'xlsxwriter', 'openpyxl',"
            " 'shengui_desktop.storage.files', 'shengui_desktop.storage.ledger',"
            " 'shengui_desktop.storage.migrations', 'shengui_desktop.services.sync',"
            " 'shengui_desktop.sync', 'shengui_desktop.services.office.audit',"
            " 'shengui_desktop.ui.common', 'argon2', 'cryptography.hazmat.primitives.ciphers')"
            " if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "l.sgdb")], capture_output=True,
                         text=True, check=True, env=env)
    assert out.stdout.strip() == ""


def test_incremental_evaluation_same_as_a_full_one(county_ledger, monkeypatch):
    """After a few writes the cached evaluation is caught up for the enterprises they touched
    (not evaluated again in full), and it equals a full evaluation of the changed ledger."""
    from shengui_desktop.services.ledger.enterprises import update_enterprise
    from shengui_desktop.services.ledger.visits import add_visit
    from shengui_desktop.services.policy import choose_profile, evaluate, evaluation

    ledger = county_ledger
    choose_profile(ledger, "hunan")
    evaluation._last_full = None
    first = evaluate(ledger, today=AS_OF)
    ids = sorted(first)
    asked: list = []
    real = evaluation._evaluate
    monkeypatch.setattr(evaluation, "_evaluate", lambda ledger, wanted, *a: asked.append(wanted) or real(ledger, wanted, *a))

    # a month already reported by others (the months so far stay), a visit, a changed status
    figures.record_month(ledger, ids[0], f"{AS_OF.year}-03", {"revenue": 987_654_321})
    add_visit(ledger, ids[1], {"visit_date": AS_OF.isoformat(), "visitors": "张三", "summary": "了解生产经营情况"})
    update_enterprise(ledger, ids[2], {"stat_status": "exited", "exited_stats_date": "2026-06-30"})
    caught_up = evaluate(ledger, today=AS_OF)
    assert asked == [sorted({ids[0], ids[1], ids[2]})]
    assert caught_up[ids[0]] != first[ids[0]]

    evaluation._last_full = None
    assert caught_up == evaluate(ledger, today=AS_OF)

    # a month nobody reported yet changes everybody's "months so far": a full evaluation
    asked.clear()
    figures.record_month(ledger, ids[3], f"{AS_OF.year}-{AS_OF.month:02d}", {"revenue": 1_000_000})
    after = evaluate(ledger, today=AS_OF)
    assert asked == [None]
    evaluation._last_full = None
    assert after == evaluate(ledger, today=AS_OF)


def test_export_streams_its_rows_and_leaves_nothing_beside(county_ledger, tmp_path):
    """The xlsx export writes rows as they come (constant memory) in a hidden folder beside
    the file: after a save only the file is there, after a cancel nothing."""
    from openpyxl import load_workbook

    from shengui_desktop.progress import ImportCancelled
    from shengui_desktop.services.excel.export import export_table

    out = tmp_path / "out" / "名单.xlsx"
    result = export_table(county_ledger, "enterprises", out, with_figures=True, today=AS_OF)
    assert sorted(p.name for p in out.parent.iterdir()) == ["名单.xlsx"]
    book = load_workbook(out, read_only=True)
    figures_sheet = book["月度数据"]
    rows = list(figures_sheet.iter_rows(values_only=True))
    months = county_ledger.scalar("SELECT count(*) FROM monthly_figures")
    assert result["rows"] == 600 and len(rows) == 3 + months + 1  # title, note, header … 合计
    assert rows[2][0] == "统一社会信用代码" and rows[-1][0] == "合计"
    # the order of the one sorted join it replaced
    old = county_ledger.conn.execute(
        "SELECT e.credit_code, e.name, f.period FROM monthly_figures f JOIN enterprises e"
        " ON e.id = f.enterprise_id ORDER BY e.township_code, e.name, e.credit_code, f.period").fetchall()
    assert [tuple(r[:3]) for r in rows[3:-1]] == old

    # a selection: its enterprises in its order, their months in the list's order
    chosen = [r[0] for r in county_ledger.conn.execute("SELECT id FROM enterprises ORDER BY credit_code DESC LIMIT 5")]
    codes = {r[0]: r[1] for r in county_ledger.conn.execute("SELECT id, credit_code FROM enterprises")}
    export_table(county_ledger, "enterprises", out, enterprise_ids=chosen + chosen[:1], with_figures=True,
                 today=AS_OF)
    book = load_workbook(out, read_only=True)
    listed = [r[1] for r in list(book["企业名单"].iter_rows(values_only=True))[3:-1]]
    assert listed == [codes[i] for i in chosen[1:]] + [codes[chosen[0]]]
    months = [r[0] for r in list(book["月度数据"].iter_rows(values_only=True))[3:-1]]
    assert months == [r[0] for r in old if r[0] in set(listed)]

    with pytest.raises(ImportCancelled):
        export_table(county_ledger, "figures", tmp_path / "gone" / "x.xlsx", cancel=lambda: True)
    assert list((tmp_path / "gone").iterdir()) == []


def test_table_rows_written_as_before(tmp_path):
    """The writer's one-pass rows (#20: each cell converted, written and added up at once)
    write what the cell-at-a-time writer wrote: every value, number format, wrap, border and
    row height of a table with every kind of cell, against the cells the earlier writer
    wrote (tests/fixtures/tablebook_cells.json, made with it), in memory and streamed."""
    import json
    from datetime import datetime
    from decimal import Decimal
    from pathlib import Path

    from openpyxl import load_workbook

    from shengui_desktop.spreadsheets.writer import Col, TableBook

    columns = [Col("序号", "int", 6), Col("名称"), Col("金额", "wan"), Col("日期", "date"),
               Col("说明", width=12), Col("人数", "int", total=True), Col("其他")]
    rows = [
        [1, "甲企业", 12_345_678, "2024-01-05", "一行", 10, True],
        [2, "乙企业\n第二行", 0, "不是日期", "很长的说明文字，要折成好几行才能放下", None, date(2025, 3, 1)],
        [3, "", 1.5, date(2024, 2, 29), None, 7, datetime(2025, 3, 1, 8, 30)],
        [4, "=SUM(A1:A2)", None, "", "", 0, Decimal("12.50")],
        [5, None, 99_999, None, "甲\n乙\n丙", 3, 1.25],
    ]
    expected = json.loads((Path(__file__).parent / "fixtures" / "tablebook_cells.json").read_text("utf-8"))
    for streamed in (False, True):
        path = tmp_path / f"t{streamed}.xlsx"
        book = TableBook("测试县", date(2026, 11, 23), beside=path if streamed else None)
        assert book.add_table("表", "标题", columns, iter(rows), note="注") == 5
        book.save(path)
        ws = load_workbook(path)["表"]
        cells = [[c.coordinate, repr(c.value), c.number_format, bool(c.alignment.wrap_text),
                  bool(c.font.bold), c.border.left.style]
                 for row in ws.iter_rows() for c in row if c.value is not None or c.border.left.style]
        assert cells == expected["cells"]
        assert {str(r): d.height for r, d in ws.row_dimensions.items() if d.height} == expected["heights"]
        cached = load_workbook(path, data_only=True)["表"]
        assert cached["C9"].value == (12_345_678 + 0 + 1.5 + 99_999) / 10_000  # the 合计's value


def test_stored_evaluations_are_read_through_their_indexes(county_ledger):
    """After an unlock the policy columns read the stored rows (their primary key), the rows
    time alone may have changed through the partial index on stale_on, and the change
    log's high-water mark by its key: no scan of the change log or of the figures."""
    from shengui_desktop.services.policy.evaluation_store import stored_evaluations

    stored_evaluations(county_ledger, AS_OF)
    stale = plan(county_ledger, "SELECT enterprise_id FROM policy_evaluations WHERE stale_on IS NOT NULL"
                                " AND stale_on <= ?", ("2026-11-23",))
    assert "INDEX policy_evaluations_stale" in stale
    mark = plan(county_ledger, "SELECT seq, hlc FROM change_log ORDER BY seq DESC LIMIT 1")
    assert "TEMP B-TREE" not in mark and "SCAN change_log" in mark  # backwards on the rowid, one step
    entry = plan(county_ledger, "SELECT hlc FROM change_log WHERE seq = ?", (1,))
    assert "USING INTEGER PRIMARY KEY" in entry


def test_visit_issue_counts_read_the_index_by_visit(county_ledger, monkeypatch):
    """走访记录 and an enterprise's 走访 tab count each visit's issues: through issues_visit
    (schema 18), not a scan of every issue per visit (58 s for 2,000 visits of a province
    ledger with 200,000 issues). The counts are those of a plain GROUP BY."""
    from shengui_desktop.services.ledger import visits

    asked = []
    real_rows = county_ledger.rows
    monkeypatch.setattr(county_ledger, "rows", lambda sql, params=(): asked.append((sql, params))
                        or real_rows(sql, params))
    listed = visits.list_visits(county_ledger, limit=2000)
    sql, params = asked[-1]
    text = plan(county_ledger, sql, params)
    assert "INDEX issues_visit (visit_id=?)" in text and "SCAN i" not in text
    counts = dict(county_ledger.conn.execute(
        "SELECT visit_id, count(*) FROM issues WHERE visit_id IS NOT NULL GROUP BY visit_id"))
    assert len(listed) == 2000 and sum(r["issue_count"] > 0 for r in listed) > 50
    assert all(r["issue_count"] == counts.get(r["id"], 0) for r in listed)
    one = next(r["enterprise_id"] for r in listed if r["issue_count"])
    theirs = visits.list_visits(county_ledger, enterprise_id=one)
    assert "INDEX issues_visit (visit_id=?)" in plan(county_ledger, *asked[-1])
    assert theirs and all(r["issue_count"] == counts.get(r["id"], 0) for r in theirs)


def test_a_years_entries_and_exits_read_the_two_date_indexes(county_ledger):
    """Target progress (乡镇与部门, 目标任务, the home page's chart) finds the enterprises that
    entered or left in the year through enterprises_entered and enterprises_exited (schema
    19), not a pass over every enterprise (about 100 ms at the province, on the window's
    thread for 乡镇与部门); the moves are those of a plain pass."""
    from shengui_desktop.services.policy import targets

    text = plan(county_ledger, targets.MOVES_SQL, ("2025-01-01", "2025-12-31"))
    assert "MULTI-INDEX OR" in text and "INDEX enterprises_entered" in text
    assert "INDEX enterprises_exited" in text and "SCAN enterprises" not in text
    for year in (2023, 2024, 2026):
        lo, hi = f"{year}-01-01", f"{year}-12-31"
        plain = sorted((kind, town, dept, code) for code, town, dept, entered, exited in county_ledger.conn.execute(
            "SELECT credit_code, township_code, department_id, entered_stats_date, exited_stats_date"
            " FROM enterprises NOT INDEXED")
            for kind, day in (("entry", entered), ("exit", exited)) if day and lo <= day <= hi)
        moves = targets._moves(county_ledger, year, year)
        assert sorted(moves) == plain and moves, year  # 2026: entries and the one exit
