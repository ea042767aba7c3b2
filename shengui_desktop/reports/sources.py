"""Everything the reports read from the ledger, and the filters, names and dates they share.

The report modules and LedgerFacts call these functions and never query the ledger
themselves (tests/test_architecture.py holds them to that): one place to look for what a
printed page rests on, and for the indexes its queries need.
"""

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
    period: str | None = None  # monitoring report: the month, 'YYYY-MM' (None: the latest)

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


# -- what each report reads (the only module of reports/ that queries the ledger) -------------
def enterprises(ledger: Ledger, filters: Filters) -> list[dict]:
    """Every column of the enterprises the filters select, by township, then name."""
    where, params = filters.where()
    return ledger.rows(f"SELECT * FROM enterprises e WHERE {where} ORDER BY e.township_code, e.name",
                       params)


def figures_since(ledger: Ledger, enterprise_id: str, period: str) -> list[dict]:
    """An enterprise's monthly figures from `period` ('YYYY-MM') on, oldest first."""
    return ledger.rows(
        "SELECT * FROM monthly_figures WHERE enterprise_id = ? AND period >= ? ORDER BY period",
        (enterprise_id, period))


def pool_history(ledger: Ledger, enterprise_id: str) -> list[dict]:
    return ledger.rows("SELECT * FROM pool_events WHERE enterprise_id = ? ORDER BY moved_on, rowid",
                       (enterprise_id,))


def enterprise_visits(ledger: Ledger, enterprise_id: str) -> list[dict]:
    """An enterprise's visits, newest first."""
    return ledger.rows("SELECT * FROM visits WHERE enterprise_id = ? ORDER BY visit_date DESC",
                       (enterprise_id,))


def enterprise_issues(ledger: Ledger, enterprise_id: str) -> list[dict]:
    """An enterprise's issues with the department's name, open ones first, oldest first."""
    return ledger.rows(
        "SELECT i.*, d.name AS department FROM issues i LEFT JOIN departments d ON d.id = i.department_id"
        " WHERE i.enterprise_id = ? ORDER BY i.status IN ('resolved', 'closed'), i.raised_date",
        (enterprise_id,))


def ledger_lines(ledger: Ledger, filters: Filters) -> list[dict]:
    """The columns of the 台账 for the enterprises the filters select, with each one's last visit."""
    where, params = filters.where()
    return ledger.rows(f"""
        SELECT e.id, e.name, e.credit_code, e.township_code, e.industry_code, e.pool,
               e.stat_status, e.liaison_cadre, e.department_id,
               (SELECT max(visit_date) FROM visits v WHERE v.enterprise_id = e.id) AS last_visit
        FROM enterprises e WHERE {where} ORDER BY e.township_code, e.name""", params)


def issues(ledger: Ledger, filters: Filters) -> list[dict]:
    """Every open issue, whenever raised, and the issues settled or raised in the filters' year,
    by responsible department, open ones first, then by deadline."""
    where, params = filters.where()
    year = str(filters.year)
    return ledger.rows(f"""
        SELECT i.*, e.name, t.name AS township, coalesce(d.name, '未指定责任单位') AS department
        FROM issues i JOIN enterprises e ON e.id = i.enterprise_id
        LEFT JOIN townships t ON t.code = e.township_code
        LEFT JOIN departments d ON d.id = i.department_id
        WHERE {where.replace('e.department_id', 'i.department_id')}
          AND (i.status IN ('open', 'in_progress') OR substr(i.raised_date, 1, 4) = ?
               OR substr(i.resolved_date, 1, 4) = ?)
        ORDER BY department, i.status NOT IN ('open', 'in_progress'), i.deadline IS NULL,
                 i.deadline, i.raised_date""", [*params, year, year])


def visits(ledger: Ledger, filters: Filters, start: str, end: str) -> list[dict]:
    """Visits from `start` to `end` (ISO dates, both included) to the enterprises the filters
    select, with the enterprise's name, credit code and township."""
    where, params = filters.where()
    return ledger.rows(f"""
        SELECT v.*, e.name, e.credit_code, t.name AS township FROM visits v
        JOIN enterprises e ON e.id = v.enterprise_id
        LEFT JOIN townships t ON t.code = e.township_code
        WHERE v.visit_date BETWEEN ? AND ? AND {where}
        ORDER BY v.visit_date, e.name""", [start, end, *params])


def enterprise_count(ledger: Ledger, filters: Filters) -> int:
    """How many enterprises the filters select (to tell "no enterprises" from "no records")."""
    where, params = filters.where()
    return ledger.scalar(f"SELECT count(*) FROM enterprises e WHERE {where}", params)


def pool_counts(ledger: Ledger, filters: Filters) -> dict[str, int]:
    """Pool → number of the selected enterprises in it."""
    where, params = filters.where()
    return {r["pool"]: r["n"] for r in ledger.rows(
        f"SELECT e.pool, count(*) AS n FROM enterprises e WHERE {where} GROUP BY e.pool", params)}


def above_scale_count(ledger: Ledger, filters: Filters) -> int:
    where, params = filters.where()
    return ledger.scalar(f"SELECT count(*) FROM enterprises e WHERE {where} AND e.stat_status = 'above_scale'",
                         params)


# -- what LedgerFacts (facts.py) computes from -------------------------------------------------
def revenue_by_enterprise(ledger: Ledger, year: int, enterprise_ids: list[str] | None = None) -> list[dict]:
    """Per enterprise (all, or those of `enterprise_ids`): id, pool, stat_status, this year's
    revenue so far (ytd), its number of months and last month, the prior year's total of its
    months (prior) and their number (prior_months), the prior year's annual figure (annual,
    年度数) and the prior year's total over the same months (prior_same)."""
    where, params = "", []
    if enterprise_ids is not None:
        where = f" AND e.id IN ({','.join('?' * len(enterprise_ids))})"
        params = list(enterprise_ids)
    # one pass: per enterprise, prior-year total, this year's months so far and the
    # same months of the prior year
    return ledger.rows(f"""
        WITH cur AS (
          SELECT enterprise_id, sum(revenue) AS ytd, count(revenue) AS months,
                 max(substr(period, 6, 2)) AS last_month
          FROM monthly_figures WHERE substr(period, 1, 4) = ? GROUP BY enterprise_id)
        SELECT e.id, e.pool, e.stat_status, cur.ytd, cur.months, cur.last_month,
          (SELECT sum(revenue) FROM monthly_figures m
            WHERE m.enterprise_id = e.id AND substr(m.period, 1, 4) = ?) AS prior,
          (SELECT count(revenue) FROM monthly_figures m
            WHERE m.enterprise_id = e.id AND substr(m.period, 1, 4) = ?) AS prior_months,
          (SELECT revenue FROM annual_figures a WHERE a.enterprise_id = e.id AND a.year = ?)
            AS annual,
          (SELECT sum(revenue) FROM monthly_figures m
            WHERE m.enterprise_id = e.id AND substr(m.period, 1, 4) = ?
              AND substr(m.period, 6, 2) <= cur.last_month) AS prior_same
        FROM enterprises e LEFT JOIN cur ON cur.enterprise_id = e.id
        WHERE 1 = 1{where}""", [str(year), str(year - 1), str(year - 1), year - 1, str(year - 1),
                               *params])


def year_targets(ledger: Ledger, year: int) -> list[dict]:
    """The stored 净增 targets of the year (the other kinds come from services.policy)."""
    return ledger.rows("SELECT * FROM targets WHERE year = ? AND kind = 'net'", (year,))


def townships(ledger: Ledger) -> list[dict]:
    """Code and name of every township, by code."""
    return ledger.rows("SELECT code, name FROM townships ORDER BY code")


def departments(ledger: Ledger) -> list[dict]:
    """Id and name of every department, by name."""
    return ledger.rows("SELECT id, name FROM departments ORDER BY name")


def entries_and_exits(ledger: Ledger, year: int, *, township_code: str | None = None,
                      department_id: str | None = None) -> tuple[int, int]:
    """Enterprises of one township or one department that entered, and that left, the
    statistics register in `year`, by their recorded dates."""
    column, key = ("township_code", township_code) if township_code is not None \
        else ("department_id", department_id)
    y = str(year)
    entered = ledger.scalar("SELECT count(*) FROM enterprises WHERE substr(entered_stats_date, 1, 4) = ?"
                            f" AND {column} = ?", (y, key))
    exited = ledger.scalar("SELECT count(*) FROM enterprises WHERE substr(exited_stats_date, 1, 4) = ?"
                           f" AND {column} = ?", (y, key))
    return entered, exited


def checklist_rows(ledger: Ledger, enterprise_id: str) -> dict[str, dict]:
    """Item → its entry_checklist row (done, done_on, note) for one enterprise. Raises on a
    ledger from before schema 3, which has no such table."""
    return {r["item"]: r for r in ledger.rows(
        "SELECT item, done, done_on, note FROM entry_checklist WHERE enterprise_id = ?",
        (enterprise_id,))}


# -- the monitoring table (LedgerFacts.monitoring) -----------------------------------------------
def monitor_enterprises(ledger: Ledger, filters: Filters) -> list[dict]:
    """Id, credit code, name, township (code and name), pool and statistics status of the
    enterprises the filters select, by township, then name."""
    where, params = filters.where()
    return ledger.rows(
        "SELECT e.id, e.credit_code, e.name, e.township_code, t.name AS township, e.pool, e.stat_status"
        f" FROM enterprises e LEFT JOIN townships t ON t.code = e.township_code WHERE {where}"
        " ORDER BY e.township_code, e.name", params)


def figures_between(ledger: Ledger, enterprise_ids: list[str], first: str, last: str) -> dict[str, dict[str, dict]]:
    """Enterprise → period → its figure row, for the months `first` to `last` ('YYYY-MM')."""
    out: dict[str, dict[str, dict]] = {i: {} for i in enterprise_ids}
    for i in range(0, len(enterprise_ids), 900):
        chunk = enterprise_ids[i:i + 900]
        for row in ledger.rows(
                "SELECT enterprise_id, period, revenue, output_value, tax_paid, electricity_kwh"
                f" FROM monthly_figures WHERE enterprise_id IN ({','.join('?' * len(chunk))})"
                " AND period >= ? AND period <= ?", [*chunk, first, last]):
            out[row["enterprise_id"]][row["period"]] = row
    return out


# -- the key-project list (重点项目库) ------------------------------------------------------------
def key_projects(ledger: Ledger, filters: Filters) -> list[dict]:
    """Projects of kind 重点项目 of the enterprises the filters select (the department filter is
    the project's), with the enterprise's name, credit code, township, pool and statistics
    status and the department's name, by township, enterprise and project."""
    where, params = filters.where()
    return ledger.rows(f"""
        SELECT p.*, e.name AS enterprise_name, e.credit_code, e.township_code, t.name AS township,
               e.pool, e.stat_status, d.name AS department
        FROM projects p JOIN enterprises e ON e.id = p.enterprise_id
        LEFT JOIN townships t ON t.code = e.township_code
        LEFT JOIN departments d ON d.id = p.department_id
        WHERE p.kind = 'key' AND {where.replace('e.department_id', 'p.department_id')}
        ORDER BY e.township_code, e.name, p.name, p.id""", params)


def project_milestones(ledger: Ledger, project_ids: list[str]) -> dict[str, list[dict]]:
    """Project → its milestones (节点任务), by due date (undated last), then name."""
    out: dict[str, list[dict]] = {}
    for i in range(0, len(project_ids), 900):
        chunk = project_ids[i:i + 900]
        for m in ledger.rows(
                f"SELECT * FROM project_milestones WHERE project_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY coalesce(due_date, '9999'), name", chunk):
            out.setdefault(m["project_id"], []).append(m)
    return out
