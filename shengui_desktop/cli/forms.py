"""`shengui form …` (一表通, #22): fill a department's Excel form from the ledger.

    shengui form fill T.xlsx --out X.xlsx|X.pdf [--period 2026-10] [--township 秀水镇] [--check]
    shengui form fields          every field, modifier and filter a template may use
    shengui form blank --out T.xlsx   a blank template with its 字段说明 sheet
    shengui form send --template T.xlsx --department 统计局 --due 2026-12-10 [--to 秀水镇] (county)
    shengui form list            the templates sent (county: who has sent them) or received
    shengui form withdraw ID | shengui form due ID --due 2026-12-20        (county)
    shengui form fill --received ID --out X.xlsx|X.pdf   fill a received template (township)
    shengui form mark-sent ID [--date 2026-12-08]                          (township)
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
    if args.received:
        return fill_received_form(args)
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


def fill_received_form(args) -> int:
    from ..services.excel.form_templates import fill_received

    if not args.out:
        raise UserError("请用 --out 指定输出文件（.xlsx，或.pdf打印版）")
    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        info = fill_received(ledger, args.received, Path(args.out), period=args.period, today=today,
                             progress=progress_printer("填写"))
    emit(args, info, lambda: f"已填写“{info['name']}”（{info['unit']}，{info['period']}，企业{info['rows']}户）："
                             f"{info['path']}；状态：已填报（报送后请用 shengui form mark-sent 标记）")
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


def cmd_send(args) -> int:
    from ..services.excel.form_templates import send_template

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        info = send_template(ledger, Path(args.template), department=args.department, due=args.due,
                             name=args.name, period=args.period, to=args.to, today=today)
    emit(args, info, lambda: f"已登记报表模板“{info['name']}”（编号{info['id'][:8]}，{info['department']}，"
                             f"截止{info['due_date']}），下发给{'、'.join(info['to']) or '全部乡镇'}："
                             "随下次导出的同步包送达")
    return 0


def cmd_list(args) -> int:
    from ..services.excel.form_templates import list_forms

    today = date.fromisoformat(args.today) if args.today else date.today()
    with open_from_args(args) as ledger:
        county = ledger.meta("role") == "county"
        forms = list_forms(ledger, today)
    data = [{"id": f.id, "name": f.name, "department": f.department, "due_date": f.due_date, "period": f.period,
             "status": f.status, "status_text": f.status_text, "overdue": f.overdue, "withdrawn_on": f.withdrawn_on,
             "filled_on": f.filled_on, "sent_on": f.reported_on,
             **({"townships": f.addressed, "sent": f.sent} if county else {})} for f in forms]

    def text() -> str:
        if not forms:
            return ("还没有下发报表模板（shengui form send --template 模板.xlsx --department 统计局 --due 2026-12-10）"
                    if county else "没有收到县级下发的报表（报表模板随县级同步包到达）")
        lines = []
        for f in forms:
            late = "（逾期）" if f.overdue else ""
            if county:
                state = "已撤回" if f.withdrawn_on else f"已报送{f.sent}/{len(f.addressed)}"
            else:
                state = f.status_text + (f" {f.reported_on}" if f.reported_on else "")
            lines.append(f"{f.id[:8]}  {f.name}　{f.department}　截止{f.due_date}{late}　{state}")
        return "\n".join(lines)
    emit(args, data, text)
    return 0


def cmd_withdraw(args) -> int:
    from ..services.excel.form_templates import withdraw_template

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        info = withdraw_template(ledger, args.id, today=today)
    emit(args, info, lambda: f"已撤回报表“{info['name']}”：随下次导出的同步包通知各乡镇")
    return 0


def cmd_due(args) -> int:
    from ..services.excel.form_templates import change_due

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        info = change_due(ledger, args.id, args.due, today=today)
    emit(args, info, lambda: f"报表“{info['name']}”的截止日期已由{info['was']}改为{info['due_date']}")
    return 0


def cmd_mark_sent(args) -> int:
    from ..services.excel.form_templates import mark_sent

    today = date.fromisoformat(args.today) if args.today else None
    with open_from_args(args) as ledger:
        info = mark_sent(ledger, args.id, on=args.date, today=today)
    emit(args, info, lambda: f"报表“{info['name']}”已标记为已报送（{info['sent_on']}"
                             + ("，晚于截止日期" if info["late"] else "") + "）：随下次导出的同步包告知县级")
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
    f.add_argument("--received", metavar="编号", help="填写县级下发的报表（编号或名称，见 shengui form list），并标记已填报")
    f.add_argument("--today", help=argparse.SUPPRESS)
    f.set_defaults(func=cmd_fill)

    s = forms.add_parser("send", help="县级：下发报表模板（随同步包送达乡镇）")
    add_db(s)
    s.add_argument("--template", required=True, help="报表模板（.xlsx，不超过2 MB）")
    s.add_argument("--department", required=True, help="下发部门，如统计局、工信局")
    s.add_argument("--due", required=True, help="截止日期 YYYY-MM-DD")
    s.add_argument("--name", help="报表名称（默认为文件名）")
    s.add_argument("--period", help="报表期间 YYYY-MM 或 YYYY（默认由乡镇选择）")
    s.add_argument("--to", action="append", help="接收乡镇（名称或代码，可重复；默认全部乡镇）")
    s.add_argument("--today", help=argparse.SUPPRESS)
    s.set_defaults(func=cmd_send)

    ls = forms.add_parser("list", help="列出下发（县级）或收到（乡镇）的报表及其状态")
    add_db(ls)
    ls.add_argument("--today", help=argparse.SUPPRESS)
    ls.set_defaults(func=cmd_list)

    w = forms.add_parser("withdraw", help="县级：撤回下发的报表")
    add_db(w)
    w.add_argument("id", help="报表编号（或名称）")
    w.add_argument("--today", help=argparse.SUPPRESS)
    w.set_defaults(func=cmd_withdraw)

    u = forms.add_parser("due", help="县级：修改报表的截止日期")
    add_db(u)
    u.add_argument("id", help="报表编号（或名称）")
    u.add_argument("--due", required=True, help="新的截止日期 YYYY-MM-DD")
    u.add_argument("--today", help=argparse.SUPPRESS)
    u.set_defaults(func=cmd_due)

    m = forms.add_parser("mark-sent", help="乡镇：标记报表已报送（随同步包告知县级）")
    add_db(m)
    m.add_argument("id", help="报表编号（或名称）")
    m.add_argument("--date", help="报送日期 YYYY-MM-DD（默认今天）")
    m.add_argument("--today", help=argparse.SUPPRESS)
    m.set_defaults(func=cmd_mark_sent)

    d = forms.add_parser("fields", help="列出模板可用的字段、修饰和筛选")
    d.add_argument("--json", action="store_true", help="输出JSON")
    d.set_defaults(func=cmd_fields)

    b = forms.add_parser("blank", help="生成空白报表模板（带字段说明）")
    b.add_argument("--out", required=True, help="输出文件（.xlsx）")
    b.set_defaults(func=cmd_blank)
