"""Suspected duplicates (疑似重复): one credit code on two enterprises made at two offices.

Identity is the UUID made where a record was created, so two townships (or a township and the
county) that both register an enterprise offline make two records. The county gets a task;
merging keeps the survivor's id, moves the other's records to it, tombstones the other, and
is itself a set of ordinary changes, so it syncs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Iterable

import orjson

from ..errors import UserError
from ..storage.ledger import annual_figure_id, monthly_figure_id
from .rules import CHILD, synced_tables, table_kind

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


def _checklist_id(enterprise_id: str, row: dict) -> str:
    # the same derivation as services.policy.calendar (one record per enterprise and item)
    return hashlib.blake2b(f"entry-checklist:{enterprise_id}:{row['item']}".encode(),
                           digest_size=16).hexdigest()


# Tables whose id is derived from (enterprise, natural key): moving a row means writing the
# survivor's row of that key, not changing enterprise_id.
DERIVED_IDS = {
    "monthly_figures": ("period", lambda ent, row: monthly_figure_id(ent, row["period"])),
    "entry_checklist": ("item", _checklist_id),
    "annual_figures": ("year", lambda ent, row: annual_figure_id(ent, row["year"])),
}


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def detect(ledger: Ledger, touched: Iterable[str] = ()) -> int:
    """Open a task for each credit code held by several live enterprises; returns new tasks.

    Only codes of `touched` enterprises are looked at when given (an import), else all."""
    touched = list(touched)
    if touched:
        # the codes of the touched enterprises that another enterprise also holds, found in
        # SQL (an import's 6,000 enterprises: only the few suspects come back to Python)
        sql = ("SELECT x.credit_code, x.id FROM (SELECT DISTINCT e.credit_code FROM json_each(?)"
               " d CROSS JOIN enterprises e ON e.id = d.value) c CROSS JOIN enterprises x"
               " ON x.credit_code = c.credit_code WHERE EXISTS (SELECT 1 FROM enterprises y"
               " WHERE y.credit_code = c.credit_code AND y.id != x.id)")
        found = ledger.conn.execute(sql, (orjson.dumps(touched).decode(),))
    else:
        found = ledger.conn.execute("SELECT credit_code, id FROM enterprises")
    groups: dict[str, list[str]] = {}
    for code, row_id in found:
        groups.setdefault(code, []).append(row_id)
    created = 0
    with ledger.transaction():
        for code, ids in groups.items():
            if len(ids) < 2:
                continue
            ids_json = json.dumps(sorted(ids))
            known = ledger.one("SELECT id, status FROM sync_duplicates WHERE credit_code = ?"
                               " AND enterprise_ids = ?", (code, ids_json))
            if known:
                continue
            stale = ledger.one("SELECT id FROM sync_duplicates WHERE credit_code = ? AND status = 'open'",
                               (code,))
            if stale:
                ledger.conn.execute("UPDATE sync_duplicates SET enterprise_ids = ? WHERE id = ?",
                                    (ids_json, stale["id"]))
                continue
            ledger.conn.execute(
                "INSERT INTO sync_duplicates(id, credit_code, enterprise_ids, found_at)"
                " VALUES (?, ?, ?, ?)", (uuid.uuid4().hex, code, ids_json, _now()))
            created += 1
    return created


def list_tasks(ledger: Ledger, status: str | None = "open") -> list[dict]:
    where = "WHERE status = ?" if status else ""
    tasks = ledger.rows(f"SELECT * FROM sync_duplicates {where} ORDER BY found_at, credit_code",
                        (status,) if status else ())
    for t in tasks:
        ids = json.loads(t["enterprise_ids"])
        t["enterprise_ids"] = ids
        t["enterprises"] = [ledger.one(
            "SELECT e.id, e.name, e.credit_code, e.township_code, t.name AS township_name,"
            " (SELECT count(*) FROM visits v WHERE v.enterprise_id = e.id) AS visits,"
            " (SELECT count(*) FROM monthly_figures f WHERE f.enterprise_id = e.id) AS months"
            " FROM enterprises e LEFT JOIN townships t ON t.code = e.township_code WHERE e.id = ?",
            (i,)) for i in ids]
        t["enterprises"] = [e for e in t["enterprises"] if e]
    return tasks


def _task(ledger: Ledger, task_id: str) -> dict:
    rows = ledger.rows("SELECT * FROM sync_duplicates WHERE id LIKE ?", (task_id + "%",))
    if len(rows) != 1:
        raise UserError(f"找不到疑似重复任务“{task_id}”。" if not rows else f"任务编号“{task_id}”不唯一，请输入更长的编号。")
    return rows[0]


def dismiss(ledger: Ledger, task_id: str) -> None:
    task = _task(ledger, task_id)
    with ledger.transaction():
        ledger.conn.execute("UPDATE sync_duplicates SET status = 'dismissed', resolved_at = ? WHERE id = ?",
                            (_now(), task["id"]))


def merge(ledger: Ledger, task_id: str, survivor_id: str) -> dict:
    """Merge every other enterprise of the task into the survivor. Returns moved counts."""
    task = _task(ledger, task_id)
    if task["status"] != "open":
        raise UserError("该疑似重复任务已处理。")
    ids = json.loads(task["enterprise_ids"])
    matches = [i for i in ids if i.startswith(survivor_id)]
    if len(matches) != 1:
        raise UserError("保留的企业必须是该任务中的企业之一。")
    survivor = matches[0]
    moved: dict[str, int] = {}
    with ledger.transaction():
        for other in ids:
            if other != survivor and ledger.get("enterprises", other) is not None:
                for table, n in merge_enterprises(ledger, survivor, other).items():
                    moved[table] = moved.get(table, 0) + n
        ledger.conn.execute("UPDATE sync_duplicates SET status = 'merged', survivor_id = ?,"
                            " resolved_at = ? WHERE id = ?", (survivor, _now(), task["id"]))
    return moved


def merge_enterprises(ledger: Ledger, survivor_id: str, other_id: str) -> dict:
    survivor = ledger.get("enterprises", survivor_id)
    other = ledger.get("enterprises", other_id)
    if survivor is None or other is None:
        raise UserError("要合并的企业不存在。")
    moved: dict[str, int] = {}
    peer = ledger.one("SELECT id FROM sites WHERE role = 'township' AND trusted = 1 AND is_self = 0"
                      " AND area_code = ?", (survivor["township_code"],))
    with ledger.transaction():
        # the survivor keeps its values; blanks are filled from the other record
        fill = {k: v for k, v in other.items()
                if k in ledger.spec("enterprises").columns and v not in (None, "")
                and survivor.get(k) in (None, "")}
        if fill:
            ledger.update("enterprises", survivor_id, fill)
        for table in synced_tables():
            if table_kind(ledger, table) != CHILD:
                continue
            cols = ledger.spec(table).columns
            rows = ledger.rows(f"SELECT * FROM {table} WHERE enterprise_id = ? ORDER BY id", (other_id,))
            for row in rows:
                if table in DERIVED_IDS:
                    key, make_id = DERIVED_IDS[table]
                    target = make_id(survivor_id, row)
                    mine = ledger.get(table, target)
                    values = {c: row[c] for c in cols}
                    values["enterprise_id"] = survivor_id
                    if mine is None:
                        ledger.insert(table, {"id": target, **values})
                    else:
                        blanks = {c: v for c, v in values.items() if mine.get(c) is None and v is not None}
                        if blanks:
                            ledger.update(table, target, blanks)
                    ledger.delete(table, row["id"])
                else:
                    ledger.update(table, row["id"], {"enterprise_id": survivor_id})
                    if peer:
                        # the survivor's township never saw this record: send its history
                        # the update just above is this office's newest entry
                        seq = ledger.scalar("SELECT max(site_seq) FROM change_log"
                                            " WHERE site_id = ? AND data IS NOT NULL",
                                            (ledger.origin_id,))
                        ledger.conn.execute(
                            "INSERT OR REPLACE INTO sync_resend(peer_site_id, tbl, row_id, trigger_seq)"
                            " VALUES (?, ?, ?, ?)", (peer["id"], table, row["id"], seq))
                moved[table] = moved.get(table, 0) + 1
        ledger.delete("enterprises", other_id)
    return moved
