"""`shengui excel import|export|template`: parse options, call services.excel, print Chinese."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UserError
from .common import add_db, emit, open_from_args, progress_printer

EXPORT_KINDS = ("enterprises", "figures", "visits", "issues", "pools", "targets", "rewards",
                "annual", "monitor", "projects")
TEMPLATE_KINDS = ("enterprises", "figures", "projects", "claims", "scale-periods")
ISSUE_STATUS_CHOICES = ("unsettled", "open", "in_progress", "resolved", "closed")
IMPORT_KINDS = ("enterprises", "figures", "projects", "milestones", "claims", "scale-periods")


class ImportFailed(UserError):
    exit_code = 2


def cmd_import(args) -> int:
    from ..services.excel import import_file

    with open_from_args(args) as ledger:
        result = import_file(ledger, Path(args.file), sheet=args.sheet,
                             kind=args.kind.replace("-", "_") if args.kind else None,
                             dry_run=args.dry_run, report=args.report,
                             create_townships=args.create_townships,
                             progress=progress_printer("导入"), year=args.year)
    if args.json:
        emit(args, result.to_dict())
    if not result.ok:
        if not args.json:
            for line in result.summary_lines():
                if line.startswith(("工作表", "  跳过", "  未导入", "本台账没有乡镇")):
                    print(line, file=sys.stderr)
        print(f"发现{len(result.problems)}个问题，未导入任何数据：", file=sys.stderr)
        for line in result.problem_lines():
            print("  " + line, file=sys.stderr)
        if result.needs_year:
            print("名单中的营业收入等年度数未写明年份：请加 --year 年份（如 --year 2025）后重新导入。",
                  file=sys.stderr)
        if result.report_path:
            print(f"已生成问题报告（问题单元格标红并加批注）：{result.report_path}", file=sys.stderr)
        else:
            print("可加 --report 问题报告.xlsx 生成标出问题单元格的报告。", file=sys.stderr)
        return ImportFailed.exit_code
    if not args.json:
        if args.dry_run:
            print("试运行（--dry-run）：检查通过，未写入台账。")
        for line in result.summary_lines():
            print(line)
    return 0


def cmd_export(args) -> int:
    from ..services.excel import export_table
    from ..services.excel.activity_export import issue_filter

    with open_from_args(args) as ledger:
        filters = None
        if args.department or args.status or args.overdue:
            if args.what != "issues":
                raise UserError("--department、--status、--overdue 只用于问题台账（--what issues）")
            filters = issue_filter(ledger, department=args.department, status=args.status,
                                   overdue=args.overdue)
        info = export_table(ledger, args.what, Path(args.out), year=args.year,
                            with_figures=args.with_figures, period=args.period, filters=filters,
                            progress=progress_printer("导出"))
    emit(args, info, lambda: f"已导出{info['title']}{info['rows']}行：{info['path']}"
         + ("".join(f"\n提示：{n}" for n in info.get("notes", []))))
    return 0


def cmd_template(args) -> int:
    from ..services.excel import write_import_template

    if args.db:
        with open_from_args(args) as ledger:
            out = write_import_template(args.kind.replace("-", "_"), Path(args.out), ledger)
    else:
        out = write_import_template(args.kind.replace("-", "_"), Path(args.out))
    emit(args, {"path": str(out)}, f"已生成模板：{out}")
    return 0


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
    excel = sub.add_parser("excel", help="Excel导入导出").add_subparsers(dest="excel_command",
                                                                     metavar="操作")
    p = excel.add_parser("import", help="从Excel/CSV导入企业名单、月度数据、项目、奖补申报或此前在规时段"
                                        "（全部成功才写入）")
    add_db(p)
    p.add_argument("file", help=".xlsx、.xls 或 .csv 文件")
    p.add_argument("--dry-run", action="store_true", help="只检查并列出将要导入和修改的内容")
    p.add_argument("--report", help="问题报告（xlsx）：标出有问题的单元格")
    p.add_argument("--sheet", help="只导入这张工作表")
    p.add_argument("--kind", choices=IMPORT_KINDS, help="表格类型（默认自动识别）")
    p.add_argument("--year", type=int,
                   help="企业名单中营业收入等年度数所属的年份（表头、“年度”列和标题都未写明时）")
    p.add_argument("--create-townships", action="store_true",
                   help="表中有本台账没有的乡镇时新建（默认作为问题列出，并给出最接近的乡镇名称）")
    p.set_defaults(func=cmd_import)

    p = excel.add_parser("export", help="导出为Excel")
    add_db(p)
    p.add_argument("--what", required=True, choices=EXPORT_KINDS,
                   help="enterprises 企业名单 | figures 月度数据 | visits 走访 | issues 问题 | "
                        "pools 库别 | targets 目标 | rewards 奖补 | annual 年度数据 | monitor 月度监测 | "
                        "projects 重点项目")
    p.add_argument("--out", required=True)
    p.add_argument("--with-figures", action="store_true",
                   help="企业名单附带月度数据工作表（默认不附带，月度数据用 --what figures 单独导出）")
    p.add_argument("--year", type=int, help="年度（targets、rewards、projects；默认今年）")
    p.add_argument("--period", help="月份 YYYY-MM（monitor；默认最近有数据的月份）")
    p.add_argument("--department", help="问题台账（issues）只导出该责任单位的问题")
    p.add_argument("--status", choices=ISSUE_STATUS_CHOICES,
                   help="问题台账（issues）的办理状态：unsettled 未办结 | open 待办理 | "
                        "in_progress 办理中 | resolved 已解决 | closed 已关闭")
    p.add_argument("--overdue", action="store_true", help="问题台账（issues）只导出逾期未办结的问题")
    p.set_defaults(func=cmd_export)

    p = excel.add_parser("template", help="生成导入模板（带下拉选项和填写说明）")
    add_db(p)
    p.add_argument("--kind", choices=TEMPLATE_KINDS, default="enterprises",
                   help="enterprises 企业名单 | figures 月度数据 | projects 项目及节点任务 | "
                        "claims 奖补申报 | scale-periods 此前在规时段")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_template)
