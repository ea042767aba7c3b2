"""Targets and their completion, rewards, pool sizing, calendar reminders, entry checklist.

Read-only except the checklist ticks (written through the ledger, synced).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

from ...domain.policy import REWARD_STATUSES
from ...domain.policy_calendar import CHECKLIST_ITEMS, checklist, reminders, sizing
from ...domain.policy_rewards import rewards_for, totals
from ...errors import UserError
from .facts import gather_reward_facts

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

THRESHOLD_YUAN = 20_000_000


def _profile(ledger: Ledger):
    from . import active_profile  # the profile lives with the facade
    return active_profile(ledger)


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


def _line(scope: str, key: str | None, name: str, target: int | None, entries: int, exits: int,
          note: str | None = None) -> dict:
    net = entries - exits
    return {"scope": scope, "key": key, "name": name, "target": target, "entries": entries,
            "new_entries": entries, "exits": exits, "net_increase": net,
            "completion_rate": round(net / target, 4) if target else None, "note": note}


def target_progress(ledger: Ledger, year: int) -> dict:
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

    def line(scope, key, name):
        t = targets.get((scope, key))
        e, x = counts.get((scope, key), (0, 0))
        return _line(scope, key, name, t["net_increase"] if t else None, e, x, t["note"] if t else None)

    townships = [line("township", t["code"], t["name"])
                 for t in ledger.rows("SELECT code, name FROM townships ORDER BY code")]
    departments = []
    for d in ledger.rows("SELECT id, name FROM departments ORDER BY name"):
        if ("department", d["id"]) in targets or ("department", d["id"]) in counts:
            departments.append(line("department", d["id"], d["name"]))
    if ("department", None) in counts:
        departments.append(line("department", None, "未指定责任单位"))
    target, source = year_target(ledger, year)
    county = _line("county", None, "全县合计", target, entries, exits,
                   targets.get(("county", None), {}).get("note") if ("county", None) in targets else None)
    county["target_source"] = source

    def total(lines):
        set_ = [ln["target"] for ln in lines if ln["target"] is not None]
        return sum(set_) if set_ else None

    return {"year": year, "county": county, "townships": townships, "departments": departments,
            "township_target_total": total(townships), "department_target_total": total(departments)}


def rewards(ledger: Ledger, year: int, today: date | None = None) -> dict:
    """Every reward line of the year under the active profile, with totals."""
    today = today or date.today()
    profile = _profile(ledger)
    if profile is None:
        return {"year": year, "profile": None, "lines": [], "totals": totals([]),
                "notes": ["尚未选择政策配置，无法计算奖补"]}
    span = 1
    for rule in profile.data["rewards"]:
        span = max(span, rule.get("year", 1), rule.get("years", 1), rule.get("parts", 1),
                   50 if rule["kind"] == "continued" else 1)
    lines = []
    for f in gather_reward_facts(ledger, year, span).values():
        lines.extend(rewards_for(profile, f, year, today))
    lines.sort(key=lambda ln: (ln["township_code"], ln["name"], ln["rule"]))
    return {"year": year, "profile": {"code": profile.code, "name": profile.name, "version": profile.version},
            "lines": lines, "totals": totals(lines), "statuses": REWARD_STATUSES,
            "notes": [f"{r['name']}：{r['quote']}" for r in profile.data["rewards"]]}


def pool_sizing(ledger: Ledger, year: int) -> dict | None:
    """孝义: required pool sizes from the target, the current counts and the shortfalls."""
    profile = _profile(ledger)
    if profile is None or profile.pool_sizing is None:
        return None
    target, source = year_target(ledger, year)
    counts = dict(ledger.conn.execute("SELECT pool, count(*) FROM enterprises GROUP BY pool").fetchall())
    return {"year": year, **sizing(profile, target, counts, f"{target}户（{source}）" if target else "")}


def calendar_reminders(ledger: Ledger, today: date | None = None) -> list[dict]:
    """The profile's calendar items due this month, with the counts they concern."""
    today = today or date.today()
    profile = _profile(ledger)
    counts: dict[str, int] = {}
    due = [c for c in (profile.data["calendar"] if profile else ()) if today.month in c["months"]]
    if any(c.get("related_flag") for c in due):
        from . import evaluate
        for ev in evaluate(ledger, today=today).values():
            for code in ev.flag_codes:
                counts[code] = counts.get(code, 0) + 1
    return reminders(profile, today, counts)


def _checklist_id(enterprise_id: str, item: str) -> str:
    return hashlib.blake2b(f"entry-checklist:{enterprise_id}:{item}".encode(), digest_size=16).hexdigest()


def entry_checklist(ledger: Ledger, enterprise_id: str, today: date | None = None) -> list[dict]:
    today = today or date.today()
    enterprise = ledger.get("enterprises", enterprise_id)
    if enterprise is None:
        raise UserError("企业不存在")
    rows = {r["item"]: r for r in ledger.rows("SELECT * FROM entry_checklist WHERE enterprise_id = ?",
                                              (enterprise_id,))}
    index = today.year * 12 + today.month - 1
    first = f"{(index - 12) // 12:04d}-{(index - 12) % 12 + 1:02d}"
    months = ledger.scalar("SELECT count(revenue) FROM monthly_figures WHERE enterprise_id = ?"
                           " AND period >= ? AND period < ?",
                           (enterprise_id, first, f"{today.year}-{today.month:02d}"))
    prior = ledger.scalar("SELECT sum(revenue) FROM monthly_figures WHERE enterprise_id = ?"
                          " AND period BETWEEN ? AND ?",
                          (enterprise_id, f"{today.year - 1}-01", f"{today.year - 1}-12"))
    profile = _profile(ledger)
    threshold = profile.threshold if profile else THRESHOLD_YUAN
    has_project = ledger.scalar("SELECT 1 FROM projects WHERE enterprise_id = ?", (enterprise_id,))
    return checklist(rows, is_new_project=bool(has_project) or enterprise["source"] == "new_project",
                     months_recorded=months or 0,
                     threshold_reached=None if prior is None else prior >= threshold)


def set_checklist_item(ledger: Ledger, enterprise_id: str, item: str, done: bool,
                       note: str | None = None, done_on: str | None = None) -> dict:
    """Tick (or untick) one entry-material item; returns the fields that changed."""
    if item not in CHECKLIST_ITEMS:
        raise UserError(f"没有“{item}”这一申报材料项")
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    row_id = _checklist_id(enterprise_id, item)
    fields = {"done": 1 if done else 0, "note": note,
              "done_on": (done_on or date.today().isoformat()) if done else None,
              "checked_by": ledger.user}
    with ledger.transaction():
        if ledger.get("entry_checklist", row_id) is None:
            ledger.insert("entry_checklist", {"id": row_id, "enterprise_id": enterprise_id, "item": item,
                                              **fields})
            return fields
        return ledger.update("entry_checklist", row_id, fields)


def update_entry_checklist(ledger: Ledger, credit_code: str, *, done: list[str] | tuple = (),
                           undone: list[str] | tuple = (), note: str | None = None) -> list[dict]:
    """`shengui checklist`: tick and untick items of the enterprise named by its credit code,
    all or nothing; returns its checklist as it then stands."""
    from ..ledger.enterprises import enterprise_by_credit_code

    enterprise = enterprise_by_credit_code(ledger, credit_code)
    if done or undone:
        with ledger.transaction():
            for item in done:
                set_checklist_item(ledger, enterprise["id"], item, True, note=note)
            for item in undone:
                set_checklist_item(ledger, enterprise["id"], item, False, note=note)
    return entry_checklist(ledger, enterprise["id"])
