"""`shengui audit list|verify|export`: the audit log (审计日志) of who did what and when.
Reading it is itself an unlock, and so on the record like any other."""

from __future__ import annotations

import argparse
from datetime import date

from .common import add_db, count, emit, open_from_args


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为YYYY-MM-DD，如2026-11-03，“{text}”不是") from None


def _filter(args):
    from ..services.office.audit import Filter

    return Filter(person=args.person, action=args.action, since=args.since, until=args.until,
                  office=args.office, limit=getattr(args, "limit", None))


def _line(e) -> str:
    parts = [e.time_text, e.copy_text, e.person, e.action, e.object, e.detail]
    return "  ".join(p for p in parts if p)


def cmd_list(args) -> int:
    from ..services.office import audit

    with open_from_args(args) as ledger:
        found = audit.entries(ledger, _filter(args))
    emit(args, [e.as_dict() for e in found],
         lambda: "\n".join(map(_line, found)) if found else "没有符合条件的审计记录。")
    return 0


def cmd_verify(args) -> int:
    from ..services.office import audit

    with open_from_args(args) as ledger:
        result = audit.verify(ledger)
    emit(args, {"ok": result.ok, "offices": [
        {"office": c["office"], "office_id": c["office_id"], "origin": c["origin"],
         "copy": c["copy"], "entries": c["entries"],
         "broken": None if c["problem"] is None else {
             "no": c["problem"].no, "at": c["problem"].at, "what": c["problem"].what}}
        for c in result.checked]}, result.message)
    return 0 if result.ok else 1


def cmd_export(args) -> int:
    from ..services.office import audit

    with open_from_args(args) as ledger:
        done = audit.export_xlsx(ledger, args.out, _filter(args))
    state = "" if done["verified"] else "（注意：审计日志校验不通过，请运行 shengui audit verify 查看）"
    emit(args, done, f"已导出审计日志{done['rows']}条：{done['path']}{state}")
    return 0


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--person", help="只看此人员（用户名；用恢复码打开时记为“恢复码”）")
    p.add_argument("--action", help="只看此操作，如：解锁、解锁失败、修改台账、导出同步包、打印报表、备份")
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="起始日期（含）")
    p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="截止日期（含）")
    p.add_argument("--office", help="只看此单位（县级台账中有各乡镇发来的审计日志）")


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    group = sub.add_parser("audit", help="审计日志：查看、校验、导出")
    ops = group.add_subparsers(dest="audit_command", metavar="操作")
    group.set_defaults(func=lambda _args: (group.print_help(), 2)[1])

    p = ops.add_parser("list", help="列出审计记录（可按人员、操作、日期筛选）")
    add_db(p)
    _filters(p)
    p.add_argument("--limit", type=count("条数"), help="只列最近的若干条")
    p.set_defaults(func=cmd_list)

    p = ops.add_parser("verify", help="校验审计日志的哈希链，指出第一处断开的记录")
    add_db(p)
    p.set_defaults(func=cmd_verify)

    p = ops.add_parser("export", help="导出审计日志为Excel（xlsx）")
    add_db(p)
    _filters(p)
    p.add_argument("--out", required=True, help="导出文件路径（.xlsx）")
    p.set_defaults(func=cmd_export)
