"""A year's total: the annual figure a list gives (年度数) against the sum of the months
(月度数).

The lists a county starts from (统计局, 税务局, 工信) give a year's 营业收入 or 工业总产值 per
enterprise; the monthly figures come later, month by month. Wherever a year's total is used
(上年营收, the pools, flags and rewards, the 台账), a complete monthly series of that year wins
over the annual figure; the annual figure wins over part of a year; part of a year is used
only when there is nothing else (as before annual figures existed). Each total says where it
came from, so the ledger can tell 年报 from 月报合计.
"""

from __future__ import annotations

from ..errors import ValidationError
from .records import FIGURE_FIELDS

COMPLETE_YEAR_MONTHS = 12  # months of a year that make its monthly series complete

ANNUAL = "annual"  # the year's figure as a list gave it
MONTHLY = "monthly"  # the sum of the year's months

SOURCE_LABELS = {ANNUAL: "年报", MONTHLY: "月报合计"}


def year_total(monthly_total: int | None, months: int, annual: int | None
               ) -> tuple[int | None, str | None]:
    """(the year's total, ANNUAL or MONTHLY; None, None when nothing is known).

    `monthly_total` is the sum over the `months` months that have a value."""
    if months >= COMPLETE_YEAR_MONTHS and monthly_total is not None:
        return monthly_total, MONTHLY
    if annual is not None:
        return annual, ANNUAL
    if months and monthly_total is not None:
        return monthly_total, MONTHLY
    return None, None


def is_complete(source: str | None, months: int) -> bool:
    """True when a total covers the whole year (an annual figure, or twelve months)."""
    return source == ANNUAL or months >= COMPLETE_YEAR_MONTHS


def source_text(source: str | None, months: int = COMPLETE_YEAR_MONTHS) -> str:
    """年报, 月报合计, or 月报合计（3个月） for part of a year; "" when nothing is known."""
    if source is None:
        return ""
    if source == MONTHLY and months < COMPLETE_YEAR_MONTHS:
        return f"{SOURCE_LABELS[MONTHLY]}（{months}个月）"
    return SOURCE_LABELS[source]


def validate_annual_figure(record: dict) -> dict:
    """A year and its amounts (integer yuan, kWh, people; none negative); ValidationError
    with Chinese messages otherwise. `source` (which list gave them) is kept as text."""
    problems: dict[str, str] = {}
    out = dict(record)
    year = record.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if type(year) is not int or not 2000 <= year <= 2100:
        problems["year"] = f"年份“{year if year is not None else ''}”无效（应为2000至2100之间的四位数字）"
    out["year"] = year
    for key, label in FIGURE_FIELDS.items():
        value = record.get(key)
        if value is None:
            continue
        if type(value) is not int or value < 0:
            problems[key] = f"{label}应为不小于0的整数"
    source = record.get("source")
    out["source"] = str(source).strip() or None if source is not None else None
    if problems:
        raise ValidationError(problems)
    return out
