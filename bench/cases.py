"""One sample of one benchmark, in a process of its own (the runner starts one per run):

    python bench/cases.py <case> <scale>    → one JSON line on stdout

The code measured is whatever `shengui_desktop` this process imports: the worktree's, or an
older tree put first on PYTHONPATH by `python -m bench --before REF`, so the before and the
after are measured in the same run, on the same ledger, with the same script. Only public
functions of the package are called, so both trees run the same lines here.

Each sample has `value` (seconds, or MB for memory), `baseline` (the same job done the
plainest way, in this process) and `rss_mb` (this process's peak resident memory).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # `bench` after the tree measured

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.ledgers import AS_OF, DEFAULT_CACHE, build, ledger_path, open_cached  # noqa: E402
from bench.measure import cpu_timed, current_mb, peak_mb, timed  # noqa: E402
from bench.cases_writes import demo_generate, figures_import, sync_import  # noqa: E402


def _two_years_sql(today: date) -> tuple[str, tuple]:
    py, cy = today.year - 1, today.year
    return ("SELECT enterprise_id, sum(CASE WHEN period <= ? THEN revenue END),"
            " count(CASE WHEN period <= ? THEN revenue END),"
            " sum(CASE WHEN period > ? THEN revenue END), max(period)"
            " FROM monthly_figures INDEXED BY monthly_figures_enterprise_figures"
            " WHERE +period >= ? AND +period <= ? GROUP BY enterprise_id",
            (f"{py}-12", f"{py}-12", f"{py}-12", f"{py}-01", f"{cy}-{today.month:02d}"))


# -- the cases ---------------------------------------------------------------------------

def _store():
    """The stored evaluations of the code measured (None: a tree from before schema 14)."""
    try:
        from shengui_desktop.services.policy import evaluation_store
    except ImportError:
        return None
    return evaluation_store


def prime(scale: str) -> dict:
    """An earlier session of the same day: the ledger page loaded once, so what it computes
    is stored (a code without stored evaluations has nothing to keep)."""
    store = _store()
    if store is not None:
        ledger = open_cached(scale)
        store.stored_evaluations(ledger, AS_OF)
        ledger.close()
    return {"value": 0, "baseline": None, "rss_mb": peak_mb()}


def _primed(scale: str) -> None:
    subprocess.run([sys.executable, __file__, "prime", scale], check=True, capture_output=True,
                   env=os.environ.copy())


def _policy_columns(scale: str, cold: bool) -> dict:
    from shengui_desktop.ui.ledger.loader import load_figures

    if not cold:
        _primed(scale)
    ledger = open_cached(scale)
    store = _store()
    if cold and store is not None:
        store.forget(ledger)
    sql, params = _two_years_sql(AS_OF)
    ledger.conn.execute(sql, params).fetchall()  # warm the page cache for both
    baseline = timed(lambda: ledger.conn.execute(sql, params).fetchall())
    before = current_mb()
    result: list = []
    value = timed(lambda: result.append(load_figures(AS_OF)(ledger, lambda *a: None, lambda: False)))
    revenue, evaluations = result[0]
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb(),
            "held_mb": current_mb() - before, "enterprises": len(evaluations)}


def policy_columns(scale: str) -> dict:
    """What the ledger page's second stage does after an unlock (ui/ledger/loader.py
    load_figures: 上年营收 and the evaluation), in a fresh process as after an unlock, on a
    ledger a session of the same day left (its evaluations stored, where the code stores
    them)."""
    return _policy_columns(scale, cold=False)


def policy_columns_cold(scale: str) -> dict:
    """The same on the first unlock of a month (or after an upgrade to schema 14): nothing
    stored that still holds, every enterprise evaluated and stored."""
    return _policy_columns(scale, cold=True)


def annual_totals(scale: str) -> dict:
    from shengui_desktop.services.ledger.enterprises import annual_revenue_totals

    ledger = open_cached(scale)
    year = AS_OF.year - 1
    sql = ("SELECT enterprise_id, sum(revenue), count(revenue) FROM monthly_figures"
           " INDEXED BY monthly_figures_enterprise_figures WHERE +period BETWEEN ? AND ?"
           " GROUP BY enterprise_id")
    ledger.conn.execute(sql, (f"{year}-01", f"{year}-12")).fetchall()  # warm
    baseline = timed(lambda: ledger.conn.execute(sql, (f"{year}-01", f"{year}-12")).fetchall())
    value = timed(lambda: annual_revenue_totals(ledger, year))
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb()}


def incremental_package(scale: str) -> dict:
    """1,000 changes (monthly figures of one township's enterprises) made at the county after
    the township acknowledged everything, then the package to it: the selection of what to
    send (exporter.select_entries, where the time went) and the writing of the package.
    Everything happens in one transaction that is rolled back: the cached ledger stays."""
    from shengui_desktop.sync import exporter

    ledger = open_cached(scale)
    conn = ledger.conn
    town = conn.execute("SELECT township_code FROM enterprises GROUP BY township_code"
                        " ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    figures = [r[0] for r in conn.execute(
        "SELECT m.id FROM monthly_figures m JOIN enterprises e ON e.id = m.enterprise_id"
        " WHERE e.township_code = ? ORDER BY m.period DESC, m.id LIMIT 1000", (town,))]
    peer_id = "bench-peer-" + town
    with_peer = {"id": peer_id, "area_code": town, "name": "基准乡镇", "role": "township"}
    try:
        with ledger.transaction():
            vv = dict(conn.execute("SELECT site_id, max_seq FROM version_vector").fetchall())
            conn.execute("INSERT OR REPLACE INTO peer_state(site_id, acked_vector) VALUES (?, ?)",
                         (peer_id, json.dumps(vv)))
            for n, fid in enumerate(figures):
                ledger.update("monthly_figures", fid, {"employees": 1000 + n})
            # warm: the first read of the new entries pays for their pages, as the baseline does
            last = max(vv.values()) if vv else 0
            rows_sql = ("SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq"
                        " FROM change_entries WHERE seq > (SELECT max(seq) - 1000 FROM change_log)")
            baseline = timed(lambda: conn.execute(rows_sql).fetchall())
            got: list = []
            value = timed(lambda: got.append(exporter.select_entries(ledger, with_peer, False, [])))
            raise _Rollback(len(got[0]), last)
    except _Rollback as done:
        entries = done.args[0]
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb(), "entries": entries}


class _Rollback(Exception):
    pass


_BARE = """
import sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv)
w = QLabel("bare")
w.show()
app.processEvents()
print(time.perf_counter() - t0)
"""

_UNLOCK = """
import sys, time
t0 = time.perf_counter()
from PySide6.QtCore import QTimer
from shengui_desktop.ui import app as ui_app
qt = ui_app._application()
shown = []
def look():
    from PySide6.QtWidgets import QApplication
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and type(w).__name__ == "UnlockDialog":
            shown.append(time.perf_counter() - t0)
            w.reject()
            return
    QTimer.singleShot(1, look)
QTimer.singleShot(0, look)
ui_app.start(__import__("pathlib").Path(sys.argv[1]))
print(shown[0])
"""


def _python(code: str, *args: str) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, env=os.environ.copy())
    return float(out.stdout.strip().splitlines()[-1])


def start_to_unlock(scale: str) -> dict:
    """Process start to the unlock dialog on screen, against a bare PySide6 window, each in a
    new interpreter (imports included; the interpreter's own start is in both)."""
    path = build(scale)
    start = time.perf_counter()
    bare = _python(_BARE)
    bare_total = time.perf_counter() - start
    start = time.perf_counter()
    unlock = _python(_UNLOCK, str(path))
    unlock_total = time.perf_counter() - start
    return {"value": unlock_total, "baseline": bare_total, "in_process": unlock,
            "in_process_bare": bare, "rss_mb": peak_mb()}


def _window_rss(scale: str, cold: bool) -> dict:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    if not cold:
        _primed(scale)
    else:
        store = _store()
        if store is not None:
            ledger = open_cached(scale)
            store.forget(ledger)
            ledger.close()
    app = QApplication.instance() or QApplication(sys.argv)
    from shengui_desktop.ui.main_window import MainWindow

    ledger = open_cached(scale)
    settings = QSettings(str(DEFAULT_CACHE / f"window-{os.getpid()}.ini"), QSettings.Format.IniFormat)
    start = time.perf_counter()
    window = MainWindow(ledger, settings=settings, today=AS_OF)
    window.show()
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: window.figures_ready and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()
    usable = time.perf_counter() - start
    app.processEvents()
    rss = current_mb()
    Path(settings.fileName()).unlink(missing_ok=True)
    return {"value": rss, "baseline": None, "rss_mb": peak_mb(), "unlock_to_usable_s": usable}


def window_rss(scale: str) -> dict:
    """The main window on the ledger, after both loading stages (the policy columns): the
    process's resident memory then, and at its peak; on a ledger a session of the same day
    left (as policy_columns)."""
    return _window_rss(scale, cold=False)


def window_rss_cold(scale: str) -> dict:
    """The same when every enterprise is evaluated in the window's worker (the first unlock
    of a month)."""
    return _window_rss(scale, cold=True)


def xlsx_export(scale: str) -> dict:
    """企业名单 with monthly figures (export_enterprises with_figures), against XlsxWriter in
    constant_memory mode writing the same rows it read with one plain query each."""
    import xlsxwriter

    from shengui_desktop.services.excel.export import export_enterprises

    ledger = open_cached(scale)
    out = DEFAULT_CACHE / f"export-{os.getpid()}.xlsx"
    raw = DEFAULT_CACHE / f"raw-{os.getpid()}.xlsx"
    try:
        before = peak_mb()
        value, value_cpu = cpu_timed(lambda: export_enterprises(ledger, out, with_figures=True))
        value_mb = peak_mb()
        file_mb = out.stat().st_size / 2**20

        def plain() -> None:
            book = xlsxwriter.Workbook(str(raw), {"constant_memory": True})
            # every row, as the export writes them: XlsxWriter drops rows past a sheet's
            # 1,048,576 without a word, so a longer table goes on on another sheet
            for sql in ("SELECT * FROM enterprises ORDER BY township_code, name",
                        "SELECT * FROM monthly_figures ORDER BY enterprise_id, period"):
                cursor = ledger.conn.execute(sql)
                header = [d[0] for d in cursor.description]
                n = 1 << 20
                for row in cursor:
                    if n == 1 << 20:
                        sheet = book.add_worksheet()
                        sheet.write_row(0, 0, header)
                        n = 1
                    sheet.write_row(n, 0, row)
                    n += 1
            book.close()
        baseline, baseline_cpu = cpu_timed(plain)
    finally:
        out.unlink(missing_ok=True)
        raw.unlink(missing_ok=True)
    return {"value": value, "baseline": baseline, "rss_mb": value_mb, "rss_before_mb": before,
            "cpu_s": value_cpu, "baseline_cpu_s": baseline_cpu, "cpu_ratio": value_cpu / baseline_cpu,
            "file_mb": file_mb}


def encrypted_vs_plain(scale: str) -> dict:
    """The policy aggregate on the encrypted ledger and on a plaintext copy of it (made once
    for the benchmark with sqlcipher_export, kept beside the cached ledger)."""
    import sqlcipher3

    ledger = open_cached(scale)
    plain_path = ledger_path(scale).with_name("plain.sqlite")
    if not plain_path.exists():
        ledger.conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain_path),))
        ledger.conn.execute("SELECT sqlcipher_export('plain')")
        ledger.conn.execute("DETACH DATABASE plain")
    plain = sqlcipher3.connect(str(plain_path))
    sql, params = _two_years_sql(AS_OF)
    plain.execute(sql, params).fetchall()  # both warm
    ledger.conn.execute(sql, params).fetchall()
    baseline = timed(lambda: plain.execute(sql, params).fetchall())
    value = timed(lambda: ledger.conn.execute(sql, params).fetchall())
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb()}


# -- sync import: 30 township packages at the county ---------------------------------------

_KEYSTROKES = ["x", "xs", "xsj", "xsjx", "秀", "秀水", "秀水恒", "机械", "有限公司", "9114", "91140322",
               "h", "hd", "hdjx", "nl", "nlhg", "化", "化工", "z", "zk", "zkkj", "鑫", "鑫源",
               "tc", "tcyw", "盛", "盛通", "q", "qx", "西潘"]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def _wait_until(condition) -> None:
    """Run the event loop until condition() holds (the loop waits in C++, not holding the GIL
    from the worker as a busy loop of processEvents would)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()


def keystroke_filter(scale: str) -> dict:
    """企业台账's search box, a keystroke at a time (filter the in-memory index, reset the
    model, repaint the table), once every column is loaded: the p95 of 60 keystrokes, against
    the p95 of the raw SQL that finds the same enterprises (`LIKE` over name, credit code and
    search key). The window's first paint and the time to every column go in the JSON."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while measuring
    from shengui_desktop.services.ledger.enterprises import LEDGER_COLUMNS
    from shengui_desktop.ui.main_window import MainWindow

    ledger = open_cached(scale)
    ledger.conn.execute(f"SELECT {', '.join(LEDGER_COLUMNS)} FROM enterprises").fetchall()  # warm
    settings = QSettings(str(DEFAULT_CACHE / f"keys-{os.getpid()}.ini"), QSettings.Format.IniFormat)
    start = time.perf_counter()
    window = MainWindow(ledger, settings=settings, today=AS_OF)
    window.show_page("企业台账")
    window.show()
    page = window.ledger_page
    page.table.viewport().repaint()
    first_paint = time.perf_counter() - start
    _wait_until(lambda: window.index_ready and window.figures_ready)
    usable = time.perf_counter() - start
    ui_times, sql_times, mismatches = [], [], 0
    sql = "SELECT id FROM enterprises WHERE name LIKE ? OR credit_code LIKE ? OR search_key LIKE ?"
    for text in _KEYSTROKES * 2:
        t = time.perf_counter()
        page.search.setText(text)  # textChanged → filter → model reset
        page.table.viewport().repaint()
        ui_times.append(time.perf_counter() - t)
        like = f"%{text.lower()}%"
        t = time.perf_counter()
        found = ledger.conn.execute(sql, (f"%{text}%", like.upper(), like)).fetchall()
        sql_times.append(time.perf_counter() - t)
        mismatches += page.model.rowCount() != len(found)
    Path(settings.fileName()).unlink(missing_ok=True)
    return {"value": _p95(ui_times), "baseline": _p95(sql_times), "rss_mb": peak_mb(),
            "median_keystroke_s": statistics.median(ui_times), "first_paint_s": first_paint,
            "all_columns_s": usable, "count_mismatches": mismatches}


PDF_ENTERPRISES = 1000  # the ledger report of this many enterprises (a township's or two)


def pdf_ledger(scale: str) -> dict:
    """The PDF 台账 (reports.ledger_report.render) of the first PDF_ENTERPRISES enterprises
    (by credit code), against a bare reportlab table of the very cells it prints (same
    font, page size and widths; only a repeated header row). Gathering the data (queries,
    projections) is not layout: it goes in the JSON as collect_s."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from shengui_desktop.reports import ledger_report, sources
    from shengui_desktop.reports.facts import LedgerFacts
    from shengui_desktop.reports.fonts import FONT, register

    register()
    ledger = open_cached(scale)
    ids = [r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises ORDER BY credit_code LIMIT ?", (PDF_ENTERPRISES,))]
    filters = sources.Filters(year=AS_OF.year, today=AS_OF, enterprise_ids=ids)
    got: list = []
    collect = timed(lambda: got.append(ledger_report.collect(ledger, LedgerFacts(ledger, AS_OF), filters)))
    data = got[0]
    rows = ledger_report.table_rows(data)
    folder = Path(tempfile.mkdtemp(prefix="pdf-", dir=DEFAULT_CACHE))

    def bare() -> None:
        doc = SimpleDocTemplate(str(folder / "bare.pdf"), pagesize=landscape(A4),
                                leftMargin=12 * mm, rightMargin=12 * mm, topMargin=14 * mm,
                                bottomMargin=12 * mm, initialFontName=FONT)
        table = Table(rows, colWidths=[w * mm for w in ledger_report.WIDTHS_MM], repeatRows=1)
        table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8, 10.5),
                                   ("GRID", (0, 0), (-1, -1), 0.4, "#555555")]))
        doc.build([table])
    try:
        value, value_cpu = cpu_timed(lambda: ledger_report.render(data, folder / "ledger.pdf", AS_OF))
        baseline, baseline_cpu = cpu_timed(bare)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb(), "collect_s": collect,
            "table_rows": len(rows), "cpu_ratio": value_cpu / baseline_cpu}


CASES = {f.__name__: f for f in (policy_columns, policy_columns_cold, annual_totals, incremental_package,
                                 start_to_unlock, window_rss, window_rss_cold, xlsx_export,
                                 encrypted_vs_plain, sync_import, figures_import, demo_generate,
                                 keystroke_filter, pdf_ledger, prime)}

if __name__ == "__main__":
    name, scale = sys.argv[1], sys.argv[2]
    sample = CASES[name](scale)
    print(json.dumps(sample, default=str))
    sys.stdout.flush()
    os._exit(0)  # no teardown of Qt and the worker threads: not part of any measurement
