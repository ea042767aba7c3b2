"""Authorisation of a township's package at the county (docs/sync-format.md, property 7).

A township may create and change only its own township's enterprises and the records that
hang off them, never county-wide tables, never county-only fields, and it never moves an
enterprise to another township (the package states the township; a township's update of
`township_code` is refused unless the county holds the enterprise as that township's).

Whose an enterprise is: the county's state today is enough when it says "the sender's", or
when the county does not know the record (the package creates it). Otherwise the enterprise
was moved away (划转) or never was the sender's, and each change is judged by what the sender
could know when it made it: the enterprise's township as of the change's base.

* What it may have known: its own creation of the record, and every township assignment
  (an insert, or an update writing township_code) made elsewhere that the package's version
  vector acknowledges and whose stamp is older than the change (an office's clock is
  advanced past everything it imports, so it knew nothing newer).
* What it certainly knew: for a change made after its previous package (a higher origin
  number than that package acknowledged of the sender), whatever that package acknowledged
  (`peer_state.acked_vector`).

A change is authorised when some state between the two has the enterprise in the sender's
township: an assignment to it that the sender may have known, no older than the newest it
certainly knew. So a change made before the township learned of a move is merged like any
other (history; a conflict where the new owner changed the same field), and one made after
it learned, or to an enterprise it never had, refuses the whole package. A township's insert
of a record counts as its creation only if no other office had placed the record elsewhere
before without the township knowing (a township claiming another's record id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from itertools import groupby, repeat
from operator import itemgetter

import orjson

from ..storage import held
from .errors import PackageRejected
from .rules import (CHILD, ENTERPRISE, TOWNSHIP, county_only, label, synced_tables, table_kind,
                    township_may_write)

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


_TBL, _SITE, _ROW, _DATA = (itemgetter(k) for k in ("tbl", "site_id", "row_id", "data"))


def _owners_in_ledger(ledger: Ledger, table: str, column: str, ids: set[str]) -> dict[str, str]:
    """row id -> the value of `column` this ledger knows (current row, or its insert if deleted)."""
    if not ids:
        return {}
    conn = ledger.conn
    # the ids travel as one JSON array (one bound value, walked by json_each in C) instead
    # of one temp-table insert each
    wanted = orjson.dumps(list(ids)).decode()
    found = dict(conn.execute(
        f"SELECT t.id, t.{column} FROM json_each(?) a CROSS JOIN {table} t ON t.id = a.value",
        (wanted,)).fetchall())
    for row_id, value in conn.execute(
            f"SELECT c.row_id, json_extract(c.data, '$.{column}') FROM json_each(?) a"
            " CROSS JOIN change_log c ON c.row_id = a.value AND c.tbl = ? WHERE c.op = 'i'"
            # a record without a row has every insert written out (storage/held.py)
            " AND c.data IS NOT NULL"
            " ORDER BY c.hlc", (wanted, table)):
        if row_id not in found and value is not None:
            found[row_id] = value
    return found


class ChildTable(NamedTuple):
    group: list[dict]          # the table's changes
    ids: set[str]              # their record ids
    parents: list              # each change's enterprise_id (None when it does not set it)
    parent_set: set


@dataclass
class Screened:
    """What a township's package alone says about its rights (no ledger needed, so it is
    worked out on the worker thread with the rest of a package's checks)."""
    problems: list[str]
    enterprise_ids: set[str]
    children: dict[str, ChildTable]
    enterprises: list[dict] = field(default_factory=list)   # the changes to enterprises
    # table -> the ids of a township-owned table's records (rules.TOWNSHIP) the package writes
    own_records: dict[str, set[str]] = field(default_factory=dict)


def table_rights(ledger: Ledger) -> dict[str, tuple[str, bool]]:
    """table -> (kind, may a township write it), for screen()."""
    return {t: (table_kind(ledger, t), township_may_write(ledger, t)) for t in synced_tables()}


def screen(entries: list[dict], sender: dict, rights: dict[str, tuple[str, bool]],
           by_table: dict[str, list[dict]] | None = None) -> Screened:
    """What a township's package alone says about its rights. `by_table`: the entries of
    each table in order, if already grouped (merge.Plan.by_table)."""
    code = sender["area_code"]
    problems: list[str] = []

    def bad(e: dict, why: str) -> None:
        if len(problems) < 200:
            problems.append(f"{label(e['tbl'])} {e['row_id'][:8]}：{why}")

    enterprise_ids: set[str] = set()
    enterprises: list[dict] = []
    children: dict[str, ChildTable] = {}
    own_records: dict[str, set[str]] = {}
    sender_id = sender["site_id"]
    # the sender's origins (its site id, the copies of its ledger): those bound to it, and
    # any this ledger does not know as another office's (a new copy's, bound on import)
    mine = set(sender.get("origins") or ()) | {sender_id}
    foreign = set(sender.get("foreign_origins") or ())

    def own(origin: str) -> bool:
        return origin in mine or origin not in foreign

    # a table at a time: most checks are one pass in C over the table's changes
    if by_table is None:
        by_table = {table: list(run) for table, run in groupby(sorted(entries, key=_TBL), _TBL)}
    for tbl, group in by_table.items():
        if not all(map(own, set(map(_SITE, group)))):
            for e in group:
                if not own(e["site_id"]):
                    bad(e, "包含其他单位的变更（乡镇只能发送本单位的变更）")
            group = [e for e in group if own(e["site_id"])]
        kind, may_write = rights[tbl]
        if not may_write:
            for e in group:
                bad(e, f"{label(tbl)}只能由县级修改")
            continue
        restricted = county_only(tbl)
        if restricted:
            for e in group:
                data = e["data"]
                for f, neutral in restricted.items():
                    if f in data and (e["op"] == "u" or data[f] not in (neutral, None)):
                        bad(e, f"字段“{f}”只能由县级修改")
        if kind == CHILD:
            parents = list(map(dict.get, map(_DATA, group), repeat("enterprise_id")))
            children[tbl] = ChildTable(group, set(map(_ROW, group)), parents, set(parents))
        elif kind == ENTERPRISE:
            enterprise_ids.update(map(_ROW, group))
            enterprises.extend(group)
            for e in group:
                if e["data"].get("township_code", code) != code:
                    bad(e, f"属于其他乡镇（{e['data']['township_code']}），本乡镇无权修改")
        elif kind == TOWNSHIP:
            # its own records only: an insert names the township, nothing moves one elsewhere
            for e in group:
                if e["data"].get("township_code", code if e["op"] != "i" else None) != code:
                    bad(e, f"属于其他乡镇（{e['data'].get('township_code')}），本乡镇无权修改")
            own_records.setdefault(tbl, set()).update(map(_ROW, group))
    return Screened(problems, enterprise_ids, children, enterprises, own_records)


def _townships_now(ledger: Ledger, ids: set[str]) -> dict[str, str]:
    """enterprise id -> its township in this ledger today (records with a row only)."""
    if not ids:
        return {}
    return dict(ledger.conn.execute(
        "SELECT t.id, t.township_code FROM json_each(?) a CROSS JOIN enterprises t ON t.id = a.value",
        (orjson.dumps(list(ids)).decode(),)).fetchall())


class _Assignment(NamedTuple):
    """A write of an enterprise's township: its insert, or an update writing township_code."""
    hlc: int
    site_id: str
    site_seq: int
    op: str
    value: str

    @property
    def stamp(self) -> tuple[int, str]:
        return (self.hlc, self.site_id)


def _assignments(ledger: Ledger, ids: set[str], entries: list[dict] = ()) -> dict[str, list[_Assignment]]:
    """enterprise id -> every township assignment of it that this ledger holds or that
    `entries` (a package) bring, oldest first."""
    out: dict[str, list[_Assignment]] = {i: [] for i in ids}
    if not ids:
        return out
    seen = set()
    source = "(SELECT 'enterprises' AS tbl, j.value AS row_id FROM json_each(?1) j)"
    rows = ledger.conn.execute(
        held.record_entries_sql(ledger.conn, source, ["enterprises"],
                                "row_id, op, data, hlc, site_id, site_seq"),
        (orjson.dumps(list(ids)).decode(),)).fetchall()
    incoming = [(e["row_id"], e["op"], e["data"], e["hlc"], e["site_id"], e["site_seq"])
                for e in entries if e["tbl"] == "enterprises" and e["row_id"] in out]
    for row_id, op, data, hlc, site, seq in rows + incoming:
        if (site, seq) in seen:
            continue
        seen.add((site, seq))
        value = (orjson.loads(data) if isinstance(data, str) else data).get("township_code")
        if value is not None:
            out[row_id].append(_Assignment(hlc, site, seq, op, value))
    for found in out.values():
        found.sort(key=lambda a: a.stamp)
    return out


def _day(hlc: int) -> str:
    return datetime.fromtimestamp((hlc >> 16) / 1000).date().isoformat()


class _History:
    """Judges a township's changes to enterprises the county does not hold as the township's
    today, by the enterprise's township as of each change's base (module docstring)."""

    def __init__(self, ledger: Ledger, sender: dict, version_vector: dict, acked: dict,
                 mine: set[str] | None = None):
        self.ledger, self.code = ledger, sender["area_code"]
        # the origins of the sender's own changes (its site id, its ledger's copies)
        self.mine = mine or {sender["site_id"]}
        self.vv, self.acked = version_vector, acked
        self._names: dict[str, str] = {}

    def town(self, code: str) -> str:
        if code not in self._names:
            name = self.ledger.scalar("SELECT name FROM townships WHERE code = ?", (code,))
            self._names[code] = f"{name}（{code}）" if name else code
        return self._names[code]

    def _unknown_elsewhere(self, a: _Assignment) -> bool:
        """Another office put the record in another township without the sender knowing."""
        return a.site_id not in self.mine and a.value != self.code and a.site_seq > self.vv.get(a.site_id, 0)

    def _created_here(self, a: _Assignment, history: list[_Assignment]) -> bool:
        return (a.site_id in self.mine and a.op == "i"
                and not any(o.stamp < a.stamp and self._unknown_elsewhere(o) for o in history))

    def judge(self, e: dict, history: list[_Assignment]) -> str | None:
        """None if the sender may have made change `e`, else why not (Chinese)."""
        code, mine = self.code, self.mine
        at = (e["hlc"], e["site_id"])
        if e["tbl"] == "enterprises":
            if not history:
                return None  # nothing places it anywhere: an edit of a record new here
            if e["op"] == "u" and "township_code" in e["data"]:
                return "乡镇不能改变企业的所属乡镇（划转由县级决定）"
            if e["op"] == "i" and all(a.stamp >= at for a in history):
                return None  # the record's creation: nothing placed it anywhere before
        # what the sender may have known when it made the change: its own creation of the
        # record, and what others wrote that it acknowledged and that is older than the
        # change (an office's stamps follow everything it imported)
        may = [a for a in history if a.stamp < at and (
            self._created_here(a, history) if a.site_id in mine
            else a.site_seq <= self.vv.get(a.site_id, 0) and a.hlc < e["hlc"])]
        # what it certainly knew: what its previous package (from the same copy of its
        # ledger) acknowledged, for the changes it made after that package
        certain = ([a for a in history if a.site_id not in mine and a.site_seq <= self.acked.get(a.site_id, 0)]
                   if e["site_seq"] > self.acked.get(e["site_id"], 0) else [])
        floor = max(certain, key=lambda a: a.stamp, default=None)
        if any(a.value == code and (floor is None or a.stamp >= floor.stamp) for a in may):
            return None
        if floor is not None and floor.value != code and any(a.value == code for a in may):
            return (f"已于{_day(floor.hlc)}划转至{self.town(floor.value)}，"
                    "本乡镇得知划转后无权再修改")
        elsewhere = [a for a in history if a.site_id not in mine]
        where = (elsewhere or history)[-1].value if history else None
        return f"属于其他乡镇（{self.town(where)}），本乡镇无权修改" if where else "不在县级台账中"


def device_acked(ledger: Ledger, site_id: str, device: str) -> dict:
    """What the copy `device` of office `site_id`'s ledger acknowledged in its last package
    (for a ledger never copied, the office's)."""
    row = ledger.scalar("SELECT acked_vector FROM peer_devices WHERE site_id = ? AND origin_id = ?",
                        (site_id, device))
    if row is None and device == site_id:
        row = ledger.scalar("SELECT acked_vector FROM peer_state WHERE site_id = ?", (site_id,))
    return json.loads(row or "{}")


def check_township_package(ledger: Ledger, entries: list[dict], sender: dict, name: str, *,
                           screened: Screened | None = None,
                           known: set[tuple[str, str]] | None = None,
                           version_vector: dict | None = None,
                           device: str | None = None) -> list[str]:
    """Refuse the package if any change is beyond the township's rights. `screened`:
    screen() of the same entries, made ahead; `known`: the package's records this ledger
    has entries for (merge.known_records), so only those are looked up; `version_vector`:
    the package's (what the sender had seen). Returns notes (Chinese) on enterprises since
    moved to another township whose earlier changes the package carries, applied as history.
    `device`: the origin of the copy of the sender's ledger that made the package (what its
    previous package acknowledged is what that copy certainly knew)."""
    code = sender["area_code"]
    if screened is None:
        screened = screen(entries, sender, table_rights(ledger))
    problems = list(screened.problems)
    children = screened.children

    def bad(e: dict, why: str) -> None:
        if len(problems) < 200:
            problems.append(f"{label(e['tbl'])} {e['row_id'][:8]}：{why}")

    def ledger_knows(table: str, ids: set[str]) -> set[str]:
        if known is None:
            return ids
        return {i for i in ids if (table, i) in known} if known else set()

    notes: list[str] = []
    for tbl, ids in screened.own_records.items():
        # an update or delete of a township-owned record this ledger holds as another's
        for row_id, owner in _owners_in_ledger(ledger, tbl, "township_code", ledger_knows(tbl, ids)).items():
            if owner != code and len(problems) < 200:
                problems.append(f"{label(tbl)} {row_id[:8]}：属于其他乡镇（{owner}），本乡镇无权修改")
    if not problems:
        # the sender's enterprises: those the package creates (new here) and those this
        # ledger holds as its own today; any other is judged by its history
        known_ents = ledger_knows("enterprises", screened.enterprise_ids)
        now = _townships_now(ledger, known_ents)
        own = {i for i in screened.enterprise_ids if i not in known_ents or now.get(i) == code}
        pending: dict[str, list[dict]] = {}   # enterprise -> changes to judge by history
        if own != screened.enterprise_ids:
            for e in screened.enterprises:
                if e["row_id"] not in own:
                    pending.setdefault(e["row_id"], []).append(e)
        parents: dict[str, list[dict]] = {}
        for tbl, (group, ids, ents, ent_set) in children.items():
            known_parent = _owners_in_ledger(ledger, tbl, "enterprise_id", ledger_knows(tbl, ids))
            if not known_parent and ent_set <= own | {None}:
                continue  # every record hangs off an enterprise of this package
            for e, ent in zip(group, ents):
                if ent is not None and ent not in own:
                    parents.setdefault(ent, []).append(e)
                before = known_parent.get(e["row_id"]) if known_parent else None
                if before is not None and before != ent and before not in own:
                    parents.setdefault(before, []).append(e)
        outside = set(parents) - set(pending)
        now.update(_townships_now(ledger, outside))
        for ent, refs in parents.items():
            if ent in pending or now.get(ent) != code:
                pending.setdefault(ent, []).extend(refs)
        if pending:
            acked = device_acked(ledger, sender["site_id"], device or sender["site_id"])
            mine = set(sender.get("origins") or ()) | {sender["site_id"]} | {e["site_id"] for e in entries}
            judge = _History(ledger, sender, version_vector or {}, acked, mine)
            histories = _assignments(ledger, set(pending), entries)
            for ent, changes in pending.items():
                history, applied = histories[ent], 0
                for e in changes:
                    why = judge.judge(e, history)
                    if why is None:
                        applied += 1
                    elif e["tbl"] == "enterprises" and e["row_id"] == ent:
                        bad(e, why)
                    else:
                        bad(e, f"所属企业{ent[:8]}{why}")
                if applied and now.get(ent) not in (None, code):
                    moved = [a for a in history if a.value == now[ent]][-1]
                    title = ledger.scalar("SELECT name FROM enterprises WHERE id = ?", (ent,))
                    notes.append(f"“{title}”已于{_day(moved.hlc)}划转至{judge.town(moved.value)}，"
                                 f"“{sender['name']}”在得知划转前对其所做的{applied}条修改已作为历史记录导入"
                                 "（与其他单位改动相同字段的，见冲突列表）。")
    if problems:
        raise PackageRejected(
            "unauthorised", f"“{name}”中有{len(problems)}条变更超出“{sender['name']}”的权限，"
                            "整个包未导入：", problems)
    return notes
