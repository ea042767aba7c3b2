"""`shengui monitor --period 2026-10 [--quarter] [--township …] [--pool …] [--flag …] [--json]`: the monthly
monitoring table (月监测) and the quarterly comparison with the line (季对标)."""

from __future__ import annotations

import argparse
from datetime import date

from ..domain.evaluation import FLAG_NAMES
from ..domain.money import format_wan, format_wan_short
from ..domain.monitoring import MEASURES, QUARTER_STATUSES, MeasureLine, MonitorTable
from .common import add_db, emit, open_from_args


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def _amount(key: str, value: int | None) -> str:
    if value is None:
        return "未报"
    return f"{value:,}千瓦时" if key == "electricity_kwh" else f"{format_wan(value)}万元"


def _measure(key: str, m: MeasureLine, month: int) -> str:
    span = "1月" if month == 1 else f"1–{month}月"
    return (f"{MEASURES[key]:　<5} 当月{_amount(key, m.month)}  同比{_rate(m.yoy)}  环比{_rate(m.mom)}"
            f"  {span}累计{_amount(key, m.cumulative)}  同比{_rate(m.cumulative_growth)}")


def table_text(t: MonitorTable) -> str:
    head = (f"{t.scope + '　' if t.scope else ''}{t.period_text}企业月度监测表"
            f"（监测范围：{t.watch_text}）共{len(t.rows)}户")
    lines = [head]
    for n, r in enumerate(t.rows, 1):
        because = [x for x in r.watched_because.split("；") if x not in (r.status_text, r.status_text + "企业")]
        lines.append(f"{n}. {r.name}（{'，'.join([r.township or r.township_code, r.status_text, *because])}）"
                     + ("" if r.reported else f"【{t.month}月未报】"))
        lines += ["   " + _measure(key, r.measures[key], t.month) for key in MEASURES]
        if r.months_missing and r.reported:
            lines.append(f"   缺报月份：{'、'.join(f'{m}月' for m in r.months_missing)}")
        for f in r.flags:
            lines.append(f"   提示：{FLAG_NAMES.get(f.code, f.code)}：{f.text}")
    if t.rows:
        lines.append("合计：")
        lines += ["   " + _measure(key, t.totals[key], t.month) for key in MEASURES]
    lines += [f"注：{note}" for note in t.notes]
    q = t.quarter
    if q is not None:
        lines.append(f"{q.title}：标准线为全年营业收入{format_wan_short(q.line)}；"
                     + "，".join(f"{QUARTER_STATUSES[k]}{v}户" for k, v in q.counts.items()))
        for n, x in enumerate(q.lines, 1):
            share = "—" if x.share_of_line is None else f"{x.share_of_line:.1%}"
            pace = "—" if x.pace_rate is None else f"{x.pace_rate:.1%}"
            lines.append(f"{n}. {x.name}  累计营收{_amount('revenue', x.cumulative_revenue)}"
                         f"  序时进度{pace}  本年预计{_amount('revenue', x.projected_revenue)}"
                         f"  占标准线{share}  {x.status_text}")
    return "\n".join(lines)


def cmd_monitor(args) -> int:
    from ..services.policy.monitoring import monitoring_table

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        table = monitoring_table(ledger, args.period, quarter=args.quarter, township=args.township,
                                 pool=args.pool, department=args.department, flag=args.flag, today=today)
    emit(args, table.to_dict(), lambda: table_text(table))
    return 0


def register(sub) -> None:
    p = sub.add_parser("monitor", help="企业月度监测表（月监测）与季度对标（季对标）")
    add_db(p)
    p.add_argument("--period", help="月份 YYYY-MM（默认最近有数据的月份）")
    p.add_argument("--quarter", action="store_true",
                   help="同时列出季度对标：监测企业本年累计、预计营业收入与规上标准线对照")
    p.add_argument("--township", help="乡镇名称或9位代码")
    p.add_argument("--pool", help="只看该库（或“规上”）企业，代替政策配置的监测范围")
    p.add_argument("--department", help="责任单位名称")
    p.add_argument("--flag", help="只看带该标记的企业：有提示、当月未报、" + "、".join(FLAG_NAMES.values())
                   + "（合计与季度对标也只算这些企业）")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_monitor)
