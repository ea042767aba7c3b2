"""`shengui` subcommands for the policy area: profiles, targets, rewards, pool moves,
pool sizing, reminders and the entry checklist. Each one parses options and calls a service."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

from ..domain.money import format_wan_short
from ..domain.records import POOLS, TARGET_KINDS
from ..errors import UserError
from .common import add_db, emit, open_from_args


def _today(args) -> date:
    return date.fromisoformat(args.date) if getattr(args, "date", None) else date.today()


def _rate(value) -> str:
    return "—" if value is None else f"{value:.0%}"


# -- profiles ------------------------------------------------------------------------------------
def cmd_profile_list(args) -> int:
    from ..services import policy

    shipped = policy.list_profiles()
    if args.db:
        with open_from_args(args) as ledger:
            in_ledger = policy.profiles_in_ledger(ledger)
    else:
        in_ledger = []
    emit(args, {"shipped": shipped, "ledger": in_ledger}, lambda: "\n".join(
        [f"{p['code']:<10} {p['name']}  版本{p['version']}  {p['document']}" for p in shipped]
        + [f"本台账：{p['name']}（{p['code']}，版本{p['version']}）{'【使用中】' if p['active'] else ''}"
           for p in in_ledger]))
    return 0


def cmd_profile_show(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        profile = policy.active_profile(ledger)
    if profile is None:
        raise UserError("本台账尚未选择政策配置（shengui profile choose CODE）")
    emit(args, profile.data, lambda: policy.describe_text(profile))
    return 0


def cmd_profile_choose(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        result = policy.choose_profile(ledger, args.code)
    pending = [t["notice"] for t in result["targets"] if t.get("notice")]
    emit(args, result, lambda: "\n".join([f"已选用政策配置：{result['name']}（版本{result['version']}）",
                                          *(f"目标载入：{_period(t['kind'], t['year'], t['until'])}"
                                            f"{t['name']} {TARGET_KINDS[t['kind']]}{t['value']}户"
                                            for t in result["targets"] if t["loaded"]), *pending]))
    return 0


def cmd_profile_copy(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        result = policy.copy_profile(ledger, args.name)
    emit(args, result, f"已复制为“{result['name']}”（{result['code']}），并设为使用中，可用 profile set 修改")
    return 0


def cmd_profile_set(args) -> int:
    from ..services import policy

    changes = {}
    for item in args.values:
        path, sep, raw = item.partition("=")
        if not sep:
            raise UserError(f"“{item}”格式应为 路径=值，如 flags.not_visited.days=60")
        try:
            changes[path] = json.loads(raw)
        except json.JSONDecodeError:
            changes[path] = raw
    with open_from_args(args) as ledger:
        result = policy.edit_profile(ledger, changes)
    emit(args, result, f"已修改配置，版本{result['version']}")
    return 0


# -- targets, rewards, sizing, reminders --------------------------------------------------------
def _period(kind: str, year: int, until: int | None) -> str:
    return f"{year}–{until}年" if until not in (None, year) else f"{year}年"


# what the achieved number of a target of each kind is called on one line
_ACHIEVED = {"net": "净增", "new": "新增入规", "cumulative": "累计新增", "stock": "规上企业"}


def _targets_text(progress) -> str:
    def line(ln):
        target = "未设" if ln.target is None else f"{ln.target}户"
        name = ln.name if ln.registered else f"{ln.name}（未登记）"
        return (f"{name:<10} 目标{target}  新增{ln.new_entries}  退规{ln.exits}"
                f"  净增{ln.net_increase}  完成率{_rate(ln.completion_rate)}")

    def kind_line(ln, kind):
        target = "未设" if ln.target is None else f"{ln.target}户"
        name = ln.name if ln.registered else f"{ln.name}（未登记）"
        rate = _rate(ln.completion_rate) if ln.counted else "由上级统计"
        return f"{name:<10} 目标{target}  {_ACHIEVED[kind]}{ln.achieved}  完成率{rate}"

    out = [f"{progress.year}年规上工业企业净增目标完成情况", "按乡镇："]
    out += ["  " + line(ln) for ln in progress.townships]
    out += ["按部门："] + ["  " + line(ln) for ln in progress.departments]
    out += [line(progress.county) + f"（目标来源：{progress.county.target_source}）"]
    unregistered = any(not ln.registered for ln in (*progress.townships, *progress.departments))
    for k in progress.other_targets:
        out += ["", f"{k.title}目标完成情况（{k.achieved_label}）"]
        towns = [ln for ln in k.townships if ln.target is not None or ln.achieved or not ln.registered]
        if towns:
            out += ["按乡镇："] + ["  " + kind_line(ln, k.kind) for ln in towns]
        if k.departments:
            out += ["按部门："] + ["  " + kind_line(ln, k.kind) for ln in k.departments]
        out.append(kind_line(k.county, k.kind) + f"（目标来源：{k.target_source}）")
        if k.note:
            out.append(f"  注：{k.note}")
        unregistered = unregistered or any(not ln.registered for ln in (*k.townships, *k.departments))
    if unregistered:
        out.append("注：未登记的乡镇（单位）尚未加入本台账，其目标按政策配置列示，加入后自动计入。")
    return "\n".join(out)


def cmd_targets(args) -> int:
    from ..services import policy

    if args.year is None:
        raise UserError("请用 --year 指定年度，如 shengui targets --year 2026")
    with open_from_args(args) as ledger:
        loaded = policy.apply_profile_targets(ledger) if args.load else None
        progress = policy.target_progress(ledger, args.year)
    data = asdict(progress)
    if loaded is not None:
        data["loaded"] = loaded
    emit(args, data, lambda: _targets_text(progress))
    return 0


def cmd_targets_set(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        result = policy.set_target(ledger, kind=args.kind, value=args.value, year=args.year,
                                   first_year=args.first_year, until=args.until, township=args.township,
                                   department=args.department, note=args.note)

    def text() -> str:
        out = (f"已设定{_period(result['kind'], result['year'], result['until'])}{result['kind_name']}目标："
               f"{result['name']}{result['value']}户")
        if result["added_department"]:
            out += f"（已新增责任单位“{result['name']}”）"
        if result["via"] == "profile":
            out += "\n该目标由政策配置规定，已在配置中修改"
            out += f"（已复制为本地修订配置“{result['profile']}”）" if result["copied"] else \
                f"（配置“{result['profile']}”）"
        return out
    emit(args, result, text)
    return 0


def cmd_rewards(args) -> int:
    from ..services import policy

    if args.xlsx:
        return _rewards_xlsx(args)
    if args.township:
        raise UserError("--township 只与 --xlsx 同用（导出一个乡镇的奖补测算）")
    with open_from_args(args) as ledger:
        result = policy.rewards(ledger, args.year, today=_today(args))

    def text():
        out = [f"{args.year}年奖补测算（{result.profile.name if result.profile else '未选择配置'}）"]
        for ln in result.lines:
            amount = format_wan_short(ln.amount) if ln.amount is not None else (ln.amount_text or "—")
            out.append(f"{ln.name}  {ln.rule_name}  {ln.payer}  {amount}  【{ln.status_text}】{ln.reason}")
        t = result.totals
        out.append(f"应兑现合计{format_wan_short(t.due_amount)}（{t.enterprises}户），"
                   f"另有{t.due_without_amount}项金额由上级或财政部门确定")
        return "\n".join(out)
    emit(args, result.to_dict(), text)
    return 0


def _rewards_xlsx(args) -> int:
    """`rewards --xlsx FILE [--township …]`: the 奖补测算 workbook of the 奖补测算 page."""
    from pathlib import Path

    from ..services.excel.rewards_export import export_rewards
    from ..services.policy.reward_lines import township_code

    with open_from_args(args) as ledger:
        code = township_code(ledger, args.township) if args.township else None
        info = export_rewards(ledger, Path(args.xlsx), year=args.year, today=_today(args), township_code=code)
    emit(args, info, lambda: (
        f"已导出{args.year}年奖补测算{info['rows']}条：{info['path']}\n"
        f"应兑现合计{format_wan_short(info['due_amount'])}（{info['enterprises']}户）"
        + (f"，另有{info['due_without_amount']}项金额由上级或财政部门确定" if info["due_without_amount"] else "")
        + (f"；追回与不再兑现{info['clawbacks']}项" if info["clawbacks"] else "")
        + "".join(f"\n提示：{n}" for n in info["notes"])))
    return 0


def cmd_pool_move(args) -> int:
    """One or several enterprises (--credit-code repeated) into one pool with one reason, all
    or nothing; only the pools the profile defines (and none, 未入库) once a profile is chosen."""
    from ..services.ledger.pools import move_pools_by_credit_codes
    from ..services.policy.pool_board import offered_pools

    with open_from_args(args) as ledger:
        moves = move_pools_by_credit_codes(ledger, args.credit_code, args.to, args.reason,
                                           decided_by=args.decided_by, moved_on=args.date,
                                           allowed=offered_pools(ledger) or None)
    if len(moves) == 1:
        move = moves[0]
        emit(args, {k: move[k] for k in ("event_id", "enterprise_id", "from_pool", "to_pool")},
             f"已将“{move['name']}”从{POOLS[move['from_pool']]}调入{POOLS[move['to_pool']]}")
    else:
        emit(args, moves, lambda: f"已将{len(moves)}户企业调入{POOLS[moves[0]['to_pool']]}：" + "、".join(
            f"{m['name']}（原{POOLS[m['from_pool']]}）" for m in moves))
    return 0


def cmd_pool_sizing(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        result = policy.pool_sizing(ledger, args.year)
    if result is None:
        raise UserError("本台账的政策配置没有按目标确定库容的规定")
    emit(args, asdict(result), lambda: "\n".join(
        [f"{args.year}年库容（{result.basis_text}）"] + [
            f"{p.pool_name}：应有{p.required if p.required is not None else '—'}户，"
            f"现有{p.count}户，缺{p.shortfall if p.shortfall is not None else '—'}户"
            for p in result.pools]))
    return 0


def cmd_reminders(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        items = policy.calendar_reminders(ledger, _today(args))
    emit(args, [asdict(i) for i in items],
         lambda: "\n".join(f"【{i.source}】{i.text}" for i in items) or "本月没有日程提醒")
    return 0


def cmd_checklist(args) -> int:
    from ..services import policy

    with open_from_args(args) as ledger:
        items = policy.update_entry_checklist(ledger, args.credit_code, done=args.done or [],
                                              undone=args.undone or [], note=args.note)
    emit(args, [asdict(i) for i in items], lambda: "\n".join(
        f"[{'√' if i.done else ' '}] {i.item:<20} {i.label}"
        + ("" if i.applicable else "（不适用）") + (f"  {i.auto}" if i.auto else "")
        for i in items))
    return 0


def register(sub) -> None:
    """Add this area's subcommands to the top-level parser's subparsers."""
    profile = sub.add_parser("profile", help="政策配置").add_subparsers(dest="profile_command", metavar="操作")
    p = profile.add_parser("list", help="列出随程序发布的政策配置")
    add_db(p)
    p.set_defaults(func=cmd_profile_list)
    p = profile.add_parser("show", help="显示本台账使用的政策配置")
    add_db(p)
    p.set_defaults(func=cmd_profile_show)
    p = profile.add_parser("choose", help="选用政策配置（县级）")
    add_db(p)
    p.add_argument("code", help="如 yuxian、xiaoyi、minhou、shuncheng、hunan")
    p.set_defaults(func=cmd_profile_choose)
    p = profile.add_parser("copy", help="复制当前配置以便修改")
    add_db(p)
    p.add_argument("--name")
    p.set_defaults(func=cmd_profile_copy)
    p = profile.add_parser("set", help="修改复制的配置：路径=值")
    add_db(p)
    p.add_argument("values", nargs="+", metavar="路径=值")
    p.set_defaults(func=cmd_profile_set)

    p = sub.add_parser("targets", help="目标完成情况（净增、新增、累计新增、规上企业总数；按乡镇、部门、全县）；"
                                       "targets set 设定目标")
    add_db(p)
    p.add_argument("--year", type=int, help="年度（必填）")
    p.add_argument("--load", action="store_true", help="先按政策配置载入目标分解")
    p.set_defaults(func=cmd_targets)
    targets = p.add_subparsers(dest="targets_command", metavar="操作")
    p = targets.add_parser("set", help="设定目标（县级）：--kind net|new|cumulative|stock --value 户数")
    add_db(p)
    p.add_argument("--kind", default="net",
                   help="、".join(f"{k}={v}" for k, v in TARGET_KINDS.items()) + "（默认net）")
    p.add_argument("--value", type=int, required=True, help="目标户数")
    p.add_argument("--year", type=int, help="年度（净增、新增目标）")
    p.add_argument("--from", dest="first_year", type=int, help="起始年度（累计新增、规上企业总数目标）")
    p.add_argument("--until", type=int, help="截止年度（累计新增、规上企业总数目标）")
    unit = p.add_mutually_exclusive_group()
    unit.add_argument("--township", help="乡镇名称或9位代码（不填为全县）")
    unit.add_argument("--department", help="责任单位名称（不填为全县）")
    p.add_argument("--note", help="说明")
    p.set_defaults(func=cmd_targets_set)

    p = sub.add_parser("rewards", help="奖补测算")
    add_db(p)
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--date", help="以哪一天为“今天”（YYYY-MM-DD）")
    p.add_argument("--xlsx", metavar="FILE", help="导出为Excel（明细、按乡镇合计、按年度合计、追回与不再兑现）")
    p.add_argument("--township", help="只导出该乡镇（名称或9位代码；与 --xlsx 同用）")
    p.set_defaults(func=cmd_rewards)

    pool = sub.add_parser("pool", help="库别").add_subparsers(dest="pool_command", metavar="操作")
    p = pool.add_parser("move", help="调整企业库别（记录理由和决定人）；多户企业可重复 --credit-code，一次全部调整或全不调整")
    add_db(p)
    p.add_argument("--credit-code", required=True, action="append", help="统一社会信用代码（可重复）")
    p.add_argument("--to", required=True, help="、".join(f"{k}={v}" for k, v in POOLS.items()))
    p.add_argument("--reason", required=True)
    p.add_argument("--decided-by")
    p.add_argument("--date", help="调库日期 YYYY-MM-DD（默认今天）")
    p.set_defaults(func=cmd_pool_move)
    p = pool.add_parser("sizing", help="按目标倍数的库容和缺口（孝义）")
    add_db(p)
    p.add_argument("--year", type=int, required=True)
    p.set_defaults(func=cmd_pool_sizing)

    p = sub.add_parser("reminders", help="本月日程提醒")
    add_db(p)
    p.add_argument("--date")
    p.set_defaults(func=cmd_reminders)

    p = sub.add_parser("checklist", help="入统申报材料清单")
    add_db(p)
    p.add_argument("--credit-code", required=True)
    p.add_argument("--done", action="append", help="标记已完成的材料项（可重复）")
    p.add_argument("--undone", action="append", help="取消标记（可重复）")
    p.add_argument("--note")
    p.set_defaults(func=cmd_checklist)
