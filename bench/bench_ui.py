"""The window on a big ledger: time to first paint of 企业台账, filter latency per keystroke.

Each is measured against the raw SQL doing the same job in the same run:
- first paint vs `SELECT <ledger columns> FROM enterprises ORDER BY township_code, name`;
- a keystroke (filter the in-memory index, reset the model, repaint the table) vs
  `SELECT id FROM enterprises WHERE name LIKE ? OR credit_code LIKE ? OR search_key LIKE ?`.

Make the ledger first (about two minutes for 100,000 enterprises):
    SHENGUI_PASSPHRASE=benchpass1 uv run shengui init --db /tmp/b100k.sgdb --role county \\
        --name 测试县 --area-code 140322
    SHENGUI_PASSPHRASE=benchpass1 uv run shengui demo --db /tmp/b100k.sgdb --enterprises 100000 --townships 30
Then:  QT_QPA_PLATFORM=offscreen uv run python bench/bench_ui.py /tmp/b100k.sgdb benchpass1
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from shengui_desktop.services.ledger.enterprises import LEDGER_COLUMNS
from shengui_desktop.storage.files import open_ledger

KEYSTROKES = ["x", "xs", "xsj", "xsjx", "秀", "秀水", "秀水恒", "机械", "有限公司", "9114", "91140322",
              "h", "hd", "hdjx", "nl", "nlhg", "化", "化工", "z", "zk", "zkkj", "鑫", "鑫源",
              "tc", "tcyw", "盛", "盛通", "q", "qx", "西潘"]


def wait_until(condition) -> None:
    """Run the event loop until condition() holds. A Python busy loop of processEvents()
    would hold the GIL and slow the worker down; the event loop waits in C++."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def main(path: str, password: str) -> dict:
    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while measuring
    from shengui_desktop.ui.main_window import MainWindow

    ledger = open_ledger(Path(path), passphrase=password)
    cols = ", ".join(LEDGER_COLUMNS)
    # warm the page cache once for both sides, so neither pays the cold read alone
    ledger.conn.execute(f"SELECT {cols} FROM enterprises").fetchall()

    raw_rows, raw_first = [], []
    for _ in range(3):
        t = time.perf_counter()
        ledger.conn.execute(f"SELECT {cols} FROM enterprises NOT INDEXED ORDER BY township_code, name").fetchall()
        raw_rows.append(time.perf_counter() - t)
        t = time.perf_counter()
        ledger.conn.execute(f"SELECT {cols} FROM enterprises ORDER BY township_code, name LIMIT 100").fetchall()
        raw_first.append(time.perf_counter() - t)

    settings = QSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"), QSettings.Format.IniFormat)
    t0 = time.perf_counter()
    window = MainWindow(ledger, settings=settings)
    window.show_page("企业台账")
    window.show()
    window.ledger_page.table.viewport().repaint()
    first_paint = time.perf_counter() - t0  # the first screen (an index walk), then…
    first_rows = window.ledger_page.model.rowCount()
    wait_until(lambda: window.index_ready)
    window.ledger_page.table.viewport().repaint()
    full_paint = time.perf_counter() - t0  # …every enterprise, searchable
    wait_until(lambda: window.figures_ready)
    all_columns = time.perf_counter() - t0
    enterprises = len(window.index)

    page = window.ledger_page
    ui_times, sql_times, hits = [], [], []
    sql = "SELECT id FROM enterprises WHERE name LIKE ? OR credit_code LIKE ? OR search_key LIKE ?"
    for text in KEYSTROKES * 2:
        t = time.perf_counter()
        page.search.setText(text)  # textChanged → filter → model reset
        page.table.viewport().repaint()
        ui_times.append(time.perf_counter() - t)
        like = f"%{text.lower()}%"
        t = time.perf_counter()
        found = ledger.conn.execute(sql, (f"%{text}%", like.upper(), like)).fetchall()
        sql_times.append(time.perf_counter() - t)
        hits.append((page.model.rowCount(), len(found)))
    mismatches = [(k, h) for k, h in zip(KEYSTROKES * 2, hits) if h[0] != h[1]]

    window.close()
    result = {
        "enterprises": enterprises,
        "first_paint_s": round(first_paint, 3),
        "first_paint_rows": first_rows,
        "raw_sql_first_screen_s": round(min(raw_first), 3),
        "full_index_paint_s": round(full_paint, 3),
        "raw_sql_all_rows_s": round(min(raw_rows), 3),
        "full_index_ratio": round(full_paint / min(raw_rows), 2),
        "first_paint_vs_all_rows_sql": round(first_paint / min(raw_rows), 2),
        "all_columns_s": round(all_columns, 3),
        "keystroke_p95_ms": round(p95(ui_times) * 1000, 1),
        "keystroke_median_ms": round(statistics.median(ui_times) * 1000, 1),
        "raw_sql_like_p95_ms": round(p95(sql_times) * 1000, 1),
        "raw_sql_like_median_ms": round(statistics.median(sql_times) * 1000, 1),
        "keystroke_ratio_p95": round(p95(ui_times) / p95(sql_times), 2),
        "result_count_mismatches": mismatches[:5],
    }
    return result


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(main(sys.argv[1], sys.argv[2]), ensure_ascii=False, indent=1))
