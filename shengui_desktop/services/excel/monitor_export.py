"""The monitoring table (月监测) and the quarterly comparison (季对标) as xlsx sheets: every
number of services.policy.monitoring, money in 万元, rates as percentages."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Callable

from ...domain.evaluation import FLAG_NAMES
from ...domain.monitoring import MEASURES, QUARTER_STATUSES, MeasureLine, MonitorTable
from ...domain.records import POOLS, STAT_STATUSES
from ..policy.monitoring import monitoring_table

if TYPE_CHECKING:
    from ...spreadsheets.writer import TableBook
    from ...storage.ledger import Ledger

MEASURE_UNITS = {"output_value": "万元", "revenue": "万元", "electricity_kwh": "千瓦时", "tax_paid": "万元"}


def _measure_columns(span: str) -> list:
    from ...spreadsheets.writer import Col

    out = []
    for key, name in MEASURES.items():
        # amounts (electricity too) are summed in the sheet's 合计 row; rates are not
        unit, kind = MEASURE_UNITS[key], "int" if key == "electricity_kwh" else "wan"
        out += [Col(f"{name}当月（{unit}）", kind, total=True), Col(f"{name}上年同月（{unit}）", kind, total=True),
                Col(f"{name}同比", "percent"), Col(f"{name}上月（{unit}）", kind, total=True),
                Col(f"{name}环比", "percent"), Col(f"{name}{span}累计（{unit}）", kind, total=True),
                Col(f"{name}上年同期累计（{unit}）", kind, total=True), Col(f"{name}累计同比", "percent")]
    return out


def _measure_cells(m: MeasureLine) -> list:
    return [m.month, m.same_month_last_year, m.yoy, m.previous_month, m.mom, m.cumulative,
            m.cumulative_last_year, m.cumulative_growth]


def _status(pool: str, stat_status: str) -> str:
    return POOLS[pool] if pool != "none" else STAT_STATUSES.get(stat_status, "")


def write_monitor(ledger: Ledger, book: TableBook, *, period: str | None, today: date, notes: list[str],
                  check_cancel: Callable[[], None], filters: dict[str, str] | None = None
                  ) -> tuple[MonitorTable, int]:
    """The 月度监测 and 季度对标 sheets of `period`, narrowed by `filters` (township, pool,
    department, flag: as monitoring_table takes them); returns the table and its row count."""
    from ...spreadsheets.writer import Col

    table = monitoring_table(ledger, period, quarter=True, today=today, **(filters or {}))
    check_cancel()
    span = "1月" if table.month == 1 else f"1–{table.month}月"
    columns = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
               Col("库别/统计状态"), Col("监测原因", width=30), Col(f"{table.month}月是否报送"),
               *_measure_columns(span), Col("缺报月份"), Col("提示", width=60)]
    rows = []
    for n, r in enumerate(table.rows, 1):
        cells = [n, r.name, r.credit_code, r.township, _status(r.pool, r.stat_status), r.watched_because,
                 "是" if r.reported else "否"]
        for key in MEASURES:
            cells += _measure_cells(r.measures[key])
        cells += ["、".join(f"{m}月" for m in r.months_missing) or None,
                  "\n".join(f"{FLAG_NAMES.get(f.code, f.code)}：{f.text}" for f in r.flags) or None]
        rows.append(cells)
    note = f"监测范围：{table.watch_text}" + (f"；{table.scope}" if table.scope else "")
    count = book.add_table("月度监测", f"{book.office}{table.period_text}企业月度监测表", columns, rows, note=note,
                           title_columns=2)
    notes += table.notes
    q = table.quarter
    if q is not None:
        q_columns = [Col("序号", "int", 6), Col("企业名称"), Col("乡镇（街道）"), Col("库别/统计状态"),
                     Col(f"{span}累计营业收入（万元）", "wan"), Col("序时进度线（万元）", "wan", total=False),
                     Col("序时完成", "percent"), Col("本年预计营业收入（万元）", "wan"), Col("占标准线", "percent"),
                     Col("距标准线（万元）", "wan", total=False), Col("对标结果"), Col("本年预计测算方法", width=60)]
        q_rows = [[n, x.name, x.township, _status(x.pool, x.stat_status), x.cumulative_revenue, x.pace_line,
                   x.pace_rate, x.projected_revenue, x.share_of_line, x.gap, QUARTER_STATUSES[x.status],
                   x.projection_text or None] for n, x in enumerate(q.lines, 1)]
        book.add_table("季度对标", f"{book.office}{q.title}", q_columns, q_rows,
                       note=f"标准线：全年营业收入{q.line / 10_000:,.0f}万元", title_columns=2)
    return table, count
