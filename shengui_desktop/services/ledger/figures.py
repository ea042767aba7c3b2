"""Monthly figures (one record per enterprise and month) and annual figures (one per
enterprise and year, as the lists give them): integer yuan and kWh."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...domain.annual import source_text, validate_annual_figure, year_total
from ...domain.records import FIGURE_FIELDS, validate_monthly_figure
from ...errors import UserError
from ...storage.ledger import annual_figure_id, monthly_figure_id

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def record_month(ledger: Ledger, enterprise_id: str, period: str, values: dict) -> dict:
    """Insert or update one month; returns the fields that changed."""
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


# -- annual figures (年度数): one record per enterprise and year, as a list gives it ----------
def record_year(ledger: Ledger, enterprise_id: str, year: int, values: dict,
                source: str | None = None) -> dict:
    """Insert or update one enterprise's annual figures of `year` (integer yuan, kWh,
    people); returns the fields that changed. `source`: which list gave them."""
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


def year_revenues(ledger: Ledger, year: int) -> dict[str, YearRevenue]:
    """Enterprise id → its revenue of `year`, for every enterprise with months or an annual
    figure of that year: twelve months win over the annual figure, which wins over part of
    a year. Two grouped reads, no query per enterprise."""
    monthly = {ent: (total, months) for ent, total, months in ledger.conn.execute(
        "SELECT enterprise_id, sum(revenue), count(revenue) FROM monthly_figures"
        " WHERE period BETWEEN ? AND ? GROUP BY enterprise_id", (f"{year}-01", f"{year}-12"))}
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
