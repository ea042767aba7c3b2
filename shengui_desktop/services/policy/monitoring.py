"""The monthly monitoring table (月监测) and the quarterly comparison with the line (季对标).

For one month: every enterprise of the watched set (the profile's `monitoring` setting, or a
pool or the above-scale list chosen by the caller), its output, revenue, electricity and tax
that month, year on year and month on month, cumulative to date against the same months
last year, and the rules' flags (services.policy.evaluate, as of the end of that month).
Reads only. The arithmetic and the result types are domain/monitoring.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ...domain.evaluation import FLAG_NAMES
from ...domain.monitoring import (
    MEASURES, MonitorRow, MonitorTable, build_table, filter_watch_set, month_end, parse_period, period_of, select_watched,
    watch_set,
)
from ...domain.policy_rules import NATIONAL_THRESHOLD
from ...domain.records import POOLS
from ...errors import UserError
from ...storage.ledger import Ledger
from ..ledger.figures import year_revenues
from ..ledger.reference import department_by_name, township_by_name
from .evaluation import evaluate
from .profiles import active_profile

_CHUNK = 900  # below SQLite's bound-parameter limit
ABOVE_SCALE_NAMES = ("规上", "规上企业", "above_scale")
# what a table may be narrowed to by its rows' marks: any mark, no figure for the month, or
# one of the rules' flags (domain/evaluation.py FLAG_NAMES)
FLAG_FILTERS = {"any": "有提示", "unreported": "当月未报", **FLAG_NAMES}


@dataclass(frozen=True)
class Mark:
    """One thing a monitoring row is marked with: the month not reported, or a rule's flag."""

    code: str  # "unreported" or a key of FLAG_NAMES
    name: str  # 当月未报, 退规风险, …
    text: str  # why, with the numbers


@dataclass(frozen=True)
class MonitorChoices:
    """What a monitoring table can be narrowed to in this ledger (the window's lists)."""

    pools: dict[str, str]  # code → name: the pools the profile uses, then 规上企业
    flags: dict[str, str]  # FLAG_FILTERS


def row_marks(row: MonitorRow, month: int) -> list[Mark]:
    """A row's marks as `shengui monitor` prints them: 【N月未报】 first, then each 提示."""
    marks = [] if row.reported else [Mark("unreported", FLAG_FILTERS["unreported"], f"{month}月未报送数据")]
    return marks + [Mark(f.code, FLAG_NAMES.get(f.code, f.code), f.text) for f in row.flags]


def resolve_flag(flag: str | None) -> str | None:
    """A mark typed as its code or Chinese name (有提示, 当月未报, 退规风险, …) → its code."""
    if not flag:
        return None
    if flag in FLAG_FILTERS:
        return flag
    reverse = {v: k for k, v in FLAG_FILTERS.items()}
    if flag in reverse:
        return reverse[flag]
    raise UserError(f"提示“{flag}”无效，应为：{'、'.join(FLAG_FILTERS.values())}")


def monitoring_choices(ledger: Ledger) -> MonitorChoices:
    """The pools (those of the active profile, every pool without one, and any pool an
    enterprise is still in), in POOLS order, then 规上企业; and the marks a monitoring table
    can be narrowed to."""
    profile = active_profile(ledger)
    offered = set(profile.data["pools"] if profile else POOLS)
    offered |= {r["pool"] for r in ledger.rows("SELECT DISTINCT pool FROM enterprises")}
    pools = {p: name for p, name in POOLS.items() if p in offered and p != "none"}
    return MonitorChoices(pools | {"above_scale": "规上企业"}, dict(FLAG_FILTERS))


def resolve_township(ledger: Ledger, township: str | None) -> tuple[str | None, str]:
    """A township typed as its 9-digit code or its name → (code, name)."""
    if not township:
        return None, ""
    row = ledger.one("SELECT code, name FROM townships WHERE code = ?", (township,)) \
        or township_by_name(ledger, township)
    if row is None:
        raise UserError(f"台账中没有乡镇“{township}”")
    return row["code"], row["name"]


def resolve_department(ledger: Ledger, department: str | None) -> tuple[str | None, str]:
    """A responsible department typed as its name (or id) → (id, name)."""
    if not department:
        return None, ""
    row = ledger.one("SELECT id, name FROM departments WHERE id = ?", (department,)) \
        or department_by_name(ledger, department)
    if row is None:
        raise UserError(f"台账中没有责任单位“{department}”")
    return row["id"], row["name"]


def resolve_pool(pool: str | None) -> str | None:
    """A pool typed as its code or Chinese name, or 规上 for the above-scale list."""
    if not pool:
        return None
    if pool in ABOVE_SCALE_NAMES:
        return "above_scale"
    if pool in POOLS and pool != "none":
        return pool
    reverse = {v: k for k, v in POOLS.items() if k != "none"}
    if pool in reverse:
        return reverse[pool]
    names = "、".join(v for k, v in POOLS.items() if k != "none")
    raise UserError(f"库别“{pool}”无效，应为：{names}、规上")


def default_period(ledger: Ledger, today: date) -> str:
    """The latest month with figures up to this month; last month when there are none."""
    latest = ledger.scalar("SELECT max(period) FROM monthly_figures WHERE period <= ?",
                           (period_of(today.year, today.month),))
    if latest:
        return latest
    index = today.year * 12 + today.month - 2
    return period_of(index // 12, index % 12 + 1)


class MonthsByChunk(Mapping[str, dict[str, dict]]):
    """{enterprise id: {period: its four measures by name}} of `ids`, from `first` to `last`,
    read a chunk of enterprises at a time as they are asked for: build_table walks the
    watched enterprises in the order of `ids`, so only one chunk's months are held at once.
    A province's 950,000 months held at once as whole rows peaked at 857 MB, and the
    process kept 646 MB of it after the table was made (freed memory the allocator could not
    give back); read so: 376 MB at the peak, 349 MB after."""

    def __init__(self, ledger: Ledger, ids: list[str], first: str, last: str):
        self.ledger, self.ids, self.first, self.last = ledger, ids, first, last
        self.chunk_of = {i: n // _CHUNK for n, i in enumerate(ids)}
        self.loaded: int | None = None
        self.months: dict[str, dict[str, dict]] = {}
        self.periods: dict[str, str] = {}  # one string per period, shared by every month

    def __getitem__(self, enterprise_id: str) -> dict[str, dict]:
        n = self.chunk_of[enterprise_id]
        if n != self.loaded:
            self._load(n)
        return self.months[enterprise_id]

    def __iter__(self):
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def _load(self, n: int) -> None:
        chunk = self.ids[n * _CHUNK:(n + 1) * _CHUNK]
        self.months = {}  # the chunk before goes first
        months: dict[str, dict[str, dict]] = {i: {} for i in chunk}
        periods = self.periods
        for enterprise_id, period, *values in self.ledger.conn.execute(
                f"SELECT enterprise_id, period, {', '.join(MEASURES)}"
                f" FROM monthly_figures WHERE enterprise_id IN ({','.join('?' * len(chunk))})"
                " AND period >= ? AND period <= ?", [*chunk, self.first, self.last]):
            months[enterprise_id][periods.setdefault(period, period)] = dict(zip(MEASURES, values))
        self.months, self.loaded = months, n


def monitoring_table(ledger: Ledger, period: str | None = None, *, quarter: bool = False,
                     township: str | None = None, pool: str | None = None, department: str | None = None,
                     flag: str | None = None, today: date | None = None,
                     cancelled: Callable[[], bool] | None = None) -> MonitorTable:
    """The monitoring table of `period` ('YYYY-MM'; default: the latest month with figures).

    `township` (a code or name) and `department` (a name or id) limit the table to the
    enterprises of that township or responsible department. `pool`: a pool (code or name)
    or 规上 replaces the profile's watched set. `quarter`: add the quarterly comparison of
    the watched enterprises with the line (the profile's threshold, 2,000万元 by default).
    `flag` (resolve_flag: a code or name) keeps the rows with that mark (row_marks), the
    totals and the quarterly comparison over those rows only. Flags and projections are as of the end of the month (or `today`, if earlier)."""
    today = today or date.today()
    year, month = parse_period(period or default_period(ledger, today))
    if period_of(year, month) > period_of(today.year, today.month):
        raise UserError(f"{year}年{month}月尚未到来，不能生成监测表")
    township_code, township_name = resolve_township(ledger, township)
    department_id, department_name = resolve_department(ledger, department)
    pool_code = resolve_pool(pool)
    flag_code = resolve_flag(flag)
    profile = active_profile(ledger)
    watch = filter_watch_set(pool_code) if pool_code else \
        watch_set(profile.monitoring if profile else None, profile.data["pools"] if profile else None)
    as_of = min(today, month_end(year, month))

    where, params = "", []
    if township_code:
        where, params = " AND e.township_code = ?", [township_code]
    if department_id:
        where, params = where + " AND e.department_id = ?", [*params, department_id]
    enterprises = ledger.rows(
        "SELECT e.id, e.credit_code, e.name, e.township_code, t.name AS township, e.pool, e.stat_status"
        " FROM enterprises e LEFT JOIN townships t ON t.code = e.township_code"
        f" WHERE 1 = 1{where} ORDER BY e.township_code, e.name", params)
    prior: dict[str, int | None] = {}
    if watch.prior_year_revenue_min is not None:  # as the rules take it: twelve months, else 年度数
        prior = {ent: r.revenue for ent, r in year_revenues(ledger, year - 1).items()}
    watched = select_watched(enterprises, watch, prior)
    ids = [e["id"] for e, _because in watched]
    figures = MonthsByChunk(ledger, ids, f"{year - 1}-01", period_of(year, month))
    evaluations = evaluate(ledger, ids, today=as_of, cancelled=cancelled) if ids else {}
    notes = [] if profile else ["尚未选择政策配置，提示只含达规未入统"]
    scope = "　".join(x for x in (township_name, department_name and f"责任单位：{department_name}",
                                  flag_code and ("有提示的企业" if flag_code == "any"
                                                 else f"提示：{FLAG_FILTERS[flag_code]}")) if x)
    line = profile.threshold if profile else NATIONAL_THRESHOLD
    table = build_table(year, month, as_of, watch, scope, line, watched, figures, evaluations,
                        quarter=quarter, notes=notes)
    if flag_code:  # the same table over the marked rows: their totals, their comparison
        keep = {r.enterprise_id for r in table.rows
                if any(flag_code in ("any", m.code) for m in row_marks(r, month))}
        table = build_table(year, month, as_of, watch, scope, line, [w for w in watched if w[0]["id"] in keep],
                            figures, evaluations, quarter=quarter, notes=notes)
    return table
