"""`shengui report KIND --db P --out FILE.pdf [filters]`: parse options, call the service."""

from __future__ import annotations

import argparse
from datetime import date

from .common import add_db, emit, open_from_args, progress_printer

KIND_HELP = ("ledger 台账 | dossier 一户一册 | visits 走访记录 | issues 问题台账 | targets 目标任务"
             " | monitor 月度监测")


def cmd_report(args) -> int:
    from ..services.reports import KINDS, print_report, resolve_filters

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        filters = resolve_filters(ledger, year=args.year, township=args.township, pool=args.pool,
                                  department=args.department, credit_code=args.credit_code,
                                  group_by=args.group_by, period_from=args.date_from,
                                  period_to=args.date_to, period=args.period, today=today)
        result = print_report(ledger, args.kind, args.out, filters, blank_form=args.blank_form,
                              progress=progress_printer(f"生成{KINDS[args.kind]}"))
    emit(args, {"kind": result.kind, "out": str(result.path), "pages": result.pages,
                "policy_source": result.policy_source},
         f"已生成{KINDS[result.kind]}：{result.path}（共 {result.pages} 页）")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="生成PDF报表（台账、一户一册、走访、问题、目标、月度监测）")
    p.add_argument("kind", choices=["ledger", "dossier", "visits", "issues", "targets", "monitor"],
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
    p.add_argument("--blank-form", action="store_true", help="打印空白走访记录表（visits）")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_report)

