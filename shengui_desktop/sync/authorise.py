"""Authorisation of a township's package at the county (SYNC.md property 7).

A township may create and change only its own township's enterprises and the records that
hang off them, never county-wide tables, never county-only fields. Ownership is judged by
the record's township both as the package states it and as the county already knows it, so
a township can neither claim another township's record nor move one of its own away.
"""

from __future__ import annotations

from itertools import groupby, repeat
from operator import itemgetter

import orjson

from ..storage.ledger import Ledger
from .errors import PackageRejected
from .rules import CHILD, ENTERPRISE, county_only, label, table_kind, township_may_write


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
            " ORDER BY c.hlc", (wanted, table)):
        if row_id not in found and value is not None:
            found[row_id] = value
    return found


def check_township_package(ledger: Ledger, entries: list[dict], sender: dict, name: str) -> None:
    code = sender["area_code"]
    problems: list[str] = []

    def bad(e: dict, why: str) -> None:
        if len(problems) < 200:
            problems.append(f"{label(e['tbl'])} {e['row_id'][:8]}：{why}")

    enterprise_ids: set[str] = set()
    children: dict[str, list[dict]] = {}
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
        if not township_may_write(ledger, tbl):
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
        kind = table_kind(ledger, tbl)
        if kind == CHILD:
            children[tbl] = group
        elif kind == ENTERPRISE:
            enterprise_ids.update(map(_ROW, group))
            for e in group:
                if e["data"].get("township_code", code) != code:
                    bad(e, f"属于其他乡镇（{e['data']['township_code']}），本乡镇无权修改")
    if not problems:
        known_enterprise = _owners_in_ledger(ledger, "enterprises", "township_code", enterprise_ids)
        if known_enterprise:
            for e in entries:
                if e["tbl"] == "enterprises" and known_enterprise.get(e["row_id"], code) != code:
                    bad(e, f"属于其他乡镇（{known_enterprise[e['row_id']]}），本乡镇无权修改")
        # enterprises the package creates or edits are this township's unless the county
        # already knows them as another township's (refused above)
        enterprise_ids = {i for i in enterprise_ids if known_enterprise.get(i, code) == code}
        parents: dict[str, list[dict]] = {}
        for tbl, group in children.items():
            known_parent = _owners_in_ledger(ledger, tbl, "enterprise_id", set(map(_ROW, group)))
            ents = list(map(dict.get, map(_DATA, group), repeat("enterprise_id")))
            if not known_parent and set(ents) <= enterprise_ids | {None}:
                continue  # every record hangs off an enterprise of this package
            for e, ent in zip(group, ents):
                if ent is not None and ent not in enterprise_ids:
                    parents.setdefault(ent, []).append(e)
                known = known_parent.get(e["row_id"]) if known_parent else None
                if known is not None and known != ent and known not in enterprise_ids:
                    parents.setdefault(known, []).append(e)
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
