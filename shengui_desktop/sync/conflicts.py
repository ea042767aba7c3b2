"""Conflicts a merge found: listing them for a person, and resolving them (as a change).

A resolution is an ordinary write with a fresh stamp that knows the winner's stamp, so it
wins everywhere and the same conflict found at the other office closes by itself
("superseded") when the resolution arrives there.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import UserError
from ..storage import held
from . import transfers
from .merge import fold, load_entry
from .rules import label

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

_NAME_SQL = {
    "enterprises": "SELECT name FROM enterprises WHERE id = ?",
    "townships": "SELECT name FROM townships WHERE id = ?",
    "departments": "SELECT name FROM departments WHERE id = ?",
}


def _when(hlc: int) -> str:
    return datetime.fromtimestamp((hlc >> 16) / 1000).isoformat(timespec="seconds")


def _record_name(ledger: Ledger, table: str, row_id: str) -> str | None:
    sql = _NAME_SQL.get(table)
    if sql is None and "enterprise_id" in ledger.spec(table).columns:
        sql = (f"SELECT e.name FROM {table} r JOIN enterprises e ON e.id = r.enterprise_id"
               " WHERE r.id = ?")
    return ledger.scalar(sql, (row_id,)) if sql else None


def list_conflicts(ledger: Ledger, status: str | None = "open") -> list[dict]:
    sites = {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM sites")}
    # a copy of an office's ledger writes under its own origin (storage/origins.py)
    for r in ledger.rows("SELECT o.origin_id, s.name FROM site_origins o JOIN sites s ON s.id = o.site_id"):
        sites.setdefault(r["origin_id"], f"{r['name']}（设备{r['origin_id'][:4]}）")
    where = "WHERE status = ?" if status else ""
    out = []
    for c in ledger.rows(f"SELECT * FROM sync_conflicts {where} ORDER BY detected_at, tbl, row_id, field",
                         (status,) if status else ()):
        out.append({
            "id": c["id"], "table": c["tbl"], "table_label": label(c["tbl"]), "row_id": c["row_id"],
            "record": _record_name(ledger, c["tbl"], c["row_id"]), "field": c["field"],
            "kind": c["kind"], "status": c["status"],
            "winner": {"value": json.loads(c["winner_value"]) if c["winner_value"] else None,
                       "site_id": c["winner_site"], "site": sites.get(c["winner_site"], c["winner_site"]),
                       "person": c["winner_person"],
                       "time": _when(c["winner_hlc"]), "hlc": c["winner_hlc"], "op": c["winner_op"]},
            "loser": {"value": json.loads(c["loser_value"]) if c["loser_value"] else None,
                      "site_id": c["loser_site"], "site": sites.get(c["loser_site"], c["loser_site"]),
                      "person": c["loser_person"],
                      "time": _when(c["loser_hlc"]), "hlc": c["loser_hlc"], "op": c["loser_op"]},
            "incoming_side": c["incoming_side"], "detected_at": c["detected_at"],
            "resolved_at": c["resolved_at"], "resolved_by": c["resolved_by"],
        })
    return out




def _find(ledger: Ledger, conflict_id: str) -> dict:
    rows = ledger.rows("SELECT * FROM sync_conflicts WHERE id LIKE ?", (conflict_id + "%",))
    if not rows:
        raise UserError(f"找不到冲突“{conflict_id}”。")
    if len(rows) > 1:
        raise UserError(f"冲突编号“{conflict_id}”不唯一，请输入更长的编号。")
    return rows[0]


def resolve(ledger: Ledger, conflict_id: str, keep: str) -> dict:
    """keep: 'incoming' | 'local' (as seen at this office) or 'winner' | 'loser'."""
    c = _find(ledger, conflict_id)
    if c["status"] != "open":
        raise UserError("该冲突已处理。")
    if keep in ("incoming", "local"):
        incoming = c["incoming_side"] or "winner"
        side = incoming if keep == "incoming" else ("loser" if incoming == "winner" else "winner")
    elif keep in ("winner", "loser"):
        side = keep
    else:
        raise UserError("--keep 应为 incoming（采用导入的值）或 local（保留本地的值）。")
    table, row_id = c["tbl"], c["row_id"]
    moved = transfers.transferred_notice(ledger, table, row_id)
    if moved:
        # its new township and the county decide now; the county's decision will arrive
        raise UserError(f"{moved}，本乡镇不能再处理与它有关的冲突：由县级决定，县级的决定会随同步包送达。")
    now = datetime.now().isoformat(timespec="seconds")
    with ledger.transaction():
        if c["kind"] == "field":
            value = json.loads(c[f"{side}_value"]) if c[f"{side}_value"] else None
            if ledger.get(table, row_id) is None:
                raise UserError("该记录已被删除，无法采用其中的值。")
            # written even when it is already the value shown: the decision must travel
            ledger.update(table, row_id, {c["field"]: value}, force=True)
        elif side == "loser" and ledger.get(table, row_id) is None:
            # keep the edit: bring the record back with its latest values
            entries = [load_entry(r) for r in ledger.conn.execute(held.record_entries_sql(
                ledger.conn, "(SELECT ?1 AS tbl, ?2 AS row_id)", [table]), (table, row_id))]
            values = fold(entries).values
            cols = ledger.spec(table).columns
            ledger.insert(table, {"id": row_id, **{k: v for k, v in values.items() if k in cols}})
        ledger.conn.execute("UPDATE sync_conflicts SET status = ?, resolved_at = ?, resolved_by = ?"
                            " WHERE id = ?", (f"kept_{side}", now, ledger.person, c["id"]))
    return {"id": c["id"], "kept": side, "table": table, "row_id": row_id}
