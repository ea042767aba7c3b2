"""A policy profile in plain Chinese: what it sets, section by section, and what changes when
a county goes from one profile to another.

The 政策配置 page and `shengui profile show` print the same lines from here, so the window
holds no rule of its own. Formatting only: the profile's content is validated in
domain.policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.evaluation import FLAG_NAMES
from ...domain.money import format_wan_short
from ...domain.policy import BID_REGIONS, Profile
from ...domain.records import POOLS, SOURCES, TARGET_KINDS
from .profiles import active_profile

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

__all__ = ["SECTIONS", "describe_profile", "describe_text", "profile_changes", "year_targets_from_profile"]

SECTIONS = ("概况", "认定标准", "培育库", "预警提示", "工作日历", "奖补政策", "目标任务")


def _months(months: list[int]) -> str:
    ms = sorted(set(months))
    if ms == list(range(1, 13)):
        return "每月"
    if len(ms) > 2 and ms == list(range(ms[0], ms[-1] + 1)):
        return f"{ms[0]}月至{ms[-1]}月每月"
    return "、".join(f"{m}月" for m in ms)


def _pool_rule(rule: dict) -> str:
    when = rule["when"]
    if when == "revenue_between":
        basis = "上一年度主营业务收入" if rule["basis"] == "prior_year" else "本年度预计主营业务收入"
        if rule.get("max") is None:
            return f"{basis}达到{format_wan_short(rule['min'])}"
        return f"{basis}在{format_wan_short(rule['min'])}至{format_wan_short(rule['max'])}之间"
    if when == "below_scale":
        return "规模以下工业企业"
    if when == "exited_within_years":
        return f"近{rule['years']}年内退出规模以上、有望重返的企业"
    if when == "project_expected_to_reach_scale":
        return "新建项目预计达产上规"
    if when == "project_in_production_this_year":
        return "项目本年度建成投产"
    if when == "reached_scale_not_entered":
        return "营收已达规模但尚未入统"
    if when == "source_in":
        return "企业来源为" + "、".join(SOURCES[s] for s in rule["sources"])
    if when == "exit_risk":
        return "存在退规风险（见预警提示）"
    return when


def _flag(code: str, flag: dict) -> str:
    name = FLAG_NAMES.get(code, code)
    if code == "exit_risk":
        if flag["rule"] == "revenue_below":
            if flag.get("inclusive"):
                return f"{name}：本年度预计营收在{format_wan_short(flag['amount'])}以下（含本数）"
            return f"{name}：本年度预计营收低于{format_wan_short(flag['amount'])}"
        return f"{name}：营收较上年下降{flag['percent']}%以上"
    if code == "electricity_without_output":
        return f"{name}：连续{flag['months']}个月有用电而无产值"
    if code == "revenue_jump":
        return (f"{name}：营收增长{flag['min_growth_percent']}%以上而单位产值用电下降"
                f"{flag['min_intensity_drop_percent']}%以上")
    if code == "not_visited":
        pools = "、".join(POOLS[p] for p in flag["pools"])
        return f"{name}：{pools}企业超过{flag['days']}天未走访"
    return name


def _amount(rule: dict) -> str:
    if rule.get("amount") is not None:
        return format_wan_short(rule["amount"])
    return rule.get("amount_text") or "金额未定"


def _reward(rule: dict) -> str:
    kind = rule["kind"]
    head = f"{rule['name']}（{rule['payer']}）："
    if kind == "entry_year":
        when = "入规当年" if rule["year"] == 1 else f"入规后第{rule['year']}年仍在规"
        extra = [x for x in (
            "仅限首次入规" if rule.get("first_entry_only") else "",
            "更名重新入规的不予享受" if rule.get("exclude_renamed_reentry") else "",
            "每户只享受一次" if rule.get("once_per_enterprise") else "",
            rule.get("condition_text") or "") if x]
        return head + f"{when}，{_amount(rule)}" + (f"（{'；'.join(extra)}）" if extra else "")
    if kind == "continued":
        span = f"至第{rule['to_year']}年" if rule.get("to_year") else "起"
        return head + f"入规后第{rule['from_year']}年{span}持续在规，{_amount(rule)}"
    if kind == "instalments":
        extra = "；退规的未兑现部分不再兑现" if rule["forfeit_on_exit"] else ""
        return head + f"共{format_wan_short(rule['total'])}，分{rule['parts']}年兑现{extra}"
    if kind == "growth":
        return head + (f"入规后{rule['years']}年内产值增长{rule['min_output_growth_percent']}%以上，"
                       f"{rule['amount_text']}")
    if kind == "investment_subsidy":
        cap = f"，每年最高{format_wan_short(rule['annual_cap'])}" if rule.get("annual_cap") else ""
        return head + (f"入规后{rule['years']}年内技改投资{format_wan_short(rule['min_investment'])}以上，"
                       f"按投资额{rule['rate_percent']}%补助{cap}")
    if kind == "bid_award":
        regions = "、".join(BID_REGIONS[r] for r in rule["regions"])
        caps = "".join(f"，{label}最高{format_wan_short(rule[key])}" for key, label in
                       (("project_cap", "单个项目"), ("annual_cap", "每年")) if rule.get(key))
        tender = "公开招标" if rule["public_tender_only"] else ""
        return head + (f"入规后{rule['years']}年内在{regions}{tender}中标"
                       f"{format_wan_short(rule['min_contract'])}以上，按合同额{rule['rate_percent']}%奖励{caps}")
    return head + rule.get("name", kind)


def _block_title(block: dict) -> str:
    """What a target block sets, in words: 2024年净增, 2022–2026年累计新增, 至2025年底规上企业总数."""
    kind, year = block.get("kind", "net"), block["year"]
    until = block.get("until", year)
    if kind == "cumulative":
        title = f"{year}–{until}年{TARGET_KINDS[kind]}"
    elif kind == "stock":
        title = f"至{until}年底{TARGET_KINDS[kind]}"
    else:
        title = f"{year}年{TARGET_KINDS[kind]}"
    return f"{title}（{block['area']}目标，仅供对照）" if block.get("area") else title


def _targets(block: dict) -> list[str]:
    head = _block_title(block)
    if block.get("county") is not None:
        head += f"：{block.get('area') or '全县'}{block['county']}户"
    else:
        head += "："
    if block.get("note"):
        head += f"（{block['note']}）"
    lines = [head]

    def share(t: dict) -> str:
        return f"{t['name']}{t.get('value', t.get('net_increase'))}户"
    if block["townships"]:
        lines.append("　乡镇：" + "，".join(share(t) for t in block["townships"]))
    if block["departments"]:
        lines.append("　部门：" + "，".join(share(d) for d in block["departments"]))
    return lines


def describe_profile(profile: Profile) -> list[tuple[str, list[str]]]:
    """The profile section by section (the titles of SECTIONS), each a list of lines."""
    d = profile.data
    overview = [f"名称：{profile.name}（{profile.code}，版本{profile.version}）", f"地区：{d['locality']}",
                f"依据文件：{d['document']}"]
    if d.get("based_on"):
        overview.append(f"复制自：{d['based_on']}（本地修订）")
    overview += [f"目标：{g}" for g in d["goals"]]
    threshold = [f"规上标准：年主营业务收入{format_wan_short(profile.threshold)}及以上"]

    pools = [("使用的库：" + "、".join(POOLS[p] for p in d["pools"])) if d["pools"] else "本配置不设培育库"]
    for p in d["pools"]:
        rules = [_pool_rule(r) for r in d["pool_rules"] if r["pool"] == p]
        pools.append(f"{POOLS[p]}入库条件：" + ("；或".join(rules) if rules else "由工作人员确定"))
    sizing = profile.pool_sizing
    if sizing:
        plan = (f"“十四五”年均目标{sizing['plan_annual_target']}户" if sizing.get("plan_annual_target")
                else "本年度目标")
        # 入统库 is always a multiple of the year's target (孝义: 吕梁市下达的本年度目标)
        entry = (f"入统库{sizing['entry_multiple']}倍" if not sizing.get("plan_annual_target")
                 else f"入统库为本年度目标的{sizing['entry_multiple']}倍")
        pools.append(f"库容：储备库为{plan}的{sizing['reserve_multiple']}倍，培育库{sizing['cultivation_multiple']}倍，"
                     f"{entry}（按预计营收排序）")

    # in FLAG_NAMES order: a stored profile's keys come back sorted, a file's as written
    order = [*FLAG_NAMES, *(c for c in d["flags"] if c not in FLAG_NAMES)]
    flags = [_flag(code, d["flags"][code]) for code in order if d["flags"].get(code) is not None]
    calendar = [f"{_months(c['months'])}：{c['title']}（{'文件规定' if c['source'] == 'document' else '国家统计制度'}）"
                for c in d["calendar"]] or ["本配置未规定工作日历"]
    rewards = [_reward(r) for r in d["rewards"]] or ["本配置未规定奖补"]
    targets = [line for block in sorted(d["targets"], key=lambda b: (b["year"], b.get("area") is not None))
               for line in _targets(block)]
    targets = targets or ["本配置未分解目标；目标任务由县级在“乡镇与部门”中设定"]
    notes = [f"说明：{n}" for n in d.get("notes") or ()]
    return list(zip(SECTIONS, (overview + notes, threshold, pools, flags, calendar, rewards, targets)))


def describe_text(profile: Profile) -> str:
    """describe_profile as the lines the command line prints."""
    out: list[str] = []
    for title, lines in describe_profile(profile):
        out += [f"【{title}】", *(f"  {line}" for line in lines), ""]
    return "\n".join(out).rstrip()


def profile_changes(current: Profile | None, new: Profile) -> list[str]:
    """What choosing `new` instead of `current` changes, in lines for a confirmation."""
    if current is None:
        return [f"本台账将开始使用“{new.name}”（版本{new.version}）：库、预警、奖补和目标按其规定计算"]
    if current.code == new.code and current.version == new.version:
        return [f"“{new.name}”（版本{new.version}）已在使用中，选用不会改变规则"]
    lines = [f"政策配置：{current.name}（版本{current.version}）→ {new.name}（版本{new.version}）"]
    if current.threshold != new.threshold:
        lines.append(f"规上标准：{format_wan_short(current.threshold)} → {format_wan_short(new.threshold)}")
    old_pools, new_pools = current.data["pools"], new.data["pools"]
    if old_pools != new_pools:
        names = lambda ps: "、".join(POOLS[p] for p in ps) or "不设"  # noqa: E731
        lines.append(f"使用的库：{names(old_pools)} → {names(new_pools)}")
        gone = [POOLS[p] for p in old_pools if p not in new_pools]
        if gone:
            lines.append(f"已在{'、'.join(gone)}中的企业留在原库，其调库建议按新配置给出")
    lines.append(f"奖补规则：{len(current.data['rewards'])}项 → {len(new.data['rewards'])}项")
    own = [b for b in sorted(new.data["targets"], key=lambda b: b["year"]) if b.get("area") is None]
    if own:
        lines.append("目标任务：" + "、".join(_block_title(b) for b in own)
                     + "按新配置的分解载入（原有的同类目标被替换）")
    lines.append("选用后随县级同步包发往各乡镇，乡镇只能查看")
    return lines


def year_targets_from_profile(ledger: Ledger, year: int, kind: str = "net") -> bool:
    """Whether the active profile allocates the year's targets of `kind` (净增 unless told)
    for this county (then they are read from the profile, services.policy.targets, and a
    target of that kind set by hand for that year would not count; `shengui targets set`
    changes the profile instead). A higher level's target (area) does not count."""
    profile = active_profile(ledger)
    return profile is not None and any(
        b.get("kind", "net") == kind and b.get("area") is None and b["year"] <= year <= b.get("until", b["year"])
        for b in profile.data["targets"])
