"""Monthly figures (one record per enterprise and month) and annual figures (one per
enterprise and year, as the lists give them): integer yuan and kWh.

Months are entered one at a time (record_month, the command line) or as the months of a
year typed into the enterprise window's grid (save_months): what people type there is read
the way a spreadsheet import reads a cell (万元 for money, 千瓦时 for electricity) and
refused with the import's Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ...domain.annual import source_text, validate_annual_figure, year_total
from ...domain.money import IMPLAUSIBLE_YUAN, YUAN_PER_WAN
from ...domain.records import FIGURE_FIELDS, validate_monthly_figure
from ...errors import UserError, ValidationError
from ...spreadsheets import cells
from ...spreadsheets.columns import LABELS, MONEY_FIELDS
from ...storage.ledger import annual_figure_id, monthly_figure_id
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

MONEY_UNIT = "万元"  # what the grid's money cells are typed in (the import's default too)
# the grid's columns, in the order the statistics forms list them
GRID_FIELDS = ("output_value", "revenue", "electricity_kwh", "tax_paid", "employees")
ELECTRICITY_UNIT = "千瓦时"
UNITS = {**{f: MONEY_UNIT for f in MONEY_FIELDS}, "electricity_kwh": ELECTRICITY_UNIT,
         "employees": "人"}


def record_month(ledger: Ledger, enterprise_id: str, period: str, values: dict) -> dict:
    """Insert or update one month; returns the fields that changed."""
    require(ledger, "figures")
    clean = validate_monthly_figure({"period": period, **values})
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    fields = {k: clean[k] for k in FIGURE_FIELDS if k in clean}
    row_id = monthly_figure_id(enterprise_id, clean["period"])
    with ledger.transaction():
        if ledger.get("monthly_figures", row_id) is None:
            ledger.insert("monthly_figures", {"id": row_id, "enterprise_id": enterprise_id,
                                              "period": clean["period"], **fields})
            return fields
        return ledger.update("monthly_figures", row_id, fields)


def figures_of(ledger: Ledger, enterprise_id: str) -> list[dict]:
    return ledger.rows("SELECT * FROM monthly_figures WHERE enterprise_id = ? ORDER BY period",
                       (enterprise_id,))


def months_of_year(ledger: Ledger, enterprise_id: str, year: int) -> dict[int, dict]:
    """month (1–12) → the recorded figures of that month of `year`."""
    return {int(r["period"][5:7]): r for r in ledger.rows(
        "SELECT * FROM monthly_figures WHERE enterprise_id = ? AND period BETWEEN ? AND ?"
        " ORDER BY period", (enterprise_id, f"{year:04d}-01", f"{year:04d}-12"))}


def figure_years(ledger: Ledger, enterprise_id: str) -> list[int]:
    """The years an enterprise has figures for, oldest first."""
    return [int(y) for (y,) in ledger.conn.execute(
        "SELECT DISTINCT substr(period, 1, 4) FROM monthly_figures WHERE enterprise_id = ?"
        " ORDER BY 1", (enterprise_id,))]


def parse_figure(key: str, value: object) -> int | None:
    """A figure as typed (万元 for money, 千瓦时, 人) → integer yuan, kWh or people; None
    when blank. Raises ValueError with the import's Chinese message: not a number, a
    negative amount, an amount beyond all reason (a unit mistake)."""
    if key not in UNITS:
        raise KeyError(key)
    if cells.is_blank(value):
        return None
    if key in MONEY_FIELDS:
        number = cells.parse_money(value, MONEY_UNIT)
        if number is not None and abs(number) >= IMPLAUSIBLE_YUAN:
            raise ValueError(f"按{MONEY_UNIT}计为{number:,}元，明显过大：请核对金额单位")
    else:
        text = cells.text(value).replace(" ", "")
        factor = 1
        if key == "electricity_kwh" and text.endswith("万千瓦时"):
            text, factor = text[:-len("万千瓦时")], 10_000
        number = cells.parse_count(text, factor)
    if number is not None and number < 0:
        raise ValueError(f"{LABELS[key]}不能为负数")
    return number


def figure_text(key: str, value: int | None) -> str:
    """A stored figure as one types it back: 万元 exactly (16505000 → '1650.5'), counts as
    digits; '' for none. parse_figure(key, figure_text(key, v)) == v."""
    if value is None:
        return ""
    if key in MONEY_FIELDS:
        text = f"{Decimal(value) / YUAN_PER_WAN:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def cell_key(month: int, key: str) -> str:
    """The key of one grid cell in a ValidationError's problems: '3:revenue'."""
    return f"{month}:{key}"


def cell_message(month: int, key: str, problem: str) -> str:
    """A cell's problem as the grid and save_months say it: '3月主营业务收入：“abc”不是有效的金额'."""
    label = LABELS[key]
    return f"{month}月" + (problem if problem.startswith(label) else f"{label}：{problem}")


@dataclass
class SavedMonths:
    """What save_months wrote: months created, changed and emptied (deleted)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)


def save_months(ledger: Ledger, enterprise_id: str, year: int,
                changes: dict[tuple[int, str], object]) -> SavedMonths:
    """Save cells of one enterprise's year: {(month, field): text as typed (万元, 千瓦时,
    人), None or '' for blank, or an int already in yuan, kWh, people}.

    Every cell is checked first; any problem raises ValidationError keyed by cell_key
    (month, field) with "3月主营业务收入：…" and nothing is written. Then every month is
    written in one transaction: a blank cell empties the figure, a month left with no
    figure at all is deleted."""
    require(ledger, "figures")
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise UserError(f"年份“{year}”超出合理范围（2000–2100）")
    problems: dict[str, str] = {}
    parsed: dict[int, dict[str, int | None]] = {}
    for (month, key), value in sorted(changes.items()):
        if not 1 <= month <= 12 or key not in UNITS:
            raise ValueError(f"no grid cell ({month}, {key})")
        try:
            if isinstance(value, int) and not isinstance(value, bool):  # already yuan, kWh, people
                if value < 0:
                    raise ValueError(f"{LABELS[key]}不能为负数")
                parsed.setdefault(month, {})[key] = value
            else:
                parsed.setdefault(month, {})[key] = parse_figure(key, value)
        except ValueError as e:
            problems[cell_key(month, key)] = cell_message(month, key, str(e))
    if problems:
        raise ValidationError(problems)
    recorded = months_of_year(ledger, enterprise_id, year)
    plan: list[tuple[str, str, str, dict]] = []  # (what, period, row id, fields)
    for month, values in sorted(parsed.items()):
        period = f"{year:04d}-{month:02d}"
        row_id = monthly_figure_id(enterprise_id, period)
        existing = recorded.get(month)
        if existing is None:
            given = {k: v for k, v in values.items() if v is not None}
            if given:
                plan.append(("insert", period, row_id, {"id": row_id, "enterprise_id": enterprise_id,
                                                        "period": period, **given}))
            continue
        diff = {k: v for k, v in values.items() if existing.get(k) != v}
        if not diff:
            continue
        if all({**existing, **diff}.get(k) is None for k in FIGURE_FIELDS):
            plan.append(("delete", period, row_id, {}))
        else:
            plan.append(("update", period, row_id, diff))
    saved = SavedMonths()
    with ledger.transaction():
        for what, period, row_id, values in plan:
            if what == "insert":
                ledger.insert("monthly_figures", values)
                saved.created.append(period)
            elif what == "update":
                ledger.update("monthly_figures", row_id, values)
                saved.updated.append(period)
            else:
                ledger.delete("monthly_figures", row_id)
                saved.deleted.append(period)
    return saved


# -- annual figures (年度数): one record per enterprise and year, as a list gives it ----------
def record_year(ledger: Ledger, enterprise_id: str, year: int, values: dict,
                source: str | None = None) -> dict:
    """Insert or update one enterprise's annual figures of `year` (integer yuan, kWh,
    people); returns the fields that changed. `source`: which list gave them."""
    require(ledger, "figures")
    clean = validate_annual_figure({"year": year, "source": source, **values})
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    fields = {k: clean[k] for k in FIGURE_FIELDS if clean.get(k) is not None}
    if source is not None:
        fields["source"] = clean["source"]
    row_id = annual_figure_id(enterprise_id, clean["year"])
    with ledger.transaction():
        if ledger.get("annual_figures", row_id) is None:
            ledger.insert("annual_figures", {"id": row_id, "enterprise_id": enterprise_id,
                                             "year": clean["year"], **fields})
            return fields
        return ledger.update("annual_figures", row_id, fields)


def annual_figures_of(ledger: Ledger, enterprise_id: str) -> list[dict]:
    """An enterprise's annual figures, oldest year first."""
    return ledger.rows("SELECT * FROM annual_figures WHERE enterprise_id = ? ORDER BY year",
                       (enterprise_id,))


@dataclass(frozen=True)
class YearRevenue:
    """A year's revenue of one enterprise as domain/annual.py chooses it."""

    revenue: int | None
    source: str | None  # annual.ANNUAL (年报) or annual.MONTHLY (月报合计)
    months: int  # months of the year with revenue

    @property
    def source_text(self) -> str:
        return source_text(self.source, self.months)


# `+period`: the period is a filter on the index scan, not a reason to use the period index
YEAR_REVENUE_SQL = ("SELECT enterprise_id, sum(revenue), count(revenue)"
                    " FROM monthly_figures INDEXED BY monthly_figures_enterprise_figures"
                    " WHERE +period BETWEEN ? AND ? GROUP BY enterprise_id")


def year_revenues(ledger: Ledger, year: int) -> dict[str, YearRevenue]:
    """Enterprise id → its revenue of `year`, for every enterprise with months or an annual
    figure of that year: twelve months win over the annual figure, which wins over part of
    a year. Two grouped reads, no query per enterprise.

    The months are read in enterprise order from the covering index (enterprise_id, period,
    revenue, …): planned on the period index, the same GROUP BY looked up every row and
    sorted them in a temporary B-tree (23 s instead of 1.6 s at 3.6M monthly figures,
    bench/README.md); tests/test_perf_paths.py checks the plan."""
    monthly = {ent: (total, months) for ent, total, months in ledger.conn.execute(
        YEAR_REVENUE_SQL, (f"{year}-01", f"{year}-12"))}
    annual = dict(ledger.conn.execute(
        "SELECT enterprise_id, revenue FROM annual_figures WHERE year = ? AND revenue IS NOT NULL",
        (year,)).fetchall())
    out = {}
    for ent in monthly.keys() | annual.keys():
        total, months = monthly.get(ent, (None, 0))
        out[ent] = YearRevenue(*year_total(total, months, annual.get(ent)), months)
    return out


def revenue_by_year(ledger: Ledger, enterprise_id: str) -> dict[int, YearRevenue]:
    """Year → one enterprise's revenue of that year (as year_revenues chooses it)."""
    monthly = {int(y): (total, months) for y, total, months in ledger.conn.execute(
        "SELECT substr(period, 1, 4), sum(revenue), count(revenue) FROM monthly_figures"
        " WHERE enterprise_id = ? GROUP BY 1", (enterprise_id,))}
    annual = dict(ledger.conn.execute(
        "SELECT year, revenue FROM annual_figures WHERE enterprise_id = ? AND revenue IS NOT NULL",
        (enterprise_id,)).fetchall())
    out = {}
    for y in sorted(monthly.keys() | annual.keys()):
        total, months = monthly.get(y, (None, 0))
        out[y] = YearRevenue(*year_total(total, months, annual.get(y)), months)
    return out
