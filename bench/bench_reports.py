"""A 1,000-enterprise ledger report against a bare reportlab table of the same rows.

    uv run python bench/bench_reports.py [--enterprises 1000] [--repeat 3]

Both runs use the same font, page size and rows (the cells the ledger report prints); the
bare table has only a repeated header row. The goal is a ratio of at most 1.5. Data
gathering (queries, projections) is timed separately: it is not layout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from shengui_desktop.reports import ledger_report, sources
from shengui_desktop.reports.facts import LedgerFacts
from shengui_desktop.reports.fonts import FONT, register
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office

TODAY = date(2026, 11, 23)


def bare_table(rows: list[list[str]], path: Path) -> None:
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=14 * mm, bottomMargin=12 * mm,
                            initialFontName=FONT)
    table = Table(rows, colWidths=[w * mm for w in ledger_report.WIDTHS_MM], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8, 10.5),
                               ("GRID", (0, 0), (-1, -1), 0.4, "#555555")]))
    doc.build([table])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    register()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        ledger, _ = init_office(tmp / "bench.sgdb", role="county", name="盂县", area_code="140322",
                                admin_user="admin", password="bench-pass-1")
        generate(ledger, enterprises=args.enterprises, townships=12, seed=3, as_of=TODAY)
        print(f"demo ledger ({args.enterprises} enterprises): {time.perf_counter() - t:.2f} s")
        filters = sources.Filters(year=TODAY.year, today=TODAY)
        t = time.perf_counter()
        data = ledger_report.collect(ledger, LedgerFacts(ledger, TODAY), filters)
        print(f"collect (queries + projections): {time.perf_counter() - t:.3f} s")
        ledger.close()
        # the bare table gets the very cells the report prints, group and total rows included
        rows = ledger_report.table_rows(data)
        ours, bare = [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            ledger_report.render(data, tmp / "ledger.pdf", TODAY)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            bare_table(rows, tmp / "bare.pdf")
            bare.append(time.perf_counter() - t)
        import subprocess
        pages = subprocess.run(["pdfinfo", str(tmp / "ledger.pdf")], capture_output=True,
                               text=True).stdout
        pages = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages")), "?")
        o, b = statistics.median(ours), statistics.median(bare)
        print(f"ledger report: {o:.3f} s median of {args.repeat} ({pages} pages, {len(rows)} table rows)")
        print(f"bare table:    {b:.3f} s median of {args.repeat}")
        print(f"ratio: {o / b:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
