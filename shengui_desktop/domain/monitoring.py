"""Monthly monitoring (月监测) and the quarterly comparison with the line (季对标): the
types the monitoring table is made of and the arithmetic that fills them.

闽侯 watches every below-scale enterprise with last year's revenue of 500万元 or more
("开展月监测、季对标"), 孝义 its pools ("按月监测进度"), 顺城 its 培育库 and the
above-scale enterprises (监测分析联席会议). Which enterprises a profile watches is its
`monitoring` setting (domain/policy.py); without one, every enterprise in a pool and every
above-scale enterprise. Pure Python: services.policy.monitoring reads the ledger and the
rules' flags and hands them in here. `dataclasses.asdict` of a MonitorTable is its --json.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date

from ..errors import UserError
from .evaluation import Evaluation, Flag
from .money import format_wan_short
from .policy_rules import wan
from .records import POOLS, STAT_STATUSES

# the measures of a month, in the order the table shows them (integer yuan; kWh)
MEASURES = {"output_value": "工业总产值", "revenue": "营业收入", "electricity_kwh": "用电量",
            "tax_paid": "税收"}
MONEY_MEASURES = ("output_value", "revenue", "tax_paid")
QUARTER_STATUSES = {"reached": "已达标准线", "below": "未达标准线", "no_data": "本年无营收数据"}
_PERIOD = re.compile(r"(\d{4})-(\d{1,2})")


def parse_period(text: str) -> tuple[int, int]:
    """'2026-10' → (2026, 10); a Chinese message for anything else."""
    m = _PERIOD.fullmatch((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise UserError(f"月份“{text}”格式不正确，应为YYYY-MM（如2026-10）")
    return int(m.group(1)), int(m.group(2))


def period_of(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def rate(now: int | None, before: int | None) -> float | None:
    """Growth of `now` over `before` (0.05 = +5%), to 4 places; None when either is missing
    or `before` is 0 (a growth from nothing has no rate)."""
    if now is None or not before:
        return None
    return round(now / before - 1, 4)


# -- the watched set ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WatchSet:
    """Which enterprises a monitoring table covers: those in `pools` (their current pool),
    the above-scale ones when `above_scale`, and the below-scale (or exited) ones whose last
    year's revenue reached `prior_year_revenue_min`."""

    pools: tuple[str, ...]
    above_scale: bool
    prior_year_revenue_min: int | None
    source: str  # "profile" (the profile's monitoring setting) | "default" | "filter" (--pool)
    quote: str = ""

    @property
    def text(self) -> str:
        parts = [POOLS[p] for p in self.pools]
        if self.prior_year_revenue_min is not None:
            parts.append(f"上年营业收入{format_wan_short(self.prior_year_revenue_min)}以上的规下企业")
        if self.above_scale:
            parts.append("规上企业")
        return "、".join(parts) or "（未设定监测范围）"

    def reason(self, pool: str, stat_status: str, prior_year_revenue: int | None) -> str | None:
        """Why an enterprise is watched, or None when it is not."""
        reasons = []
        if pool in self.pools:
            reasons.append(POOLS[pool])
        if self.above_scale and stat_status == "above_scale":
            reasons.append("规上企业")
        lo = self.prior_year_revenue_min
        if lo is not None and stat_status != "above_scale" and prior_year_revenue is not None \
                and prior_year_revenue >= lo:
            reasons.append(f"上年营业收入{wan(prior_year_revenue)}，达{wan(lo)}")
        return "；".join(reasons) or None


def watch_set(setting: dict | None, profile_pools: list[str] | None) -> WatchSet:
    """The watched set of a profile's `monitoring` setting; without one, every pool the
    profile uses (every pool without a profile) and the above-scale enterprises."""
    if setting:
        return WatchSet(tuple(setting.get("pools") or ()), bool(setting.get("above_scale")),
                        setting.get("prior_year_revenue_min"), "profile", setting.get("quote", ""))
    pools = tuple(profile_pools) if profile_pools is not None else tuple(p for p in POOLS if p != "none")
    return WatchSet(pools, True, None, "default")


def filter_watch_set(pool: str) -> WatchSet:
    """The watched set a --pool filter asks for instead: one pool, or the above-scale list."""
    if pool == "above_scale":
        return WatchSet((), True, None, "filter")
    return WatchSet((pool,), False, None, "filter")


# -- one enterprise's month ----------------------------------------------------------------------
@dataclass(slots=True)
class MeasureLine:
    """One measure of one enterprise (or the total of the table) for the month."""

    month: int | None  # the month's own figure
    same_month_last_year: int | None
    previous_month: int | None  # for January, last December
    yoy: float | None  # 同比: month vs the same month last year
    mom: float | None  # 环比: month vs the previous month
    cumulative: int | None  # January to the month this year, over the months reported
    cumulative_last_year: int | None  # the same months last year (None when one is missing)
    cumulative_growth: float | None  # 累计同比


@dataclass(slots=True)
class MonitorRow:
    enterprise_id: str
    credit_code: str
    name: str
    township_code: str
    township: str
    pool: str
    stat_status: str
    watched_because: str
    reported: bool  # a figure for the month itself
    months_missing: list[int]  # months of this year up to the period with no figure
    measures: dict[str, MeasureLine]  # keys of MEASURES
    prior_year_revenue: int | None
    projected_revenue: int | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return POOLS[self.pool] if self.pool != "none" else STAT_STATUSES.get(self.stat_status, "")


def measure_line(this_year: list[int | None], last_year: list[int | None], month: int) -> MeasureLine:
    """`this_year` and `last_year`: the measure's twelve months (None where not reported)."""
    now = this_year[month - 1]
    same = last_year[month - 1]
    before = this_year[month - 2] if month > 1 else last_year[11]
    values = [v for v in this_year[:month] if v is not None]
    cumulative = sum(values) if values else None
    # last year over exactly the months reported this year, or nothing when one is missing
    earlier = [last_year[m] for m in range(month) if this_year[m] is not None]
    known = [v for v in earlier if v is not None]
    cumulative_last = sum(known) if known and len(known) == len(earlier) else None
    return MeasureLine(now, same, before, rate(now, same), rate(now, before), cumulative,
                       cumulative_last, rate(cumulative, cumulative_last))


def total_line(lines: list[MeasureLine]) -> MeasureLine:
    """The table's total of one measure. Each growth rate compares only the enterprises with
    both figures, so an enterprise that did not report does not read as a fall."""
    def add(values) -> int | None:
        values = [v for v in values if v is not None]
        return sum(values) if values else None

    def paired(now_key: str, before_key: str) -> tuple[int | None, int | None]:
        pairs = [(getattr(x, now_key), getattr(x, before_key)) for x in lines]
        pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
        return (sum(a for a, _b in pairs), sum(b for _a, b in pairs)) if pairs else (None, None)

    yoy = rate(*paired("month", "same_month_last_year"))
    mom = rate(*paired("month", "previous_month"))
    cum = rate(*paired("cumulative", "cumulative_last_year"))
    return MeasureLine(add(x.month for x in lines), add(x.same_month_last_year for x in lines),
                       add(x.previous_month for x in lines), yoy, mom,
                       add(x.cumulative for x in lines), add(x.cumulative_last_year for x in lines), cum)


# -- the quarterly comparison with the line ------------------------------------------------------
@dataclass
class QuarterLine:
    enterprise_id: str
    name: str
    township: str
    pool: str
    stat_status: str
    cumulative_revenue: int | None  # January to the period
    pace_line: int  # the line pro rata to the period (序时进度): line × month ÷ 12
    pace_rate: float | None  # cumulative ÷ pace_line
    projected_revenue: int | None  # this year's projection (services.policy.evaluate)
    projection_text: str
    share_of_line: float | None  # projected ÷ line
    gap: int | None  # line − projected when below the line, else 0
    status: str  # a key of QUARTER_STATUSES
    status_text: str


@dataclass
class QuarterComparison:
    year: int
    quarter: int
    through_month: int  # figures up to this month of the quarter
    line: int  # annual revenue, integer yuan (the profile's threshold)
    lines: list[QuarterLine]
    counts: dict[str, int]  # status → enterprises

    @property
    def title(self) -> str:
        last = self.quarter * 3
        through = "" if self.through_month == last else f"（数据截至{self.through_month}月）"
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度对标{through}"


def quarter_line(row: MonitorRow, month: int, line: int, projection_text: str) -> QuarterLine:
    cumulative = row.measures["revenue"].cumulative
    pace = line * month // 12
    projected = row.projected_revenue
    if projected is None:
        status, text, share, gap = "no_data", "本年无营收数据，无法对标", None, None
    elif projected >= line:
        status, share, gap = "reached", round(projected / line, 4), 0
        text = f"预计全年{wan(projected)}，已达标准线"
    else:
        status, share, gap = "below", round(projected / line, 4), line - projected
        text = f"预计全年{wan(projected)}，距标准线差{wan(line - projected)}"
    pace_rate = round(cumulative / pace, 4) if cumulative is not None and pace else None
    return QuarterLine(row.enterprise_id, row.name, row.township, row.pool, row.stat_status, cumulative,
                       pace, pace_rate, projected, projection_text, share, gap, status, text)


def quarter_comparison(rows: list[MonitorRow], year: int, month: int, line: int,
                       projection_texts: dict[str, str]) -> QuarterComparison:
    """Every watched enterprise against the line, nearest the line (or above it) first."""
    lines = [quarter_line(r, month, line, projection_texts.get(r.enterprise_id, "")) for r in rows]
    lines.sort(key=lambda x: (x.share_of_line is None, -(x.share_of_line or 0), x.name))
    counts = {status: sum(1 for x in lines if x.status == status) for status in QUARTER_STATUSES}
    return QuarterComparison(year, (month - 1) // 3 + 1, month, line, lines, counts)


# -- the table ---------------------------------------------------------------------------------
@dataclass
class MonitorTable:
    period: str  # 'YYYY-MM'
    year: int
    month: int
    as_of: str  # the date the flags and projections are as of (ISO)
    watch: WatchSet
    watch_text: str
    scope: str  # a township filter in words ("" for the whole ledger)
    line: int  # the profile's threshold: annual revenue, integer yuan
    rows: list[MonitorRow]
    totals: dict[str, MeasureLine]
    unreported: int  # watched enterprises with no figure for the month
    quarter: QuarterComparison | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        return f"{self.year}年{self.month}月"

    def to_dict(self) -> dict:
        return asdict(self)


@functools.cache
def year_periods(year: int) -> tuple[str, ...]:
    """'YYYY-01' … 'YYYY-12' of `year`, made once (a province's monitoring table looks up
    twelve months of two years for every measure of 40,000 enterprises)."""
    return tuple(period_of(year, m) for m in range(1, 13))


def rows_of(figures: dict[str, dict], year: int) -> list[dict | None]:
    """The twelve months' figure rows of `year` from {period: figure row} (None: no row)."""
    return [figures.get(p) for p in year_periods(year)]


def values_of(rows: list[dict | None], key: str) -> list[int | None]:
    """One measure of each row (None where there is no row)."""
    return [row.get(key) if row else None for row in rows]


def months_of(figures: dict[str, dict], year: int, key: str) -> list[int | None]:
    """One measure's twelve months of `year` from {period: figure row}."""
    return values_of(rows_of(figures, year), key)


def monitor_row(enterprise: dict, figures: dict[str, dict], year: int, month: int, because: str,
                flags: list[Flag], prior_year_revenue: int | None,
                projected_revenue: int | None) -> MonitorRow:
    """`enterprise`: id, credit_code, name, township_code, township, pool, stat_status;
    `figures`: its monthly figure rows by period (last year and this year up to the month)."""
    this_year, last_year = rows_of(figures, year), rows_of(figures, year - 1)
    measures = {key: measure_line(values_of(this_year, key), values_of(last_year, key), month)
                for key in MEASURES}

    def reported(m: int) -> bool:
        row = this_year[m - 1]
        return row is not None and any(row.get(k) is not None for k in MEASURES)
    return MonitorRow(enterprise["id"], enterprise["credit_code"], enterprise["name"],
                      enterprise["township_code"], enterprise.get("township") or "",
                      enterprise["pool"], enterprise["stat_status"], because, reported(month),
                      [m for m in range(1, month + 1) if not reported(m)], measures,
                      prior_year_revenue, projected_revenue, list(flags))


def select_watched(enterprises: list[dict], watch: WatchSet,
                   prior_revenue: dict[str, int | None]) -> list[tuple[dict, str]]:
    """The enterprises `watch` covers, each with why, in the order given."""
    out = []
    for e in enterprises:
        because = watch.reason(e["pool"], e["stat_status"], prior_revenue.get(e["id"]))
        if because:
            out.append((e, because))
    return out


def build_table(year: int, month: int, as_of: date, watch: WatchSet, scope: str, line: int,
                watched: list[tuple[dict, str]], figures: Mapping[str, dict[str, dict]],
                evaluations: dict[str, Evaluation], *, quarter: bool, notes: list[str]) -> MonitorTable:
    """The table from the watched enterprises (select_watched), their figure rows by period
    (last January to the month) and what the rules say about them as of `as_of`."""
    rows: list[MonitorRow] = []
    for e, because in watched:
        ev = evaluations.get(e["id"])
        rows.append(monitor_row(e, figures.get(e["id"], {}), year, month, because,
                                ev.flags if ev else [], ev.prior_year_revenue if ev else None,
                                ev.projected_revenue if ev else None))
    totals = {key: total_line([r.measures[key] for r in rows]) for key in MEASURES}
    unreported = sum(1 for r in rows if not r.reported)
    notes = list(notes)
    if watch.source == "default":
        notes.append("政策配置未规定监测范围，按各库在库企业和规上企业监测")
    if unreported:
        notes.append(f"{unreported}户企业未报送{month}月数据")
    table = MonitorTable(period_of(year, month), year, month, as_of.isoformat(), watch, watch.text, scope,
                         line, rows, totals, unreported, notes=notes)
    if quarter:
        texts = {i: ev.projection_text for i, ev in evaluations.items()}
        table.quarter = quarter_comparison(rows, year, month, line, texts)
    return table
