"""`shengui demo`, `shengui visit add`, `shengui list enterprises`: filling and reading the ledger."""

from __future__ import annotations

from datetime import date

from ..domain.evaluation import FLAG_NAMES
from ..domain.records import POOLS
from ..domain.text import shown
from ..errors import UserError
from .common import add_db, count, counted, emit, open_from_args, progress_printer


def cmd_demo(args) -> int:
    from ..services.ledger.demo import generate

    with open_from_args(args) as ledger:
        counts = generate(ledger, enterprises=args.enterprises, townships=args.townships,
                          seed=args.seed,
                          as_of=date.fromisoformat(args.as_of) if args.as_of else None,
                          progress=progress_printer("生成演示数据"))
    emit(args, counts, lambda: "已生成演示数据：" + counted(counts))
    return 0


def _issue(text: str, deadline: str | None) -> dict:
    """`--issue "类别:描述"`, or only a description (category 'other')."""
    category, _, description = text.partition(":")
    if not description:
        category, description = "other", text
    return {"category": category, "description": description, "deadline": deadline}


def cmd_visit_add(args) -> int:
    from ..services.ledger.visits import add_visit_by_credit_code

    given = [option for option, value in (("--deadline", args.deadline), ("--department", args.department))
             if value]
    if given and not args.issue:  # it belongs to an issue: without one it would be dropped unsaid
        raise UserError(f"{'、'.join(given)} 是问题的办结时限或责任单位，须与 --issue 一起使用"
                        "（如 --issue \"融资:缺少流动资金\" --deadline 2026-12-31）。走访未记录。")
    with open_from_args(args) as ledger:
        enterprise, visit_id, issue_ids = add_visit_by_credit_code(
            ledger, args.credit_code,
            {"visit_date": args.date or date.today().isoformat(), "visitors": args.visitors,
             "summary": args.summary, "demands": args.demands, "kind": args.kind},
            [_issue(text, args.deadline) for text in args.issue or []], department=args.department)
    emit(args, {"visit_id": visit_id, "issue_ids": issue_ids},
         f"已记录对“{enterprise['name']}”的走访" + (f"，问题{len(issue_ids)}个" if issue_ids else ""))
    return 0


def _suggestion(row: dict) -> str:
    """The policy's suggested pool, as --json's suggested_pool ("—": the rules make none)."""
    pool = row.get("suggested_pool")
    return f"建议：{POOLS.get(pool, pool) if pool else '—'}"


def _flags(row: dict) -> str:
    """The flags (提示) by their names, as --json's flags."""
    return "提示：" + ("、".join(FLAG_NAMES.get(code, code) for code in row.get("flags") or ()) or "—")


def cmd_list_enterprises(args) -> int:
    from ..services.ledger.enterprises import list_enterprises, transferred_enterprises

    with open_from_args(args) as ledger:
        try:
            today = date.fromisoformat(args.date) if args.date else None
        except ValueError:
            raise UserError(f"日期“{args.date}”格式应为YYYY-MM-DD") from None
        rows = list_enterprises(ledger, township_code=args.township, pool=args.pool, today=today)
        moved = [] if args.township else transferred_enterprises(ledger)
    if args.json:
        emit(args, rows)
    else:
        for r in rows:
            # shown(): a name that came in before names were checked (or in an old package)
            # cannot move the cursor, recolour the terminal or turn the line around
            print(f"{r['credit_code']}  {shown(r['name'], 200)}  {shown(r['township_name'] or r['township_code'], 100)}"
                  f"  {POOLS.get(r['pool'], r['pool'])}  {_suggestion(r)}  {_flags(r)}")
        print(f"共{len(rows)}户")
        if moved:
            print(f"另有{len(moved)}户已由县级划转至其他乡镇，不再列入本乡镇（历史记录仍保留）：")
            for r in moved:
                print(f"  {shown(r['name'], 200)}（{r['credit_code']}）{r['notice']}")
    return 0


def register(sub) -> None:
    """Add this group's subcommands to the top-level parser's subparsers."""
    p = sub.add_parser("demo", help="在空台账中生成演示数据")
    add_db(p)
    p.add_argument("--enterprises", type=count("企业数"), default=300)
    # generated township codes are the county's code and 100…999
    p.add_argument("--townships", type=count("乡镇数", maximum=900), default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--as-of", help="以哪一天为“今天”生成（YYYY-MM-DD）")
    p.set_defaults(func=cmd_demo)

    visit = sub.add_parser("visit", help="走访记录").add_subparsers(dest="visit_command", metavar="操作")
    p = visit.add_parser("add", help="记录一次走访")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    p.add_argument("--date")
    p.add_argument("--visitors", required=True)
    p.add_argument("--summary", required=True)
    p.add_argument("--demands")
    p.add_argument("--kind", default="onsite", choices=["onsite", "phone", "meeting"])
    p.add_argument("--issue", action="append", help="走访中提出的问题，可写“类别:描述”，可重复")
    p.add_argument("--department", help="问题的责任单位")
    p.add_argument("--deadline", help="问题办结时限 YYYY-MM-DD")
    p.set_defaults(func=cmd_visit_add)

    lst = sub.add_parser("list", help="列表").add_subparsers(dest="list_command", metavar="对象")
    p = lst.add_parser("enterprises", help="企业列表")
    add_db(p)
    p.add_argument("--township")
    p.add_argument("--pool")
    p.add_argument("--date", help="以哪一天为“今天”评估建议库别（YYYY-MM-DD）")
    p.set_defaults(func=cmd_list_enterprises)
