"""The audit log's chain: appending an entry, checking a chain, and the count of failed
unlocks kept beside the ledger.

Each copy of an office's ledger keeps one chain (`audit_log` rows of its `office_id` and
`origin`, numbered 1, 2, … in `no`; the origin is the copy's, storage/origins.py: the site
id for the ledger as it was made), so two copies of one township's ledger never number two
entries alike. An entry's hash is SHA-256 over its canonical form (:func:`canonical`)
followed by the hash of the entry before it in its chain (64 zeros for the first), so
changing, removing or slipping in an entry breaks the link of the entry after it; an entry
moved into another chain breaks both. The last entry of each chain this ledger wrote itself
is also written to `meta` (`audit_head:<origin>`), so removing the newest entries is seen as
well. A county holds each township copy's chain as that copy's packages brought it.

The origin is not under the hash (the entries written before schema 16 were hashed without
it and still verify): it names the chain, and the links within the chain hold it.

A failed unlock cannot write into a ledger it could not open: it is counted in a small file
beside the ledger (`<ledger>.unlock-failures`, times and user names, no secrets) and written
into the chain at the next successful unlock (services/office/session.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ContextManager, Iterable

import sqlcipher3

GENESIS = "0" * 64
FIELDS = ("office_id", "no", "at", "office", "person", "action", "object", "detail")
COLUMNS = (*FIELDS, "origin", "prev_hash", "hash")
LEGACY_COLUMNS = (*FIELDS, "prev_hash", "hash")  # schema 13-15: one chain per office
RECOVERY_PERSON = "恢复码"  # who opened the ledger with the printed recovery code
HEAD_PREFIX = "audit_head:"  # meta: "<no>:<hash>" of the newest entry of an origin's own chain


def head_key(origin: str) -> str:
    return HEAD_PREFIX + origin

# What a person did (the action column), in the order a filter offers them.
UNLOCK, UNLOCK_FAILED = "解锁", "解锁失败"
EDIT = "修改台账"
IMPORT_SHEET, EXPORT_SHEET = "导入表格", "导出表格"
IMPORT_PACKAGE, EXPORT_PACKAGE = "导入同步包", "导出同步包"
PRINT = "打印报表"
BACKUP, RESTORE = "备份", "恢复备份"
USERS = "用户与角色"
KEYS = "密钥"
ENROL, REKEY = "登记乡镇", "更换乡镇密钥"
EXPORT_AUDIT = "导出审计日志"
TAKE_OVER_LOCK = "强制接管台账锁"
ACTIONS = (UNLOCK, UNLOCK_FAILED, EDIT, IMPORT_SHEET, EXPORT_SHEET, IMPORT_PACKAGE, EXPORT_PACKAGE,
           PRINT, BACKUP, RESTORE, USERS, KEYS, ENROL, REKEY, EXPORT_AUDIT, TAKE_OVER_LOCK)
MAX_TEXT = 2000  # characters of one field (a detail is a sentence, not a document)


def canonical(entry: dict) -> bytes:
    """The bytes an entry's hash covers (its previous hash is appended to them)."""
    return json.dumps([entry[f] for f in FIELDS], ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def entry_hash(entry: dict, prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry) + prev_hash.encode("ascii")).hexdigest()


def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def has_log(conn: sqlcipher3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
                        ).fetchone() is not None


def has_origins(conn: sqlcipher3.Connection) -> bool:
    """Is the log kept per origin (schema 16)? Not while older versions are migrated through."""
    return any(r[1] == "origin" for r in conn.execute("PRAGMA table_info(audit_log)"))


def heads(conn: sqlcipher3.Connection) -> dict[str, str]:
    """meta's recorded newest entry of each origin's own chain (key -> "no:hash")."""
    return dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'audit_head:%'").fetchall())


def append(conn: sqlcipher3.Connection, *, office_id: str, office: str, person: str,
           action: str, object: str = "", detail: str = "", at: str | None = None,
           origin: str | None = None) -> dict:
    """Add an entry to the chain of `office_id`'s copy `origin` (default: the office's own
    site id, the ledger as it was made), inside the caller's transaction; returns it."""
    origin = origin or office_id
    per_origin = has_origins(conn)
    if per_origin:
        last = conn.execute("SELECT no, hash FROM audit_log WHERE office_id = ? AND origin = ?"
                            " ORDER BY no DESC LIMIT 1", (office_id, origin)).fetchone()
    else:  # a ledger between schema 13 and 16, while it is migrated
        last = conn.execute("SELECT no, hash FROM audit_log WHERE office_id = ? ORDER BY no DESC"
                            " LIMIT 1", (office_id,)).fetchone()
    no, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    entry: dict[str, Any] = {
        "office_id": office_id, "no": no, "at": at or now_text(), "office": office[:MAX_TEXT],
        "person": (person or RECOVERY_PERSON)[:MAX_TEXT], "action": action[:MAX_TEXT],
        "object": (object or "")[:MAX_TEXT], "detail": (detail or "")[:MAX_TEXT]}
    entry["origin"] = origin
    entry["prev_hash"] = prev
    entry["hash"] = entry_hash(entry, prev)
    columns = COLUMNS if per_origin else LEGACY_COLUMNS
    conn.execute(f"INSERT INTO audit_log({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 tuple(entry[c] for c in columns))
    me = conn.execute("SELECT value FROM meta WHERE key = 'site_id'").fetchone()
    if me and me[0] == office_id:
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                     (head_key(origin) if per_origin else "audit_head", f"{no}:{entry['hash']}"))
    return entry


def chain(conn: sqlcipher3.Connection, office_id: str, origin: str | None = None) -> list[dict]:
    """The entries of one chain in order: `office_id`'s copy `origin` (default: the
    ledger as the office made it, whose origin is its site id)."""
    cur = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_log WHERE office_id = ? AND origin = ?"
                       " ORDER BY no, id", (office_id, origin or office_id))
    return [dict(zip(COLUMNS, r)) for r in cur]


def chains(conn: sqlcipher3.Connection) -> list[tuple[str, str]]:
    """Every (office_id, origin) this ledger holds a chain of."""
    return [tuple(r) for r in conn.execute(
        "SELECT DISTINCT office_id, origin FROM audit_log ORDER BY office_id, origin")]


@dataclass(frozen=True)
class Break:
    """Where a chain first breaks: the chain (office, copy), the entry (number, time) and
    what is wrong (Chinese)."""
    office_id: str
    no: int
    at: str
    what: str
    origin: str = ""


def check_chain(office_id: str, entries: Iterable[dict], head: str | None = None,
                origin: str | None = None) -> Break | None:
    """The first broken link of one chain (entries in `no` order), or None. `head`: "no:hash"
    of the newest entry as recorded elsewhere (this ledger's meta, for its own chains)."""
    found = _check(office_id, list(entries), head)
    if found is None:
        return None
    return Break(found.office_id, found.no, found.at, found.what, origin or office_id)


def _check(office_id: str, entries_seen: list[dict], head: str | None) -> Break | None:
    prev, expected, last = GENESIS, 1, None
    for e in entries_seen:
        if e["no"] != expected:
            if e["no"] < expected:
                return Break(office_id, e["no"], e["at"], f"第{e['no']}条出现了两次（被插入了一条记录）")
            return Break(office_id, expected, e["at"],
                         f"缺少第{expected}条至第{e['no'] - 1}条（记录被删除）")
        if e["prev_hash"] != prev:
            return Break(office_id, e["no"], e["at"],
                         f"第{e['no']}条与前一条接不上（前一条被删除、改动或有记录被插入）")
        if entry_hash(e, prev) != e["hash"]:
            return Break(office_id, e["no"], e["at"], f"第{e['no']}条的内容与其摘要不符（记录被改动）")
        prev, expected, last = e["hash"], expected + 1, e
    if head:
        no_text, _sep, digest = head.partition(":")
        want = int(no_text) if no_text.isdigit() else 0
        have = last["no"] if last else 0
        if want > have:
            return Break(office_id, have + 1, "", f"缺少第{have + 1}条至第{want}条（最新的记录被删除）")
        if want < have:
            extra = next(e for e in entries_seen if e["no"] == want + 1)
            return Break(office_id, want + 1, extra["at"],
                         f"第{want + 1}条起的{have - want}条不是本程序写入的（被添加了记录）")
        if last is not None and last["hash"] != digest:
            return Break(office_id, have, last["at"], f"第{have}条被替换（记录被改动）")
    return None


# -- the Ledger's side: entries asked for, held and written with a transaction ------------
# Ledger files this process found damaged (Ledger.verify): a session's held audit entries
# are not written into them when it closes.
FOUND_DAMAGED: set[str] = set()

# Chinese names of the synced tables and of the operations, for the audit log's summary
TABLE_NAMES = {
    "townships": "乡镇", "departments": "部门", "enterprises": "企业", "monthly_figures": "月度数据",
    "visits": "走访", "issues": "问题", "pool_events": "调库记录", "targets": "目标任务",
    "policy_profiles": "政策配置", "projects": "项目", "scale_history": "入规历史",
    "reward_claims": "奖补申报", "entry_checklist": "入统材料", "annual_figures": "年度数据",
    "project_milestones": "项目节点", "form_templates": "报表模板", "form_returns": "报表填报",
}
OP_NAMES = {"i": "新增", "u": "修改", "d": "删除"}


def edit_note(edits: dict[str, int]) -> tuple[str, str, str]:
    """The 修改台账 audit entry of a transaction's own changes ("table:op" -> count)."""
    tables: dict[str, list[str]] = {}
    for key, count in edits.items():
        table, _sep, op = key.partition(":")
        tables.setdefault(table, []).append(f"{OP_NAMES.get(op, op)}{count}条")
    obj = "、".join(TABLE_NAMES.get(t, t) for t in tables)
    detail = "；".join(f"{TABLE_NAMES.get(t, t)}：{'，'.join(parts)}" for t, parts in tables.items())
    return (EDIT, obj, detail)


class AuditTrail:
    """The audit methods of storage/ledger.py's Ledger (its base class): what a person did,
    recorded with the transaction it belongs to, and the session's own entries held until
    it records something or ends well. The Ledger's transaction() calls _flush_audit before
    it commits and resets the notes; close() calls write_held_audit."""

    if TYPE_CHECKING:  # what the Ledger provides
        conn: sqlcipher3.Connection
        path: Path | None
        site_id: str | None
        origin_id: str | None
        _depth: int

        @property
        def person(self) -> str: ...

        def transaction(self) -> ContextManager[Any]: ...

        def scalar(self, sql: str, params: Iterable = ()) -> Any: ...

    def init_audit(self) -> None:
        self._has_audit_log: bool | None = None
        # this transaction's own writes ("table:op" -> count) and the audit entries asked
        # for in it: written to the audit log when it commits (_flush_audit)
        self._edits: dict[str, int] = {}
        self._audit_notes: list[tuple[str, str, str]] = []
        # the session's own entries (its unlock, the failed unlocks before it), held until
        # the session first records something, or until it ends well (hold_audit)
        self._held_notes: list[tuple[str, str, str, str]] = []
        self._clear_failures = False
        self._write_held = False  # close(): the held entries alone

    def hold_audit(self, notes: list[tuple[str, str, str, str]], *, clears_failures: bool = False) -> None:
        """Entries (action, object, detail, time) of the session itself, its unlock: written
        with the session's first recorded action, or when it is closed after ending well.
        A session that fails (a refused import, a damaged ledger) thus leaves the file as it
        was, byte for byte. `clears_failures`: they include the failed unlocks counted beside
        the ledger, whose count goes once they are written."""
        self._held_notes.extend(notes)
        self._clear_failures = self._clear_failures or clears_failures

    def audit(self, action: str, object: str = "", detail: str = "") -> None:
        """Record what a person did in the audit log, with this transaction (or one of its
        own): the entry is written when the transaction commits and vanishes with it when it
        rolls back. A transaction with an entry of its own gets no 修改台账 entry as well.

        Outside a transaction (recording what was done: a backup, an export, a print) a
        ledger that cannot be written now (a damaged page, a busy or read-only file) does
        not undo what was done: the entry is held like the session's unlock (hold_audit)."""
        if self._depth:
            self._audit_notes.append((action, object, detail))
            return
        if self.path is not None and str(self.path) in FOUND_DAMAGED:
            # a ledger found damaged is not written for the record (close skips it too)
            self.hold_audit([(action, object, detail, now_text())])
            return
        try:
            with self.transaction():
                self._audit_notes.append((action, object, detail))
        except sqlcipher3.dbapi2.DatabaseError:
            self.hold_audit([(action, object, detail, now_text())])

    def _flush_audit(self) -> bool:
        """The audit entries of the transaction about to commit: those asked for, or else
        one 修改台账 entry summing up its own changes (one per service call, not per row),
        after the session's held entries if they are not written yet. True when these were."""
        notes: list[tuple[str, str, str, str | None]] = [(*n, None) for n in self._audit_notes]
        if not notes and self._edits:
            notes = [(*edit_note(self._edits), None)]
        if not (notes or self._write_held and self._held_notes) or not self.site_id:
            return False
        if self._has_audit_log is None:  # no audit log while older versions are migrated through
            self._has_audit_log = has_log(self.conn)
        if not self._has_audit_log:
            return False
        held = list(self._held_notes)
        office = self.scalar("SELECT name FROM sites WHERE id = ?", (self.site_id,)) or ""
        for action, obj, detail, at in [*held, *notes]:
            append(self.conn, office_id=self.site_id, office=office, person=self.person,
                   action=action, object=obj, detail=detail, at=at, origin=self.origin_id)
        return bool(held)

    def write_held_audit(self) -> None:
        """At the close of a session that ended well: its held entries, in a transaction of
        their own, unless the ledger was found damaged (then, and on any SQLite error, the
        file is left as it was)."""
        if not self._held_notes or (self.path is not None and str(self.path) in FOUND_DAMAGED):
            return
        try:
            if not self.conn.in_transaction:
                with self.transaction():
                    self._write_held = True
        except sqlcipher3.dbapi2.Error:
            pass  # a damaged page, a read-only file, closed already: left as it was
        finally:
            self._held_notes = []


# -- failed unlocks, counted beside the ledger ------------------------------------------
def failures_path(ledger_path: Path) -> Path:
    return Path(f"{ledger_path}.unlock-failures")


def note_failed_unlock(ledger_path: Path, user: str | None, *, recovery: bool = False) -> None:
    """Count one failed unlock (a wrong password or recovery code) beside the ledger. Never
    raises: a read-only folder must not turn a wrong password into another error."""
    path = failures_path(Path(ledger_path))
    try:
        found = read_failures(Path(ledger_path))
        found.append({"at": now_text(), "user": RECOVERY_PERSON if recovery else (user or ""),
                      "how": "recovery" if recovery else "password"})
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(found[-1000:], f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass


def read_failures(ledger_path: Path) -> list[dict]:
    """The failed unlocks counted since the last successful one (a damaged file counts as
    one failure of unknown time: it was there for a reason)."""
    path = failures_path(Path(ledger_path))
    try:
        if not path.is_file() or path.stat().st_size > 1 << 20:
            return [] if not path.exists() else [{"at": "", "user": "", "how": "unknown"}]
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return [{"at": "", "user": "", "how": "unknown"}]
    if not isinstance(data, list):
        return [{"at": "", "user": "", "how": "unknown"}]
    out = []
    for item in data:
        if isinstance(item, dict):
            out.append({k: str(item.get(k, ""))[:100] for k in ("at", "user", "how")})
    return out


def clear_failures(ledger_path: Path) -> None:
    try:
        failures_path(Path(ledger_path)).unlink(missing_ok=True)
    except OSError:
        pass
