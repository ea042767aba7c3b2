"""Read-only queries the reports share: the office, filters, names and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..domain.records import POOLS, STAT_STATUSES

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


@dataclass
class Filters:
    """What the person chose to print; resolved to codes and ids by services.reports."""

    year: int
    today: date
    township_code: str | None = None
    pool: str | None = None
    department_id: str | None = None
    enterprise_ids: list[str] | None = None
    group_by: str = "township"  # ledger report: "township" | "pool"
    period_from: str | None = None  # visits report: ISO dates
    period_to: str | None = None

    def where(self, alias: str = "e") -> tuple[str, list]:
        """A WHERE clause over enterprises for these filters."""
        parts, params = ["1 = 1"], []
        if self.township_code:
            parts.append(f"{alias}.township_code = ?")
            params.append(self.township_code)
        if self.pool:
            if self.pool == "above_scale":
                parts.append(f"{alias}.stat_status = 'above_scale'")
            else:
                parts.append(f"{alias}.pool = ?")
                params.append(self.pool)
        if self.department_id:
            parts.append(f"{alias}.department_id = ?")
            params.append(self.department_id)
        if self.enterprise_ids is not None:
            parts.append(f"{alias}.id IN ({','.join('?' * len(self.enterprise_ids)) or 'NULL'})")
            params.extend(self.enterprise_ids)
        return " AND ".join(parts), params


def office_name(ledger: Ledger) -> str:
    site = ledger.this_site()
    return site["name"] if site else ""


def township_names(ledger: Ledger) -> dict[str, str]:
    return {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}


def department_names(ledger: Ledger) -> dict[str, str]:
    return {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM departments")}


def latest_period(ledger: Ledger, year: int | None = None) -> str | None:
    """The latest month with figures (in `year` if given), 'YYYY-MM'."""
    if year is None:
        return ledger.scalar("SELECT max(period) FROM monthly_figures")
    return ledger.scalar("SELECT max(period) FROM monthly_figures WHERE period LIKE ?",
                         (f"{year}-%",))


def period_text(period: str | None) -> str:
    return f"{int(period[:4])}年{int(period[5:7])}月" if period else "—"


def status_label(pool: str, stat_status: str) -> str:
    """The pool if the enterprise is in one, else its statistics status."""
    if pool and pool != "none":
        return POOLS[pool]
    return STAT_STATUSES.get(stat_status, "") if stat_status != "below_scale" else POOLS["none"]


def no_enterprises(scope: str) -> str:
    """What a report prints when no enterprise is within its filters (`scope`, in words)."""
    return "暂无企业：没有符合条件的企业。" if scope else "暂无企业：台账中尚未登记企业。"


def scope_text(ledger: Ledger, filters: Filters) -> str:
    """The filters in words for a subtitle, e.g. 秀水镇　培育库."""
    parts = []
    if filters.township_code:
        parts.append(township_names(ledger).get(filters.township_code, filters.township_code))
    if filters.pool:
        parts.append("规上企业" if filters.pool == "above_scale" else POOLS.get(filters.pool, filters.pool))
    if filters.department_id:
        parts.append("责任单位：" + department_names(ledger).get(filters.department_id, ""))
    return "　".join(parts)
