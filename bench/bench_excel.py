"""Spreadsheet import speed: a 10,000-row enterprise list imported with every check (a dry
run) and imported for real (checks and writing), each against a raw read of the same file in
the same run; calamine against openpyxl for that raw read. The monthly-figures import is a
case of the runner (bench/cases.py `figures_import`, its goal in goals.py):
`python -m bench --quick --only figures_import`.

    uv run python bench/bench_excel.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SHENGUI_KDF_MEMORY_KIB", "8192")
os.environ.setdefault("SHENGUI_KDF_TIME_COST", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from excel_build import credit, write_xlsx

from shengui_desktop.domain.search import search_key
from shengui_desktop.services.ledger import demo, reference
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.spreadsheets.reader import read_workbook

TOWNSHIPS = ["秀水镇", "路家村镇", "南娄镇", "牛村镇", "苌池镇", "上社镇", "西烟镇", "仙人乡"]


def enterprise_rows(n: int) -> list[list]:
    rows = [["盂县小升规企业名单"], ["填报单位：盂县工信局    单位：万元"],
            ["序号", "单位详细名称", "社会信用代码", "所属乡镇", "行业代码", "统计状态", "法定代表人",
             "联系人", "联系电话", "详细地址", "成立日期", "入统日期", "责任单位", "备注"]]
    for i in range(1, n + 1):
        rows.append([i, f"盂县第{i}机械制造有限公司", credit(i), TOWNSHIPS[i % len(TOWNSHIPS)],
                     f"C{3300 + i % 90}", "规下" if i % 5 else "规上", "张三", "李四",
                     f"138{i:08d}", f"{TOWNSHIPS[i % 8]}{i}号", f"{2000 + i % 24}-0{1 + i % 9}-1{i % 9}",
                     None if i % 5 else "2023-12-01", "工信局", None])
    rows.append(["合计", None, None, None])
    rows.append(["注：本表数据截至2024年底。"])
    return rows


def county(path: Path):
    ledger, _ = init_office(path, role="county", name="盂县", area_code="140322",
                            admin_user="admin", password="bench-password-1")
    for code, name in enumerate(TOWNSHIPS[:4], start=100):
        reference.add_township(ledger, f"140322{code}", name)
    for name in reference.STANDARD_DEPARTMENTS:
        reference.add_department(ledger, name)
    return ledger


def timed(fn, repeat: int = 1):
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def read_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
    wb.close()
    return count


class Stages:
    """Where an import's time goes, from its progress calls: the read ends when 读取文件 is
    done, the writing starts at the first 写入台账; the checks are in between."""

    def __init__(self):
        self.read_end = self.write_start = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage == "读取文件" and done == total and self.read_end is None:
            self.read_end = now
        elif stage == "写入台账" and self.write_start is None:
            self.write_start = now

    def split(self, start: float, end: float) -> str:
        return (f"read {self.read_end - start:.3f}, checks {self.write_start - self.read_end:.3f}, "
                f"write {end - self.write_start:.3f}")


def full_import(ledger, path: Path, n: int):
    stages = Stages()
    start = time.perf_counter()
    result = import_file(ledger, path, create_townships=True, progress=stages)
    elapsed = time.perf_counter() - start
    assert result.applied, result.problem_lines()[:5]
    return elapsed, stages.split(start, start + elapsed)


def search_key_time(n: int) -> float:
    names = [row[1] for row in enterprise_rows(n)[3:-2]]
    return timed(lambda: [search_key(name) for name in names])[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        companies = write_xlsx(tmp / "enterprises.xlsx", enterprise_rows(n), merged=("A1:N1",))
        ledgers = [county(tmp / f"bench{k}.sgdb") for k in range(3)]
        ledger = ledgers[0]
        try:
            print(f"{n:,} rows; reads and dry runs best of 3, full imports best of 3 into fresh ledgers")
            raw, _ = timed(lambda: read_workbook(companies), 3)
            opx, _ = timed(lambda: read_openpyxl(companies), 3)
            print(f"enterprise list, raw read: calamine {raw:.3f} s, openpyxl (read-only) "
                  f"{opx:.3f} s (calamine {opx / raw:.1f}x faster)")
            # the first import of the process pays for every distinct text once (clean() and
            # the date/period parsers remember what they saw); a user imports a file once
            cold, result = timed(lambda: import_file(ledger, companies, dry_run=True, create_townships=True))
            assert result.ok, result.problem_lines()[:5]
            check, result = timed(lambda: import_file(ledger, companies, dry_run=True,
                                                        create_townships=True), 3)
            print(f"  dry run (every check, nothing written): first {cold:.3f} s = "
                  f"{cold / raw:.2f}x the read; again {check:.3f} s = {check / raw:.2f}x the read")
            fulls = [full_import(each, companies, n) for each in ledgers]
            full, split = min(fulls)
            print(f"  full import, checks and writing {n:,} enterprises in one transaction: "
                  f"{full:.3f} s = {full / raw:.2f}x the read (first {fulls[0][0]:.3f} s)")
            print(f"    where the best one went: {split}")
            again, result = timed(lambda: import_file(ledger, companies, dry_run=True, create_townships=True))
            print(f"  re-import of the same list (every row compared with the ledger): {again:.3f} s")

            # the list above names its enterprises "盂县第N机械制造有限公司": their pinyin is
            # read once per run of characters (domain.search). Real names are all different
            # and read a polyphone at a time through pypinyin: the full import pays this more.
            rng = random.Random(7)
            names = [rng.choice(demo._SYLLABLES) + rng.choice(demo._NAME_WORDS)
                     + rng.choice(list(demo._TRADES.values())) + rng.choice(demo._SUFFIXES)
                     for _ in range(n)]
            keys, _ = timed(lambda: [search_key(name) for name in names])
            print(f"search keys of {n:,} demo-style names, each new to the process: {keys:.3f} s "
                  f"(the list's names: {search_key_time(n):.3f} s)")
            print(f"ratios to the raw read: enterprises dry run {check / raw:.2f}x, full import "
                  f"{full / raw:.2f}x")
        finally:
            for each in ledgers:
                each.close()


if __name__ == "__main__":
    main()
