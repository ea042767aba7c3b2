"""Net-increase targets and their completion: per township, per department, for the county.

Read-only. Entries and exits of a year are counted from the enterprises' current dates and
their earlier recorded above-scale periods.

Whose target is what is read, not stored: for a year the active profile allocates, the
profile's allocation is the target of every township and department it names, matched by
name at the moment of reading. So a township that appears later — added by hand, created by
a spreadsheet import, enrolled through its first package, written in by a migration, renamed
— has its share at once, whichever way it came, and one not in the ledger yet is listed with
its share as not registered (未登记). Any other year is read from the stored targets. (The
stored targets of a profile's year mirror it, profiles.apply_profile_targets.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...domain.policy_results import CountyTargetLine, TargetLine, TargetProgress
from ...storage.ledger import Ledger
from ..ledger import reference
from .profiles import active_profile, profile_places


@dataclass
class Share:
    """What a year gives one township, one department or the county. (Only the net increase
    for now; a kind of target — new entries, a stock, a sum over years — would be a field here
    and in the profile's allocation, read the same way.)"""

    net_increase: int
    note: str | None = None


@dataclass
class YearTargets:
    """The targets of one year and whom they are for."""

    year: int
    source: str  # "profile": the active profile allocates the year; "ledger": stored targets
    county: Share | None
    townships: dict[str, Share] = field(default_factory=dict)  # by code
    departments: dict[str, Share] = field(default_factory=dict)  # by id
    # what the profile allocates to townships and departments not in the ledger, by name
    unregistered_townships: dict[str, Share] = field(default_factory=dict)
    unregistered_departments: dict[str, Share] = field(default_factory=dict)

    def township_total(self) -> int | None:
        shares = [*self.townships.values(), *self.unregistered_townships.values()]
        return sum(s.net_increase for s in shares) if shares else None


def _from_profile(ledger: Ledger, year: int) -> YearTargets | None:
    profile = active_profile(ledger)
    block = next((b for b in profile.data["targets"] if b["year"] == year), None) if profile else None
    if block is None:
        return None
    county = Share(block["county"], block.get("note")) if block.get("county") is not None else None
    out = YearTargets(year, "profile", county)
    named = reference.townships_named(ledger, [t["name"] for t in block["townships"]], profile_places(profile))
    for t in block["townships"]:
        share = Share(t["net_increase"], t.get("note"))
        for town in named[t["name"]]:
            out.townships[town["code"]] = share
        if not named[t["name"]]:
            out.unregistered_townships[t["name"]] = share
    departments = {reference.name_key(d["name"]): d["id"] for d in reference.list_departments(ledger)}
    for d in block["departments"]:
        share = Share(d["net_increase"], d.get("note"))
        found = departments.get(reference.name_key(d["name"]))
        if found:
            out.departments[found] = share
        else:
            out.unregistered_departments[d["name"]] = share
    return out


def year_targets(ledger: Ledger, year: int) -> YearTargets:
    """The year's targets: the active profile's allocation for a year it allocates, else the
    stored targets."""
    found = _from_profile(ledger, year)
    if found is not None:
        return found
    out = YearTargets(year, "ledger", None)
    for t in ledger.rows("SELECT * FROM targets WHERE year = ?", (year,)):
        share = Share(t["net_increase"], t["note"])
        if t["scope"] == "county":
            out.county = share
        elif t["scope"] == "township":
            out.townships[t["township_code"]] = share
        else:
            out.departments[t["department_id"]] = share
    return out


def _county_target(targets: YearTargets) -> tuple[int | None, str]:
    if targets.county is not None:
        return targets.county.net_increase, "全县目标"
    total = targets.township_total()
    if total is not None:
        return total, "各乡镇目标之和"
    return None, "未设定"


def year_target(ledger: Ledger, year: int) -> tuple[int | None, str]:
    """The county's net-increase target of the year, and where it comes from."""
    return _county_target(year_targets(ledger, year))


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
    plan = year_targets(ledger, year)
    targets = {**{("township", k): v for k, v in plan.townships.items()},
               **{("department", k): v for k, v in plan.departments.items()}}
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
        return TargetLine(scope=scope, key=key, name=name, target=t.net_increase if t else None,
                          entries=e, exits=x, note=t.note if t else None)

    def unregistered(scope, name, share: Share) -> TargetLine:
        return TargetLine(scope=scope, key=None, name=name, target=share.net_increase, entries=0, exits=0,
                          note=share.note, registered=False)

    townships = [line("township", t["code"], t["name"]) for t in reference.list_townships(ledger)]
    townships += [unregistered("township", name, s) for name, s in plan.unregistered_townships.items()]
    departments = []
    for d in reference.list_departments(ledger):
        if ("department", d["id"]) in targets or ("department", d["id"]) in counts:
            departments.append(line("department", d["id"], d["name"]))
    if ("department", None) in counts:
        departments.append(line("department", None, "未指定责任单位"))
    departments += [unregistered("department", name, s) for name, s in plan.unregistered_departments.items()]
    target, source = _county_target(plan)
    county = CountyTargetLine(scope="county", key=None, name="全县合计", target=target, entries=entries,
                              exits=exits, note=plan.county.note if plan.county else None,
                              target_source=source)

    def total(lines: list[TargetLine]) -> int | None:
        set_ = [ln.target for ln in lines if ln.target is not None]
        return sum(set_) if set_ else None

    return TargetProgress(year=year, county=county, townships=townships, departments=departments,
                          township_target_total=total(townships), department_target_total=total(departments))
