"""The Ledger: a keyed connection plus the write API that feeds the change log.

Every insert, update and delete of a synced record goes through :class:`Ledger`, which
writes the row and appends one change-log entry in the same transaction. Reads may use
plain SQL (``ledger.conn`` / ``ledger.db``); writes to synced tables must not.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, overload

import sqlcipher3

from . import audit, bulk, held, migrations, owners
from .audit import FOUND_DAMAGED, OP_NAMES, TABLE_NAMES, edit_note  # noqa: F401 - their old home
from .columns import (  # noqa: F401 - their old home
    DERIVED_COLUMNS, SYNCED_TABLES, TableSpec, derived_values, local_columns)
from .ids import (  # noqa: F401 - their old home
    annual_figure_id, monthly_figure_id, monthly_figure_ids, new_id, new_ids, reference_id)
from ..errors import UserError, os_error_message
from .connection import WRITE_FAILED, backup_to, connect, connect_read_only, write_failure
from .keyslots import KeySlots, keys_path_for
from .lock import WriterLock

# owners.install's trigger on the change log for entries written without an owner
OWNER_TRIGGER = owners.WRITTEN_TRIGGER

Stamp = tuple[int, str]  # (hybrid logical clock, site id): the total order of writes

# sqlcipher3 binds None only after failing to find an adapter for it (an attribute lookup
# that raises and is cleared, twice): ~2 µs per None, 0.11 s of a 10,000-enterprise import
# with six empty columns. An adapter that gives None back binds the same NULL at once.
sqlcipher3.register_adapter(type(None), lambda value: None)


def dump_json(obj) -> str:
    """JSON as the change log stores it: compact, Chinese kept as it is."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Clock:
    hlc: int
    seq: int


class Ledger(audit.AuditTrail, bulk.BulkWrites):
    def __init__(self, conn: sqlcipher3.Connection, path: Path | None, key: bytes,
                 user: str | None = None):
        self.conn = conn
        self.path = path
        self._key = key
        self.user = user
        # set when opening found the ledger copied to another computer (storage/origins.py)
        self.opened_notice: str | None = None
        self._db = None
        self._depth = 0
        self._clock: Clock | None = None
        self._specs: dict[str, TableSpec] = {}
        self.site_id = self.meta("site_id")
        # the id this copy of the ledger stamps its changes with (storage/origins.py): the
        # site id, or a copy's own origin
        self.origin_id = self.meta("origin_id") or self.site_id
        self.wall_clock: Callable[[], float] = time.time  # replaced in tests
        self.writer_lock: WriterLock | None = None  # storage/lock.py: released on close
        self._logs_person: bool | None = None
        self._logs_owner: bool | None = None
        self.init_audit()  # storage/audit.py AuditTrail: the entries held and asked for
        self.failed_unlocks = 0  # wrong passwords since the unlock before this one

    @property
    def db(self):
        """sqlite-utils on this connection, made on first use (its import costs half a second
        that the start of the window should not pay)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @property
    def person(self) -> str:
        """Who is working: the signed-in user, or 恢复码 when the ledger was opened with
        the recovery code. Written with every change and audit entry."""
        return self.user or audit.RECOVERY_PERSON

    def logs_person(self) -> bool:
        """Has the change log its person column (schema 13)? Not while older versions are
        migrated through."""
        if self._logs_person is None:
            self._logs_person = any(r[1] == "person" for r in
                                    self.conn.execute("PRAGMA table_info(change_log)"))
        return self._logs_person

    def logs_owner(self) -> bool:
        """Has the change log its owner column (schema 15, owners.py)?"""
        if self._logs_owner is None:
            self._logs_owner = owners.has_owner(self.conn)
        return self._logs_owner

    # -- reading helpers --------------------------------------------------------------
    @overload
    def meta(self, key: str) -> str | None: ...
    @overload
    def meta(self, key: str, default: str) -> str: ...

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def rows(self, sql: str, params: Iterable = ()) -> list[dict]:
        cur = self.conn.execute(sql, tuple(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def one(self, sql: str, params: Iterable = ()) -> dict | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Iterable = ()):
        row = self.conn.execute(sql, tuple(params)).fetchone()
        return row[0] if row else None

    def this_site(self) -> dict | None:
        """This office's row of `sites` (written when the ledger was made). Read each time,
        not kept: inside a transaction it already shows keys a rotation has just written."""
        return self.one("SELECT * FROM sites WHERE is_self = 1")

    def spec(self, table: str) -> TableSpec:
        if table not in SYNCED_TABLES:
            raise ValueError(f"{table} is not a synced table")
        if table not in self._specs:
            info = self.conn.execute(f"PRAGMA table_info({table})").fetchall()
            local = local_columns(table)
            cols, defaults = [], {}
            for _cid, name, _type, _notnull, default, _pk in info:
                if name in local:
                    continue
                cols.append(name)
                if default is not None:
                    defaults[name] = default[1:-1] if default.startswith("'") else int(default)
            self._specs[table] = TableSpec(table, tuple(cols), defaults)
        return self._specs[table]

    # -- transactions and the clock -----------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator["Ledger"]:
        """One write transaction (BEGIN IMMEDIATE); nested calls become savepoints."""
        if self._depth:
            name = f"sp_{self._depth}"
            self.conn.execute(f"SAVEPOINT {name}")
            self._depth += 1
            notes, edits = len(self._audit_notes), dict(self._edits)
            try:
                yield self
            except BaseException:
                self.conn.execute(f"ROLLBACK TO {name}")
                self.conn.execute(f"RELEASE {name}")
                del self._audit_notes[notes:]
                self._edits = edits
                raise
            else:
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        self._edits, self._audit_notes = {}, []
        try:
            yield self
            self._flush_clock()
            wrote_held = self._flush_audit()
            self.conn.execute("COMMIT")
            if wrote_held:
                self._held_notes = []
                if self._clear_failures and self.path is not None:
                    audit.clear_failures(self.path)
                self._clear_failures = False
        except sqlcipher3.dbapi2.OperationalError as e:
            self._roll_back()
            if write_failure(e):  # a full disk, a pulled USB stick: nothing was saved
                raise UserError(WRITE_FAILED) from None
            raise
        except BaseException:
            self._roll_back()
            raise
        finally:
            self._depth = 0
            self._clock = None
            self._edits, self._audit_notes = {}, []
            self._write_held = False

    def _roll_back(self) -> None:
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlcipher3.dbapi2.OperationalError:
                pass  # SQLite has rolled back itself, or the file is gone: its journal undoes it

    def _load_clock(self) -> Clock:
        if self._clock is None:
            self._clock = Clock(int(self.meta("hlc", "0")), int(self.meta("site_seq", "0")))
        return self._clock

    def _flush_clock(self) -> None:
        if self._clock is None:
            return
        c = self._clock
        self.conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                              [("hlc", str(c.hlc)), ("site_seq", str(c.seq))])
        self.conn.execute(
            "INSERT INTO version_vector(site_id, max_seq) VALUES (?, ?) "
            "ON CONFLICT(site_id) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)",
            (self.origin_id, c.seq))

    def _tick(self) -> tuple[int, int]:
        """Next (hlc, site_seq): physical milliseconds in the high bits, a counter below."""
        c = self._load_clock()
        c.hlc = max(c.hlc + 1, int(self.wall_clock() * 1000) << 16)
        c.seq += 1
        return c.hlc, c.seq

    def observe(self, remote_hlc: int) -> None:
        """Advance the clock past a stamp seen in an imported package."""
        c = self._load_clock()
        c.hlc = max(c.hlc, remote_hlc)

    # -- writes -------------------------------------------------------------------------
    def _check_values(self, table: str, values: dict) -> None:
        spec = self.spec(table)
        unknown = set(values) - set(spec.columns)
        if unknown:
            raise ValueError(f"unknown columns for {table}: {sorted(unknown)}")
        for k, v in values.items():
            if v is not None and not isinstance(v, (str, int)):
                raise TypeError(f"{table}.{k}: {type(v).__name__} is not storable")

    def _log(self, table: str, row_id: str, op: str, data: dict, base: dict | None,
             hlc: int, seq: int) -> None:
        values = (table, row_id, op, dump_json(data), dump_json(base) if base else None, hlc,
                  self.origin_id, seq)
        if self.logs_person():
            self.conn.execute(
                "INSERT INTO change_log(tbl, row_id, op, data, base, hlc, site_id, site_seq, person)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, self.person))
        else:
            self.conn.execute(
                "INSERT INTO change_log(tbl, row_id, op, data, base, hlc, site_id, site_seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
        key = f"{table}:{op}"
        self._edits[key] = self._edits.get(key, 0) + 1

    def _full_insert_values(self, table: str, record: dict) -> tuple[str, dict]:
        spec = self.spec(table)
        values = {k: v for k, v in record.items() if k != "id"}
        self._check_values(table, values)
        full = {}
        for c in spec.columns:  # inserts log every synced column, nulls included
            v = values.get(c)
            full[c] = spec.defaults.get(c) if v is None else v
        return record.get("id") or new_id(), full

    def insert(self, table: str, record: dict) -> str:
        row_id, values = self._full_insert_values(table, record)
        with self.transaction():
            hlc, seq = self._tick()
            self._write_row(table, row_id, values, insert=True)
            self._log(table, row_id, "i", values, None, hlc, seq)
        return row_id

    def get(self, table: str, row_id: str) -> dict | None:
        return self.one(f"SELECT * FROM {table} WHERE id = ?", (row_id,))

    def update(self, table: str, row_id: str, changes: dict, *, force: bool = False) -> dict:
        """Write the fields that really change; returns them ({} when nothing changed).

        force=True writes every given field even when unchanged (a conflict resolution must
        travel as a change even when the value kept is the one already shown).
        """
        self._check_values(table, changes)
        with self.transaction():
            current = self.get(table, row_id)
            if current is None:
                raise LookupError(f"{table} {row_id} not found")
            diff = dict(changes) if force else {k: v for k, v in changes.items() if current.get(k) != v}
            if not diff:
                return {}
            stamps = self.field_stamps(table, row_id)
            base = {k: list(stamps[k]) for k in diff if k in stamps}
            hlc, seq = self._tick()
            self._write_row(table, row_id, diff, insert=False)
            self._log(table, row_id, "u", diff, base, hlc, seq)
        return diff

    def delete(self, table: str, row_id: str) -> bool:
        """Delete a row, leaving a tombstone in the change log."""
        self.spec(table)
        with self.transaction():
            if self.get(table, row_id) is None:
                return False
            stamps = self.field_stamps(table, row_id)
            hlc, seq = self._tick()
            self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            self._log(table, row_id, "d", {}, {k: list(v) for k, v in stamps.items()}, hlc, seq)
        return True

    def restate(self, table: str, row_id: str, fields: Iterable[str] | None = None) -> str | None:
        """Log the record's current state again as a new change of this ledger, the row left
        as it is: an insert of every column (fields=None), an update of `fields`, or, when
        the record is gone, a delete. Its base knows every write here, so it conflicts with
        nothing this ledger holds. For changes that could not travel when they were made
        (sync/transfers.py reissue_returned). Returns the op logged, or None."""
        self.spec(table)
        with self.transaction():
            row = self.get(table, row_id)
            stamps = self.field_stamps(table, row_id)
            if row is None:
                if not stamps:
                    return None
                hlc, seq = self._tick()
                self._log(table, row_id, "d", {}, {k: list(v) for k, v in stamps.items()}, hlc, seq)
                return "d"
            columns = self.spec(table).columns
            if fields is None:
                hlc, seq = self._tick()
                self._log(table, row_id, "i", {c: row[c] for c in columns}, None, hlc, seq)
                return "i"
            wanted = [f for f in fields if f in columns]
            if not wanted:
                return None
            hlc, seq = self._tick()
            self._log(table, row_id, "u", {f: row[f] for f in wanted},
                      {f: list(stamps[f]) for f in wanted if f in stamps}, hlc, seq)
            return "u"

    def _write_row(self, table: str, row_id: str, values: dict, *, insert: bool) -> None:
        row = {**values, **derived_values(table, values)}
        if insert:
            names = ", ".join(["id", *row])
            marks = ", ".join("?" * (len(row) + 1))
            self.conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                              (row_id, *row.values()))
        elif row:
            sets = ", ".join(f"{k} = ?" for k in row)
            self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*row.values(), row_id))

    def field_stamps(self, table: str, row_id: str) -> dict[str, Stamp]:
        """The stamp of the latest write of each field of a row, from the change log."""
        stamps: dict[str, Stamp] = {}
        for data, hlc, site in self.conn.execute(
                held.record_entries_sql(self.conn, "(SELECT ?1 AS tbl, ?2 AS row_id)", [table],
                                        "data, hlc, site_id"), (table, row_id)):
            stamp = (hlc, site)
            for field in json.loads(data):
                if stamp > stamps.get(field, (-1, "")):
                    stamps[field] = stamp
        return stamps

    # -- applying entries made elsewhere (replay, sync) ---------------------------------
    def apply_entry(self, entry: dict) -> None:
        """Write one change-log entry made at another site (or replayed) as it is.

        The caller decides whether the entry wins (the merge); this only writes it and keeps
        the entry, origin and stamp unchanged in the local log.
        """
        table, row_id, op = entry["tbl"], entry["row_id"], entry["op"]
        data = entry["data"]
        self._check_values(table, data)
        with self.transaction():
            if op == "d":
                self.conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            elif self.get(table, row_id) is None:
                if op == "i":
                    self._write_row(table, row_id, data, insert=True)
            else:
                self._write_row(table, row_id, data, insert=False)
            values = (table, row_id, op, dump_json(data),
                      dump_json(entry["base"]) if entry.get("base") else None,
                      entry["hlc"], entry["site_id"], entry["site_seq"])
            if self.logs_person():
                self.conn.execute(
                    "INSERT INTO change_log(tbl, row_id, op, data, base, hlc, site_id, site_seq,"
                    " person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, entry.get("person")))
            else:
                self.conn.execute(
                    "INSERT INTO change_log(tbl, row_id, op, data, base, hlc, site_id, site_seq)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
            self.conn.execute(
                "INSERT INTO version_vector(site_id, max_seq) VALUES (?, ?) "
                "ON CONFLICT(site_id) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)",
                (entry["site_id"], entry["site_seq"]))
            self.observe(entry["hlc"])

    def log_entries(self, after_seq: int = 0) -> Iterator[dict]:
        cur = self.conn.execute(
            "SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq, person"
            " FROM change_entries WHERE seq > ? ORDER BY seq", (after_seq,))
        for seq, tbl, row_id, op, data, base, hlc, site, site_seq, person in cur:
            yield {"seq": seq, "tbl": tbl, "row_id": row_id, "op": op, "data": json.loads(data),
                   "base": json.loads(base) if base else None, "hlc": hlc, "site_id": site,
                   "site_seq": site_seq, "person": person}

    # -- whole-file operations -----------------------------------------------------------
    def backup(self, target: Path, progress: Callable[[int, int], None] | None = None) -> Path:
        """An encrypted copy (same key) with a copy of the key slots beside it.
        `progress(done, total)` as in connection.backup_to (it may raise to stop)."""
        target = Path(target)
        # the key file first: a backup file never stands without its keys (a crash between
        # leaves a key file alone, which lists as nothing)
        keys = keys_path_for(target)
        wrote_keys = False
        if not target.parent.is_dir():  # never made here (the key file's save would make it)
            raise UserError(f"无法备份到“{target}”：文件夹“{target.parent}”不存在。")
        if self.path is not None and not target.exists() and not keys.exists():
            slots = KeySlots.load(keys_path_for(self.path))
            try:
                KeySlots(keys, slots.data).save()
            except OSError as e:
                raise UserError(f"无法在“{target.parent}”写入备份（{os_error_message(e).split('：')[-1]}）。"
                                "台账未受影响。") from None
            wrote_keys = True
        try:
            return backup_to(self.conn, self._key, target, progress)
        except BaseException:
            if wrote_keys:
                keys.unlink(missing_ok=True)
            raise

    def reader(self, *, keep_journal: bool = False) -> sqlcipher3.Connection:
        """A second connection to this ledger's file, for reading on another thread (it
        sees what was committed, not this connection's open transaction). `keep_journal`:
        opened read-only, without setting WAL (inside rollback_journal(), where connect()
        would switch the file back to WAL)."""
        if self.path is None:
            raise ValueError("an in-memory ledger has no second connection")
        if keep_journal:
            return connect_read_only(self.path, self._key)
        return connect(self.path, self._key)

    def verify(self) -> list[str]:
        """Problems found (Chinese); empty when the ledger is sound."""
        problems = []
        # the pages' own checksums first: they name a damaged page, where SQLite's check
        # stops at it with "database disk image is malformed"
        try:
            cipher = [r[0] for r in self.conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        except sqlcipher3.dbapi2.DatabaseError as e:
            cipher = [str(e)]
        if cipher:
            pages = [m.group(1) for line in cipher for m in [re.search(r"page (\d+)", line)] if m]
            problems.append("加密页校验失败：" + ("第" + "、".join(pages[:10]) + "页" if pages
                                               else "；".join(cipher[:5]))
                            + "的内容与校验码不符（文件被改动或磁盘损坏）")
        try:
            result = [r[0] for r in self.conn.execute("PRAGMA integrity_check").fetchall()]
        except sqlcipher3.dbapi2.DatabaseError:
            result = ["有数据页无法读取"]
        if result != ["ok"]:
            lines = [ln for r in result for ln in r.splitlines() if ln and not ln.startswith("***")]
            problems.append(f"数据库结构检查失败：发现{len(lines)}处{'以上' if len(lines) >= 100 else ''}错误"
                            if len(lines) > 1
                            else "数据库结构检查失败：" + (lines[0] if lines else "未知错误"))
        version = migrations.current_version(self.conn)
        if version != migrations.latest_version():
            problems.append(f"数据库版本为{version}，本程序版本为{migrations.latest_version()}")
        if problems and self.path is not None:
            FOUND_DAMAGED.add(str(self.path))  # closing never writes into it (close)
        return problems

    def close(self, *, ended_well: bool = True) -> None:
        """Close the connection. A session that ended well (not in an error, its ledger not
        found damaged here) first writes its held audit entries (hold_audit)."""
        if ended_well:
            self.write_held_audit()
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlcipher3.dbapi2.Error:
            pass
        self.conn.close()
        lock, self.writer_lock = self.writer_lock, None
        if lock is not None:
            lock.release()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.close(ended_well=exc_type is None)
