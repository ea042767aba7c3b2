"""Net-increase targets and their completion: per township, per department, for the county.

Read-only. Entries and exits of a year are counted from the enterprises' current dates and
their earlier recorded above-scale periods.
"""

from __future__ import annotations

from ...domain.policy_results import CountyTargetLine, TargetLine, TargetProgress
from ...storage.ledger import Ledger


def year_target(ledger: Ledger, year: int) -> tuple[int | None, str]:
    """The county's net-increase target of the year, and where it comes from."""
    county = ledger.scalar("SELECT net_increase FROM targets WHERE year = ? AND scope = 'county'", (year,))
    if county is not None:
        return county, "全县目标"
    total = ledger.scalar("SELECT sum(net_increase) FROM targets WHERE year = ? AND scope = 'township'",
                          (year,))
    if total is not None:
        return total, "各乡镇目标之和"
    return None, "未设定"


def _moves(ledger: Ledger, year: int) -> list[tuple[str, str, str | None, str]]:
    """(kind 'entry'|'exit', township_code, department_id, key) of every entry/exit in the year,
    from the enterprises' current dates and their earlier recorded periods."""
    lo, hi = f"{year}-01-01", f"{year}-12-31"
    seen: set[tuple] = set()
    out = []
    for code, town, dept, entered, exited in ledger.conn.execute(
            "SELECT credit_code, township_code, department_id, entered_stats_date, exited_stats_date"
            " FROM enterprises WHERE entered_stats_date BETWEEN ?1 AND ?2"
            " OR exited_stats_date BETWEEN ?1 AND ?2", (lo, hi)):
        for kind, day in (("entry", entered), ("exit", exited)):
            if day and lo <= day <= hi and (code, kind, day) not in seen:
                seen.add((code, kind, day))
                out.append((kind, town, dept, code))
    for code, town, dept, entered, exited in ledger.conn.execute(
            "SELECT h.credit_code, e.township_code, e.department_id, h.entered_on, h.exited_on"
            " FROM scale_history h JOIN enterprises e ON e.credit_code = h.credit_code"
            " WHERE h.entered_on BETWEEN ?1 AND ?2 OR h.exited_on BETWEEN ?1 AND ?2", (lo, hi)):
        for kind, day in (("entry", entered), ("exit", exited)):
            if day and lo <= day <= hi and (code, kind, day) not in seen:
                seen.add((code, kind, day))
                out.append((kind, town, dept, code))
    return out


def target_progress(ledger: Ledger, year: int) -> TargetProgress:
    """Per township, per department and for the county: target, entries (新增), exits,
    net increase (净增 = entries − exits) and completion rate (净增 ÷ 目标)."""
    targets = {(t["scope"], t["township_code"] or t["department_id"]): t
               for t in ledger.rows("SELECT * FROM targets WHERE year = ?", (year,))}
    counts: dict[tuple[str, str | None], list[int]] = {}
    entries = exits = 0
    for kind, town, dept, _code in _moves(ledger, year):
        i = 0 if kind == "entry" else 1
        for key in (("township", town), ("department", dept)):
            counts.setdefault(key, [0, 0])[i] += 1
        entries, exits = entries + (i == 0), exits + (i == 1)

    def line(scope, key, name) -> TargetLine:
        t = targets.get((scope, key))
        e, x = counts.get((scope, key), (0, 0))
        return TargetLine(scope=scope, key=key, name=name, target=t["net_increase"] if t else None,
                          entries=e, exits=x, note=t["note"] if t else None)

    townships = [line("township", t["code"], t["name"])
                 for t in ledger.rows("SELECT code, name FROM townships ORDER BY code")]
    departments = []
    for d in ledger.rows("SELECT id, name FROM departments ORDER BY name"):
        if ("department", d["id"]) in targets or ("department", d["id"]) in counts:
            departments.append(line("department", d["id"], d["name"]))
    if ("department", None) in counts:
        departments.append(line("department", None, "未指定责任单位"))
    target, source = year_target(ledger, year)
    county_row = targets.get(("county", None))
    county = CountyTargetLine(scope="county", key=None, name="全县合计", target=target, entries=entries,
                              exits=exits, note=county_row["note"] if county_row else None,
                              target_source=source)

    def total(lines: list[TargetLine]) -> int | None:
        set_ = [ln.target for ln in lines if ln.target is not None]
        return sum(set_) if set_ else None

    return TargetProgress(year=year, county=county, townships=townships, departments=departments,
                          township_target_total=total(townships), department_target_total=total(departments))
