"""Enterprises the county moved to another township (划转), as the old township sees them.

A township's ledger keeps an enterprise moved away from it: the county goes on sending its
changes (SYNC.md 7), so its history stays readable and the same as the county's, but it is
no longer the township's own, and a notice says where it went and when.
"""

from __future__ import annotations

from datetime import datetime

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


def arrived(ledger: Ledger, entries: list[dict]) -> list[str]:
    """At a township, after importing `entries` (a county package): a line (Chinese) for each
    enterprise the package moved away from it."""
    moved = sorted({e["row_id"] for e in entries
                    if e["tbl"] == "enterprises" and "township_code" in e["data"]})
    if not moved:
        return []
    return [f"“{r['name']}”{r['notice']}，不再列入本乡镇台账（其历史记录仍可查看）。"
            for r in transferred(ledger, moved)]


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
