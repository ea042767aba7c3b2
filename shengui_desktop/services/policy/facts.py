"""Gathering what the policy rules need, in a handful of aggregate queries.

Never one query per enterprise: monthly figures are aggregated with one GROUP BY over the
two years that matter (last year month by month, this year so far), last year's annual
figures, visits, projects and earlier above-scale periods with one query each. 100,000 enterprises × 36 months take a
few seconds.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Iterable

from ...domain.annual import ANNUAL, COMPLETE_YEAR_MONTHS, MONTHLY, year_total
from ...domain.policy_rewards import RewardFacts
from ...domain.policy_rules import NATIONAL_THRESHOLD, Facts, due_month

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

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


def latest_month(ledger: Ledger, today: date) -> str | None:
    """"Months so far": the latest month of this year up to today's that anybody reported
    (YYYY-MM, the index on period); None before the first."""
    return ledger.scalar("SELECT max(period) FROM monthly_figures WHERE period >= ? AND period <= ?",
                         (f"{today.year}-01", f"{today.year}-{today.month:02d}"))


def gather_facts(ledger: Ledger, today: date, enterprise_ids: list[str] | None = None,
                 window_months: int = 12, jump_percent: int | None = None,
                 late_report: bool = False, threshold: int = NATIONAL_THRESHOLD,
                 last_visits: bool = True) -> dict[str, Facts]:
    """Facts of every enterprise (or those given). `jump_percent`: revenue growth from which
    electricity and tax are fetched for the revenue-jump check (None: not needed);
    `late_report`: fetch the months reported so far in the year of the last due month, for
    the enterprises above scale or in the entry pool (孝义 不按序时进度上报).
    `threshold`: the revenue line a project's expected output is measured against;
    `last_visits`: fetch each enterprise's latest visit (only a 长期未走访 rule reads it: a
    scan of every visit, a tenth of the figures' aggregate at the province)."""
    cy, py = today.year, today.year - 1
    upto = f"{cy}-{today.month:02d}"
    window = _month_back(today, window_months)
    lower = min(f"{py}-01", window)
    latest = latest_month(ledger, today)
    months_so_far = int(latest[5:]) if latest else 0
    in_py = f"period >= '{py}-01' AND " if lower < f"{py}-01" else ""
    no_output = (f"period >= '{window}' AND electricity_kwh > 0 AND (output_value = 0 OR "
                 "(output_value IS NULL AND coalesce(revenue, 0) = 0))")
    last_year = f"{in_py}period <= '{py}-12'"
    same = f"{in_py}period <= '{py}-{max(months_so_far, 1):02d}'"
    cur = f"period >= '{cy}-01'"
    # One pass in enterprise order over the covering index, few aggregates (each CASE costs
    # about as much as the scan's decryption; a FILTER clause skips the aggregate's step for
    # the rows it leaves out: 1.46× → 1.32× one plain two-year aggregate at the county): last
    # year's same period uses the common months so far; the rarer details (electricity and
    # tax for a revenue jump, months without output) are fetched afterwards for the
    # enterprises that need them.
    figures_sql = f"""
        SELECT enterprise_id,
          sum(revenue) FILTER (WHERE {last_year}), count(revenue) FILTER (WHERE {last_year}),
          sum(revenue) FILTER (WHERE {same}), count(revenue) FILTER (WHERE {same}),
          sum(revenue) FILTER (WHERE {cur}), count(revenue) FILTER (WHERE {cur}),
          max(period), max(period) FILTER (WHERE {no_output})
        FROM monthly_figures INDEXED BY monthly_figures_enterprise_figures
        WHERE +period >= ? AND +period <= ? {{where}}
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
    full_mask = (1 << months_so_far) - 1
    irregular: list[str] = []  # months this year other than 1…months_so_far: counted month by month
    flagged: list[Facts] = []  # months with electricity but no output
    for chunk in _chunks(enterprise_ids):
        where, params = _in_clause(chunk, "enterprise_id")
        for (ent, py_total, py_n, py_same, py_same_n, ytd, cy_n, last_period,
             no_out_last) in ledger.conn.execute(figures_sql.format(where=where), [lower, upto, *params]):
            f = facts.get(ent)
            if f is None:
                continue
            f.prior_year_revenue, f.prior_months, f.no_output_last = py_total, py_n, no_out_last
            f.prior_months_revenue = py_total
            f.prior_source = MONTHLY if py_n else None
            if no_out_last:
                flagged.append(f)
            if cy_n and (cy_n != months_so_far or last_period != latest):
                irregular.append(ent)
            elif cy_n:
                f.ytd_revenue, f.ytd_mask = ytd, full_mask
                f.same_period_prior = py_same if py_same_n == months_so_far else None
        where, params = _in_clause(chunk, "enterprise_id")
        for ent, last in ledger.conn.execute(
                f"SELECT enterprise_id, max(visit_date) FROM visits WHERE 1 = 1{where}"
                " GROUP BY enterprise_id", params) if last_visits else ():
            if ent in facts:
                facts[ent].last_visit = last
        # a live new project (not a 技改 of an existing plant) expected to reach scale, by the
        # person's judgement or its expected output at full production, that is not in
        # production before this year (actual date, else planned, else not dated yet); a
        # project in production this year, up to today
        for ent, expected, started in ledger.conn.execute(
                "SELECT enterprise_id, max(status != 'abandoned' AND kind != 'tech_upgrade'"
                " AND (expected_to_reach_scale = 1 OR coalesce(expected_output, 0) >= ?2)"
                " AND coalesce(production_start_date, planned_production_date, '9999') >= ?1),"
                " max(status != 'abandoned' AND production_start_date >= ?1 AND production_start_date <= ?3)"
                f" FROM projects WHERE 1 = 1{where} GROUP BY enterprise_id",  # its ? follow ?3
                [f"{cy}-01-01", threshold, today.isoformat(), *params]):
            if ent in facts:
                facts[ent].project_expected = bool(expected)
                facts[ent].project_started_this_year = bool(started)
    _by_month(ledger, [facts[i] for i in irregular], py, upto)
    _annual(ledger, facts, enterprise_ids, py)
    _details(ledger, facts, flagged, py, window, upto, jump_percent)
    _attach_history(ledger, facts.values())
    if late_report:
        _reported_months(ledger, [f for f in facts.values() if f.stat_status == "above_scale"
                                  or f.pool == "entry"], due_month(today))
    return facts


def _reported_months(ledger: Ledger, items: list[Facts], due: str) -> None:
    """The months from January of the due month's year up to it in which each enterprise has
    a revenue figure (the covering index, a chunk of enterprises at a time)."""
    first = f"{due[:4]}-01"
    for i in range(0, len(items), _CHUNK):
        chunk = {f.enterprise_id: f for f in items[i:i + _CHUNK]}
        found: dict[str, set[str]] = {e: set() for e in chunk}
        for ent, period in ledger.conn.execute(
                "SELECT enterprise_id, period FROM monthly_figures"
                f" WHERE enterprise_id IN ({','.join('?' * len(chunk))}) AND period >= ? AND period <= ?"
                " AND revenue IS NOT NULL", [*chunk, first, due]):
            found[ent].add(period)
        for ent, periods in found.items():
            chunk[ent].reported_periods = frozenset(periods)


def _annual(ledger: Ledger, facts: dict[str, Facts], enterprise_ids: list[str] | None,
            py: int) -> None:
    """Last year's annual revenue (年度数, from the lists) where its twelve months do not
    give the total (domain/annual.py). One row per enterprise and year: a quick read."""
    for chunk in _chunks(enterprise_ids):
        where, params = _in_clause(chunk, "enterprise_id")
        for ent, revenue in ledger.conn.execute(
                "SELECT enterprise_id, revenue FROM annual_figures WHERE year = ?"
                f" AND revenue IS NOT NULL{where}", [py, *params]):
            f = facts.get(ent)
            if f is not None:
                f.use_annual(revenue)


def _details(ledger: Ledger, facts: dict[str, Facts], flagged: list[Facts], py: int, window: str,
             upto: str, jump_percent: int | None) -> None:
    """Electricity and tax of the enterprises whose revenue grew by half or more (the
    revenue-jump check), and the count of months with electricity but no output."""
    jumps = [] if jump_percent is None else [
        f for f in facts.values() if f.same_period_prior and f.ytd_revenue
        and f.ytd_revenue * 100 >= f.same_period_prior * (100 + jump_percent)]
    cur = f"period > '{py}-12'"
    for i in range(0, len(jumps), _CHUNK):
        chunk = {f.enterprise_id: f for f in jumps[i:i + _CHUNK]}
        for ent, py_kwh, py_tax, cy_kwh, cy_tax in ledger.conn.execute(
                "SELECT enterprise_id,"
                f" sum(CASE WHEN NOT {cur} AND revenue IS NOT NULL THEN electricity_kwh END),"
                f" sum(CASE WHEN NOT {cur} AND revenue IS NOT NULL THEN tax_paid END),"
                f" sum(CASE WHEN {cur} AND revenue IS NOT NULL THEN electricity_kwh END),"
                f" sum(CASE WHEN {cur} AND revenue IS NOT NULL THEN tax_paid END)"
                f" FROM monthly_figures WHERE enterprise_id IN ({','.join('?' * len(chunk))})"
                " AND period >= ? AND period <= ? GROUP BY enterprise_id",
                [*chunk, f"{py}-01", upto]):
            f = chunk[ent]
            f.prior_kwh, f.prior_tax, f.ytd_kwh, f.ytd_tax = py_kwh, py_tax, cy_kwh, cy_tax
    for i in range(0, len(flagged), _CHUNK):
        chunk = {f.enterprise_id: f for f in flagged[i:i + _CHUNK]}
        for ent, count in ledger.conn.execute(
                "SELECT enterprise_id, count(*) FROM monthly_figures"
                f" WHERE enterprise_id IN ({','.join('?' * len(chunk))}) AND period >= ? AND period <= ?"
                " AND electricity_kwh > 0 AND (output_value = 0 OR"
                " (output_value IS NULL AND coalesce(revenue, 0) = 0)) GROUP BY enterprise_id",
                [*chunk, window, upto]):
            chunk[ent].no_output_months = count


def _by_month(ledger: Ledger, items: list[Facts], py: int, upto: str) -> None:
    """Revenue month by month for the few enterprises whose months this year are not the
    common 1…n, so the same-period ratio compares exactly the same months."""
    for i in range(0, len(items), _CHUNK):
        chunk = {f.enterprise_id: f for f in items[i:i + _CHUNK]}
        months: dict[str, tuple[list, list]] = {e: ([None] * 12, [None] * 12) for e in chunk}
        for ent, period, revenue in ledger.conn.execute(
                f"SELECT enterprise_id, period, revenue FROM monthly_figures WHERE enterprise_id IN"
                f" ({','.join('?' * len(chunk))}) AND period >= ? AND period <= ?",
                [*chunk, f"{py}-01", upto]):
            months[ent][int(period[:4]) - py][int(period[5:]) - 1] = revenue
        for ent, (prior, current) in months.items():
            chunk[ent].set_months(prior, current)


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
        # a year's annual output (年度数) where its months are not all there
        for ent, y, output in ledger.conn.execute(
                f"SELECT enterprise_id, year, output_value FROM annual_figures WHERE enterprise_id IN ({marks})"
                " AND year >= ? AND year <= ? AND output_value IS NOT NULL", [*chunk, first - 1, year]):
            total, months = facts[ent].output_by_year.get(y, (None, 0))
            value, source = year_total(total, months, output)
            if source == ANNUAL:
                facts[ent].output_by_year[y] = (value, COMPLETE_YEAR_MONTHS)
    for claim in ledger.rows("SELECT * FROM reward_claims WHERE year = ? ORDER BY recorded_on, rowid",
                             (year,)):
        if claim["enterprise_id"] in facts:
            facts[claim["enterprise_id"]].claims.append(claim)
    for ent, rule, first in ledger.conn.execute(
            "SELECT enterprise_id, rule, min(year) FROM reward_claims WHERE kind = 'award'"
            " AND status = 'paid' AND year < ? GROUP BY enterprise_id, rule", (year,)):
        if ent in facts:
            facts[ent].paid_before[rule] = first
    _attach_history(ledger, facts.values())
    return facts
