"""`shengui form …` (一表通, #22): fill a department's Excel form from the ledger.

    shengui form fill T.xlsx --out X.xlsx|X.pdf [--period 2026-10] [--township 秀水镇] [--check]
    shengui form fields          every field, modifier and filter a template may use
    shengui form blank --out T.xlsx   a blank template with its 字段说明 sheet
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ..errors import UserError
from .common import add_db, emit, open_from_args, progress_printer


def cmd_fill(args) -> int:
    from ..services.excel.forms import check_form, fill_form, print_form

    template = args.template or args.template_option
    if not template:
        raise UserError("请指定报表模板：shengui form fill 模板.xlsx --out 输出.xlsx")
    if not args.check and not args.out:
        raise UserError("请用 --out 指定输出文件（.xlsx），或用 --check 只检查模板")
    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        if args.check:
            check = check_form(ledger, Path(template), period=args.period, township=args.township, today=today)
            data = {"ok": check.ok, "problems": check.problems, "period": check.period, "unit": check.unit,
                    "rows": check.rows, "header": check.header, "preview": check.preview}
            emit(args, data, lambda: check_text(check))
            return 0 if check.ok else 2
        make = print_form if Path(args.out).suffix.lower() == ".pdf" else fill_form
        info = make(ledger, Path(template), Path(args.out), period=args.period, township=args.township,
                    today=today, progress=progress_printer("填写"))
    emit(args, info, lambda: f"已填写报表（{info['unit']}，{info['period']}，企业{info['rows']}户）：{info['path']}")
    return 0


def check_text(check) -> str:
    if not check.ok:
        return "模板有问题：\n" + check.problem_text()
    lines = [f"模板检查通过：{check.unit}，{check.period}，"
             + "，".join(f"{sheet}{n}户" for sheet, n in check.rows.items()) if check.rows else
             f"模板检查通过：{check.unit}，{check.period}（没有重复区域）"]
    if check.header:
        lines.append(" | ".join(check.header))
        lines += [" | ".join(row) for row in check.preview[:10]]
    return "\n".join(lines)


def cmd_fields(args) -> int:
    from ..services.excel.forms import field_help

    rows = field_help()
    emit(args, [{"field": f, "where": w, "help": h} for f, w, h in rows],
         lambda: "\n".join(f"{f}　［{w}］　{h}" for f, w, h in rows))
    return 0


def cmd_blank(args) -> int:
    from ..services.excel.forms import write_blank_template

    out = write_blank_template(Path(args.out))
    print(f"已生成空白报表模板：{out}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("form", help="一表通：按报表模板从台账填写各部门的Excel报表")
    forms = p.add_subparsers(dest="form_command", metavar="操作", required=True)

    f = forms.add_parser("fill", help="填写报表模板（.xlsx）")
    add_db(f)
    f.add_argument("template", nargs="?", help="报表模板（.xlsx）")
    f.add_argument("--template", dest="template_option", help=argparse.SUPPRESS)
    f.add_argument("--out", help="输出文件：.xlsx，或.pdf（打印版，带负责人、填表人签字栏）")
    f.add_argument("--period", help="报表月份 YYYY-MM（默认最近有数据的月份）")
    f.add_argument("--township", help="只填该乡镇的企业（名称或9位代码），填报单位也是它")
    f.add_argument("--check", action="store_true", help="只检查模板并预览前几行，不写文件")
    f.add_argument("--today", help=argparse.SUPPRESS)
    f.set_defaults(func=cmd_fill)

    d = forms.add_parser("fields", help="列出模板可用的字段、修饰和筛选")
    d.add_argument("--json", action="store_true", help="输出JSON")
    d.set_defaults(func=cmd_fields)

    b = forms.add_parser("blank", help="生成空白报表模板（带字段说明）")
    b.add_argument("--out", required=True, help="输出文件（.xlsx）")
    b.set_defaults(func=cmd_blank)
