"""The audit log (审计日志): who did what, and when, in the encrypted ledger.

Entries are written by the ledger itself (storage/ledger.py: one 修改台账 entry per
transaction of a person's own changes, the entries a service asks for with
``Ledger.audit``) into a hash chain per copy of an office's ledger (its origin,
storage/audit.py): two copies of one township's ledger each keep and send their own chain,
and the county keeps each apart; a chain is named by office and copy (秀水镇（设备1a2b）). This service records an
action, lists entries with a filter, verifies every office's chain (naming the first broken
link: entry number, time, what is wrong) and exports the list to xlsx. `shengui audit
list|verify|export` (cli/audit.py) and 设置 → 审计日志 (ui/settings/audit.py) use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import UserError
from ...storage import audit as chain

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

# What a person did (the action column), in the order a filter offers them (storage/audit.py)
ACTIONS = chain.ACTIONS
UNLOCK, UNLOCK_FAILED, EDIT = chain.UNLOCK, chain.UNLOCK_FAILED, chain.EDIT
IMPORT_SHEET, EXPORT_SHEET = chain.IMPORT_SHEET, chain.EXPORT_SHEET
IMPORT_PACKAGE, EXPORT_PACKAGE = chain.IMPORT_PACKAGE, chain.EXPORT_PACKAGE
PRINT, BACKUP, RESTORE = chain.PRINT, chain.BACKUP, chain.RESTORE
USERS, KEYS, ENROL, REKEY, EXPORT_AUDIT = chain.USERS, chain.KEYS, chain.ENROL, chain.REKEY, chain.EXPORT_AUDIT
TAKE_OVER_LOCK = chain.TAKE_OVER_LOCK


@dataclass(frozen=True)
class Entry:
    """One line of the audit log as a person reads it."""
    office_id: str
    no: int
    at: str         # ISO time with its offset
    office: str
    person: str
    action: str
    object: str
    detail: str
    origin: str = ""  # the copy of the office's ledger that wrote it (its chain)

    @property
    def time_text(self) -> str:
        return self.at.replace("T", " ")[:19]

    @property
    def copy_text(self) -> str:
        """The office, and the copy when it is not the ledger as made: 秀水镇（设备1a2b）."""
        return copy_name(self.office, self.office_id, self.origin)

    def as_dict(self) -> dict:
        return {"office_id": self.office_id, "origin": self.origin, "no": self.no, "at": self.at,
                "time": self.time_text, "office": self.office, "copy": self.copy_text,
                "person": self.person, "action": self.action,
                "object": self.object, "detail": self.detail}


def copy_name(office: str, office_id: str, origin: str | None, *, several: bool = False) -> str:
    """A chain as people read it: the office, with the copy of its ledger (设备 and the first
    four characters of its origin) when that is not the ledger as made; 原台账 for the
    ledger as made when `several` copies are listed."""
    if origin and origin != office_id:
        return f"{office}（设备{origin[:4]}）"
    return f"{office}（原台账）" if several else office


@dataclass(frozen=True)
class Filter:
    """Which entries to list: each part that is given must match (person and action
    exactly, dates inclusive, office by name or site id)."""
    person: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    office: str | None = None
    limit: int | None = None   # the newest `limit` entries


def record(ledger: Ledger, action: str, object: str = "", detail: str = "") -> None:
    """Record an action of the person working now (with the caller's transaction, if any:
    it is written when that commits and vanishes if it rolls back)."""
    if not action:
        raise ValueError("an audit entry needs an action")
    ledger.audit(action, object, detail)


def entries(ledger: Ledger, which: Filter | None = None) -> list[Entry]:
    """The entries that match, oldest first (this office's and, at the county, every
    township's that its packages brought)."""
    f = which or Filter()
    if f.since and f.until and f.since > f.until:
        raise UserError("起始日期晚于截止日期。")
    where, params = [], []
    if f.person:
        where.append("person = ?")
        params.append(f.person)
    if f.action:
        where.append("action = ?")
        params.append(f.action)
    if f.since:
        where.append("substr(at, 1, 10) >= ?")
        params.append(f.since.isoformat())
    if f.until:
        where.append("substr(at, 1, 10) <= ?")
        params.append(f.until.isoformat())
    if f.office:
        where.append("(office_id = ? OR office = ?)")
        params += [f.office, f.office]
    sql = ("SELECT office_id, origin, no, at, office, person, action, object, detail FROM audit_log"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY at DESC, id DESC")
    if f.limit:
        sql += f" LIMIT {int(f.limit)}"
    found = [Entry(**r) for r in ledger.rows(sql, params)]
    found.reverse()
    return found


def people(ledger: Ledger) -> list[str]:
    """Everyone named in the log (for a filter's list)."""
    return [r["person"] for r in ledger.rows("SELECT DISTINCT person FROM audit_log ORDER BY person")]


def offices(ledger: Ledger) -> list[dict]:
    """The offices whose entries this ledger holds: {"office_id", "office", "entries"}
    (this office first)."""
    out: dict[str, dict] = {}
    for c in copies(ledger):
        o = out.setdefault(c["office_id"], {"office_id": c["office_id"], "office": c["office"],
                                            "entries": 0})
        o["entries"] += c["entries"]
    return list(out.values())


def copies(ledger: Ledger) -> list[dict]:
    """The chains this ledger holds, one per copy of an office's ledger: {"office_id",
    "origin", "office", "copy" (秀水镇（设备1a2b）), "entries", "mine" (this copy's own)};
    this office first, its own copy first of all."""
    rows = ledger.rows("SELECT office_id, origin, count(*) AS entries FROM audit_log"
                       " GROUP BY office_id, origin")
    names = {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM sites")}
    per_office: dict[str, int] = {}
    for r in rows:
        per_office[r["office_id"]] = per_office.get(r["office_id"], 0) + 1
    out = []
    for r in rows:
        office = names.get(r["office_id"]) or ledger.scalar(
            "SELECT office FROM audit_log WHERE office_id = ? ORDER BY id DESC LIMIT 1", (r["office_id"],))
        out.append({"office_id": r["office_id"], "origin": r["origin"], "office": office,
                    "copy": copy_name(office or "", r["office_id"], r["origin"],
                                      several=per_office[r["office_id"]] > 1),
                    "entries": r["entries"],
                    "mine": r["office_id"] == ledger.site_id and r["origin"] == ledger.origin_id})
    out.sort(key=lambda o: (o["office_id"] != ledger.site_id, not o["mine"], o["office"] or "",
                            o["origin"] != o["office_id"], o["origin"]))
    return out


@dataclass
class Verification:
    """What verify() found: per chain (a copy of an office's ledger), its entry count and
    the first broken link."""
    # {"office", "office_id", "origin", "copy", "entries", "problem"}
    checked: list[dict] = field(default_factory=list)
    breaks: list[chain.Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def message(self) -> str:
        lines = []
        for c in self.checked:
            if c["problem"] is None:
                lines.append(f"{c['copy']}：{c['entries']}条记录，校验通过。")
            else:
                b = c["problem"]
                when = f"（{b.at.replace('T', ' ')[:19]}）" if b.at else ""
                lines.append(f"{c['copy']}：审计日志在第{b.no}条{when}处断开：{b.what}。")
        if not lines:
            return "审计日志为空。"
        head = "审计日志校验通过。" if self.ok else "审计日志校验不通过：记录可能被改动、删除或插入。"
        return head + "\n" + "\n".join(lines)


def verify(ledger: Ledger) -> Verification:
    """Walk every chain (each copy of each office's ledger apart); for each, the first
    broken link (number, time, what). The chains this ledger wrote itself are also checked
    against the newest entry it recorded of each (meta), so removing the newest entries is
    found too, even all of a chain's."""
    result = Verification()
    heads = chain.heads(ledger.conn)
    listed = copies(ledger)
    for c in listed:
        head = heads.pop(chain.head_key(c["origin"]), None) if c["office_id"] == ledger.site_id else None
        problem = chain.check_chain(c["office_id"], chain.chain(ledger.conn, c["office_id"], c["origin"]),
                                    head, c["origin"])
        result.checked.append({**c, "problem": problem})
        if problem is not None:
            result.breaks.append(problem)
    for key, head in heads.items():  # a chain of this ledger's own whose every entry is gone
        origin = key.removeprefix(chain.HEAD_PREFIX)
        problem = chain.check_chain(ledger.site_id or "", [], head, origin)
        if problem is not None:
            name = copy_name("本单位", ledger.site_id or "", origin)
            result.checked.append({"office": "本单位", "office_id": ledger.site_id, "origin": origin,
                                   "copy": name, "entries": 0, "mine": origin == ledger.origin_id,
                                   "problem": problem})
            result.breaks.append(problem)
    return result


def export_xlsx(ledger: Ledger, out: Path | str, which: Filter | None = None) -> dict:
    """The entries that match as an xlsx list (with the verification's result under the
    title); records the export itself. Returns {"path", "rows", "verified"}."""
    from ..excel.audit_export import write_audit

    listed = entries(ledger, which)
    checked = verify(ledger)
    site = ledger.this_site()
    path = write_audit([e.as_dict() for e in listed], Path(out), office=site["name"] if site else "",
                       note=checked.message.splitlines()[0])
    record(ledger, EXPORT_AUDIT, Path(path).name, f"{len(listed)}条记录")
    return {"path": str(path), "rows": len(listed), "verified": checked.ok}


def note_unlock(ledger: Ledger, failures: list[dict]) -> None:
    """At a successful unlock: the failed unlocks counted beside the ledger since the last
    one (each its own entry), then the unlock itself. They are held by the session and
    written with its first recorded action, or when it closes after ending well: a command
    that fails, or finds the ledger damaged, leaves the file exactly as it was."""
    how = "恢复码" if ledger.user is None else "密码"
    now = chain.now_text()
    notes = []
    for f in failures:
        who = f.get("user") or "（未选用户）"
        when = (f.get("at") or "时间不明").replace("T", " ")[:19]
        kind = {"recovery": "恢复码", "password": "密码"}.get(f.get("how", ""), "密码或恢复码")
        notes.append((UNLOCK_FAILED, who, f"{when} {kind}错误（在下一次成功解锁时记入）", now))
    notes.append((UNLOCK, ledger.person, f"用{how}解锁"
                  + (f"；上次解锁以来有{len(failures)}次密码错误" if failures else ""), now))
    ledger.hold_audit(notes, clears_failures=bool(failures))



# -- who changed an enterprise (the enterprise window's 修改记录) ----------------------------
_OPS = {"i": "新增", "u": "修改", "d": "删除"}
_NAMING = ("name", "visit_date", "period", "year", "description", "moved_on", "to_pool")


def _short(value: object, limit: int = 40) -> str:
    text = "（空）" if value is None or value == "" else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def record_history(ledger: Ledger, enterprise_id: str, limit: int = 500) -> list[dict]:
    """The changes to an enterprise and its records (visits, issues, figures, …), newest
    first: {"time", "office", "person", "who" ("秀水镇 张三"), "what" (企业 修改), "fields"}.
    The person is empty for changes made before the change log recorded it."""
    from ...storage import held
    from ...storage.ledger import SYNCED_TABLES, TABLE_NAMES
    from ...domain.records import FIELD_LABELS

    children = [t for t in SYNCED_TABLES
                if t != "enterprises" and "enterprise_id" in ledger.spec(t).columns]
    source = ("(SELECT 'enterprises' AS tbl, ?1 AS row_id"
              + "".join(f" UNION ALL SELECT '{t}', id FROM {t} WHERE enterprise_id = ?1" for t in children)
              + ")")
    sql = held.record_entries_sql(ledger.conn, source, ["enterprises", *children],
                                  "seq, tbl, row_id, op, data, hlc, site_id, person")
    sites = {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM sites")}
    out = []
    for _seq, tbl, _row_id, op, data, hlc, site_id, person in ledger.conn.execute(
            f"SELECT * FROM ({sql}) ORDER BY hlc DESC, seq DESC LIMIT ?2", (enterprise_id, int(limit))):
        values = json.loads(data) if data else {}
        if op == "u":
            fields = "；".join(f"{FIELD_LABELS.get(k, k)}：{_short(v)}" for k, v in values.items())
        elif op == "i":
            named = next((values[k] for k in _NAMING if values.get(k) not in (None, "")), "")
            fields = _short(named)
        else:
            fields = ""
        office = sites.get(site_id, site_id)
        out.append({"time": datetime.fromtimestamp((hlc >> 16) / 1000).strftime("%Y-%m-%d %H:%M"),
                    "office": office, "person": person or "",
                    "who": " ".join(x for x in (office, person) if x),
                    "what": f"{TABLE_NAMES.get(tbl, tbl)}{_OPS.get(op, op)}", "fields": fields})
    return out
