"""`shengui project add|list|update|milestone add|milestone done`: an enterprise's projects
(新建项目, 技改项目, 重点项目) and their milestones (节点任务). Parses, calls
services.policy.records, prints Chinese."""

from __future__ import annotations

import argparse
from datetime import date

from ..domain.money import format_wan_short, parse_amount
from ..domain.policy_records import PROJECT_DATES, PROJECT_KINDS, PROJECT_LABELS, PROJECT_STATUSES
from .common import add_db, emit, open_from_args


def money(text: str) -> int:
    """An amount as people type it: 万元 unless the text says 元 or 亿元 (1200, 1,200万, 5000000元)."""
    try:
        value = parse_amount(text, "万元")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"金额“{text}”应为不小于0的数字（单位万元，也可写“元”）")
    return value


def _milestone(text: str) -> dict:
    """`--milestone "主体完工@2026-06-30"` (the due date after @ may be left out)."""
    name, _, due = text.partition("@")
    return {"name": name, "due_date": due or None}


_OPTIONS = {  # option → field
    "name": "name", "kind": "kind", "status": "status", "investment": "investment",
    "planned_start": "planned_start_date", "actual_start": "actual_start_date",
    "planned_completion": "planned_completion_date", "actual_completion": "actual_completion_date",
    "planned_production": "planned_production_date", "production": "production_start_date",
    "expected_output": "expected_output", "expected_to_reach_scale": "expected_to_reach_scale",
    "expected_scale_year": "expected_scale_year", "responsible_unit": "responsible_unit", "note": "note",
}


def _fields(args) -> dict:
    return {field: getattr(args, option) for option, field in _OPTIONS.items()
            if getattr(args, option, None) is not None}


def _dates(p: dict) -> str:
    def pair(planned: str, actual: str, label: str) -> str | None:
        if not p.get(planned) and not p.get(actual):
            return None
        return f"{label}：计划{p.get(planned) or '—'} 实际{p.get(actual) or '—'}"
    parts = [pair("planned_start_date", "actual_start_date", "开工"),
             pair("planned_completion_date", "actual_completion_date", "竣工"),
             pair("planned_production_date", "production_start_date", "投产")]
    return "；".join(x for x in parts if x)


def project_text(p: dict) -> list[str]:
    head = (f"[{p['id'][:8]}] {p.get('township_name') or p['township_code']} {p['enterprise_name']}"
            f"（{p['credit_code']}） {p['kind_label']}“{p['name']}” {p['status_label']}")
    facts = []
    if p["investment"] is not None:
        facts.append(f"总投资{format_wan_short(p['investment'])}")
    if p["expected_output"] is not None:
        facts.append(f"预计达产年产值{format_wan_short(p['expected_output'])}")
    if p["expected_to_reach_scale"]:
        facts.append("预计达产升规" + (f"（{p['expected_scale_year']}年）" if p["expected_scale_year"] else ""))
    if p["responsible_unit"]:
        facts.append(f"责任单位：{p['responsible_unit']}")
    lines = [head]
    if facts:
        lines.append("  " + "  ".join(facts))
    if _dates(p):
        lines.append("  " + _dates(p))
    if p["note"]:
        lines.append(f"  备注：{p['note']}")
    if p["milestones"]:
        lines.append("  节点任务：")
        for m in p["milestones"]:
            done = f"  完成{m['done_date']}" if m["done_date"] else ""
            lines.append(f"    [{'√' if m['done_date'] else ' '}] {m['name']}  计划{m['due_date'] or '—'}{done}"
                         + ("  【逾期未完成】" if m["late"] else ""))
    return lines


def cmd_add(args) -> int:
    from ..services.policy.records import add_project_by_credit_code

    record = {**_fields(args), "milestones": [_milestone(t) for t in args.milestone or []]}
    with open_from_args(args) as ledger:
        enterprise, project_id = add_project_by_credit_code(ledger, args.credit_code, record)
    kind = PROJECT_KINDS.get(record.get("kind") or "new_build", record.get("kind") or "新建项目")
    emit(args, {"project_id": project_id, "enterprise_id": enterprise["id"]},
         f"已为“{enterprise['name']}”登记{kind}“{record['name']}”（编号{project_id[:8]}）"
         + (f"，节点任务{len(record['milestones'])}个" if record["milestones"] else ""))
    return 0


def cmd_list(args) -> int:
    from ..services.policy.records import list_projects

    today = date.fromisoformat(args.date) if args.date else None
    with open_from_args(args) as ledger:
        rows = list_projects(ledger, credit_code=args.credit_code, kind=args.kind,
                             township_code=args.township, late_only=args.late, today=today)

    def text() -> str:
        out = [line for p in rows for line in project_text(p)]
        late = sum(p["late_milestones"] for p in rows)
        out.append(f"共{len(rows)}个项目" + (f"，逾期未完成的节点任务{late}个" if late else ""))
        return "\n".join(out)
    emit(args, rows, text)
    return 0


def cmd_update(args) -> int:
    from ..services.policy.records import find_project, update_project

    with open_from_args(args) as ledger:
        project = find_project(ledger, args.project)
        changed = update_project(ledger, project["id"], _fields(args))
    emit(args, {"project_id": project["id"], "changed": changed},
         f"已修改项目“{project['name']}”：" + "、".join(PROJECT_LABELS.get(k, k) for k in changed)
         if changed else f"项目“{project['name']}”没有变化")
    return 0


def cmd_milestone_add(args) -> int:
    from ..services.policy.records import add_milestone, find_project

    with open_from_args(args) as ledger:
        project = find_project(ledger, args.project)
        milestone_id = add_milestone(ledger, project["id"], {"name": args.name, "due_date": args.due,
                                                             "note": args.note})
    emit(args, {"milestone_id": milestone_id, "project_id": project["id"]},
         f"已为项目“{project['name']}”添加节点任务“{args.name.strip()}”"
         + (f"（计划{args.due}完成）" if args.due else ""))
    return 0


def cmd_milestone_done(args) -> int:
    from ..services.policy.records import complete_milestone, find_milestone, find_project

    with open_from_args(args) as ledger:
        project = find_project(ledger, args.project)
        milestone = find_milestone(ledger, project["id"], args.name)
        done = complete_milestone(ledger, milestone["id"], args.date, args.note)
    late = done["due_date"] and done["done_date"] > done["due_date"]
    emit(args, {k: v for k, v in done.items() if k != "log_seq"},
         f"项目“{project['name']}”的节点任务“{done['name']}”已于{done['done_date']}完成"
         + (f"（计划{done['due_date']}，晚于计划）" if late else ""))
    return 0


def _project_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("--name", required=adding, help="项目名称")
    p.add_argument("--kind", help="、".join(PROJECT_KINDS.values()) + "（默认新建项目）")
    p.add_argument("--status", help="、".join(PROJECT_STATUSES.values()) + "（默认按日期判断）")
    p.add_argument("--investment", type=money, help="总投资（万元）")
    for option, field in (("planned-start", "planned_start_date"), ("actual-start", "actual_start_date"),
                          ("planned-completion", "planned_completion_date"),
                          ("actual-completion", "actual_completion_date"),
                          ("planned-production", "planned_production_date"),
                          ("production", "production_start_date")):
        p.add_argument(f"--{option}", metavar="YYYY-MM-DD", help=PROJECT_DATES[field])
    p.add_argument("--expected-output", type=money, help="预计达产年产值（万元）")
    p.add_argument("--expected-to-reach-scale", action=argparse.BooleanOptionalAction, default=None,
                   help="预计达产后升规")
    p.add_argument("--expected-scale-year", type=int, help="预计升规年度")
    p.add_argument("--responsible-unit", help="责任单位")
    p.add_argument("--note", help="备注")


def register(sub) -> None:
    """Add `shengui project …` to the top-level parser's subparsers."""
    project = sub.add_parser("project", help="项目（新建、技改、重点项目）及节点任务").add_subparsers(
        dest="project_command", metavar="操作")
    p = project.add_parser("add", help="登记企业的项目")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    _project_options(p, adding=True)
    p.add_argument("--milestone", action="append", metavar="名称@YYYY-MM-DD",
                   help="节点任务及计划完成日期，可重复")
    p.set_defaults(func=cmd_add)

    p = project.add_parser("list", help="项目及节点任务列表")
    add_db(p)
    p.add_argument("--credit-code")
    p.add_argument("--kind", help="只列此类项目，如 重点项目")
    p.add_argument("--township", help="乡镇代码")
    p.add_argument("--late", action="store_true", help="只列有逾期未完成节点任务的项目")
    p.add_argument("--date", help="以哪一天为“今天”判断逾期（YYYY-MM-DD）")
    p.set_defaults(func=cmd_list)

    p = project.add_parser("update", help="修改项目（只改给出的项）")
    add_db(p)
    p.add_argument("project", help="项目编号（列表中的8位）或项目名称")
    _project_options(p, adding=False)
    p.set_defaults(func=cmd_update)

    milestone = project.add_parser("milestone", help="节点任务").add_subparsers(
        dest="milestone_command", metavar="操作")
    p = milestone.add_parser("add", help="添加节点任务")
    add_db(p)
    p.add_argument("project", help="项目编号或项目名称")
    p.add_argument("--name", required=True, help="节点任务")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="计划完成日期")
    p.add_argument("--note")
    p.set_defaults(func=cmd_milestone_add)
    p = milestone.add_parser("done", help="标记节点任务已完成")
    add_db(p)
    p.add_argument("project", help="项目编号或项目名称")
    p.add_argument("--name", required=True, help="节点任务名称（或编号）")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="完成日期（默认今天）")
    p.add_argument("--note")
    p.set_defaults(func=cmd_milestone_done)
