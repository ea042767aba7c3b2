"""Sync throughput on a generated county: 30 townships send their packages to the county.

    uv run python bench/bench_sync.py [--enterprises 6000] [--visits 60000]

A demo county is generated once (3 years of monthly figures) and its records are handed to
30 township ledgers as their own work (county-only fields left neutral, extra visits added to
reach --visits). Each township exports its package; the county imports all 30. The baseline
writes the same table rows with plain executemany into another encrypted ledger in the same
process; the ratio is import time over baseline time (goal: at most 2x). A second reference,
the floor, writes the same rows and their (row-held) change-log entries with no checks and
no Python: what an import that keeps a change log must at least write.

    uv run python bench/bench_sync.py --setup /tmp/bench-sync   # keep and reuse the setup
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")

from shengui_desktop.services.ledger import reference
from shengui_desktop.services import sync
from shengui_desktop.services.ledger.demo import generate
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.ledger import new_id
from shengui_desktop.sync import certificates

PASSWORD = "bench-pass-1"
TABLES = ("enterprises", "monthly_figures", "visits", "issues", "pool_events")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=6000)
    parser.add_argument("--townships", type=int, default=30)
    parser.add_argument("--visits", type=int, default=60000)
    parser.add_argument("--setup", type=Path,
                        help="keep the generated county and packages in this folder and reuse "
                             "them on the next run (generation takes longer than the import)")
    args = parser.parse_args()
    if args.setup:
        args.setup.mkdir(parents=True, exist_ok=True)
        run(args, args.setup)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
            run(args, Path(tmp))


def run(args, tmp: Path) -> None:
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    saved = tmp / "setup.pickle"
    if saved.exists():
        say("reusing the county and packages of", tmp)
        with saved.open("rb") as f:
            setup = pickle.load(f)
        for suffix in ("-wal", "-shm"):  # a stale WAL would be replayed into the copy
            (tmp / f"county.sgdb{suffix}").unlink(missing_ok=True)
        for suffix in ("", ".keys"):
            shutil.copyfile(tmp / f"county-before.sgdb{suffix}", tmp / f"county.sgdb{suffix}")
        county = open_ledger(tmp / "county.sgdb", passphrase=PASSWORD)
        measure(args, tmp, county, **setup, reused=True)
        return

    say("generating the county's records …")
    source, _ = init_office(tmp / "source.sgdb", role="county", name="生成县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    generate(source, enterprises=args.enterprises, townships=args.townships, seed=1,
             as_of=date(2026, 11, 23))
    dept_names = dict(source.conn.execute("SELECT id, name FROM departments").fetchall())
    towns = source.rows("SELECT code, name FROM townships ORDER BY code")

    county, _ = init_office(tmp / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    for t in towns:
        reference.add_township(county, t["code"], t["name"])
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(county, name)
    dept_ids = {n: i for i, n in county.conn.execute("SELECT id, name FROM departments")}
    remap = {old: dept_ids.get(name) for old, name in dept_names.items()}
    cert = tmp / "county.cert.json"
    cert.write_text(json.dumps(certificates.export_certificate(county), ensure_ascii=False), "utf-8")

    say("setting up 30 township ledgers with their records …")
    rng = random.Random(2)
    existing_visits = source.scalar("SELECT count(*) FROM visits")
    extra_per_town = max(0, args.visits - existing_visits) // len(towns)
    baseline_rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
    packages, export_s = [], 0.0
    for i, t in enumerate(towns):
        town, _ = init_office(tmp / f"t{i}.sgdb", role="township", name=t["name"],
                              area_code=t["code"], admin_user="admin", password=PASSWORD)
        certificates.pin_county_certificate(town, cert)
        certificates.pin_site(county, certificates.verify_certificate(certificates.export_certificate(town)))
        first = sync.export_packages(county, tmp / "to-towns", to=t["code"])[0].path
        sync.import_packages(town, [first])
        with town.transaction():
            for table in TABLES:
                cols = ("id", *town.spec(table).columns)
                where = ("township_code = ?" if table == "enterprises" else
                         "enterprise_id IN (SELECT id FROM enterprises WHERE township_code = ?)")
                rows = source.conn.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE {where}",
                                           (t["code"],)).fetchall()
                rows = [_neutral(table, cols, r, remap) for r in rows]
                if table == "visits":
                    ents = [r[0] for r in source.conn.execute(
                        "SELECT id FROM enterprises WHERE township_code = ?", (t["code"],))]
                    rows += [_visit(cols, rng, ents) for _ in range(extra_per_town)]
                town.insert_rows(table, cols, rows)
                baseline_rows[table] += rows
        t0 = time.perf_counter()
        packages.append(sync.export_packages(town, tmp / "usb")[0])
        export_s += time.perf_counter() - t0
        town.close()
    county.close()  # checkpointed: the file alone is the county before the import
    setup = {"towns": towns, "baseline_rows": baseline_rows, "export_s": export_s,
             "packages": [(p.path, p.entries) for p in packages]}
    for suffix in ("", ".keys"):
        shutil.copyfile(tmp / f"county.sgdb{suffix}", tmp / f"county-before.sgdb{suffix}")
    with (tmp / "setup.pickle").open("wb") as f:
        pickle.dump(setup, f)
    measure(args, tmp, open_ledger(tmp / "county.sgdb", passphrase=PASSWORD), **setup)


def measure(args, tmp: Path, county, *, towns, baseline_rows, export_s, packages,
            reused: bool = False) -> None:
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    entries = sum(n for _p, n in packages)
    size = sum(p.stat().st_size for p, _n in packages)

    say("importing 30 packages at the county …")
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
    results = sync.import_packages(county, [p for p, _n in packages])
    import_s = time.perf_counter() - t0
    if os.environ.get("BENCH_PROFILE"):
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    assert all(r.status == "imported" for r in results)
    assert county.scalar("SELECT count(*) FROM enterprises") == args.enterprises

    say("county → township package (that township's records and the county-wide ones) …")
    t0 = time.perf_counter()
    back = sync.export_packages(county, tmp / "back", to=towns[0]["code"], full=True)[0]
    back_s = time.perf_counter() - t0
    say("county → every township, what each has not acknowledged …")
    shutil.rmtree(tmp / "back-all", ignore_errors=True)
    t0 = time.perf_counter()
    back_all = sync.export_packages(county, tmp / "back-all")
    back_all_s = time.perf_counter() - t0

    say("baseline: raw executemany of the same rows …")
    raw_s = _write_rows(tmp / "raw.sgdb", baseline_rows, with_log=False)
    say("floor: the same rows and their change-log entries, all in SQL, one transaction …")
    floor_s = _write_rows(tmp / "floor.sgdb", baseline_rows, with_log=True)
    counts = {t: len(r) for t, r in baseline_rows.items()}
    county.close()

    print("records: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    print(f"packages: {len(packages)} township packages, {entries:,} changes, {size / 2**20:.1f} MiB")
    print(f"export (30 townships, total): {export_s:.2f} s"
          + (" (measured when the setup was made)" if reused else ""))
    print(f"import at the county (30 packages, one command): {import_s:.2f} s")
    print(f"county → one township, full package: {back_s:.2f} s ({back.entries:,} changes)")
    print(f"county → all {len(back_all)} townships, one command: {back_all_s:.2f} s "
          f"({sum(r.entries for r in back_all):,} changes)")
    print(f"raw executemany of the same rows: {raw_s:.2f} s")
    print(f"rows plus their row-held log entries, no checks (the floor of an import): "
          f"{floor_s:.2f} s = {floor_s / raw_s:.2f}x raw")
    print(f"ratio import / raw executemany: {import_s / raw_s:.2f}x "
          f"(import / floor: {import_s / floor_s:.2f}x)")


def _write_rows(path: Path, rows_by_table: dict, *, with_log: bool) -> float:
    """Seconds to write the rows into a new encrypted ledger in one transaction; with_log,
    each row also points to its insert's change-log entry (log_seq), and the entries are
    written by one INSERT … SELECT per table: row-held entries, as an import writes for
    new records (storage/held.py), without any of its checks or Python."""
    for suffix in ("", ".keys", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    ledger, _ = init_office(path, role="county", name="基线", area_code="140321",
                            admin_user="admin", password=PASSWORD)
    conn = ledger.conn
    seq = ledger.scalar("SELECT coalesce(max(seq), 0) FROM change_log")
    if with_log:  # each row with the seq of its entry, made before the clock starts
        given, rows_by_table = rows_by_table, {}
        for table in TABLES:
            rows_by_table[table] = [(*r, seq + n) for n, r in enumerate(given[table], start=1)]
            seq += len(given[table])
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for table in TABLES:
        rows = rows_by_table[table]
        if not rows:
            continue
        names = ["id", *ledger.spec(table).columns] + (["log_seq"] if with_log else [])
        marks = ", ".join("?" * len(names))
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
        if with_log:
            conn.execute(
                "INSERT INTO change_log(seq, tbl, row_id, op, data, base, hlc, site_id, site_seq)"
                f" SELECT log_seq, '{table}', id, 'i', NULL, NULL, log_seq, ?, log_seq"
                f" FROM {table}", (ledger.site_id,))
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    ledger.close()
    return elapsed


def _neutral(table: str, cols: tuple, row: tuple, remap: dict) -> tuple:
    """The township's version of a generated row: county-only fields left to the county."""
    values = dict(zip(cols, row))
    if table == "enterprises":
        values.update(stat_status="below_scale", entered_stats_date=None, exited_stats_date=None)
    if "department_id" in values and values["department_id"]:
        values["department_id"] = remap.get(values["department_id"])
    if table == "pool_events":
        values["confirmed"] = 0
    return tuple(values[c] for c in cols)


def _visit(cols: tuple, rng: random.Random, ents: list[str]) -> tuple:
    day = date(2026, 11, 23) - timedelta(days=rng.randint(1, 1000))
    values = {"id": new_id(), "enterprise_id": rng.choice(ents), "visit_date": day.isoformat(),
              "kind": "onsite", "visitors": "张三、李四", "summary": "企业生产经营正常，订单饱满。",
              "demands": None, "recorded_by": "admin"}
    return tuple(values.get(c) for c in cols)


if __name__ == "__main__":
    main()
