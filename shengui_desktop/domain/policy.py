"""Policy profiles as data: the schema every profile file must follow, and its validation.

A profile is the rules of one locality's document (resources/policies/*.json): which pools it
uses and what puts an enterprise in them, which flags it raises, its reward schedule, its
target allocations and its calendar. Validation rejects unknown keys and impossible values
with a Chinese message naming the field, so a hand-edited copy cannot silently do nothing.
Pure Python: the services load files and rows and hand the parsed JSON in here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, TypeGuard

from ..errors import UserError
from .money import format_wan_short
from .records import PERIOD_KINDS, POOLS, SOURCES, TARGET_KINDS

FORMAT = 1
MAX_AMOUNT = 10_000_000_000  # 100亿元: any rule amount above this is a typing mistake
POOL_ORDER = ("none", "base", "reserve", "cultivation", "entry")  # readiness, low → high

REWARD_STATUSES = {
    "due": "应兑现",
    "pending": "待年度结束后核定",
    "to_verify": "待核实",
    "forfeited": "不再兑现",
    "not_eligible": "不予享受",
}
BID_REGIONS = {"same_city": "本市", "other_city_in_province": "本省其他地市",
               "outside_province": "省外"}


class ProfileError(UserError):
    """A profile file or edited profile that breaks the schema; lists every problem."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"政策配置“{source}”有误：" + "；".join(problems))


# -- a small schema language --------------------------------------------------------------
Check = Callable[[Any, str, list], Any]


def _is_int(v) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def integer(lo: int | None = None, hi: int | None = None, *, money: bool = False) -> Check:
    def check(v, path, problems):
        if not _is_int(v):
            problems.append(f"{path}应为整数，实际为“{v}”")
        elif lo is not None and v < lo:
            problems.append(f"{path}不能小于{format_wan_short(lo) if money else lo}（实际为{v}）")
        elif hi is not None and v > hi:
            problems.append(f"{path}不能大于{format_wan_short(hi) if money else hi}（实际为{v}）")
        return v
    return check


def money() -> Check:
    return integer(0, MAX_AMOUNT, money=True)


def text(pattern: str | None = None, *, empty: bool = False) -> Check:
    def check(v, path, problems):
        if not isinstance(v, str) or (not empty and not v.strip()):
            problems.append(f"{path}应为非空文字")
        elif pattern and not re.fullmatch(pattern, v):
            problems.append(f"{path}“{v}”格式不正确")
        return v
    return check


def boolean() -> Check:
    def check(v, path, problems):
        if not isinstance(v, bool):
            problems.append(f"{path}应为true或false")
        return v
    return check


def choice(options: dict | tuple) -> Check:
    def check(v, path, problems):
        if v not in options:
            names = "、".join(options) if isinstance(options, tuple) else "、".join(options)
            problems.append(f"{path}“{v}”无效，应为：{names}")
        return v
    return check


def optional(inner: Check) -> Check:
    def check(v, path, problems):
        return None if v is None else inner(v, path, problems)
    return check


def array(inner: Check, *, min_items: int = 0) -> Check:
    def check(v, path, problems):
        if not isinstance(v, list):
            problems.append(f"{path}应为列表")
            return v
        if len(v) < min_items:
            problems.append(f"{path}至少应有{min_items}项")
        return [inner(item, f"{path}[{i}]", problems) for i, item in enumerate(v)]
    return check


def obj(fields: dict[str, Check], *, required: tuple[str, ...] | None = None,
        after: Callable[[dict, str, list], None] | None = None) -> Check:
    """An object with exactly these keys (those not in `required` may be left out)."""
    required = tuple(fields) if required is None else required

    def check(v, path, problems):
        if not isinstance(v, dict):
            problems.append(f"{path or '配置'}应为对象")
            return v
        prefix = f"{path}." if path else ""
        for key in v:
            if key not in fields:
                problems.append(f"{prefix}{key}：未知的字段（可能拼写错误）")
        for key in required:
            if key not in v:
                problems.append(f"{prefix}{key}：缺少此字段")
        out = {k: fields[k](v[k], f"{prefix}{k}", problems) for k in v if k in fields}
        if after:
            after(out, path, problems)
        return out
    return check


def tagged(tag: str, variants: dict[str, Check]) -> Check:
    """An object whose `tag` field chooses which schema the rest follows."""
    def check(v, path, problems):
        if not isinstance(v, dict) or v.get(tag) not in variants:
            got = v.get(tag) if isinstance(v, dict) else v
            problems.append(f"{path}.{tag}“{got}”无效，应为：{'、'.join(variants)}")
            return v
        return variants[v[tag]](v, path, problems)
    return check


# -- the profile schema --------------------------------------------------------------------
QUOTE = text()
USED_POOLS = tuple(p for p in POOLS if p != "none")


def _range_ok(rule: dict, path: str, problems: list) -> None:
    lo, hi = rule.get("min"), rule.get("max")
    if _is_int(lo) and _is_int(hi) and lo >= hi:
        problems.append(f"{path}：下限{format_wan_short(lo)}应小于上限{format_wan_short(hi)}")


def _rule(when: str, **extra: Check) -> Check:
    fields = {"pool": choice(USED_POOLS), "when": choice((when,)), **extra, "quote": QUOTE}
    return obj(fields, after=_range_ok if "min" in extra else None)


POOL_RULE = tagged("when", {
    "revenue_between": _rule("revenue_between", basis=choice(("prior_year", "projected")),
                             min=money(), max=optional(money())),
    "below_scale": _rule("below_scale"),
    "exited_within_years": _rule("exited_within_years", years=integer(1, 20)),
    "project_expected_to_reach_scale": _rule("project_expected_to_reach_scale"),
    "project_in_production_this_year": _rule("project_in_production_this_year"),
    "reached_scale_not_entered": _rule("reached_scale_not_entered"),
    "source_in": _rule("source_in", sources=array(choice(tuple(SOURCES)), min_items=1)),
    "exit_risk": _rule("exit_risk"),
})

POOL_SIZING = obj({
    "plan_annual_target": optional(integer(1, 100_000)),
    "reserve_multiple": integer(0, 100),
    "cultivation_multiple": integer(0, 100),
    "entry_multiple": integer(0, 100),
    "rank_by": choice(("projected_revenue",)),
    "quote": QUOTE,
})

FLAGS = obj({
    "reached_scale_not_entered": obj({"quote": QUOTE}),
    "exit_risk": optional(tagged("rule", {
        # inclusive: the amount itself is below the line (湖南 "3000万元以下")
        "revenue_below": obj({"rule": choice(("revenue_below",)), "basis": choice(("projected",)),
                              "amount": money(), "inclusive": boolean(), "quote": QUOTE},
                             required=("rule", "basis", "amount", "quote")),
        "decline": obj({"rule": choice(("decline",)), "percent": integer(1, 100),
                        "quote": QUOTE}),
    })),
    "electricity_without_output": optional(obj({"months": integer(1, 36), "quote": QUOTE})),
    "revenue_jump": optional(obj({"min_growth_percent": integer(1, 10_000),
                                  "min_intensity_drop_percent": integer(1, 100),
                                  "quote": QUOTE})),
    "renamed_reentry": optional(obj({"quote": QUOTE})),
    "not_visited": optional(obj({"days": integer(1, 3660),
                                 "pools": array(choice(USED_POOLS), min_items=1),
                                 "quote": QUOTE})),
    # 孝义 "不按序时进度上报": above scale (or in the entry pool) without last month's figure
    "late_report": optional(obj({"quote": QUOTE})),
}, required=("reached_scale_not_entered", "exit_risk", "electricity_without_output", "revenue_jump",
             "renamed_reentry", "not_visited"))

_REWARD_COMMON = {"code": text(r"[a-z][a-z0-9_]{1,40}"), "name": text(), "payer": text(),
                  "quote": QUOTE}


def _reward(kind: str, **extra: Check) -> Check:
    return obj({"kind": choice((kind,)), **_REWARD_COMMON, **extra})


def _amount_or_text(rule: dict, path: str, problems: list) -> None:
    if rule.get("amount") is None and not rule.get("amount_text"):
        problems.append(f"{path}：金额为空时须用amount_text说明由谁确定金额")


def _continued_after(rule: dict, path: str, problems: list) -> None:
    _amount_or_text(rule, path, problems)
    lo, hi = rule.get("from_year"), rule.get("to_year")
    if _is_int(lo) and _is_int(hi) and hi < lo:
        problems.append(f"{path}：to_year（{hi}）不能小于from_year（{lo}）")


REWARD = tagged("kind", {
    "entry_year": obj({"kind": choice(("entry_year",)), **_REWARD_COMMON,
                       "year": integer(1, 10), "amount": optional(money()),
                       "amount_text": text(empty=True), "first_entry_only": boolean(),
                       "exclude_renamed_reentry": boolean(), "once_per_enterprise": boolean(),
                       "condition_text": text(empty=True)},
                      required=("kind", "code", "name", "payer", "quote", "year", "amount"),
                      after=_amount_or_text),
    # to_year: the last year of the award (the document's years); without it, every year
    "continued": obj({"kind": choice(("continued",)), **_REWARD_COMMON,
                      "from_year": integer(2, 10), "to_year": integer(2, 50), "amount": optional(money()),
                      "amount_text": text()},
                     required=("kind", *_REWARD_COMMON, "from_year", "amount", "amount_text"),
                     after=_continued_after),
    "instalments": _reward("instalments", total=money(), parts=integer(1, 10),
                           forfeit_on_exit=boolean(), first_entry_only=boolean()),
    "growth": _reward("growth", years=integer(1, 10), min_output_growth_percent=integer(0, 1000),
                      amount_text=text()),
    "investment_subsidy": _reward("investment_subsidy", years=integer(1, 10),
                                  min_investment=money(), rate_percent=integer(0, 100),
                                  annual_cap=optional(money())),
    "bid_award": _reward("bid_award", years=integer(1, 10), min_contract=money(),
                         rate_percent=integer(0, 100), project_cap=optional(money()),
                         annual_cap=optional(money()),
                         regions=array(choice(tuple(BID_REGIONS)), min_items=1),
                         public_tender_only=boolean()),
})

def _one_value(entry: dict, path: str, problems: list) -> None:
    if ("net_increase" in entry) == ("value" in entry):
        problems.append(f"{path}：须填写value（目标户数）或net_increase（净增目标）之一")


# A unit's share: `net_increase` (净增 targets, the older spelling) or `value` (any kind).
NAMED_TARGET = obj({"name": text(), "net_increase": integer(-10_000, 100_000),
                    "value": integer(-10_000, 1_000_000), "note": text(empty=True)},
                   required=("name",), after=_one_value)


def _targets_after(block: dict, path: str, problems: list) -> None:
    kind = block.get("kind", "net")
    year, until = block.get("year"), block.get("until")
    if kind in PERIOD_KINDS:
        if until is None:
            problems.append(f"{path}.until：{TARGET_KINDS[kind]}目标须写明截止年度")
        elif _is_int(year) and _is_int(until) and until < year:
            problems.append(f"{path}.until：截止年度{until}不能早于起始年度{year}")
    elif until is not None and kind in TARGET_KINDS:
        problems.append(f"{path}.until：{TARGET_KINDS[kind]}目标按年度设定，不能写截止年度")
    if block.get("area") is not None and (block.get("townships") or block.get("departments")):
        problems.append(f"{path}：上级目标（area）只列总数，不分解到乡镇和部门")
    named = [*(block.get("townships") or ()), *(block.get("departments") or ())]
    values = [block.get("county")] + [e.get("value", e.get("net_increase")) for e in named
                                      if isinstance(e, dict)]
    if kind != "net" and any(_is_int(v) and v < 0 for v in values):
        problems.append(f"{path}：{TARGET_KINDS.get(kind, kind)}目标不能为负数")
    if kind != "net" and any(isinstance(e, dict) and "net_increase" in e for e in named):
        problems.append(f"{path}：{TARGET_KINDS.get(kind, kind)}目标的分解用value，net_increase只用于净增目标")


# A year's (or a period's) targets. kind: 净增 net (default), 新增 new, 累计新增 cumulative and
# 规上企业总数 stock, the last two over `year`…`until`. `area` marks a higher level's target
# (湖南: 全省), listed for reference and never taken for this county's.
TARGETS = obj({"year": integer(2000, 2100), "kind": choice(tuple(TARGET_KINDS)),
               "until": integer(2000, 2100), "area": text(),
               "county": optional(integer(-10_000, 1_000_000)),
               "note": text(empty=True), "townships": array(NAMED_TARGET),
               "departments": array(NAMED_TARGET), "quote": QUOTE},
              required=("year", "county", "note", "townships", "departments", "quote"),
              after=_targets_after)
CALENDAR = obj({"code": text(r"[a-z][a-z0-9_]{1,40}"), "title": text(),
                "months": array(integer(1, 12), min_items=1),
                "source": choice(("document", "national")),
                "related_flag": optional(choice(("reached_scale_not_entered", "exit_risk"))),
                "quote": QUOTE}, required=("code", "title", "months", "source", "quote"))

# Which enterprises the monthly monitoring table covers (domain/monitoring.py): those in
# these pools, the above-scale ones, and below-scale ones whose last year's revenue reached
# the amount (闽侯: 上年度营业收入达500万元以上的规模以下工业企业). Leaving it out watches every
# pool of the profile and the above-scale enterprises.
MONITORING = obj({"pools": array(choice(USED_POOLS)), "above_scale": boolean(),
                  "prior_year_revenue_min": optional(money()), "quote": QUOTE},
                 required=("pools", "above_scale", "quote"))


def _profile_after(p: dict, path: str, problems: list) -> None:
    pools = set(p.get("pools") or ())
    for i, rule in enumerate(p.get("pool_rules") or ()):
        if isinstance(rule, dict) and rule.get("pool") in POOLS and rule["pool"] not in pools:
            problems.append(f"pool_rules[{i}].pool：“{POOLS[rule['pool']]}”不在本配置的pools中")
        if isinstance(rule, dict) and rule.get("when") == "exit_risk" and \
                not (p.get("flags") or {}).get("exit_risk"):
            problems.append(f"pool_rules[{i}]：按退规风险入库须在flags.exit_risk中规定退规风险条件")
    for pool in (p.get("monitoring") or {}).get("pools") or ():
        if pool in POOLS and pool not in pools:
            problems.append(f"monitoring.pools：“{POOLS[pool]}”不在本配置的pools中")
    sizing = p.get("pool_sizing")
    if sizing and not {"reserve", "cultivation", "entry"} <= pools:
        problems.append("pool_sizing：按目标倍数确定库容须同时使用储备库、培育库、入统库")
    codes = [r.get("code") for r in p.get("rewards") or () if isinstance(r, dict)]
    if len(codes) != len(set(codes)):
        problems.append("rewards：奖补项目代码重复")
    keys = [(t.get("kind", "net"), t.get("year"), t.get("until"), t.get("area"))
            for t in p.get("targets") or () if isinstance(t, dict)]
    if len(keys) != len(set(keys)):
        problems.append("targets：同一年度（期间）同一类别的目标分解重复")


PROFILE = obj({
    "format": integer(FORMAT, FORMAT),
    "code": text(r"[a-z][a-z0-9_.-]{1,60}"),
    "name": text(),
    "version": text(r"[0-9A-Za-z._-]{1,40}"),
    "locality": text(),
    "document": text(),
    "based_on": optional(text()),
    "threshold": integer(1_000_000, MAX_AMOUNT, money=True),
    "pools": array(choice(USED_POOLS)),
    "pool_rules": array(POOL_RULE),
    "pool_sizing": optional(POOL_SIZING),
    "flags": FLAGS,
    "rewards": array(REWARD),
    "targets": array(TARGETS),
    "goals": array(text()),
    "calendar": array(CALENDAR),
    "monitoring": optional(MONITORING),
    "notes": array(text()),
}, required=("format", "code", "name", "version", "locality", "document", "threshold",
             "pools", "pool_rules", "flags", "rewards", "targets", "goals", "calendar"),
   after=_profile_after)


@dataclass(frozen=True)
class Profile:
    """A validated profile; `data` is the parsed JSON (treat as read-only)."""

    data: dict

    @property
    def code(self) -> str:
        return self.data["code"]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def threshold(self) -> int:
        return self.data["threshold"]

    def flag(self, code: str) -> dict | None:
        return self.data["flags"].get(code)

    @property
    def pool_rules(self) -> list[dict]:
        return self.data["pool_rules"]

    @property
    def pool_sizing(self) -> dict | None:
        return self.data.get("pool_sizing")

    @property
    def monitoring(self) -> dict | None:
        """The watched set of the monthly monitoring, if the profile sets one."""
        return self.data.get("monitoring")


def validate_profile(data: Any, source: str = "配置") -> Profile:
    problems: list[str] = []
    PROFILE(data, "", problems)
    if problems:
        raise ProfileError(source, problems)
    return Profile(data)
