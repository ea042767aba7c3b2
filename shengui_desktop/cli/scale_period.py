"""`shengui scale-period add|list`: earlier above-scale periods of a credit code, with the name
it had then (孝义: no reward for a re-entry under a new name only; 顺城: the award once per
enterprise). A county record. Parses, calls services.policy.records, prints Chinese."""

from __future__ import annotations

from .common import add_db, emit, open_from_args


def period_text(r: dict) -> str:
    now = f"  现为“{r['current_name']}”" if r["current_name"] and r["current_name"] != r["name"] else ""
    note = f"  {r['note']}" if r["note"] else ""
    return (f"{r['credit_code']}  “{r['name']}”  {r['entered_on']}入规 至 "
            f"{r['exited_on'] + '退规' if r['exited_on'] else '退规日期未登记'}{now}{note}")


def cmd_add(args) -> int:
    from ..services.policy.records import list_scale_periods, record_scale_period

    with open_from_args(args) as ledger:
        period_id = record_scale_period(ledger, args.credit_code, args.name, args.entered,
                                        args.exited, note=args.note)
        row = next(r for r in list_scale_periods(ledger, credit_code=args.credit_code) if r["id"] == period_id)
    emit(args, row, "已登记此前的在规时段：" + period_text(row))
    return 0


def cmd_list(args) -> int:
    from ..services.policy.records import list_scale_periods

    with open_from_args(args) as ledger:
        rows = list_scale_periods(ledger, credit_code=args.credit_code)
    emit(args, rows, lambda: "\n".join([period_text(r) for r in rows] + [f"共{len(rows)}个在规时段"]))
    return 0


def register(sub) -> None:
    """Add `shengui scale-period …` to the top-level parser's subparsers."""
    group = sub.add_parser("scale-period", help="此前的在规时段（入规、退规及当时名称，县级）").add_subparsers(
        dest="scale_period_command", metavar="操作")
    p = group.add_parser("add", help="登记此前的一个在规时段")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    p.add_argument("--name", required=True, help="当时的企业名称")
    p.add_argument("--entered", required=True, metavar="YYYY-MM-DD", help="入规日期")
    p.add_argument("--exited", metavar="YYYY-MM-DD", help="退规日期")
    p.add_argument("--note")
    p.set_defaults(func=cmd_add)
    p = group.add_parser("list", help="在规时段列表")
    add_db(p)
    p.add_argument("--credit-code")
    p.set_defaults(func=cmd_list)
