"""Enterprises the county moved to another township (划转), as the old township sees them.

A township's ledger keeps an enterprise moved away from it: the county goes on sending its
changes (SYNC.md 7), so its history stays readable and the same as the county's, but it is
no longer the township's own, and a notice says where it went and when.
"""

from __future__ import annotations

import json
from datetime import datetime

from ..storage import held
from ..storage.ledger import Ledger


def _day(hlc: int) -> str:
    return datetime.fromtimestamp((hlc >> 16) / 1000).date().isoformat()


def notice(township_name: str, moved_hlc: int) -> str:
    return f"已划转至{township_name}（{_day(moved_hlc)}）"


def transferred(ledger: Ledger, ids: list[str] | None = None) -> list[dict]:
    """At a township: the enterprises of its ledger that are in another township now, each
    with where it went (`township_code`, `township_name`), when (`moved_on`, the date of the
    write that moved it) and the `notice`. Empty at the county."""
    me = ledger.this_site()
    if me is None or me["role"] != "township":
        return []
    rows = ledger.rows(
        "SELECT e.id, e.credit_code, e.name, e.township_code, t.name AS township_name"
        " FROM enterprises e LEFT JOIN townships t ON t.code = e.township_code"
        " WHERE e.township_code != ? ORDER BY e.name, e.credit_code", (me["area_code"],))
    if ids is not None:
        wanted = set(ids)
        rows = [r for r in rows if r["id"] in wanted]
    for r in rows:
        hlc = ledger.field_stamps("enterprises", r["id"]).get("township_code", (0, ""))[0]
        r["township_name"] = r["township_name"] or r["township_code"]
        r["moved_on"] = _day(hlc) if hlc else None
        r["notice"] = notice(r["township_name"], hlc)
    return rows


def moved_in(ledger: Ledger, ids: list[str]) -> list[dict]:
    """At a township: those of the enterprises `ids` that are its own now after being another
    township's (the county moved them here), each with where from (`from_code`, `from_name`)
    and when (`moved_on`, the date of the write that moved it here). Read from each
    enterprise's history in the change log; empty at the county."""
    me = ledger.this_site()
    if me is None or me["role"] != "township" or not ids:
        return []
    own = me["area_code"]
    source = "(SELECT 'enterprises' AS tbl, j.value AS row_id FROM json_each(?1) j)"
    history: dict[str, list[tuple[tuple[int, str], str]]] = {}
    for row_id, data, hlc, site in ledger.conn.execute(
            held.record_entries_sql(ledger.conn, source, ["enterprises"], "row_id, data, hlc, site_id"),
            (json.dumps(sorted(set(ids))),)):
        code = json.loads(data).get("township_code")
        if code is not None:
            history.setdefault(row_id, []).append(((hlc, site), code))
    out = []
    for r in ledger.rows("SELECT id, credit_code, name FROM enterprises WHERE township_code = ?"
                         " ORDER BY name, credit_code", (own,)):
        assignments = sorted(history.get(r["id"], ()))
        # the last time it came here, and where it was just before
        arrival = next((i for i in range(len(assignments) - 1, 0, -1)
                        if assignments[i][1] == own and assignments[i - 1][1] != own), None)
        if arrival is None or any(code != own for _stamp, code in assignments[arrival:]):
            continue
        from_code = assignments[arrival - 1][1]
        r["from_code"] = from_code
        r["from_name"] = ledger.scalar("SELECT name FROM townships WHERE code = ?", (from_code,)) or from_code
        r["moved_on"] = _day(assignments[arrival][0][0])
        out.append(r)
    return out


def _placed(entries: list[dict]) -> list[str]:
    """The enterprises whose township `entries` write."""
    return sorted({e["row_id"] for e in entries
                   if e["tbl"] == "enterprises" and "township_code" in (e["data"] or {})})


def not_here(ledger: Ledger, entries: list[dict]) -> set[str]:
    """At a township, before importing `entries`: the enterprises they place whose record is
    not this township's now (not in the ledger, or another township's). Those the import
    makes its own were moved in, or are new. Empty at the county."""
    me = ledger.this_site()
    placed = _placed(entries)
    if me is None or me["role"] != "township" or not placed:
        return set()
    own = {r[0] for r in ledger.conn.execute(
        "SELECT e.id FROM json_each(?) j CROSS JOIN enterprises e ON e.id = j.value"
        " WHERE e.township_code = ?", (json.dumps(placed), me["area_code"]))}
    return set(placed) - own


def arrived(ledger: Ledger, entries: list[dict], elsewhere: set[str] | None = None) -> list[str]:
    """At a township, after importing `entries` (a county package): a line (Chinese) for each
    enterprise the package moved away from it, and, of the enterprises that were not its own
    before the import (`elsewhere`, see not_here), one for those it moved in ("新转入企业2户：…")."""
    moved = _placed(entries)
    if not moved:
        return []
    lines = [f"“{r['name']}”{r['notice']}，不再列入本乡镇台账（其历史记录仍可查看）。"
             for r in transferred(ledger, moved)]
    came = moved_in(ledger, sorted(elsewhere or ()))
    if came:
        lines.append(f"新转入企业{len(came)}户（县级从其他乡镇划转至本乡镇，已列入本乡镇台账，历史记录随之转入）："
                     + "、".join(f"“{r['name']}”（原属{r['from_name']}，{r['moved_on']}划转）" for r in came)
                     + "。")
    return lines


def transferred_notice(ledger: Ledger, table: str, row_id: str) -> str | None:
    """At a township: "“X”已划转至南娄镇（2026-11-20）" when the record (an enterprise, or one
    of its records) belongs to an enterprise moved away from it; else None."""
    if table == "enterprises":
        ent = row_id
    elif "enterprise_id" in ledger.spec(table).columns:
        ent = ledger.scalar(f"SELECT enterprise_id FROM {table} WHERE id = ?", (row_id,))
    else:
        return None
    found = transferred(ledger, [ent]) if ent else []
    return f"“{found[0]['name']}”{found[0]['notice']}" if found else None
