"""The rules of a profile applied to one enterprise: projection, suggested pool, flags.

Pure Python. The service gathers each enterprise's facts (aggregated in SQL) into
:class:`Facts`; :func:`evaluate_one` turns them into the :class:`Evaluation` contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .annual import ANNUAL, COMPLETE_YEAR_MONTHS, MONTHLY, is_complete, year_total
from .evaluation import Evaluation, Flag
from .money import format_wan_short
from .policy import POOL_ORDER, Profile
from .policy_results import PoolSizing
from .records import POOLS, SOURCES
from .text import match_key

NATIONAL_THRESHOLD = 20_000_000  # annual main business revenue, above scale since 2011 (5,000,000 before)


wan = format_wan_short  # 万元 as reason texts write it (money.cut_wan: 19,999,999 → 1,999.99万元)


@dataclass(slots=True)
class Facts:
    """What the rules need to know about one enterprise (integer yuan, kWh)."""

    enterprise_id: str
    name: str = ""
    credit_code: str = ""
    pool: str = "none"
    stat_status: str = "below_scale"
    source: str | None = None
    entered_stats_date: str | None = None
    exited_stats_date: str | None = None
    prior_year_revenue: int | None = None  # last year's total (annual.year_total)
    prior_months: int = 0  # months of last year with revenue
    prior_source: str | None = None  # where the total came from: annual.ANNUAL or MONTHLY
    prior_months_revenue: int | None = None  # the sum of last year's months with revenue
    prior_kwh: int | None = None
    prior_tax: int | None = None
    ytd_revenue: int | None = None  # this year's months so far
    ytd_mask: int = 0  # bit m-1 set when month m of this year has revenue
    same_period_prior: int | None = None  # last year over exactly the months in ytd_mask
    ytd_kwh: int | None = None
    ytd_tax: int | None = None
    no_output_months: int = 0  # months in the window with electricity but no output
    no_output_last: str | None = None  # the latest such month
    last_visit: str | None = None
    project_expected: bool = False  # a live project expected to reach scale
    project_started_this_year: bool = False
    earlier_periods: list[tuple[str, str, str | None]] = field(default_factory=list)
    # (name then, entered_on, exited_on) of above-scale periods before the current one
    reported_periods: frozenset[str] | None = None
    # months (YYYY-MM) with revenue in the reporting window, for the late-report check
    # (None: not gathered, the profile has no such check or the enterprise is not concerned)

    @property
    def ytd_months(self) -> int:
        return bin(self.ytd_mask).count("1")

    def set_months(self, prior: list[int | None], current: list[int | None]) -> None:
        """Fill the revenue fields from last year's and this year's twelve months."""
        known = [v for v in prior if v is not None]
        self.prior_year_revenue = self.prior_months_revenue = sum(known) if known else None
        self.prior_months = len(known)
        self.prior_source = MONTHLY if known else None
        self.ytd_mask = sum(1 << m for m, v in enumerate(current) if v is not None)
        this = [v for v in current if v is not None]
        self.ytd_revenue = sum(this) if this else None
        same = [prior[m] for m, v in enumerate(current) if v is not None]
        self.same_period_prior = sum(v for v in same if v is not None) if same and None not in same else None

    @property
    def prior_complete(self) -> bool:
        """Last year's total covers the whole year (twelve months, or an annual figure)."""
        return self.prior_year_revenue is not None and is_complete(self.prior_source,
                                                                   self.prior_months)

    def use_annual(self, annual: int | None) -> None:
        """Last year's annual figure (年度数), where twelve months do not give the total."""
        self.prior_year_revenue, self.prior_source = year_total(
            self.prior_months_revenue, self.prior_months, annual)

    @property
    def renamed_periods(self) -> list[tuple[str, str, str | None]]:
        if not self.earlier_periods:
            return []
        return [p for p in self.earlier_periods if match_key(p[0]) != match_key(self.name)]


@lru_cache(maxsize=4096)
def months_text(mask: int) -> str:
    months = [m + 1 for m in range(12) if mask >> m & 1]
    if not months:
        return ""
    if months == list(range(months[0], months[-1] + 1)):
        return f"{months[0]}月" if len(months) == 1 else f"{months[0]}–{months[-1]}月"
    return "、".join(f"{m}月" for m in months)


def project_revenue(f: Facts) -> tuple[int | None, str, str]:
    """(projected revenue, method, explanation).

    Same-period ratio when last year's total covers the whole year (twelve months, or its
    annual figure) and last year has the same months as this year (last year's total × this
    year's year-to-date / last year's same period); otherwise
    annualised (year-to-date × 12 / months reported); "none" without any month this year.
    """
    value, method = projection(f)
    if value is None:
        return None, "none", "本年尚无月度数据，无法测算预计数"
    span = months_text(f.ytd_mask)
    if method == "same_period_ratio":
        return value, method, (
            f"按同期比测算：上年全年{wan(f.prior_year_revenue)}×本年{span}{wan(f.ytd_revenue)}"
            f"÷上年同期{wan(f.same_period_prior)}")
    return value, method, f"按年化测算：本年{span}{wan(f.ytd_revenue)}÷{f.ytd_months}×12"


def projection(f: Facts) -> tuple[int | None, str]:
    """project_revenue's value and method without its text."""
    if not f.ytd_months or f.ytd_revenue is None:
        return None, "none"
    prior, same = f.prior_year_revenue, f.same_period_prior
    if f.prior_complete and prior is not None and same:
        return round(prior * f.ytd_revenue / same), "same_period_ratio"
    return round(f.ytd_revenue * 12 / f.ytd_months), "annualised"


def projected_value(f: Facts) -> int | None:
    """project_revenue's value alone (no text): what a ranking orders by."""
    return projection(f)[0]


def _range_text(lo: int, hi: int | None) -> str:
    return f"{wan(lo).removesuffix('万元')}–{wan(hi)}区间" if hi else f"{wan(lo)}以上"


def _years_ago(today: date, years: int) -> str:
    try:
        return today.replace(year=today.year - years).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28).isoformat()


def not_above(f: Facts) -> bool:
    return f.stat_status in ("below_scale", "exited")


def reached_scale(profile: Profile, f: Facts) -> bool:
    prior = f.prior_year_revenue
    return not_above(f) and prior is not None and prior >= profile.threshold


def due_month(today: date) -> str:
    """The last month whose figures are due: the month before today's (statistics report a
    month's figures in the month after it)."""
    index = today.year * 12 + today.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def judges_on_projection(profile: Profile) -> bool:
    """The profile's exit-risk line is a projected revenue (湖南, 顺城, 盂县)."""
    rule = profile.flag("exit_risk")
    return rule is not None and rule["rule"] == "revenue_below"


def last_annual_revenue(f: Facts) -> tuple[int | None, str]:
    """Last year's revenue as a year's worth (annualised when only some months are known),
    and how it was reached: what an enterprise with no figures this year is judged on."""
    prior = f.prior_year_revenue
    if prior is None:
        return None, ""
    if f.prior_complete:  # twelve months, or the year's annual figure (年报)
        return prior, f"上年主营业务收入{wan(prior)}" + ("（年报）" if f.prior_source == ANNUAL else "")
    if not f.prior_months:
        return None, ""
    value = round(prior * 12 / f.prior_months)
    return value, f"上年{f.prior_months}个月主营业务收入{wan(prior)}，年化{wan(value)}"


def data_missing_flag(profile: Profile, f: Facts, today: date) -> Flag | None:
    """数据缺失: above scale, a month of this year is due, and not one is in the ledger (only
    under a profile that judges exit risk on the projection, which then falls back on last year)."""
    if f.stat_status != "above_scale" or f.ytd_months or today.month == 1 \
            or not judges_on_projection(profile):
        return None
    span = "1月" if today.month == 2 else f"1–{today.month - 1}月"
    basis, how = last_annual_revenue(f)
    if basis is None:
        return Flag("data_missing", f"规上企业本年{span}无月度数据，上年也无数据，无法判断退规风险，请补录")
    return Flag("data_missing", f"规上企业本年{span}无月度数据，退规风险按{how}判断，请补录")


def exit_risk_flag(profile: Profile, f: Facts, projected: int | None,
                   growth: float | None, today: date | None = None) -> Flag | None:
    """退规风险 of an enterprise above scale. Under a revenue line, one without any figure this
    year is judged on last year's revenue (数据缺失 once a month of this year is due)."""
    rule = profile.flag("exit_risk")
    if not rule or f.stat_status != "above_scale":
        return None
    if rule["rule"] == "revenue_below":
        amount, inclusive = rule["amount"], rule.get("inclusive", False)
        line = f"在{wan(amount)}以下（含{wan(amount)}）" if inclusive else f"低于{wan(amount)}"
        if projected is not None:
            if projected < amount or (inclusive and projected == amount):
                return Flag("exit_risk", f"本年预计主营业务收入{wan(projected)}，{line}")
            return None
        if f.ytd_months:  # months this year but no projection: never the case, kept safe
            return None
        basis, how = last_annual_revenue(f)  # no figure this year: judged on last year
        if basis is not None and (basis < amount or (inclusive and basis == amount)):
            if today is not None and today.month == 1:
                return Flag("exit_risk", f"本年尚无应报月份，按{how}判断，{line}")
            return Flag("exit_risk", f"本年无月度数据，{how}，{line}（数据缺失）")
        return None
    prior = f.prior_year_revenue
    if growth is not None and projected is not None and prior is not None \
            and projected * 100 <= prior * (100 - rule["percent"]):  # exact at the line
        return Flag("exit_risk", f"本年预计主营业务收入{wan(projected)}，较上年{wan(f.prior_year_revenue)}"
                                 f"下降{-growth:.0%}（预警线{rule['percent']}%）")
    return None


def late_report_flag(profile: Profile, f: Facts, today: date) -> Flag | None:
    """孝义 不按序时进度上报: an enterprise above scale (or in the entry pool) without a revenue
    figure for the last due month; the text names every month missing this year so far."""
    if not profile.flag("late_report") or f.reported_periods is None:
        return None
    if f.stat_status != "above_scale" and f.pool != "entry":
        return None
    due = due_month(today)
    if due in f.reported_periods:
        return None
    first = f"{due[:4]}-01"
    if f.stat_status == "above_scale" and f.entered_stats_date and f.entered_stats_date[:7] > first:
        first = f.entered_stats_date[:7]  # entered this year: due from the month of entry
        if first > due:
            return None
    missing = [m for m in range(int(first[5:]), int(due[5:]) + 1)
               if f"{due[:4]}-{m:02d}" not in f.reported_periods]
    who = "规上企业" if f.stat_status == "above_scale" else "入统库企业"
    months = "、".join(f"{m}月" for m in missing)
    return Flag("late_report", f"{who}截至{int(due[:4])}年{int(due[5:])}月应报主营业务收入，"
                               f"缺{int(due[:4])}年{months}（共{len(missing)}个月）的数据，未按序时进度上报")


def revenue_jump_flag(profile: Profile, f: Facts) -> Flag | None:
    """营收异常增长: revenue up by the profile's percentage on the same period last year while
    electricity and tax per yuan of revenue fell by the profile's percentage."""
    rule = profile.flag("revenue_jump")
    same = f.same_period_prior
    growth = f.ytd_revenue / same - 1 if same and f.ytd_revenue is not None else None
    if not rule or growth is None or growth * 100 < rule["min_growth_percent"]:
        return None
    drops = []
    for label, now, before in (("用电量", f.ytd_kwh, f.prior_kwh), ("税收", f.ytd_tax, f.prior_tax)):
        prior_rev = f.prior_months_revenue  # the months the electricity and tax are of
        if now is None or not before or not f.ytd_revenue or not prior_rev:
            continue
        change = (now / f.ytd_revenue) / (before / prior_rev) - 1  # per yuan of revenue
        drops.append((label, change))
    limit = -rule["min_intensity_drop_percent"] / 100
    if drops and all(change <= limit for _label, change in drops):
        detail = "，".join(f"每元营收对应{label}下降{-c:.0%}" for label, c in drops)
        return Flag("revenue_jump", f"本年营收同比增长{growth:.0%}，但{detail}，"
                                    "增长与用电、税收不匹配，请核实")
    return None


def _match_rule(profile: Profile, rule: dict, f: Facts, projected: int | None,
                has_exit_risk: str | None, today: date) -> str | None:
    """The reason text when the rule puts the enterprise in its pool, else None."""
    when = rule["when"]
    if when == "exit_risk":
        return f"已在规上，{has_exit_risk}" if has_exit_risk else None
    if not not_above(f):
        return None
    if when == "revenue_between":
        value = f.prior_year_revenue if rule["basis"] == "prior_year" else projected
        if value is None or value < rule["min"] or (rule["max"] is not None and value >= rule["max"]):
            return None
        label = "上年主营业务收入" if rule["basis"] == "prior_year" else "本年预计主营业务收入"
        return f"{label}{wan(value)}，位于{_range_text(rule['min'], rule['max'])}"
    if when == "below_scale":
        return "规模以下工业企业" if f.stat_status == "below_scale" else "已退规企业"
    if when == "exited_within_years":
        if f.stat_status == "exited" and f.exited_stats_date and \
                f.exited_stats_date >= _years_ago(today, rule["years"]):
            return f"{f.exited_stats_date}退规，在近{rule['years']}年内，可争取重返规上"
        return None
    if when == "project_expected_to_reach_scale":
        return "有新建项目预计达产升规" if f.project_expected else None
    if when == "project_in_production_this_year":
        return "有本年度建成投产项目" if f.project_started_this_year else None
    if when == "reached_scale_not_entered":
        return (f"上年主营业务收入{wan(f.prior_year_revenue)}，已达规上标准但未入统"
                if reached_scale(profile, f) else None)
    if when == "source_in":
        return f"来源为“{SOURCES[f.source]}”" if f.source is not None and f.source in rule["sources"] else None
    raise ValueError(when)


def suggest_pool(profile: Profile, f: Facts, projected: int | None, has_exit_risk: str | None,
                 today: date, ranked: tuple[str, str] | None = None) -> tuple[str, str]:
    """(suggested pool, reason). The most advanced pool any rule gives wins; its reasons
    are listed. `ranked` is the place a target-sized ranking (孝义) gave, if any."""
    matches: dict[str, list[str]] = {}
    for rule in profile.pool_rules:
        reason = _match_rule(profile, rule, f, projected, has_exit_risk, today)
        if reason:
            matches.setdefault(rule["pool"], []).append(reason)
    if ranked:
        matches.setdefault(ranked[0], []).append(ranked[1])
    if "exit_risk" in matches:
        return "exit_risk", "；".join(matches["exit_risk"])
    best = max(matches, key=POOL_ORDER.index, default=None)
    if best is None:
        if f.stat_status == "above_scale":
            return "none", "已在规上，本配置没有适用的库"
        return "none", "不符合本配置任何入库条件"
    return best, "；".join(dict.fromkeys(matches[best]))


def data_flags(profile: Profile, f: Facts, today: date) -> list[Flag]:
    flags = []
    rule = profile.flag("electricity_without_output")
    if rule and f.no_output_months:
        flags.append(Flag("electricity_without_output",
                          f"近{rule['months']}个月中有{f.no_output_months}个月有用电量但无产值"
                          f"（最近一次{f.no_output_last}）"))
    jump = revenue_jump_flag(profile, f)
    if jump:
        flags.append(jump)
    rule = profile.flag("renamed_reentry")
    if rule and f.renamed_periods:
        name, entered, exited = f.renamed_periods[-1]
        flags.append(Flag("renamed_reentry", f"该信用代码曾以“{name}”名称于{entered[:7]}入规"
                                             + (f"、{exited[:7]}退规" if exited else "")))
    rule = profile.flag("not_visited")
    if rule and f.pool in rule["pools"]:
        days = None if f.last_visit is None else (today - date.fromisoformat(f.last_visit)).days
        if days is None:
            flags.append(Flag("not_visited", f"{POOLS[f.pool]}企业，尚无走访记录"))
        elif days > rule["days"]:
            flags.append(Flag("not_visited", f"{POOLS[f.pool]}企业，已{days}天未走访"
                                             f"（上次{f.last_visit}，要求{rule['days']}天内）"))
    for extra in (data_missing_flag(profile, f, today), late_report_flag(profile, f, today)):
        if extra:
            flags.append(extra)
    return flags


def evaluate_one(profile: Profile | None, f: Facts, today: date,
                 ranked: tuple[str, str] | None = None) -> Evaluation:
    projected, method, how = project_revenue(f)
    prior = f.prior_year_revenue
    growth = projected / prior - 1 if projected is not None and prior and f.prior_complete else None
    flags = []
    threshold = profile.threshold if profile else NATIONAL_THRESHOLD
    if not_above(f) and prior is not None and prior >= threshold:
        # 应统尽统 is in every document, so this flag does not wait for a profile
        flags.append(Flag("reached_scale_not_entered",
                          f"上年主营业务收入{wan(prior)}，已达{wan(threshold)}规上标准但未入统"))
    if profile is None:
        return Evaluation(f.enterprise_id, f.pool, f.pool, "尚未选择政策配置，无建议库别", prior,
                          projected, method, growth, flags, how, has_suggestion=False,
                          prior_year_source=f.prior_source, prior_months=f.prior_months)
    risk = exit_risk_flag(profile, f, projected, growth, today)
    if risk:
        flags.append(risk)
    flags.extend(data_flags(profile, f, today))
    pool, reason = suggest_pool(profile, f, projected, risk.text if risk else None, today, ranked)
    return Evaluation(f.enterprise_id, f.pool, pool, reason, prior, projected, method, growth, flags, how,
                      prior_year_source=f.prior_source, prior_months=f.prior_months)


def rank_into_pools(candidates: list[tuple[str, int, bool]], sizes: PoolSizing,
                    ) -> dict[str, tuple[str, str]]:
    """孝义: fill entry, cultivation, reserve in that order from the enterprises ranked by
    projected revenue, each pool as large as the pool sizing says (the same sizes `pool
    sizing` reports). candidates: (id, value, flagged) triples; an enterprise flagged for an
    abnormal revenue jump is ranked after every unflagged one, and its reason says so."""
    quotas = {p.pool: p for p in sizes.pools}
    ordered = sorted(candidates, key=lambda c: (c[2], -c[1], c[0]))
    out: dict[str, tuple[str, str]] = {}
    position = 0
    for pool in ("entry", "cultivation", "reserve"):
        size = quotas[pool].required if pool in quotas else None
        if not size:
            continue
        basis = quotas[pool].basis
        for enterprise_id, value, flagged in ordered[position:position + size]:
            position += 1
            reason = (f"按预计数{wan(value)}在规下企业中排第{position}位"
                      f"（{POOLS[pool]}按{basis}的{quotas[pool].multiple}倍即{size}户确定）")
            if flagged:
                reason += "；营收异常增长待核实，排在未标记的企业之后"
            out[enterprise_id] = (pool, reason)
    return out


# -- the same rules without their texts ------------------------------------------------------
#
# Evaluating every enterprise (the first unlock of a month, another profile) needs only what
# the ledger page shows and filters on: the suggested pool, the flag codes, the numbers. The
# reason texts are made when a tooltip, a print or an export asks (evaluate_one). CompactRules
# reads the profile once and then answers each enterprise with plain comparisons; it must give
# exactly what evaluate_one gives (tests/test_policy_compact.py compares the two for every
# enterprise of a generated county under each of the five profiles).

COMPACT_FIELDS = ("pool", "suggested_pool", "has_suggestion", "flag_codes", "prior_year_revenue",
                  "prior_year_source", "prior_months", "projected_revenue", "projection_method",
                  "growth_rate")
"""The fields of CompactRules.evaluate's tuple, in order (Evaluation's attributes of those names;
flag_codes a tuple)."""


class CompactRules:
    """A profile's rules (or none) as of `today`, for many enterprises: `evaluate(f, ranked)`
    gives evaluate_one's result without its texts, as a tuple of COMPACT_FIELDS."""

    def __init__(self, profile: Profile | None, today: date) -> None:
        self.profile = profile
        self.today = today
        self.threshold = profile.threshold if profile else NATIONAL_THRESHOLD
        self._codes: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per distinct list
        if profile is None:
            return
        exit_rule = profile.flag("exit_risk")
        self.exit_rule = exit_rule
        self.exit_below = bool(exit_rule and exit_rule["rule"] == "revenue_below")
        self.no_output = bool(profile.flag("electricity_without_output"))
        self.jump = profile.flag("revenue_jump")
        self.renamed = bool(profile.flag("renamed_reentry"))
        self.not_visited = profile.flag("not_visited")
        self.data_missing = today.month != 1 and judges_on_projection(profile)
        self.late = bool(profile.flag("late_report"))
        self.due = due_month(today)
        self.due_first = f"{self.due[:4]}-01"
        self.pool_rules = [(rule["pool"], rule["when"], rule,
                            _years_ago(today, rule["years"]) if rule["when"] == "exited_within_years"
                            else "") for rule in profile.pool_rules]
        for _pool, when, _rule, _since in self.pool_rules:
            if when not in _WHENS:
                raise ValueError(when)

    def _shared(self, codes: list[str]) -> tuple[str, ...]:
        key = tuple(codes)
        return self._codes.setdefault(key, key)

    def evaluate(self, f: Facts, ranked: tuple[str, str] | None = None) -> tuple:
        prior = f.prior_year_revenue
        source = f.prior_source
        ytd = f.ytd_revenue
        ytd_months = bin(f.ytd_mask).count("1")
        complete = prior is not None and (source == ANNUAL or f.prior_months >= COMPLETE_YEAR_MONTHS)
        if not ytd_months or ytd is None:
            projected, method = None, "none"
        elif complete and prior is not None and f.same_period_prior:
            projected, method = round(prior * ytd / f.same_period_prior), "same_period_ratio"
        else:
            projected, method = round(ytd * 12 / ytd_months), "annualised"
        growth = projected / prior - 1 if projected is not None and prior and complete else None
        status = f.stat_status
        below = status == "below_scale" or status == "exited"  # not_above
        codes = []
        if below and prior is not None and prior >= self.threshold:
            codes.append("reached_scale_not_entered")
        profile = self.profile
        if profile is None:
            return (f.pool, f.pool, False, self._shared(codes), prior, source, f.prior_months,
                    projected, method, growth)
        risk = False
        rule = self.exit_rule
        if rule and status == "above_scale":
            if self.exit_below:
                amount, inclusive = rule["amount"], rule.get("inclusive", False)
                if projected is not None:
                    risk = projected < amount or (inclusive and projected == amount)
                elif not ytd_months:  # no figure this year: judged on last year (last_annual_revenue)
                    basis = prior if complete else (
                        round(prior * 12 / f.prior_months) if prior is not None and f.prior_months else None)
                    risk = basis is not None and (basis < amount or (inclusive and basis == amount))
            else:
                risk = (growth is not None and projected is not None and prior is not None
                        and projected * 100 <= prior * (100 - rule["percent"]))
        if risk:
            codes.append("exit_risk")
        if self.no_output and f.no_output_months:
            codes.append("electricity_without_output")
        if self.jump and f.same_period_prior and ytd is not None \
                and revenue_jump_flag(profile, f) is not None:  # rare: its text made then
            codes.append("revenue_jump")
        if self.renamed and f.earlier_periods and f.renamed_periods:
            codes.append("renamed_reentry")
        visits = self.not_visited
        if visits and f.pool in visits["pools"]:
            if f.last_visit is None or (self.today - date.fromisoformat(f.last_visit)).days > visits["days"]:
                codes.append("not_visited")
        if self.data_missing and status == "above_scale" and not ytd_months:
            codes.append("data_missing")
        if self.late and f.reported_periods is not None and self._late(f):
            codes.append("late_report")
        suggested = self._suggest(f, prior, projected, below, risk, ranked)
        return (f.pool, suggested, True, self._shared(codes), prior, source, f.prior_months,
                projected, method, growth)

    def _late(self, f: Facts) -> bool:
        """late_report_flag is not None (f.reported_periods known)."""
        if f.stat_status != "above_scale" and f.pool != "entry":
            return False
        if self.due in f.reported_periods:  # type: ignore[operator]
            return False
        entered = f.entered_stats_date
        if f.stat_status == "above_scale" and entered and entered[:7] > self.due_first:
            return entered[:7] <= self.due
        return True

    def _suggest(self, f: Facts, prior: int | None, projected: int | None, below: bool,
                 risk: bool, ranked: tuple[str, str] | None) -> str:
        """suggest_pool's pool: the most advanced pool any rule gives (退规 first)."""
        best = -1
        for pool, when, rule, since in self.pool_rules:
            if when == "exit_risk":
                hit = risk
            elif not below:
                continue
            elif when == "revenue_between":
                value = prior if rule["basis"] == "prior_year" else projected
                hit = value is not None and value >= rule["min"] and (rule["max"] is None or value < rule["max"])
            elif when == "below_scale":
                hit = True
            elif when == "exited_within_years":
                hit = bool(f.stat_status == "exited" and f.exited_stats_date
                           and f.exited_stats_date >= since)
            elif when == "project_expected_to_reach_scale":
                hit = f.project_expected
            elif when == "project_in_production_this_year":
                hit = f.project_started_this_year
            elif when == "reached_scale_not_entered":
                hit = prior is not None and prior >= self.threshold
            else:  # source_in
                hit = f.source is not None and f.source in rule["sources"]
            if hit:
                if pool == "exit_risk":
                    return "exit_risk"
                best = max(best, POOL_ORDER.index(pool))
        if ranked:
            if ranked[0] == "exit_risk":
                return "exit_risk"
            best = max(best, POOL_ORDER.index(ranked[0]))
        return POOL_ORDER[best] if best >= 0 else "none"


_WHENS = frozenset({"exit_risk", "revenue_between", "below_scale", "exited_within_years",
                    "project_expected_to_reach_scale", "project_in_production_this_year",
                    "reached_scale_not_entered", "source_in"})
