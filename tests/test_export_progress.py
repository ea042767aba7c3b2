"""The enterprise list with its monthly figures (#20 at the province: 3.7 million rows, five
minutes): the export's statements use their indexes, its progress moves through every stage,
a cancel in any stage stops it within WATCH_ROWS rows or a megabyte and leaves nothing beside
the file, and the finished file has every row of the ledger (also past zipfile's 2 GiB)."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from shengui_desktop.progress import ImportCancelled
from shengui_desktop.services.excel import export
from shengui_desktop.services.excel.export import export_enterprises
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.spreadsheets import writer

AS_OF = date(2026, 11, 23)


def _county(folder):
    from shengui_desktop.services.office.setup import init_office

    from conftest import PASSWORD

    ledger, _ = init_office(folder / "county.sgdb", role="county", name="测试县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    generate(ledger, enterprises=600, townships=12, seed=5, as_of=AS_OF)
    return ledger


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    ledger = _county(tmp_path_factory.mktemp("export"))
    yield ledger
    ledger.close()


def plan(ledger, sql: str, params=()) -> str:
    return " / ".join(r[3] for r in ledger.conn.execute("EXPLAIN QUERY PLAN " + sql, params))


def test_the_export_statements_use_their_indexes(county):
    ids = json.dumps([r[0] for r in county.conn.execute("SELECT id FROM enterprises LIMIT 20")])
    listing = plan(county, export.ENTERPRISES_SQL)
    # the ledger page's order from its index: only the credit code sorted, within one name
    assert "USING INDEX enterprises_ledger_order" in listing
    assert "TEMP B-TREE FOR LAST TERM OF ORDER BY" in listing and "FOR ORDER BY" not in listing
    assert "SEARCH e USING INDEX sqlite_autoindex_enterprises_1 (id=?)" in plan(
        county, export.SELECTED_ENTERPRISES_SQL, (ids,))
    months = plan(county, export.MONTHS_SQL, ("x",))
    assert months == "SEARCH monthly_figures USING INDEX monthly_figures_enterprise_period (enterprise_id=?)"
    # the progress's totals: counted on an index, a selection's through its own entries
    assert "COVERING INDEX" in plan(county, "SELECT count(*) FROM monthly_figures")
    assert "SEARCH monthly_figures USING COVERING INDEX" in plan(
        county, "SELECT count(*) FROM monthly_figures WHERE enterprise_id IN (SELECT value FROM json_each(?))",
        (ids,))


def test_progress_moves_through_every_stage_and_the_file_is_complete(county, tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "WATCH_BYTES", 1 << 16)
    seen: list[tuple[str, int, int]] = []
    out = tmp_path / "名单.xlsx"
    info = export_enterprises(county, out, with_figures=True, progress=lambda *a: seen.append(a),
                              cancel=threading.Event())
    months = county.scalar("SELECT count(*) FROM monthly_figures")
    stages = {stage: [(d, t) for s, d, t in seen if s == stage] for stage, _, _ in seen}
    figures = stages["写入月度数据"]
    assert figures[0] == (0, months) and figures[-1] == (months, months)
    assert len(figures) >= months // writer.WATCH_ROWS  # every 256 rows
    assert [d for d, _ in figures] == sorted(d for d, _ in figures)
    assert stages["写入企业名单"][-1] == (600, 600)
    copied = stages["整理月度数据"]
    assert len(copied) > 3 and copied[-1][0] == copied[-1][1] > 0
    assert sum(s.startswith("压缩并写入文件（已写") for s, _, _ in seen) >= 3  # every 64 KB compressed here
    book = load_workbook(out, read_only=True)
    assert info["rows"] == 600
    assert book["企业名单"].max_row == 3 + 600 + 1 and book["月度数据"].max_row == 3 + months + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["名单.xlsx"]


@pytest.mark.parametrize("when", ["写入企业名单", "写入月度数据", "整理月度数据", "压缩并写入文件（已写"])
def test_a_cancel_stops_every_stage_at_once_and_leaves_nothing(county, tmp_path, monkeypatch, when):
    """The sink made slow (every row and every 64 KB a millisecond-scale callback that
    counts) stands for the province: what is measured is how much is still written after
    the cancel, which is what a province's minutes are made of."""
    monkeypatch.setattr(writer, "WATCH_BYTES", 1 << 16)
    written = {"rows": 0, "after": None}
    figure_rows = export._figure_rows

    def counted(ledger, selection):
        for row in figure_rows(ledger, selection):
            written["rows"] += 1
            yield row
    monkeypatch.setattr(export, "_figure_rows", counted)
    stop = threading.Event()
    at: list[float] = []

    def progress(stage: str, done: int, total: int) -> None:
        if not stop.is_set() and stage.startswith(when) and (done or not total):
            stop.set()
            at.append(time.perf_counter())
            written["after"] = written["rows"]
    folder = tmp_path / "out"
    with pytest.raises(ImportCancelled):
        export_enterprises(county, folder / "名单.xlsx", with_figures=True, progress=progress, cancel=stop)
    assert time.perf_counter() - at[0] < 1.0
    assert list(folder.iterdir()) == []  # no file, no hidden folder
    if when == "写入月度数据":
        assert written["rows"] - written["after"] <= writer.WATCH_ROWS


def test_a_sheet_past_the_zip32_limit_is_written_with_zip64(county, tmp_path, monkeypatch):
    """A province's monthly sheet after four years is more than 2 GiB of XML: zipfile then
    needs ZIP64 for that part (the limit lowered here so the county's sheet passes it)."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1 << 20)
    out = tmp_path / "名单.xlsx"
    export_enterprises(county, out, with_figures=True)
    with zipfile.ZipFile(out) as z:
        assert z.getinfo("xl/worksheets/sheet2.xml").file_size > 1 << 20
    monkeypatch.undo()
    months = county.scalar("SELECT count(*) FROM monthly_figures")
    assert load_workbook(out, read_only=True)["月度数据"].max_row == 3 + months + 1


def test_the_window_exports_on_the_worker_with_progress_and_a_cancel(qtbot, tmp_path, monkeypatch):
    """导出Excel of the monthly figures from the window: it runs on the worker, its progress
    dialog is told the rows written (the bar moves), and 取消 ends the job within a second
    with no file."""
    from shengui_desktop.ui.excel_import import page as import_page

    from test_ui_support import open_window

    county = _county(tmp_path)  # its own: the window closes the ledger it was given
    out = tmp_path / "月度.xlsx"
    monkeypatch.setattr(import_page.dialogs, "ask_save_xlsx", lambda *a: str(out))
    window = open_window(qtbot, county, tmp_path, today=AS_OF)
    page = window.import_page
    told: list[tuple[int, int, str]] = []
    cancelled_at: list[float] = []
    page.export_table("figures", "企业月度数据")
    job = page.job
    assert job is not None and page.runner.busy()  # on the worker, not the GUI thread

    def progress(done: int, total: int, text: str) -> None:
        told.append((done, total, text))
        if text == "写入企业月度数据" and done >= 2 * writer.WATCH_ROWS and not cancelled_at:
            job.cancel()
            cancelled_at.append(time.perf_counter())
    job.progress.connect(progress)
    qtbot.waitUntil(lambda: job.outcome is not None, timeout=60000)
    ended = time.perf_counter()
    assert job.outcome == ("cancelled", None)
    assert cancelled_at and ended - cancelled_at[0] < 1.0
    rows = [d for d, _t, text in told if text == "写入企业月度数据"]
    assert len(set(rows)) >= 2 and rows == sorted(rows)
    qtbot.waitUntil(lambda: not page.runner.busy(), timeout=10000)
    months = county.scalar("SELECT count(*) FROM monthly_figures")
    assert told[-1][1] in (months, 0)
    assert list(tmp_path.glob("*.xlsx")) == [] and not list(tmp_path.glob(".part-*"))
    window.close()


def test_the_sheets_shortcut_writes_the_same_xml(county, tmp_path, monkeypatch):
    """writer._Sheet (the style index written without XlsxWriter's caught TypeError) makes
    the very bytes of XlsxWriter's own worksheet, for the list and its months."""
    from xlsxwriter.worksheet import Worksheet

    def parts(path):
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
    ids = [r[0] for r in county.conn.execute("SELECT id FROM enterprises ORDER BY id LIMIT 120")]
    ours = tmp_path / "ours.xlsx"
    export_enterprises(county, ours, enterprise_ids=ids, with_figures=True)
    monkeypatch.setattr(writer, "_Sheet", Worksheet)
    plain = tmp_path / "plain.xlsx"
    export_enterprises(county, plain, enterprise_ids=ids, with_figures=True)
    assert parts(ours) == parts(plain) and len(parts(ours)["xl/worksheets/sheet2.xml"]) > 100_000


def test_a_table_longer_than_a_sheet_goes_on_over_more_sheets(county, tmp_path, monkeypatch):
    """A province's 3.6 million months do not fit Excel's 1,048,576 rows (XlsxWriter drops
    the rest without a word): the table goes on over 月度数据（2）…, each sheet with the
    title, the header and its own 合计, every month once, in order."""
    monkeypatch.setattr(writer.TableBook, "MAX_ROWS", 5000)
    out = tmp_path / "名单.xlsx"
    export_enterprises(county, out, with_figures=True)
    book = load_workbook(out, read_only=True)
    names = book.sheetnames
    parts = [n for n in names if n.startswith("月度数据")]
    months = county.conn.execute(
        "SELECT e.credit_code, f.period FROM monthly_figures f JOIN enterprises e ON e.id = f.enterprise_id"
        " ORDER BY e.township_code, e.name, e.credit_code, f.period").fetchall()
    assert parts == ["月度数据"] + [f"月度数据（{k}）" for k in range(2, len(parts) + 1)]
    assert len(parts) == -(-len(months) // (5000 - 4))
    got = []
    for k, name in enumerate(parts, start=1):
        rows = list(book[name].iter_rows(values_only=True))
        assert rows[0][0].endswith("企业月度数据" if k == 1 else f"企业月度数据（续表{k}）")
        assert rows[2][0] == "统一社会信用代码" and rows[-1][0] == "合计"
        assert len(rows) <= 5000
        got += [(r[0], r[2]) for r in rows[3:-1]]
    assert got == [tuple(m) for m in months]


def test_a_table_over_several_sheets_imports_back_whole(county, tmp_path, monkeypatch):
    """The sheets 月度数据、月度数据（2）… of one export are all read back by the import: every
    month once, none missing (a dry run against the ledger it came from finds every month
    unchanged and none new)."""
    monkeypatch.setattr(writer.TableBook, "MAX_ROWS", 5000)
    out = tmp_path / "名单.xlsx"
    export_enterprises(county, out, with_figures=True)
    assert sum(n.startswith("月度数据") for n in load_workbook(out, read_only=True).sheetnames) >= 3
    from shengui_desktop.services.excel import import_file

    result = import_file(county, out, dry_run=True)
    assert result.ok, result.problem_lines()
    months = county.scalar("SELECT count(*) FROM monthly_figures")
    assert (result.figures_created, result.figures_updated, result.figures_unchanged) == (0, [], months)
