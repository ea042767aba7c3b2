"""Enterprises the county moved to another township (划转), as the old township sees them.

A township's ledger keeps an enterprise moved away from it: the county goes on sending its
changes (SYNC.md 7), so its history stays readable and the same as the county's, but it is
no longer the township's own, and a notice says where it went and when.
"""

from __future__ import annotations

import json
from datetime import datetime

from ..storage import held, origins
from ..storage.ledger import Ledger
from .rules import CHILD, COUNTY, ENTERPRISE, TOWNSHIP, synced_tables, table_kind


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
    if me is None or me["role"] != "township":
        return set()
    placed = _placed(entries)
    if not placed:
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


def enterprise_sql(ledger: Ledger, table: str) -> str:
    """SQL giving the enterprise that change-log row `c` concerns, for tables owned through
    an enterprise (its own id for the enterprises themselves)."""
    if table_kind(ledger, table) == ENTERPRISE:
        return "c.row_id"
    if table_kind(ledger, table) == TOWNSHIP:
        return "NULL"  # a township's own record: no enterprise's, sent to no township
    # a record without a row has all its inserts written out (held.py)
    return (f"coalesce((SELECT p.enterprise_id FROM {table} p WHERE p.id = c.row_id),"
            f" (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l"
            f" WHERE l.row_id = c.row_id AND l.tbl = '{table}' AND l.op = 'i'"
            " AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1))")


Assignments = dict[str, list[tuple]]   # enterprise -> (log seq, stamp, township) in log order


def kept_back(ledger: Ledger, rows: list[tuple]) -> tuple[list[tuple], list[tuple[str, tuple]], Assignments]:
    """Split a township's own change rows (seq, then a payload line's columns) into those it
    may send and those it made to an enterprise after it learned that the county had moved
    it to another township (划转): (kept, [(enterprise, row)], each moved enterprise's
    township assignments in the order they arrived here).

    When a change was made is its place in this ledger's log: after the entry that moved the
    enterprise away arrived here, the township knew."""
    conn = ledger.conn
    code = ledger.this_site()["area_code"]
    placed = {r[0] for r in conn.execute(
        "SELECT id FROM enterprises WHERE township_code != ? UNION SELECT row_id FROM change_log"
        " WHERE tbl = 'enterprises' AND op = 'u' AND data IS NOT NULL"
        " AND json_extract(data, '$.township_code') IS NOT NULL", (code,))}
    if not rows or not placed:
        return rows, [], {}
    history: Assignments = {}
    source = "(SELECT 'enterprises' AS tbl, j.value AS row_id FROM json_each(?1) j)"
    for seq, row_id, data, hlc, site in conn.execute(
            held.record_entries_sql(conn, source, ["enterprises"], "seq, row_id, data, hlc, site_id"),
            (json.dumps(sorted(placed)),)):
        value = json.loads(data).get("township_code")
        if value is not None:
            history.setdefault(row_id, []).append((seq, (hlc, site), value))
    parents: dict[tuple[str, str], str] = {}
    for tbl in {r[1] for r in rows} - {"enterprises"}:
        if table_kind(ledger, tbl) == COUNTY:
            continue
        ids = [r[2] for r in rows if r[1] == tbl]
        for row_id, ent in conn.execute(
                f"SELECT j.value, {enterprise_sql(ledger, tbl).replace('c.row_id', 'j.value')}"
                " FROM json_each(?) j", (json.dumps(ids),)):
            parents[(tbl, row_id)] = ent

    def owner_then(ent: str, seq: int) -> str | None:
        known = [(stamp, value) for at, stamp, value in history.get(ent, ()) if at < seq]
        return max(known)[1] if known else None

    kept, withheld = [], []
    for r in rows:
        ent = r[2] if r[1] == "enterprises" else parents.get((r[1], r[2]))
        if ent in history and owner_then(ent, r[0]) not in (None, code):
            withheld.append((ent, r))
        else:
            kept.append(r)
    return kept, withheld, history


def reissued(ledger: Ledger, withheld: list[tuple[str, tuple]]) -> set[tuple[str, int]]:
    """The (origin, number) of these kept-back changes already written again."""
    wanted = [[r[7], r[8]] for _ent, r in withheld]
    return {(s, q) for s, q in ledger.conn.execute(
        "SELECT r.site_id, r.site_seq FROM json_each(?) j CROSS JOIN reissued_entries r"
        " ON r.site_id = json_extract(j.value, '$[0]') AND r.site_seq = json_extract(j.value, '$[1]')",
        (json.dumps(wanted),))}


def reissue_returned(ledger: Ledger) -> list[str]:
    """At a township: changes it kept back while an enterprise was in another township
    (sync/exporter.py withhold_transferred) are written again as new changes of this ledger
    once the enterprise is back in it (moved back, or its township merged into this one),
    so they travel with the next package instead of staying here unseen forever.

    A kept-back insert is written again as the record's current state (or a delete if it is
    gone since), a kept-back edit only for the fields that still hold its value (a later
    write that replaced it here won, and was a conflict then if it had not seen it); a
    kept-back delete if the record is still gone. The new changes know everything this
    ledger holds, so the county judges them as the township's own. Returns a line (Chinese)
    per enterprise; nothing when no enterprise came back."""
    me = ledger.this_site()
    if me is None or me["role"] != "township":
        return []
    code = me["area_code"]
    back = [r[0] for r in ledger.conn.execute(
        "SELECT DISTINCT e.id FROM enterprises e CROSS JOIN change_log c ON c.row_id = e.id"
        " AND c.tbl = 'enterprises' WHERE e.township_code = ?1 AND c.data IS NOT NULL"
        " AND json_extract(c.data, '$.township_code') IS NOT NULL"
        " AND json_extract(c.data, '$.township_code') != ?1", (code,))]
    if not back:
        return []
    rows = _own_rows_of(ledger, back)
    _kept, withheld, _history = kept_back(ledger, rows)
    done = reissued(ledger, withheld)
    todo = [(ent, r) for ent, r in withheld if (r[7], r[8]) not in done]
    if not todo:
        return []
    records: dict[tuple[str, str], list[tuple]] = {}
    for _ent, r in todo:
        records.setdefault((r[1], r[2]), []).append(r)
    written: dict[str, int] = {}
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        for (tbl, row_id), entries in records.items():
            ops = {r[3] for r in entries}
            exists = ledger.get(tbl, row_id) is not None
            if "i" in ops:
                # made while away: its current state, or its deletion if others know it
                op = ledger.restate(tbl, row_id) if exists or _known_elsewhere(ledger, tbl, row_id) else None
            elif "d" in ops:
                op = None if exists else ledger.restate(tbl, row_id)
            else:
                stamps = ledger.field_stamps(tbl, row_id)
                fields = sorted({f for r in entries for f in json.loads(r[4])
                                 if stamps.get(f) == (r[6], r[7])}) if exists else []
                op = ledger.restate(tbl, row_id, fields) if fields else None
            ent = next(e for e, r in todo if (r[1], r[2]) == (tbl, row_id))
            if op is not None:
                written[ent] = written.get(ent, 0) + len(entries)
        ledger.conn.executemany(
            "INSERT OR IGNORE INTO reissued_entries(site_id, site_seq, reissued_at) VALUES (?, ?, ?)",
            [(r[7], r[8], now) for _ent, r in todo])
    lines = []
    for ent, count in written.items():
        name = ledger.scalar("SELECT name FROM enterprises WHERE id = ?", (ent,)) or ent[:8]
        lines.append(f"“{name}”已划回本乡镇：本乡镇在其划出期间所做、未曾发送的{count}条修改已重新生效，"
                     "将随下一个同步包发给县级。")
    return lines


def _known_elsewhere(ledger: Ledger, table: str, row_id: str) -> bool:
    """Has another office written this record (so its deletion must travel)?"""
    mine = set(origins.own_origins(ledger))
    return any(s not in mine for (s,) in ledger.conn.execute(
        held.record_entries_sql(ledger.conn, "(SELECT ?1 AS tbl, ?2 AS row_id)", [table], "site_id"),
        (table, row_id)))


def _own_rows_of(ledger: Ledger, enterprises: list[str]) -> list[tuple]:
    """This ledger's own change rows (as exporter.select_entries gives them) of these
    enterprises and of the records hanging off them."""
    conn = ledger.conn
    ids = json.dumps(enterprises)
    pairs = [("enterprises", e) for e in enterprises]
    for tbl in synced_tables():
        if table_kind(ledger, tbl) != CHILD:
            continue
        pairs += [(tbl, r[0]) for r in conn.execute(
            f"SELECT id FROM {tbl} WHERE enterprise_id IN (SELECT value FROM json_each(?1))"
            f" UNION SELECT row_id FROM change_log WHERE tbl = '{tbl}' AND op = 'i' AND data IS NOT NULL"
            " AND json_extract(data, '$.enterprise_id') IN (SELECT value FROM json_each(?1))", (ids,))]
    source = ("(SELECT json_extract(j.value, '$[0]') AS tbl, json_extract(j.value, '$[1]') AS row_id"
              " FROM json_each(?1) j)")
    mine = set(origins.own_origins(ledger))
    rows = conn.execute(held.record_entries_sql(
        conn, source, None, "seq, tbl, row_id, op, data, base, hlc, site_id, site_seq"),
        (json.dumps(pairs),)).fetchall()
    return sorted((r for r in rows if r[7] in mine), key=lambda r: r[0])
