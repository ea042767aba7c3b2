"""`shengui report KIND --db P --out FILE.pdf [filters]`: parse options, call the service."""

from __future__ import annotations

import argparse
from datetime import date

from ..services.report_kinds import REPORT_KINDS
from .common import add_db, emit, open_from_args, progress_printer

KIND_HELP = " | ".join(f"{code} {kind.title}" for code, kind in REPORT_KINDS.items())


def cmd_report(args) -> int:
    from ..services.reports import print_report, resolve_filters

    today = date.fromisoformat(args.today) if args.today else None
    title = REPORT_KINDS["visit_form" if args.kind == "visits" and args.blank_form else args.kind].title
    with open_from_args(args) as ledger:
        filters = resolve_filters(ledger, year=args.year, township=args.township, pool=args.pool,
                                  department=args.department, credit_code=args.credit_code,
                                  group_by=args.group_by, period_from=args.date_from,
                                  period_to=args.date_to, period=args.period, today=today)
        result = print_report(ledger, args.kind, args.out, filters, blank_form=args.blank_form,
                              progress=progress_printer(f"生成{title}"))
    emit(args, {"kind": result.kind, "out": str(result.path), "pages": result.pages,
                "policy_source": result.policy_source},
         f"已生成{title}：{result.path}（共 {result.pages} 页）")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="生成PDF报表（" + "、".join(k.title for k in REPORT_KINDS.values()) + "）")
    p.add_argument("kind", choices=list(REPORT_KINDS),
                   metavar="KIND", help=KIND_HELP)
    add_db(p)
    p.add_argument("--out", required=True, help="输出PDF文件")
    p.add_argument("--township", help="乡镇名称或9位代码")
    p.add_argument("--pool", help="库别：base/reserve/cultivation/entry/exit_risk/above_scale 或中文名")
    p.add_argument("--department", help="责任单位名称")
    p.add_argument("--year", type=int, help="年度（默认今年）")
    p.add_argument("--credit-code", help="统一社会信用代码（一户一册、空白走访表）")
    p.add_argument("--group-by", default="township", choices=["township", "pool"],
                   help="台账分组：township 按乡镇（默认）或 pool 按库别")
    p.add_argument("--from", dest="date_from", help="走访记录起始日期 YYYY-MM-DD（默认本年1月1日）")
    p.add_argument("--to", dest="date_to", help="走访记录截止日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--period", help="月度监测的月份 YYYY-MM（默认最近有数据的月份）")
    p.add_argument("--blank-form", action="store_true", help="打印空白走访记录表（visits；同 visit_form）")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_report)

