"""Gathering what the policy rules need, in a handful of aggregate queries.

Never one query per enterprise: monthly figures are aggregated with one GROUP BY over the
two years that matter (last year month by month, this year so far), visits, projects and
earlier above-scale periods with one query each. 100,000 enterprises × 36 months take a
few seconds.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

from ..domain.policy_rewards import RewardFacts
from ..domain.policy_rules import Facts
from ..storage.ledger import Ledger

_CHUNK = 900  # below SQLite's bound-parameter limit


def _month_back(today: date, months: int) -> str:
    index = today.year * 12 + today.month - 1 - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _in_clause(ids: list[str] | None, column: str) -> tuple[str, list]:
    if ids is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(ids))})", list(ids)


def _chunks(ids: list[str] | None) -> Iterable[list[str] | None]:
    """Small id lists go to SQL in chunks; big ones (or None) scan everything once."""
    if ids is None or len(ids) > 20 * _CHUNK:
        yield None
        return
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def gather_facts(ledger: Ledger, today: date, enterprise_ids: list[str] | None = None,
                 window_months: int = 12) -> dict[str, Facts]:
    cy, py = today.year, today.year - 1
    upto = f"{cy}-{today.month:02d}"
    window = _month_back(today, window_months)
    lower = min(f"{py}-01", window)
    no_output = ("period >= '{w}' AND electricity_kwh > 0 AND (output_value = 0 OR "
                 "(output_value IS NULL AND coalesce(revenue, 0) = 0))").format(w=window)
    prior_months = ", ".join(f"sum(CASE period WHEN '{py}-{m:02d}' THEN revenue END)"
                             for m in range(1, 13))
    cur = f"period >= '{cy}-01'"
    figures_sql = f"""
        SELECT enterprise_id, {prior_months},
          sum(CASE WHEN period <= '{py}-12' AND period >= '{py}-01' AND revenue IS NOT NULL
                   THEN electricity_kwh END),
          sum(CASE WHEN period <= '{py}-12' AND period >= '{py}-01' AND revenue IS NOT NULL
                   THEN tax_paid END),
          sum(CASE WHEN {cur} THEN revenue END),
          sum(CASE WHEN {cur} AND revenue IS NOT NULL
                   THEN 1 << (CAST(substr(period, 6, 2) AS INTEGER) - 1) END),
          sum(CASE WHEN {cur} AND revenue IS NOT NULL THEN electricity_kwh END),
          sum(CASE WHEN {cur} AND revenue IS NOT NULL THEN tax_paid END),
          count(CASE WHEN {no_output} THEN 1 END),
          max(CASE WHEN {no_output} THEN period END)
        FROM monthly_figures WHERE period >= ? AND period <= ? {{where}}
        GROUP BY enterprise_id"""
    wanted = None if enterprise_ids is None else set(enterprise_ids)
    facts: dict[str, Facts] = {}
    for chunk in _chunks(enterprise_ids):
        where, params = _in_clause(chunk, "id")
        for row in ledger.conn.execute(
                "SELECT id, name, credit_code, pool, stat_status, source, entered_stats_date,"
                f" exited_stats_date FROM enterprises WHERE 1 = 1{where}", params):
            if wanted is None or row[0] in wanted:
                facts[row[0]] = Facts(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
    for chunk in _chunks(enterprise_ids):
        where, params = _in_clause(chunk, "enterprise_id")
        for row in ledger.conn.execute(figures_sql.format(where=where), [lower, upto, *params]):
            f = facts.get(row[0])
            if f is None:
                continue
            f.prior_revenue_by_month = list(row[1:13])
            (f.prior_kwh, f.prior_tax, f.ytd_revenue, mask, f.ytd_kwh, f.ytd_tax,
             f.no_output_months, f.no_output_last) = row[13:21]
            f.ytd_mask = mask or 0
        where, params = _in_clause(chunk, "enterprise_id")
        for ent, last in ledger.conn.execute(
                f"SELECT enterprise_id, max(visit_date) FROM visits WHERE 1 = 1{where}"
                " GROUP BY enterprise_id", params):
            if ent in facts:
                facts[ent].last_visit = last
        for ent, expected, started in ledger.conn.execute(
                "SELECT enterprise_id, max(expected_to_reach_scale = 1 AND status != 'abandoned'),"
                " max(status != 'abandoned' AND substr(production_start_date, 1, 4) = ?)"
                f" FROM projects WHERE 1 = 1{where} GROUP BY enterprise_id", [str(cy), *params]):
            if ent in facts:
                facts[ent].project_expected = bool(expected)
                facts[ent].project_started_this_year = bool(started)
    _attach_history(ledger, facts.values())
    return facts


def _attach_history(ledger: Ledger, items: Iterable[Facts | RewardFacts]) -> None:
    """Earlier above-scale periods of each credit code (before the current entry)."""
    periods: dict[str, list[tuple[str, str, str | None]]] = {}
    for code, name, entered, exited in ledger.conn.execute(
            "SELECT credit_code, name, entered_on, exited_on FROM scale_history ORDER BY entered_on"):
        periods.setdefault(code, []).append((name, entered, exited))
    if not periods:
        return
    for f in items:
        found = periods.get(f.credit_code)
        if found:
            f.earlier_periods = [p for p in found
                                 if not f.entered_stats_date or p[1] < f.entered_stats_date]


def gather_reward_facts(ledger: Ledger, year: int, years_back: int) -> dict[str, RewardFacts]:
    """Enterprises that entered the register in the `years_back` years up to `year`, or
    have reward claims for `year`, with their yearly output and that year's claims."""
    first = year - years_back + 1
    facts: dict[str, RewardFacts] = {}
    for row in ledger.conn.execute(
            "SELECT id, name, credit_code, township_code, stat_status, entered_stats_date,"
            " exited_stats_date FROM enterprises"
            " WHERE (entered_stats_date >= ? AND entered_stats_date < ?)"
            " OR id IN (SELECT enterprise_id FROM reward_claims WHERE year = ?)",
            (f"{first}-01-01", f"{year + 1}-01-01", year)):
        facts[row[0]] = RewardFacts(*row)
    if not facts:
        return facts
    ids = list(facts)
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for ent, y, total, months in ledger.conn.execute(
                "SELECT enterprise_id, substr(period, 1, 4), sum(output_value), count(output_value)"
                f" FROM monthly_figures WHERE enterprise_id IN ({marks}) AND period >= ? AND period <= ?"
                " GROUP BY enterprise_id, substr(period, 1, 4)",
                [*chunk, f"{first - 1}-01", f"{year}-12"]):
            facts[ent].output_by_year[int(y)] = (total or 0, months)
    for claim in ledger.rows("SELECT * FROM reward_claims WHERE year = ? ORDER BY recorded_on, rowid",
                             (year,)):
        if claim["enterprise_id"] in facts:
            facts[claim["enterprise_id"]].claims.append(claim)
    _attach_history(ledger, facts.values())
    return facts
