"""`shengui claim add|list|status`: reward claims (技改投资, 中标合同, 新增地方经济贡献, or a
claim under any reward rule of the profile) with their evidence, and the county's decision
(申报 → 审核 → 兑现 or 不予). Parses, calls services.policy.records, prints Chinese."""

from __future__ import annotations

import argparse

from ..domain.money import format_wan_short
from ..domain.policy import BID_REGIONS
from ..domain.policy_records import CLAIM_KINDS, CLAIM_STATUSES
from .common import add_db, emit, open_from_args
from .project import money


def claim_text(c: dict) -> str:
    what = c["rule_name"] if c["kind"] == "award" and c["rule_name"] else c["kind_label"]
    region = f"（{c['bid_region_label']}{'，公开招标' if c['public_tender'] else ''}）" \
        if c["bid_region_label"] else ""
    decided = ""
    if c["status"] != "claimed":
        decided = f" {c['decided_on'] or ''}" + (f" {c['decision_note']}" if c["decision_note"] else "")
    evidence = f"  证明材料：{c['evidence']}" if c["evidence"] else ""
    named = "" if c["description"] == what else f"“{c['description']}”"
    return (f"[{c['id'][:8]}] {c['year']}年 {c['enterprise_name']}（{c['credit_code']}）  {what}"
            f"{named}{region}  {format_wan_short(c['amount'])}  申报{c['recorded_on'] or '—'}"
            f"  【{c['status_label']}】{decided}{evidence}")


def cmd_add(args) -> int:
    from ..services.policy.records import add_claim_by_credit_code, list_claims

    record = {"kind": args.kind, "rule": args.rule, "year": args.year, "amount": args.amount,
              "description": args.description, "bid_region": args.bid_region,
              "public_tender": None if args.public_tender is None else args.public_tender,
              "recorded_on": args.date, "evidence": args.evidence, "status": args.status,
              "decided_on": args.decided_on, "decision_note": args.decision_note}
    with open_from_args(args) as ledger:
        enterprise, claim_id = add_claim_by_credit_code(ledger, args.credit_code, record)
        claim = list_claims(ledger, claim_id=claim_id)[0]
    emit(args, claim, f"已登记“{enterprise['name']}”的奖补申报（编号{claim_id[:8]}）：\n" + claim_text(claim))
    return 0


def cmd_list(args) -> int:
    from ..services.policy.records import list_claims

    with open_from_args(args) as ledger:
        rows = list_claims(ledger, year=args.year, credit_code=args.credit_code, status=args.status)

    def text() -> str:
        counts: dict[str, int] = {}
        for c in rows:
            counts[c["status_label"]] = counts.get(c["status_label"], 0) + 1
        tally = "，".join(f"{label}{counts[label]}项" for label in CLAIM_STATUSES.values() if label in counts)
        return "\n".join([claim_text(c) for c in rows] + [f"共{len(rows)}项" + (f"（{tally}）" if tally else "")])
    emit(args, rows, text)
    return 0


def cmd_status(args) -> int:
    from ..services.policy.records import find_claim, set_claim_status

    with open_from_args(args) as ledger:
        claim = find_claim(ledger, args.claim)
        done = set_claim_status(ledger, claim["id"], args.status, decided_on=args.date, note=args.note)
    before, after = CLAIM_STATUSES[claim["status"]], CLAIM_STATUSES[done["status"]]
    emit(args, {k: v for k, v in done.items() if k not in ("log_seq", "name")},
         f"奖补申报“{done['description']}”：{before} → {after}"
         + (f"（{done['decided_on']}）" if done["decided_on"] else "")
         + (f"，{done['decision_note']}" if done["decision_note"] else ""))
    return 0


def register(sub) -> None:
    """Add `shengui claim …` to the top-level parser's subparsers."""
    claim = sub.add_parser("claim", help="奖补申报（技改、中标、地方经济贡献及各项奖励）").add_subparsers(
        dest="claim_command", metavar="操作")
    p = claim.add_parser("add", help="登记奖补申报")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    p.add_argument("--kind", required=True,
                   help="、".join(CLAIM_KINDS.values()) + "（也可写 技改、中标、地方经济贡献、奖励）")
    p.add_argument("--rule", help="奖补项目（政策配置中的名称或代码；申报类别为奖补项目申报时必填）")
    p.add_argument("--year", type=int, required=True, help="申报年度")
    p.add_argument("--amount", type=money, required=True,
                   help="金额（万元）：技改投资额、中标合同金额、核定的新增地方经济贡献或申报的奖励")
    p.add_argument("--description", help="项目或合同名称")
    p.add_argument("--bid-region", help="中标项目所在地：" + "、".join(BID_REGIONS.values()))
    p.add_argument("--public-tender", action=argparse.BooleanOptionalAction, default=None,
                   help="公开招标项目（中标合同默认是）")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="申报日期（默认今天）")
    p.add_argument("--evidence", help="证明材料（发票、合同、财政部门核定文件等）")
    p.add_argument("--status", help="状态：" + "、".join(CLAIM_STATUSES.values()) + "（默认申报；其余由县级决定）")
    p.add_argument("--decided-on", metavar="YYYY-MM-DD", help="县级决定日期")
    p.add_argument("--decision-note", help="审核意见")
    p.set_defaults(func=cmd_add)

    p = claim.add_parser("list", help="奖补申报列表")
    add_db(p)
    p.add_argument("--year", type=int)
    p.add_argument("--credit-code")
    p.add_argument("--status", help="、".join(CLAIM_STATUSES.values()))
    p.set_defaults(func=cmd_list)

    p = claim.add_parser("status", help="县级审核：改为 审核、兑现、不予（或退回申报）")
    add_db(p)
    p.add_argument("claim", help="申报编号（列表中的8位）或项目名称")
    p.add_argument("status", help="、".join(CLAIM_STATUSES.values()))
    p.add_argument("--date", metavar="YYYY-MM-DD", help="决定日期（默认今天）")
    p.add_argument("--note", help="审核意见（不予时写明理由）")
    p.set_defaults(func=cmd_status)
