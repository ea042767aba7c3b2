"""Authorisation of a township's package at the county (docs/sync-format.md, property 7).

A township may create and change only its own township's enterprises and the records that
hang off them, never county-wide tables, never county-only fields. Ownership is judged by
the record's township both as the package states it and as the county already knows it, so
a township can neither claim another township's record nor move one of its own away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from itertools import groupby, repeat
from operator import itemgetter

import orjson

from .errors import PackageRejected
from .rules import (CHILD, ENTERPRISE, county_only, label, synced_tables, table_kind, township_may_write)

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


def table_rights(ledger: Ledger) -> dict[str, tuple[str, bool]]:
    """table -> (kind, may a township write it), for screen()."""
    return {t: (table_kind(ledger, t), township_may_write(ledger, t)) for t in synced_tables()}


def screen(entries: list[dict], sender: dict, rights: dict[str, tuple[str, bool]]) -> Screened:
    code = sender["area_code"]
    problems: list[str] = []

    def bad(e: dict, why: str) -> None:
        if len(problems) < 200:
            problems.append(f"{label(e['tbl'])} {e['row_id'][:8]}：{why}")

    enterprise_ids: set[str] = set()
    children: dict[str, ChildTable] = {}
    sender_id = sender["site_id"]
    # a table at a time: most checks are one pass in C over the table's changes
    by_table: dict[str, list[dict]] = {}
    for table, run in groupby(sorted(entries, key=_TBL), _TBL):
        by_table[table] = list(run)
    for tbl, group in by_table.items():
        if set(map(_SITE, group)) != {sender_id}:
            for e in group:
                if e["site_id"] != sender_id:
                    bad(e, "包含其他单位的变更（乡镇只能发送本单位的变更）")
            group = [e for e in group if e["site_id"] == sender_id]
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
            for e in group:
                if e["data"].get("township_code", code) != code:
                    bad(e, f"属于其他乡镇（{e['data']['township_code']}），本乡镇无权修改")
    return Screened(problems, enterprise_ids, children)


def check_township_package(ledger: Ledger, entries: list[dict], sender: dict, name: str, *,
                           screened: Screened | None = None,
                           known: set[tuple[str, str]] | None = None) -> None:
    """Refuse the package if any change is beyond the township's rights. `screened`:
    screen() of the same entries, made ahead; `known`: the package's records this ledger
    has entries for (merge.known_records), so only those are looked up."""
    code = sender["area_code"]
    if screened is None:
        screened = screen(entries, sender, table_rights(ledger))
    problems = list(screened.problems)
    enterprise_ids, children = set(screened.enterprise_ids), screened.children

    def bad(e: dict, why: str) -> None:
        if len(problems) < 200:
            problems.append(f"{label(e['tbl'])} {e['row_id'][:8]}：{why}")

    def ledger_knows(table: str, ids: set[str]) -> set[str]:
        if known is None:
            return ids
        return {i for i in ids if (table, i) in known} if known else set()

    if not problems:
        known_enterprise = _owners_in_ledger(ledger, "enterprises", "township_code",
                                             ledger_knows("enterprises", enterprise_ids))
        if known_enterprise:
            for e in entries:
                if e["tbl"] == "enterprises" and known_enterprise.get(e["row_id"], code) != code:
                    bad(e, f"属于其他乡镇（{known_enterprise[e['row_id']]}），本乡镇无权修改")
        # enterprises the package creates or edits are this township's unless the county
        # already knows them as another township's (refused above)
        enterprise_ids = {i for i in enterprise_ids if known_enterprise.get(i, code) == code}
        parents: dict[str, list[dict]] = {}
        for tbl, (group, ids, ents, ent_set) in children.items():
            known_parent = _owners_in_ledger(ledger, tbl, "enterprise_id", ledger_knows(tbl, ids))
            if not known_parent and ent_set <= enterprise_ids | {None}:
                continue  # every record hangs off an enterprise of this package
            for e, ent in zip(group, ents):
                if ent is not None and ent not in enterprise_ids:
                    parents.setdefault(ent, []).append(e)
                before = known_parent.get(e["row_id"]) if known_parent else None
                if before is not None and before != ent and before not in enterprise_ids:
                    parents.setdefault(before, []).append(e)
        owner = _owners_in_ledger(ledger, "enterprises", "township_code", set(parents))
        for ent, refs in parents.items():
            where = owner.get(ent)
            if where == code:
                continue
            why = (f"所属企业{ent[:8]}不在县级台账中" if where is None
                   else f"所属企业{ent[:8]}属于其他乡镇（{where}），本乡镇无权修改")
            for e in refs:
                bad(e, why)
    if problems:
        raise PackageRejected(
            "unauthorised", f"“{name}”中有{len(problems)}条变更超出“{sender['name']}”的权限，"
                            "整个包未导入：", problems)
