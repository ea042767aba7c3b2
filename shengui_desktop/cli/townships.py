"""`shengui townships list|rename|merge`: the county's list of townships, and the repair of a
township a spreadsheet import made up beside the real one (services.ledger.townships)."""

from __future__ import annotations

from .common import add_db, emit, open_from_args


def _line(t: dict) -> str:
    office = f"已登记（{t['office']}）" if t["enrolled"] else "未登记同步"
    text = f"{t['code']}  {t['name']}  企业{t['enterprises']}户  {office}"
    if t["targets"]:
        text += f"  目标{t['targets']}条"
    if t["same_name"]:
        text += f"  与{'、'.join(t['same_name'])}同名"
    return text


def _twins(rows: list[dict]) -> list[str]:
    """A hint per pair of townships of one name: merge the one no office is enrolled under."""
    hints, seen = [], set()
    by_code = {t["code"]: t for t in rows}
    for t in rows:
        for other in t["same_name"]:
            pair = frozenset((t["code"], other))
            if pair in seen:
                continue
            seen.add(pair)
            a, b = t, by_code[other]
            if a["enrolled"] and not b["enrolled"]:
                a, b = b, a
            if not a["enrolled"]:
                hints.append(f"“{a['name']}”有两个代码：如为同一乡镇，可用 shengui townships merge "
                             f"{a['code']} --into {b['code']} 合并")
    return hints


def cmd_list(args) -> int:
    from ..services.ledger.townships import township_lines

    with open_from_args(args) as ledger:
        rows = township_lines(ledger)
    if args.json:
        emit(args, rows)
        return 0
    for t in rows:
        print(_line(t))
    print(f"共{len(rows)}个乡镇")
    for hint in _twins(rows):
        print("提示：" + hint)
    return 0


def cmd_rename(args) -> int:
    from ..services.ledger.townships import rename_township

    with open_from_args(args) as ledger:
        done = rename_township(ledger, args.code, args.name)
    emit(args, done, (f"已将乡镇{done['code']}“{done['old_name']}”改名为“{done['name']}”"
                      if done["changed"] else f"乡镇{done['code']}已是“{done['name']}”，未作修改"))
    return 0


def cmd_merge(args) -> int:
    from ..services.ledger.townships import merge_townships

    with open_from_args(args) as ledger:
        done = merge_townships(ledger, args.code, args.into, dry_run=args.dry_run)

    def text() -> str:
        src, dst = done["from"], done["into"]
        verb = "将" if done["dry_run"] else "已"
        lines = [("试运行（--dry-run）：未写入台账。\n" if done["dry_run"] else "")
                 + f"{verb}把乡镇“{src['name']}”（{src['code']}）合并到“{dst['name']}”（{dst['code']}）："
                 f"移入企业{done['enterprises']}户、目标{len(done['targets_moved'])}条，"
                 f"并删除乡镇{src['code']}"]
        for t in done["targets_dropped"]:
            lines.append(f"  {t['year']}年目标：“{dst['name']}”已有目标{t['kept']}户，保留；"
                         f"“{src['name']}”的目标{t['net_increase']}户不再保留")
        return "\n".join(lines)
    emit(args, done, text)
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    group = sub.add_parser("townships", help="乡镇列表：查看、改名、合并重复的乡镇").add_subparsers(
        dest="townships_command", metavar="操作")
    p = group.add_parser("list", help="列出本台账的乡镇（代码、名称、企业数、是否已登记同步）")
    add_db(p)
    p.set_defaults(func=cmd_list)

    p = group.add_parser("rename", help="修改乡镇名称")
    add_db(p)
    p.add_argument("code", help="乡镇代码（9位）")
    p.add_argument("name", help="新名称")
    p.set_defaults(func=cmd_rename)

    p = group.add_parser("merge", help="把一个乡镇（如导入表格时临时分配代码的重复乡镇）合并到另一个："
                                       "企业、目标全部移过去，然后删除它")
    add_db(p)
    p.add_argument("code", help="要合并掉的乡镇代码")
    p.add_argument("--into", required=True, help="合并到的乡镇代码（一般是已登记同步的乡镇）")
    p.add_argument("--dry-run", action="store_true", help="只列出将要移动的内容，不写入台账")
    p.set_defaults(func=cmd_merge)
