"""What the reports need from the policy rules, behind one small interface.

`services.policy` owns the rules: evaluate(), rewards(), target_progress() and the entry
checklist. Reports read them through `PolicyFacts` (services.reports.PolicyServiceFacts).
`LedgerFacts` is a plain stand-in computed from the ledger alone (for tests and benchmarks of
the reports without a policy profile): it projects revenue as domain/policy_rules.py's project_revenue does,
flags only what needs no profile (达规未入统, 规上预计不足2000万元), counts entries and exits
from the recorded dates, and never invents reward amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Protocol

from ..domain.annual import year_total
from ..domain.evaluation import Evaluation, Flag
from ..domain.money import format_wan_short
from ..domain.monitoring import (
    MonitorTable, build_table, filter_watch_set, month_end, parse_period, period_of, select_watched, watch_set,
)
from ..domain.policy_results import KindTargets
from . import sources

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

THRESHOLD_YUAN = 20_000_000

# typical materials for entry into the statistics register (national practice)
ENTRY_MATERIALS = (
    "年度审核登记表 / 纳入申报表",
    "法人单位基本情况表",
    "营业执照（复印件）",
    "现场核查确认书",
    "最近一期利润表（加盖公章）",
    "增值税纳税申报表及附列资料",
    "企业大门、生产车间照片",
    "项目立项批复或备案文件（新建项目）",
    "真实性承诺书",
    "连续12个月以上产值、营业收入月度台账",
)


@dataclass
class RewardLine:
    enterprise_id: str
    item: str  # e.g. 首次入规奖励（第1年）
    amount: int | None  # yuan, when due; None when not due or left to a higher level
    note: str = ""
    amount_text: str = ""  # what to print instead of an amount (e.g. 按省级标准)


@dataclass
class TargetLine:
    scope: str  # "township" | "department" | "county"
    key: str  # township code or department id
    name: str
    target: int | None
    entries: int
    exits: int
    registered: bool = True  # False: allocated by the policy profile, not in the ledger yet (未登记)

    @property
    def net(self) -> int:
        return self.entries - self.exits

    @property
    def completion(self) -> float | None:
        return self.net / self.target if self.target else None


# One rule for a target in the PDF and the spreadsheet alike: a target set to 0 is shown 0,
# a target not set is shown NOT_SET; a total is NOT_SET only when no line has one set.
NOT_SET = "—"


def target_total(lines: list[TargetLine]) -> int | None:
    """The targets of `lines` added up; None when none of them has a target set."""
    given = [x.target for x in lines if x.target is not None]
    return sum(given) if given else None


@dataclass
class ChecklistItem:
    item: str
    done: bool | None  # None: not tracked, tick by hand
    note: str = ""


@dataclass
class TargetProgress:
    year: int
    townships: list[TargetLine] = field(default_factory=list)
    departments: list[TargetLine] = field(default_factory=list)
    county_target: int | None = None  # the year's 净增 target
    # the other targets that apply to the year (新增, 累计新增, 规上企业总数, a higher level's)
    others: list[KindTargets] = field(default_factory=list)


class PolicyFacts(Protocol):
    source: str  # "policy" or "ledger" (shown in the report notes)
    reward_note: str  # printed when an enterprise has no reward lines

    def evaluate(self, enterprise_ids: list[str] | None = None) -> dict[str, Evaluation]: ...
    def rewards(self, year: int) -> list[RewardLine]: ...
    def target_progress(self, year: int) -> TargetProgress: ...
    def checklist(self, enterprise_id: str) -> list[ChecklistItem]: ...
    def monitoring(self, filters: sources.Filters) -> MonitorTable: ...


class LedgerFacts:
    """The fallback: facts computed from the ledger alone."""

    source = "ledger"
    # printed where a dossier would list rewards and there are none
    reward_note = "奖补金额须按本县政策配置计算，本册暂不列示。"

    def __init__(self, ledger: Ledger, today: date):
        self.ledger = ledger
        self.today = today

    def evaluate(self, enterprise_ids: list[str] | None = None) -> dict[str, Evaluation]:
        rows = sources.revenue_by_enterprise(self.ledger, self.today.year, enterprise_ids)
        return {r["id"]: self._evaluation(r) for r in rows}

    def _evaluation(self, r: dict) -> Evaluation:
        ytd, months = r["ytd"], r["months"] or 0
        # twelve months, else the annual figure (年度数), else the months there are
        prior, prior_source = year_total(r["prior"], r["prior_months"] or 0, r["annual"])
        if ytd is not None and prior and r["prior_same"]:
            projected, method = round(prior * ytd / r["prior_same"]), "same_period_ratio"
        elif ytd is not None and months:
            projected, method = round(ytd * 12 / months), "annualised"
        else:
            projected, method = None, "none"
        growth = (projected / prior - 1) if projected is not None and prior else None
        flags = []
        basis = prior if prior is not None else projected
        if r["stat_status"] == "below_scale" and basis is not None and basis >= THRESHOLD_YUAN:
            flags.append(Flag("reached_scale_not_entered",
                              f"主营业务收入{format_wan_short(basis)}，已达规上标准但未入统"))
        if r["stat_status"] == "above_scale" and projected is not None and projected < THRESHOLD_YUAN:
            flags.append(Flag("exit_risk", f"本年预计{format_wan_short(projected)}，低于2000万元"))
        return Evaluation(enterprise_id=r["id"], pool=r["pool"], suggested_pool=r["pool"],
                          suggested_pool_reason="", prior_year_revenue=prior,
                          projected_revenue=projected, projection_method=method,
                          growth_rate=growth, flags=flags, has_suggestion=False,
                          prior_year_source=prior_source, prior_months=r["prior_months"] or 0)

    def rewards(self, year: int) -> list[RewardLine]:
        return []  # amounts come only from a policy profile, never from here

    def target_progress(self, year: int) -> TargetProgress:
        out = TargetProgress(year=year)
        targets = {(t["scope"], t["township_code"] or t["department_id"]): t["net_increase"]
                   for t in sources.year_targets(self.ledger, year)}
        for t in sources.townships(self.ledger):
            out.townships.append(TargetLine(
                "township", t["code"], t["name"], targets.get(("township", t["code"])),
                *sources.entries_and_exits(self.ledger, year, township_code=t["code"])))
        for d in sources.departments(self.ledger):
            target = targets.get(("department", d["id"]))
            entries, exits = sources.entries_and_exits(self.ledger, year, department_id=d["id"])
            if target is not None or entries or exits:
                out.departments.append(TargetLine("department", d["id"], d["name"], target,
                                                  entries, exits))
        county = [v for (scope, _k), v in targets.items() if scope == "county"]
        out.county_target = county[0] if county else None
        return out

    def checklist(self, enterprise_id: str) -> list[ChecklistItem]:
        """The ENTRY_MATERIALS, ticked where the ledger's entry_checklist says so
        (items recorded under other names are listed after them)."""
        try:
            recorded = sources.checklist_rows(self.ledger, enterprise_id)
        except Exception:  # a ledger from before schema 3
            recorded = {}
        out = []
        for item in ENTRY_MATERIALS:
            r = recorded.pop(item, None)
            out.append(ChecklistItem(item, bool(r["done"]) if r else None,
                                     _note(r) if r else ""))
        out += [ChecklistItem(item, bool(r["done"]), _note(r)) for item, r in recorded.items()]
        return out


    def monitoring(self, filters: sources.Filters) -> MonitorTable:
        """The monitoring table of filters.period (the latest month with figures if None) over
        every pool and the above-scale list (or the filters' pool), with the flags above."""
        period = filters.period or sources.latest_period(self.ledger) or \
            period_of(self.today.year, self.today.month)
        year, month = parse_period(period)
        as_of = min(self.today, month_end(year, month))
        watch = filter_watch_set(filters.pool) if filters.pool else watch_set(None, None)
        watched = select_watched(sources.monitor_enterprises(self.ledger, filters), watch, {})
        ids = [e["id"] for e, _because in watched]
        figures = sources.figures_between(self.ledger, ids, f"{year - 1}-01", period_of(year, month))
        evaluations = LedgerFacts(self.ledger, as_of).evaluate(ids) if ids else {}
        scope = sources.scope_text(self.ledger, replace(filters, pool=None))
        return build_table(year, month, as_of, watch, scope, THRESHOLD_YUAN, watched, figures, evaluations,
                           quarter=True, notes=["未使用政策规则：提示只含达规未入统和规上预计不足2000万元"])


def _note(row: dict) -> str:
    parts = [row.get("note") or "", f"{row['done_on']}完成" if row.get("done_on") else ""]
    return "；".join(p for p in parts if p)
