"""The cases that write a ledger (bench/cases.py runs them): the county importing its 30
townships' packages, a monthly-figures sheet imported, and the demo at a scale."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.ledgers import AS_OF, DEFAULT_CACHE, PASSWORD, SCALES, open_cached
from bench.measure import cpu_timed, peak_mb, timed

# -- sync import: the county imports its 30 townships' packages -----------------------------

SYNC_TABLES = ("enterprises", "monthly_figures", "visits", "issues", "pool_events")
# The page cache of the baselines' own new ledgers: 128 MiB, what every connection had until
# session 13 made connections keep 32 MiB (storage/connection.py PAGE_CACHE_KIB). A baseline
# of random-key inserts slows with a smaller cache: the measured side's default must not move
# the baseline (the measured side's bulk writes set their own cache).
BASELINE_CACHE_KIB = 128 * 1024
SYNC_VISITS = 60_000  # visits in all, as #20 asks of a county


def sync_setup(folder: Path) -> dict:
    """The county before the import (``county-before.sgdb``), the 30 townships' packages and
    the rows they carry, made once per code version (the packages and the ledger carry its
    schema) into `folder`, from the records of the cached county ledger: each township's
    enterprises and their records become that township's own work (county-only fields left
    neutral), with visits added to reach SYNC_VISITS."""
    import pickle
    import random

    from shengui_desktop.services import sync
    from shengui_desktop.services.ledger import reference
    from shengui_desktop.services.office.setup import init_office
    from shengui_desktop.sync import certificates

    saved = folder / "setup.pickle"
    if saved.exists():
        with saved.open("rb") as f:
            return pickle.load(f)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    source = open_cached("county")
    dept_names = dict(source.conn.execute("SELECT id, name FROM departments").fetchall())
    towns = source.rows("SELECT code, name FROM townships ORDER BY code")
    county, _ = init_office(folder / "county.sgdb", role="county", name="盂县", area_code="140322",
                            admin_user="admin", password=PASSWORD)
    for t in towns:
        reference.add_township(county, t["code"], t["name"])
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(county, name)
    dept_ids = {n: i for i, n in county.conn.execute("SELECT id, name FROM departments")}
    remap = {old: dept_ids.get(name) for old, name in dept_names.items()}
    cert = folder / "county.cert.json"
    cert.write_text(json.dumps(certificates.export_certificate(county), ensure_ascii=False), "utf-8")
    rng = random.Random(2)
    extra = max(0, SYNC_VISITS - source.scalar("SELECT count(*) FROM visits")) // len(towns)
    rows_by_table: dict[str, list[tuple]] = {t: [] for t in SYNC_TABLES}
    packages = []
    for i, t in enumerate(towns):
        town, _ = init_office(folder / f"t{i}.sgdb", role="township", name=t["name"],
                              area_code=t["code"], admin_user="admin", password=PASSWORD)
        certificates.pin_county_certificate(town, cert)
        certificates.pin_site(county, certificates.verify_certificate(certificates.export_certificate(town)))
        first = sync.export_packages(county, folder / "to-towns", to=t["code"])[0].path
        sync.import_packages(town, [first])
        with town.transaction():
            for table in SYNC_TABLES:
                cols = ("id", *town.spec(table).columns)
                where = ("township_code = ?" if table == "enterprises" else
                         "enterprise_id IN (SELECT id FROM enterprises WHERE township_code = ?)")
                rows = [_neutral(table, cols, r, remap) for r in source.conn.execute(
                    f"SELECT {', '.join(cols)} FROM {table} WHERE {where}", (t["code"],))]
                if table == "visits":
                    ents = [r[0] for r in source.conn.execute(
                        "SELECT id FROM enterprises WHERE township_code = ?", (t["code"],))]
                    rows += [_visit(cols, rng, ents) for _ in range(extra)]
                town.insert_rows(table, cols, rows)
                rows_by_table[table] += rows
        packages.append(str(sync.export_packages(town, folder / "usb")[0].path))
        town.close()
        for suffix in ("", ".keys", "-wal", "-shm"):
            Path(f"{folder / f't{i}.sgdb'}{suffix}").unlink(missing_ok=True)
    county.close()  # checkpointed: the file alone is the county before the import
    source.close()
    for suffix in ("", ".keys"):
        shutil.copyfile(folder / f"county.sgdb{suffix}", folder / f"county-before.sgdb{suffix}")
    setup = {"packages": packages, "rows": rows_by_table}
    with saved.open("wb") as f:
        pickle.dump(setup, f)
    return setup


def write_rows(path: Path, rows_by_table: dict) -> float:
    """Seconds to write the rows with plain executemany into a new encrypted ledger, one
    transaction: the baseline of an import."""
    from shengui_desktop.services.office.setup import init_office

    for suffix in ("", ".keys", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    ledger, _ = init_office(path, role="county", name="基线", area_code="140321",
                            admin_user="admin", password=PASSWORD)
    conn = ledger.conn
    conn.execute(f"PRAGMA cache_size = -{BASELINE_CACHE_KIB}")
    # the tables and their indexes only: what a schema's triggers do (keeping the change log
    # true, e.g. the owners of schema 15) is the measured side's work, not the baseline's
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    start = time.perf_counter()
    conn.execute("BEGIN")
    for table in SYNC_TABLES:
        names = ["id", *ledger.spec(table).columns]
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         rows_by_table[table])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    ledger.close()
    return elapsed


def _neutral(table: str, cols: tuple, row: tuple, remap: dict) -> tuple:
    """The township's version of a generated row: county-only fields left to the county."""
    values = dict(zip(cols, row))
    if table == "enterprises":
        values.update(stat_status="below_scale", entered_stats_date=None, exited_stats_date=None)
    if values.get("department_id"):
        values["department_id"] = remap.get(values["department_id"])
    if table == "pool_events":
        values["confirmed"] = 0
    return tuple(values[c] for c in cols)


def _visit(cols: tuple, rng, ents: list[str]) -> tuple:
    from datetime import timedelta

    from shengui_desktop.storage.ledger import new_id

    day = AS_OF - timedelta(days=rng.randint(1, 1000))
    values = {"id": new_id(), "enterprise_id": rng.choice(ents), "visit_date": day.isoformat(),
              "kind": "onsite", "visitors": "张三、李四", "summary": "企业生产经营正常，订单饱满。",
              "demands": None, "recorded_by": "admin"}
    return tuple(values.get(c) for c in cols)


def sync_import(scale: str) -> dict:
    """The county imports the 30 townships' packages (one command, as 同步 → 导入 does) into
    a copy of the county before the import, against plain executemany of the same rows into
    a new ledger. County scale only (the setup is 30 township ledgers)."""
    from shengui_desktop.services import sync
    from shengui_desktop.storage.files import open_ledger

    if scale != "county":
        raise ValueError("sync_import: a county's 30 townships, county scale only")
    folder = DEFAULT_CACHE / "sync-import"
    setup = sync_setup(folder)
    for suffix in ("-wal", "-shm"):  # a stale WAL would be replayed into the copy
        Path(f"{folder / 'county.sgdb'}{suffix}").unlink(missing_ok=True)
    for suffix in ("", ".keys"):
        shutil.copyfile(folder / f"county-before.sgdb{suffix}", folder / f"county.sgdb{suffix}")
    county = open_ledger(folder / "county.sgdb", passphrase=PASSWORD, user="admin")
    paths = [Path(p) for p in setup["packages"]]
    results: list = []
    value = timed(lambda: results.extend(sync.import_packages(county, paths)))
    assert all(r.status == "imported" for r in results), [r.status for r in results]
    entries = county.scalar("SELECT count(*) FROM change_log")
    county.close()
    baseline = write_rows(folder / "raw.sgdb", setup["rows"])
    # the ratio within this sample (value and baseline a few seconds apart): on a loaded
    # machine steadier than the ratio of the medians, whose samples are minutes apart
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb(), "entries": entries,
            "rows": sum(len(r) for r in setup["rows"].values()), "sample_ratio": value / baseline}


# -- monthly figures import: 10,000 rows -------------------------------------------------

FIGURE_ROWS = 10_000


def figure_rows(n: int, companies: int) -> list[list]:
    """A 月度数据 sheet as offices keep it: n months of `companies` enterprises."""
    from excel_build import credit

    rows = [["2024年企业月度数据"], ["单位：万元"],
            ["统一社会信用代码", "企业名称", "月份", "主营业务收入", "工业总产值", "税收",
             "用电量（千瓦时）", "从业人员"]]
    for i in range(n):
        company = 1 + i % companies
        rows.append([credit(company), f"盂县第{company}机械制造有限公司", f"2024-{1 + i // companies % 12:02d}",
                     round(150 + i % 97 * 1.37, 2), round(160 + i % 89 * 1.41, 2), round(8 + i % 13 * 0.1, 2),
                     120000 + i, 50 + i % 30])
    return rows


def enterprise_rows(n: int, townships: list[str]) -> list[list]:
    """An enterprise list (企业名单) of n enterprises in `townships`."""
    from excel_build import credit

    rows = [["盂县小升规企业名单"], ["填报单位：盂县工信局    单位：万元"],
            ["序号", "单位详细名称", "社会信用代码", "所属乡镇", "行业代码", "统计状态", "法定代表人",
             "联系人", "联系电话", "详细地址", "成立日期", "入统日期", "责任单位", "备注"]]
    for i in range(1, n + 1):
        town = townships[i % len(townships)]
        rows.append([i, f"盂县第{i}机械制造有限公司", credit(i), town, f"C{3300 + i % 90}",
                     "规下" if i % 5 else "规上", "张三", "李四", f"138{i:08d}", f"{town}{i}号",
                     f"{2000 + i % 24}-0{1 + i % 9}-1{i % 9}", None if i % 5 else "2023-12-01",
                     "工信局", None])
    return rows


EXCEL_TOWNSHIPS = ["秀水镇", "路家村镇", "南娄镇", "牛村镇"]


def figures_import(scale: str) -> dict:
    """10,000 monthly rows (834 enterprises × 12 months) imported with every check and
    written, into a fresh county ledger holding those enterprises, against the raw read of
    the same file (calamine, spreadsheets.reader). Scale free."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from excel_build import write_xlsx

    from shengui_desktop.services.excel import import_file
    from shengui_desktop.services.ledger import reference
    from shengui_desktop.services.office.setup import init_office
    from shengui_desktop.spreadsheets.reader import read_workbook

    folder = DEFAULT_CACHE / f"figures-import-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        companies = -(-FIGURE_ROWS // 12)
        listing = write_xlsx(folder / "enterprises.xlsx", enterprise_rows(companies, EXCEL_TOWNSHIPS))
        sheet = write_xlsx(folder / "figures.xlsx", figure_rows(FIGURE_ROWS, companies))
        ledger, _ = init_office(folder / "county.sgdb", role="county", name="盂县", area_code="140322",
                                admin_user="admin", password=PASSWORD)
        for code, name in enumerate(EXCEL_TOWNSHIPS, start=100):
            reference.add_township(ledger, f"140322{code}", name)
        for name in reference.STANDARD_DEPARTMENTS:
            reference.add_department(ledger, name)
        assert import_file(ledger, listing).applied
        read_workbook(sheet)  # both warm: the file in the page cache, the reader imported
        baseline = timed(lambda: read_workbook(sheet))
        results: list = []
        value = timed(lambda: results.append(import_file(ledger, sheet)))
        assert results[0].applied, results[0].problem_lines()[:5]
        months = ledger.scalar("SELECT count(*) FROM monthly_figures")
        ledger.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"value": value, "baseline": baseline, "rss_mb": peak_mb(), "months": months,
            "sample_ratio": value / baseline}


def demo_generate(scale: str) -> dict:
    """`shengui demo` at this scale (services.ledger.demo.generate into a new county ledger):
    the time and the process's peak memory then; against the plainest load of the same rows,
    executemany into a second new ledger (no change log, no search keys, no bookkeeping),
    read back from the first in chunks (the reading is not timed). Both are removed after."""
    from shengui_desktop.services.ledger.demo import generate
    from shengui_desktop.services.office.setup import init_office

    DEFAULT_CACHE.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="demo-", dir=DEFAULT_CACHE))
    try:
        ledger, _ = init_office(folder / "demo.sgdb", role="county", name="测试县",
                                area_code="140322", admin_user="admin", password=PASSWORD)
        counts: list[dict] = []
        value, value_cpu = cpu_timed(
            lambda: counts.append(generate(ledger, as_of=AS_OF, seed=1, **SCALES[scale])))
        rss = peak_mb()  # before the baseline reads anything
        raw, _ = init_office(folder / "raw.sgdb", role="county", name="基线", area_code="140321",
                             admin_user="admin", password=PASSWORD)
        baseline = baseline_cpu = 0.0

        def add(fn) -> None:
            nonlocal baseline, baseline_cpu
            wall, cpu = cpu_timed(fn)
            baseline, baseline_cpu = baseline + wall, baseline_cpu + cpu
        raw.conn.execute(f"PRAGMA cache_size = -{BASELINE_CACHE_KIB}")
        raw.conn.execute("BEGIN")
        for table in ("enterprises", "monthly_figures", "visits", "issues", "pool_events"):
            cursor = ledger.conn.execute(f"SELECT * FROM {table}")
            insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(cursor.description))})"
            while chunk := cursor.fetchmany(20000):
                add(lambda: raw.conn.executemany(insert, chunk))
        add(lambda: raw.conn.execute("COMMIT"))
        ledger.close()
        raw.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"value": value, "baseline": baseline, "rss_mb": rss, "cpu_s": value_cpu,
            "baseline_cpu_s": baseline_cpu, "cpu_ratio": value_cpu / baseline_cpu, **counts[0]}
