"""Demo generation through the storage layer vs raw executemany of the same rows.

    uv run python bench/bench_demo.py [--enterprises 100000]

Both runs write into an encrypted ledger in the same process; the baseline inserts the
generated rows with plain executemany and no change log, so the ratio is the price of
the change log, the derived search keys and the demo's own bookkeeping.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ledger, _ = init_office(Path(tmp) / "demo.sgdb", role="county", name="测试县",
                                area_code="140322", admin_user="admin", password="bench-pass-1")
        t0 = time.perf_counter()
        counts = generate(ledger, enterprises=args.enterprises, townships=30, seed=1,
                          as_of=date(2026, 11, 23))
        demo_s = time.perf_counter() - t0
        size = ledger.path.stat().st_size + Path(f"{ledger.path}-wal").stat().st_size

        # baseline: the same rows, plain executemany into a second encrypted ledger
        tables = ("enterprises", "monthly_figures", "visits", "issues", "pool_events")
        rows = {t: ledger.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        raw, _ = init_office(Path(tmp) / "raw.sgdb", role="county", name="基线",
                             area_code="140321", admin_user="admin", password="bench-pass-1")
        t0 = time.perf_counter()
        raw.conn.execute("BEGIN")
        for t in tables:
            if rows[t]:
                marks = ", ".join("?" * len(rows[t][0]))
                raw.conn.executemany(f"INSERT INTO {t} VALUES ({marks})", rows[t])
        raw.conn.execute("COMMIT")
        raw_s = time.perf_counter() - t0
        ledger.close()
        raw.close()
    print(f"enterprises {counts['enterprises']:,}, monthly figures {counts['monthly_figures']:,}, "
          f"visits {counts['visits']:,}, issues {counts['issues']:,}")
    print(f"demo through storage layer: {demo_s:.1f} s ({size / 2**20:.0f} MiB)")
    print(f"raw executemany baseline:   {raw_s:.1f} s")
    print(f"ratio: {demo_s / raw_s:.2f}x")


if __name__ == "__main__":
    main()
