"""Targets and their completion, per township, per department and for the county, of every
kind the documents set: 净增 (net: entries − exits in a year), 新增 (new: entries in a year),
累计新增 (cumulative: entries over a period of years) and 规上企业总数 (stock: enterprises above
scale at the end of a year, against a number for the end of a period).

Read-only, except `set_target` (`shengui targets set`). Entries and exits are counted from the
enterprises' current dates and their earlier recorded above-scale periods.

Whose target is what is read, not stored: for a kind and period the active profile allocates,
the profile's allocation is the target of every township and department it names, matched by
name at the moment of reading. So a township that appears later — added by hand, created by
a spreadsheet import, enrolled through its first package, written in by a migration, renamed
— has its share at once, whichever way it came, and one not in the ledger yet is listed with
its share as not registered (未登记). Any other kind and period is read from the stored
targets. (The stored targets of a profile's allocation mirror it, profiles.apply_profile_targets.)
A profile's target of a higher level (`area`, 湖南's 全省) is listed for reference only.

The 孝义 pool sizes are here too: they are multiples of the year's target, and the pool
sizing the CLI prints and the ranking the evaluation makes call the same `pool_sizing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...domain.policy import Profile
from ...domain.policy_calendar import sizing
from ...domain.policy_results import (CountyTargetLine, KindLine, KindTargets, PoolSizing, TargetLine,
                                      TargetProgress)
from ...domain.records import PERIOD_KINDS, TARGET_KINDS
from ...errors import UserError
from ...storage.ledger import Ledger
from ..ledger import reference
from .profiles import active_profile, active_profile_row, copy_profile, edit_profile, profile_places
from ..office.permissions import require

KIND_ORDER = tuple(TARGET_KINDS)  # net, new, cumulative, stock


@dataclass
class Share:
    """What a target set gives one township, one department or the county."""

    value: int
    note: str | None = None


@dataclass
class TargetSet:
    """The targets of one kind over one period (a single year for 净增 and 新增) and whom
    they are for."""

    kind: str
    first_year: int
    last_year: int
    source: str  # "profile": the active profile allocates it; "ledger": stored targets
    county: Share | None
    townships: dict[str, Share] = field(default_factory=dict)  # by code
    departments: dict[str, Share] = field(default_factory=dict)  # by id
    # what the profile allocates to townships and departments not in the ledger, by name
    unregistered_townships: dict[str, Share] = field(default_factory=dict)
    unregistered_departments: dict[str, Share] = field(default_factory=dict)
    area: str | None = None  # a higher level's target (全省): listed for reference only
    quote: str = ""

    @property
    def key(self) -> tuple:
        return self.kind, self.first_year, self.last_year, self.area

    def township_total(self) -> int | None:
        shares = [*self.townships.values(), *self.unregistered_townships.values()]
        return sum(s.value for s in shares) if shares else None


def _block_set(ledger: Ledger, profile: Profile, block: dict) -> TargetSet:
    kind = block.get("kind", "net")
    county = Share(block["county"], block.get("note")) if block.get("county") is not None else None
    out = TargetSet(kind, block["year"], block.get("until", block["year"]), "profile", county,
                    area=block.get("area"), quote=block.get("quote", ""))
    named = reference.townships_named(ledger, [t["name"] for t in block["townships"]], profile_places(profile))
    for t in block["townships"]:
        share = Share(t.get("value", t.get("net_increase")), t.get("note"))
        for town in named[t["name"]]:
            out.townships[town["code"]] = share
        if not named[t["name"]]:
            out.unregistered_townships[t["name"]] = share
    if block["departments"]:
        departments = {reference.name_key(d["name"]): d["id"] for d in reference.list_departments(ledger)}
        for d in block["departments"]:
            share = Share(d.get("value", d.get("net_increase")), d.get("note"))
            found = departments.get(reference.name_key(d["name"]))
            if found:
                out.departments[found] = share
            else:
                out.unregistered_departments[d["name"]] = share
    return out


def _stored_sets(ledger: Ledger, year: int) -> list[TargetSet]:
    sets: dict[tuple, TargetSet] = {}
    for t in ledger.rows("SELECT * FROM targets WHERE year <= ?1 AND coalesce(until_year, year) >= ?1"
                         " ORDER BY year, kind", (year,)):
        kind = t["kind"] or "net"
        last = t["until_year"] or t["year"]
        found = sets.setdefault((kind, t["year"], last), TargetSet(kind, t["year"], last, "ledger", None))
        share = Share(t["net_increase"], t["note"])
        if t["scope"] == "county":
            found.county = share
        elif t["scope"] == "township":
            found.townships[t["township_code"]] = share
        else:
            found.departments[t["department_id"]] = share
    return list(sets.values())


def target_sets(ledger: Ledger, year: int, kind: str | None = None) -> list[TargetSet]:
    """Every set of targets that applies to `year` (of `kind`, or all): the active profile's,
    then the stored ones of the kinds and periods the profile does not allocate. In the order
    net, new, cumulative, stock; this county's before a higher level's."""
    profile = active_profile(ledger)
    blocks = profile.data["targets"] if profile else []
    own = {(b.get("kind", "net"), b["year"], b.get("until", b["year"]), None) for b in blocks
           if b.get("area") is None}
    out = [_block_set(ledger, profile, b) for b in blocks  # type: ignore[arg-type]
           if b["year"] <= year <= b.get("until", b["year"]) and (kind is None or b.get("kind", "net") == kind)]
    out += [s for s in _stored_sets(ledger, year) if s.key not in own and (kind is None or s.kind == kind)]
    out.sort(key=lambda s: (KIND_ORDER.index(s.kind), s.area is not None, s.first_year, s.last_year))
    return out


def year_targets(ledger: Ledger, year: int) -> TargetSet:
    """The year's 净增 targets of this county: the active profile's allocation for a year it
    allocates, else the stored targets (an empty set when none)."""
    found = next((s for s in target_sets(ledger, year, "net") if s.area is None and s.first_year == year),
                 None)
    return found or TargetSet("net", year, year, "ledger", None)


def _county_target(targets: TargetSet) -> tuple[int | None, str]:
    if targets.county is not None:
        return targets.county.value, "全县目标"
    total = targets.township_total()
    if total is not None:
        return total, "各乡镇目标之和"
    return None, "未设定"


def year_target(ledger: Ledger, year: int) -> tuple[int | None, str]:
    """The county's target of the year and where it comes from: the 净增 target, or, when
    the year has none, its 新增 target (孝义's 入统库 is as large as the year's target)."""
    target, source = _county_target(year_targets(ledger, year))
    if target is not None:
        return target, source
    new = next((s for s in target_sets(ledger, year, "new") if s.area is None), None)
    if new is not None:
        value, source = _county_target(new)
        if value is not None:
            return value, source.replace("目标", "新增目标")
    return None, "未设定"


def pool_sizing(ledger: Ledger, year: int) -> PoolSizing | None:
    """孝义: required pool sizes from the targets, the current counts and the shortfalls
    (None when the profile sets no pool sizes). The evaluation's ranking uses these sizes."""
    profile = active_profile(ledger)
    if profile is None or profile.pool_sizing is None:
        return None
    target, source = year_target(ledger, year)
    counts = dict(ledger.conn.execute("SELECT pool, count(*) FROM enterprises GROUP BY pool").fetchall())
    return sizing(profile, year, target, counts, f"{target}户（{source}）" if target else "")


# -- what is achieved ---------------------------------------------------------------------------
Unit = tuple[str | None, str | None]  # (township code, department id) of one enterprise


# The enterprises that entered or left in a period: through the two partial indexes of
# schema 19 (enterprises_entered, enterprises_exited), not a pass over every enterprise
# (tests/test_perf_paths.py)
MOVES_SQL = ("SELECT credit_code, township_code, department_id, entered_stats_date, exited_stats_date"
             " FROM enterprises WHERE entered_stats_date BETWEEN ?1 AND ?2"
             " OR exited_stats_date BETWEEN ?1 AND ?2")


def _moves(ledger: Ledger, first: int, last: int) -> list[tuple[str, str, str | None, str]]:
    """(kind 'entry'|'exit', township_code, department_id, key) of every entry/exit from the
    start of `first` to the end of `last`, from the enterprises' current dates and their
    earlier recorded periods."""
    lo, hi = f"{first}-01-01", f"{last}-12-31"
    seen: set[tuple] = set()
    out = []
    for code, town, dept, entered, exited in ledger.conn.execute(MOVES_SQL, (lo, hi)):
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


def _above_scale_at(ledger: Ledger, year: int) -> list[Unit]:
    """The enterprises above scale at the end of `year` (those above scale now count when
    their entry date is unknown), one per credit code: the current period, or an earlier
    recorded one that covered that day."""
    end = f"{year}-12-31"
    found: dict[str, Unit] = {}
    for code, town, dept in ledger.conn.execute(
            "SELECT credit_code, township_code, department_id FROM enterprises"
            " WHERE (stat_status = 'above_scale' AND coalesce(entered_stats_date, '') <= ?1)"
            " OR (stat_status = 'exited' AND entered_stats_date <= ?1 AND exited_stats_date > ?1)", (end,)):
        found[code] = (town, dept)
    for code, town, dept in ledger.conn.execute(
            "SELECT h.credit_code, e.township_code, e.department_id FROM scale_history h"
            " JOIN enterprises e ON e.credit_code = h.credit_code"
            " WHERE h.entered_on <= ?1 AND (h.exited_on IS NULL OR h.exited_on > ?1)", (end,)):
        found.setdefault(code, (town, dept))
    return list(found.values())


def _tally(units: list[Unit]) -> tuple[dict[tuple[str, str | None], int], int]:
    counts: dict[tuple[str, str | None], int] = {}
    for town, dept in units:
        for key in (("township", town), ("department", dept)):
            counts[key] = counts.get(key, 0) + 1
    return counts, len(units)


def _achieved(ledger: Ledger, kind: str, first: int, year: int) -> tuple[dict, int, str]:
    """What a target of `kind` counts by unit, in all, and in words, for the year `year`."""
    if kind == "stock":
        counts, total = _tally(_above_scale_at(ledger, year))
        return counts, total, f"{year}年底规上企业数"
    moves = _moves(ledger, first if kind == "cumulative" else year, year)
    counts, total = _tally([(town, dept) for what, town, dept, _code in moves if what == "entry"])
    if kind == "net":
        for what, town, dept, _code in moves:
            if what == "exit":
                for key in (("township", town), ("department", dept)):
                    counts[key] = counts.get(key, 0) - 1
                total -= 1
        return counts, total, f"{year}年净增"
    if kind == "cumulative":
        return counts, total, f"{first}–{year}年新增入规" if year > first else f"{first}年新增入规"
    return counts, total, f"{year}年新增入规"


def _title(s: TargetSet) -> str:
    name = TARGET_KINDS[s.kind]
    if s.kind == "cumulative":
        text = f"{s.first_year}–{s.last_year}年{name}"
    elif s.kind == "stock":
        text = f"至{s.last_year}年底{name}"
    else:
        text = f"{s.first_year}年{name}"
    return f"{text}（{s.area}目标）" if s.area else text


def _other_kind(ledger: Ledger, s: TargetSet, year: int) -> KindTargets:
    counts, total, label = _achieved(ledger, s.kind, s.first_year, year)
    if s.area:
        county = KindLine(scope="county", key=None, name=s.area, target=s.county.value if s.county else None,
                          achieved=total, note=s.county.note if s.county else None, counted=False)
        return KindTargets(kind=s.kind, kind_name=TARGET_KINDS[s.kind], first_year=s.first_year,
                           last_year=s.last_year, title=_title(s), achieved_label=f"本台账{label}",
                           area=s.area, county=county, target_source=f"{s.area}目标",
                           townships=[], departments=[],
                           note=f"{s.area}目标：本台账只含本县（区）企业，完成率由上级统计", quote=s.quote)

    def line(scope, key, name) -> KindLine:
        share = (s.townships if scope == "township" else s.departments).get(key)
        return KindLine(scope=scope, key=key, name=name, target=share.value if share else None,
                        achieved=counts.get((scope, key), 0), note=share.note if share else None)

    townships = [line("township", t["code"], t["name"]) for t in reference.list_townships(ledger)]
    townships += [KindLine(scope="township", key=None, name=name, target=share.value, achieved=0,
                           note=share.note, registered=False)
                  for name, share in s.unregistered_townships.items()]
    departments = [line("department", d["id"], d["name"]) for d in reference.list_departments(ledger)
                   if d["id"] in s.departments or counts.get(("department", d["id"]))]
    if counts.get(("department", None)):
        departments.append(line("department", None, "未指定责任单位"))
    departments += [KindLine(scope="department", key=None, name=name, target=share.value, achieved=0,
                             note=share.note, registered=False)
                    for name, share in s.unregistered_departments.items()]
    target, source = _county_target(s)
    county = KindLine(scope="county", key=None, name="全县合计", target=target, achieved=total,
                      note=s.county.note if s.county else None)
    return KindTargets(kind=s.kind, kind_name=TARGET_KINDS[s.kind], first_year=s.first_year,
                       last_year=s.last_year, title=_title(s), achieved_label=label, area=None,
                       county=county, target_source=source, townships=townships, departments=departments,
                       note=s.county.note if s.county else None, quote=s.quote)


def target_progress(ledger: Ledger, year: int) -> TargetProgress:
    """Per township, per department and for the county: the year's 净增 target, entries
    (新增), exits, net increase (净增 = entries − exits) and completion rate (净增 ÷ 目标);
    then every other target that applies to the year (`other_targets`): 新增 (entries ÷
    目标), 累计新增 (entries since the period began ÷ 目标), 规上企业总数 (enterprises above
    scale at the end of the year ÷ 目标), and a higher level's targets for reference."""
    sets = target_sets(ledger, year)
    plan = next((s for s in sets if s.kind == "net" and s.area is None and s.first_year == year), None) \
        or TargetSet("net", year, year, "ledger", None)
    targets = {**{("township", k): v for k, v in plan.townships.items()},
               **{("department", k): v for k, v in plan.departments.items()}}
    counts: dict[tuple[str, str | None], list[int]] = {}
    entries = exits = 0
    for kind, town, dept, _code in _moves(ledger, year, year):
        i = 0 if kind == "entry" else 1
        for key in (("township", town), ("department", dept)):
            counts.setdefault(key, [0, 0])[i] += 1
        entries, exits = entries + (i == 0), exits + (i == 1)

    def line(scope, key, name) -> TargetLine:
        t = targets.get((scope, key))
        e, x = counts.get((scope, key), (0, 0))
        return TargetLine(scope=scope, key=key, name=name, target=t.value if t else None,
                          entries=e, exits=x, note=t.note if t else None)

    def unregistered(scope, name, share: Share) -> TargetLine:
        return TargetLine(scope=scope, key=None, name=name, target=share.value, entries=0, exits=0,
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
                          township_target_total=total(townships), department_target_total=total(departments),
                          other_targets=[_other_kind(ledger, s, year) for s in sets if s is not plan])


# -- setting a target ---------------------------------------------------------------------------
def _kind(kind: str) -> str:
    if kind in TARGET_KINDS:
        return kind
    found = {v: k for k, v in TARGET_KINDS.items()}.get(kind)
    if found is None:
        names = "、".join(f"{k}（{v}）" for k, v in TARGET_KINDS.items())
        raise UserError(f"目标类别“{kind}”无效，应为：{names}")
    return found


def _period(kind: str, year: int | None, first: int | None, until: int | None) -> tuple[int, int | None]:
    """(first year, until year or None) of a target as the command gives it."""
    name = TARGET_KINDS[kind]
    if kind in PERIOD_KINDS:
        if until is None:
            raise UserError(f"{name}目标须用 --until 指定截止年度（如 --until 2026）")
        start = first if first is not None else year
        if start is None:
            if kind == "cumulative":
                raise UserError("累计新增目标须用 --from 指定起始年度（如 --from 2022 --until 2026）")
            start = until
        if year is not None and first is not None and year != first:
            raise UserError(f"--year {year} 与 --from {first} 不一致：{name}目标只需 --from 和 --until")
        if until < start:
            raise UserError(f"截止年度{until}不能早于起始年度{start}")
        return start, until
    if first is not None or until is not None:
        raise UserError(f"{name}目标按年度设定：请只用 --year，不用 --from、--until")
    if year is None:
        raise UserError(f"{name}目标须用 --year 指定年度")
    return year, None


def _profile_block(profile: Profile | None, kind: str, first: int, until: int | None) -> int | None:
    if profile is None:
        return None
    for i, block in enumerate(profile.data["targets"]):
        if block.get("area") is None and block.get("kind", "net") == kind and block["year"] == first \
                and block.get("until", block["year"]) == (until if until is not None else first):
            return i
    return None


def _in_block(ledger: Ledger, profile: Profile, block: dict, scope: str, key: str, name: str,
              value: int, note: str | None) -> None:
    """Set `value` for one township or department in a profile's allocation (appended when
    the allocation does not name it yet)."""
    field_ = "townships" if scope == "township" else "departments"
    entries = block[field_]
    if scope == "township":
        named = reference.townships_named(ledger, [e["name"] for e in entries], profile_places(profile))
        hits = [e for e in entries if any(t["code"] == key for t in named[e["name"]])
                or reference.name_key(e["name"]) == reference.name_key(name)]
    else:
        hits = [e for e in entries if reference.name_key(e["name"]) == reference.name_key(name)]
    if not hits:
        entry: dict = {"name": name}
        entries.append(entry)
        hits = [entry]
    for entry in hits:
        entry["net_increase" if "net_increase" in entry else "value"] = value
        if note is not None:
            entry["note"] = note


def set_target(ledger: Ledger, *, kind: str = "net", value: int, year: int | None = None,
               first_year: int | None = None, until: int | None = None, township: str | None = None,
               department: str | None = None, note: str | None = None) -> dict:
    """`shengui targets set`: the target of one kind for the county, a township (code or
    name) or a department (name; added when the ledger has none of that name), all or nothing.

    A kind and period the active profile allocates is changed in the profile (copied first
    when it is a shipped one, as `profile copy` would), so the allocation stays one; any other
    is stored as a target of the ledger. Both travel to the townships in packages."""
    require(ledger, "targets")
    kind = _kind(kind)
    first, last = _period(kind, year, first_year, until)
    if ledger.meta("role") != "county":
        raise UserError("只有县级台账可以设定目标，乡镇台账的目标从县级同步包中获得")
    if township and department:
        raise UserError("--township 与 --department 只能指定一个")
    if not isinstance(value, int) or isinstance(value, bool):
        raise UserError("目标户数应为整数")
    if kind != "net" and value < 0:
        raise UserError(f"{TARGET_KINDS[kind]}目标不能为负数（实际为{value}）")
    profile = active_profile(ledger)
    index = _profile_block(profile, kind, first, last)
    scope, key, name = "county", None, "全县"
    added_department = False
    if township:
        row = ledger.one("SELECT code, name FROM townships WHERE code = ?", (township.strip(),)) \
            or reference.township_by_name(ledger, township)
        if row is None and index is not None:  # a township the allocation names but the ledger lacks
            scope, key, name = "township", None, township.strip()
        elif row is None:
            raise UserError(f"台账中没有乡镇“{township}”（可写乡镇名称或9位代码）")
        else:
            scope, key, name = "township", row["code"], row["name"]
    elif department:
        row = reference.department_by_name(ledger, department)
        scope, name = "department", row["name"] if row else department.strip()
    result = {"kind": kind, "kind_name": TARGET_KINDS[kind], "year": first, "until": last, "scope": scope,
              "name": name, "value": value, "via": "ledger", "profile": None, "copied": False,
              "added_department": False}
    with ledger.transaction():
        if scope == "department" and index is None:
            found = reference.department_by_name(ledger, name)
            added_department = found is None
            key = found["id"] if found else reference.add_department(ledger, name)
        if index is None:
            reference.set_target(ledger, {"year": first, "until_year": last, "kind": kind, "scope": scope,
                                          "township_code": key if scope == "township" else None,
                                          "department_id": key if scope == "department" else None,
                                          "net_increase": value, "note": note})
        else:
            row = active_profile_row(ledger)
            if row is None or ".local" not in row["code"]:
                copy_profile(ledger)
                result["copied"] = True
            current = active_profile(ledger)
            assert current is not None
            block = dict(current.data["targets"][index])
            block["townships"] = [dict(t) for t in block["townships"]]
            block["departments"] = [dict(d) for d in block["departments"]]
            if scope == "county":
                block["county"] = value
                if note is not None:
                    block["note"] = note
            else:
                _in_block(ledger, current, block, scope, key or "", name, value, note)
            edit_profile(ledger, {f"targets.{index}": block})
            result["via"] = "profile"
            result["profile"] = active_profile(ledger).name  # type: ignore[union-attr]
    result["added_department"] = added_department
    return result


# -- the 目标任务 page's tables -------------------------------------------------------------------
@dataclass
class TargetRow:
    """One township, department or the county under one target: the number asked for, what
    is achieved, completion (achieved ÷ target) and the rank among the units of its scope
    (1 = highest completion; equal completion and achievement share a rank; None when no
    target is set or no rank is given)."""

    scope: str  # "township" | "department" | "county"
    key: str | None  # township code or department id (None: the county or 未登记)
    name: str
    target: int | None
    achieved: int
    completion_rate: float | None
    rank: int | None = None
    detail: str = ""  # how `achieved` is made up (净增: 新增3、退规1)
    note: str | None = None
    registered: bool = True


@dataclass
class TargetTable:
    """One target (a kind over a period) that applies to a year, as the 目标任务 page, its
    chart and its Excel sheet show it."""

    kind: str
    kind_name: str
    first_year: int
    last_year: int
    title: str  # "2026年净增", "2022–2026年累计新增", "至2025年底规上企业总数（全省目标）"
    achieved_label: str  # what `achieved` counts
    area: str | None  # a higher level's target: for reference, no completion
    target_source: str  # 全县目标 / 各乡镇目标之和 / 未设定 / 全省目标
    townships: list[TargetRow]
    departments: list[TargetRow]
    county: TargetRow | None  # None at a township
    ranked: bool  # ranks given (a county's ledger; a township holds only its own enterprises)
    source: str = "ledger"  # "profile": the active profile allocates it (set_target edits the profile)

    def has_targets(self) -> bool:
        rows = [*self.townships, *self.departments, *([self.county] if self.county else [])]
        return any(r.target is not None for r in rows)


def rank_rows(rows: list[TargetRow]) -> None:
    """Rank `rows` in place by completion, then by what is achieved (competition ranking:
    1, 2, 2, 4); a row without a completion rate has no rank."""
    ranked = sorted((r for r in rows if r.completion_rate is not None),
                    key=lambda r: (-(r.completion_rate or 0), -r.achieved))
    previous: tuple | None = None
    for place, row in enumerate(ranked, 1):
        score = (row.completion_rate, row.achieved)
        row.rank = place if score != previous else ranked[place - 2].rank
        previous = score


def _net_row(line: TargetLine) -> TargetRow:
    return TargetRow(scope=line.scope, key=line.key, name=line.name, target=line.target,
                     achieved=line.net_increase, completion_rate=line.completion_rate,
                     detail=f"新增{line.entries}、退规{line.exits}" if line.registered else "未登记",
                     note=line.note, registered=line.registered)


def _kind_row(line: KindLine) -> TargetRow:
    return TargetRow(scope=line.scope, key=line.key, name=line.name, target=line.target,
                     achieved=line.achieved, completion_rate=line.completion_rate,
                     detail="" if line.registered else "未登记", note=line.note, registered=line.registered)


def target_tables(ledger: Ledger, year: int) -> list[TargetTable]:
    """Every target that applies to `year`, first the year's 净增 (always listed, set or
    not), then 新增, 累计新增, 规上企业总数 and a higher level's: by township, by department
    and for the county, with completion and ranking — the numbers of `target_progress`.

    At a township only its own line is listed and nothing is ranked: its ledger holds its
    own enterprises only, so the other townships' achievements are not known there."""
    progress = target_progress(ledger, year)
    township = ledger.meta("role") == "township"
    own = (ledger.this_site() or {}).get("area_code") if township else None
    tables = [TargetTable(
        kind="net", kind_name=TARGET_KINDS["net"], first_year=year, last_year=year, title=f"{year}年净增",
        achieved_label=f"{year}年净增（新增入规 − 退规）", area=None,
        target_source=progress.county.target_source,
        townships=[_net_row(t) for t in progress.townships], departments=[_net_row(d) for d in progress.departments],
        county=_net_row(progress.county), ranked=not township)]
    for k in progress.other_targets:
        tables.append(TargetTable(
            kind=k.kind, kind_name=k.kind_name, first_year=k.first_year, last_year=k.last_year, title=k.title,
            achieved_label=k.achieved_label, area=k.area, target_source=k.target_source,
            townships=[_kind_row(t) for t in k.townships], departments=[_kind_row(d) for d in k.departments],
            county=_kind_row(k.county), ranked=not township and k.area is None))
    allocated = {(s.kind, s.first_year, s.last_year, s.area) for s in target_sets(ledger, year)
                 if s.source == "profile"}
    for table in tables:
        if (table.kind, table.first_year, table.last_year, table.area) in allocated:
            table.source = "profile"
        if township:
            table.townships = [t for t in table.townships if t.key == own]
            table.departments, table.county = [], None
        elif table.ranked:
            rank_rows(table.townships)
            rank_rows(table.departments)
        if table.county is not None:
            table.county.name = table.area or "全县合计"
    return tables
