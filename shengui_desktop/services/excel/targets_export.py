"""The 目标任务 page's table as an xlsx sheet: every target that applies to a year, by
township, by department and for the county — target, achieved, completion and ranking, the
numbers of services.policy.targets.target_tables (at a township, its own line)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ...progress import Cancel, ImportCancelled, Job, Progress
from ..office.site import this_site
from ..policy.targets import TargetRow, TargetTable, target_tables

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

TITLE = "目标任务"
SCOPES = {"township": "乡镇", "department": "部门", "county": "全县"}


def _period(table: TargetTable) -> str:
    return f"{table.first_year}年" if table.first_year == table.last_year else \
        f"{table.first_year}–{table.last_year}年"


def _cells(table: TargetTable, row: TargetRow) -> list:
    name = row.name if row.registered else f"{row.name}（未登记）"
    notes = "；".join(x for x in (row.detail if row.registered else "", row.note or "") if x)
    rate = row.completion_rate if row.completion_rate is not None else \
        ("由上级统计" if table.area else None)
    return [table.title, _period(table), SCOPES[row.scope] if not table.area or row.scope != "county"
            else table.area, name, row.target, row.achieved, rate, row.rank, notes or None]


def table_rows(tables: list[TargetTable]) -> list[list]:
    """The sheet's rows: per target, its townships, its departments, then the county."""
    rows = []
    for table in tables:
        units = [*table.townships, *table.departments, *([table.county] if table.county else [])]
        rows += [_cells(table, row) for row in units]
    return rows


def export_target_tables(ledger: Ledger, out: Path | str, *, year: int, today: date | None = None,
                         progress: Progress | None = None, cancel: Cancel = None) -> dict:
    """Write the year's targets to `out`; returns {"path", "title", "rows", "notes"} as
    services.excel.export_table does. A cancelled export writes nothing."""
    from ...spreadsheets.writer import Col, TableBook

    job = Job(progress, cancel, error=ImportCancelled)
    job.tell("读取台账", 0, 1)
    site = this_site(ledger)
    book = TableBook(site["name"] if site else "", today or date.today())
    tables = target_tables(ledger, year)
    job.check()
    columns = [Col("目标", width=22), Col("期间"), Col("范围"), Col("乡镇（街道）/责任单位"),
               Col("目标（户）", "int", total=False), Col("完成数（户）", "int", total=False),
               Col("完成率", "percent"), Col("排名", "int", total=False), Col("说明", width=30)]
    rows = table_rows(tables)
    notes = [] if any(t.has_targets() for t in tables) else [f"{year}年尚未设定目标"]
    township = bool(site) and site["role"] == "township"
    note = "完成率 = 完成数 ÷ 目标；排名按完成率、完成数" + ("；本乡镇台账只含本乡镇企业，排名由县级统计"
                                                   if township else "")
    count = book.add_table(TITLE, f"{book.office}{year}年小升规目标任务完成情况", columns, rows,
                           note=note, title_columns=4)
    job.tell("写入文件", 0, 1)
    job.check()
    path = book.save(Path(out))
    job.tell("写入文件", 1, 1)
    return {"path": str(path), "title": TITLE, "rows": count, "notes": notes}
