"""Restoring a backup over an office's ledger.

A backup is an encrypted copy of the same ledger under the same key (Ledger.backup). Restoring
brings back its records; what makes this office the office it is *now* stays as it is:

* the key file (passwords, disabled users, the recovery code) is not replaced: the ledger's key
  never changes, so the current slots open the restored file, and a user disabled since the
  backup stays disabled;
* the users and their roles;
* the office's own keys and the trust it has given or withdrawn: every site row (pinned,
  revoked), the key history and the key events. A restore never trusts again a key that was
  revoked, nor brings back keys this office has rotated away from;
* the numbers sync relies on: this office's change sequence and clock, and the number of the
  last package sent to each peer. Changes made after the backup were numbered, and a peer may
  have received them; were the numbers used again, the peer would refuse the next package
  (one origin, two entries). The sequence goes on from where it was instead.

The backup is first copied beside the ledger and checked there (the ledger's key opens it, it
is sound, it is this ledger's); only then is the ledger's file replaced, in one step. A bad
backup, a cancel or a crash before that leaves the ledger as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

from ..errors import LedgerDamaged, UserError
from . import audit, lock, migrations
from .connection import SQLITE_HEADER, DatabaseError, connect, connect_read_only
from .keyslots import KeySlots, keys_path_for
from .ledger import Ledger

COPY_CHUNK = 4 << 20
# tables replaced wholesale by the current ledger's rows (local, small, only ever added to
# or edited in place); `sites` is merged row by row (other tables point at its ids)
KEPT_TABLES = ("users", "site_secrets", "site_key_history", "site_key_events")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def staged_path(ledger_path: Path) -> Path:
    """Where a backup being restored is copied and checked: beside the ledger (one file
    system, so the final rename is atomic), hidden."""
    return ledger_path.with_name(f".{ledger_path.name}.restore")


def remove_database(path: Path) -> None:
    """A database file and SQLite's files beside it."""
    for suffix in ("", *SQLITE_SIDE_FILES):
        Path(str(path) + suffix).unlink(missing_ok=True)


def copy_file(source: Path, target: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """Copy in chunks (progress in bytes; it may raise to stop), private, flushed to disk.
    Never overwrites: the target must not exist."""
    total = source.stat().st_size
    done = 0
    with open(source, "rb") as src, open(target, "xb") as dst:
        os.chmod(target, 0o600)
        while chunk := src.read(COPY_CHUNK):
            dst.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        dst.flush()
        os.fsync(dst.fileno())


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every system (Windows): the rename stands anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def stage(ledger: Ledger, backup: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy `backup` beside the ledger and check it there: this ledger's key opens it, SQLite
    finds it sound, it is a copy of this very ledger, and this program can read its schema.
    Returns the staged file for :func:`swap_in`; the ledger itself is not touched. On any
    failure (or a cancel raised by `progress`) the staged copy is removed."""
    if ledger.path is None:
        raise UserError("内存中的台账不能恢复。")
    backup = Path(backup)
    if not backup.is_file():
        raise UserError(f"找不到备份文件“{backup}”。")
    if backup.resolve() == ledger.path.resolve():
        raise UserError("所选文件就是当前的台账文件，不能用它恢复。")
    with open(backup, "rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise LedgerDamaged(f"“{backup.name}”是未加密的数据库，不是本程序的台账备份，拒绝恢复。台账未作任何修改。")
    if len(head) < len(SQLITE_HEADER):
        raise LedgerDamaged(f"备份“{backup.name}”不完整（文件过小），无法恢复。台账未作任何修改。")
    staged = staged_path(ledger.path)
    remove_database(staged)  # left behind by a crash
    try:
        copy_file(backup, staged, progress)
        check_copy(staged, ledger._key, backup.name, ledger.meta("ledger_uuid"))
    except BaseException:
        remove_database(staged)
        raise
    return staged


def summary_of(conn) -> dict:
    """What a restore's confirmation names of a ledger: its office, how many enterprises,
    its last change (the newest change-log entry's time, the hybrid clock's wall part)."""
    office = conn.execute("SELECT name FROM sites WHERE is_self = 1").fetchone()
    count = conn.execute("SELECT count(*) FROM enterprises").fetchone()[0]
    hlc = conn.execute("SELECT max(hlc) FROM change_log").fetchone()[0]
    return {"office": office[0] if office else None, "enterprises": count,
            "last_change": hlc_seconds(hlc)}


def hlc_seconds(hlc) -> float | None:
    """The wall-clock seconds of a hybrid logical clock value (milliseconds << 16)."""
    if not hlc:
        return None
    try:
        return (int(hlc) >> 16) / 1000.0
    except (TypeError, ValueError):
        return None


def ledger_summary(ledger: Ledger) -> dict:
    return summary_of(ledger.conn)


def backup_summary(backup: Path, key: bytes) -> dict | None:
    """:func:`summary_of` a backup opened read-only with the ledger's key; None when the key
    does not open it or it cannot be read (the restore's own checks then say why)."""
    try:
        conn = connect_read_only(Path(backup), key)
    except (LedgerDamaged, DatabaseError, OSError):
        return None
    try:
        return summary_of(conn)
    except DatabaseError:
        return None
    finally:
        conn.close()


def summaries(ledger: Ledger, backup: Path) -> tuple[dict, dict | None]:
    """(the ledger's summary, the backup's or None when this ledger's key does not open it)."""
    return ledger_summary(ledger), backup_summary(backup, ledger._key)


def check_copy(copy: Path, key: bytes, name: str, ledger_uuid: str | None) -> None:
    """A copied backup (`name`: the backup's own file name, for the messages) is one this
    program can use: `key` opens it, SQLite finds it sound, it is a copy of the ledger
    `ledger_uuid`, and its schema is not newer than this program. Raises LedgerDamaged or
    UserError (Chinese, ending in 台账未作任何修改); writes nothing but SQLite's checkpoint."""
    damaged = (f"备份“{name}”无法恢复：文件已损坏，或不是本台账的备份"
               "（本台账的密钥打不开它）。台账未作任何修改。")
    try:
        conn = connect(copy, key)
    except (LedgerDamaged, DatabaseError):
        raise LedgerDamaged(damaged) from None
    try:
        sound = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()] == ["ok"]
        version = migrations.current_version(conn)
        row = conn.execute("SELECT value FROM meta WHERE key = 'ledger_uuid'").fetchone() \
            if version else None
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except DatabaseError:
        raise LedgerDamaged(damaged) from None
    finally:
        conn.close()
    if not sound:
        raise LedgerDamaged(damaged)
    if version == 0 or row is None:
        raise LedgerDamaged(f"“{name}”不是本程序的台账备份（没有数据表）。台账未作任何修改。")
    if version > migrations.latest_version():
        raise UserError(f"备份“{name}”由较新版本的程序制作（数据库版本{version}），"
                        "请升级程序后再恢复。台账未作任何修改。")
    if row[0] != ledger_uuid:
        raise UserError(f"备份“{name}”来自另一个台账，不是本台账的备份。台账未作任何修改。")


def _rows(ledger: Ledger, table: str) -> tuple[list[str], list[tuple]]:
    cur = ledger.conn.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
    return [d[0] for d in cur.description], cur.fetchall()


def _current_identity(ledger: Ledger) -> dict:
    """What the restored ledger keeps from the current one (see the module's text)."""
    me = ledger.origin_id  # the origin this copy stamps its changes with
    return {
        "tables": {t: _rows(ledger, t) for t in (*KEPT_TABLES, "sites")},
        "hlc": int(ledger.meta("hlc", "0")),
        "site_seq": int(ledger.meta("site_seq", "0")),
        "max_seq": ledger.scalar("SELECT max_seq FROM version_vector WHERE site_id = ?", (me,)) or 0,
        "cert_rotation": ledger.meta("cert_rotation"),
        "sent": ledger.conn.execute("SELECT site_id, last_sent_no FROM peer_state").fetchall(),
        # the audit log is never rolled back: what was done after the backup stays on record
        "audit": _rows(ledger, "audit_log") if audit.has_log(ledger.conn) else None,
        "audit_heads": audit.heads(ledger.conn),
    }


def _carry_forward(restored: Ledger, kept: dict) -> None:
    conn = restored.conn
    with restored.transaction():
        columns, rows = kept["tables"]["sites"]
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        update = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        conn.executemany(f"INSERT INTO sites({names}) VALUES ({marks}) "  # noqa: S608
                         f"ON CONFLICT(id) DO UPDATE SET {update}", rows)
        for table in KEPT_TABLES:
            columns, rows = kept["tables"][table]
            conn.execute(f"DELETE FROM {table}")  # noqa: S608
            if rows:
                conn.executemany(f"INSERT INTO {table}({', '.join(columns)}) VALUES "  # noqa: S608
                                 f"({', '.join('?' for _ in columns)})", rows)
        if kept["audit"] is not None:
            columns, rows = kept["audit"]
            # the backup's entries are the same ones (same office and number): kept as they are
            conn.executemany(f"INSERT OR IGNORE INTO audit_log({', '.join(columns)}) VALUES "  # noqa: S608
                             f"({', '.join('?' for _ in columns)})", rows)
            conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                             list(kept["audit_heads"].items()))
        for key in ("hlc", "site_seq"):
            value = max(int(restored.meta(key, "0")), kept[key])
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, str(value)))
        if kept["cert_rotation"] is not None:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('cert_rotation', ?)",
                         (kept["cert_rotation"],))
        conn.execute("INSERT INTO version_vector(site_id, max_seq) VALUES (?, ?) "
                     "ON CONFLICT(site_id) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)",
                     (restored.origin_id, max(kept["max_seq"], kept["site_seq"])))
        for site_id, sent in kept["sent"]:
            conn.execute("INSERT OR IGNORE INTO peer_state(site_id) VALUES (?)", (site_id,))
            conn.execute("UPDATE peer_state SET last_sent_no = max(last_sent_no, ?) WHERE site_id = ?",
                         (sent, site_id))


def swap_in(ledger: Ledger, staged: Path) -> Ledger:
    """Replace the ledger's file by the staged backup and open it: returns the restored ledger
    (schema brought up to date, this office's identity, users and numbers carried forward).

    Everything is done to the staged copy first (its schema upgraded, this office's identity
    and numbers written into it, its journal folded in); the ledger's file is then replaced in
    one rename. A crash at any point leaves either the ledger as it was or the restored one
    complete, never a restored file without this office's users and numbers.

    `ledger` is closed; every other connection to its file must have been closed before (a
    worker's, a reader's): the file is replaced under them. The writer lock stays held."""
    path, key, user = ledger.path, ledger._key, ledger.user
    if path is None:
        raise UserError("内存中的台账不能恢复。")
    kept = _current_identity(ledger)
    conn = connect(staged, key)
    try:
        migrations.migrate(conn, key, None)
        prepared = Ledger(conn, staged, key, user)
        _carry_forward(prepared, kept)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in SQLITE_SIDE_FILES:
        if Path(str(staged) + suffix).exists() and suffix != "-shm":
            Path(str(staged) + suffix).unlink()  # empty after the checkpoint
    writer = lock.acquire(path)  # one more reference: the lock outlives the old connection
    try:
        ledger.close()
        for suffix in SQLITE_SIDE_FILES:  # the old file's journal must not meet the new file
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(staged, path)
        Path(str(staged) + "-shm").unlink(missing_ok=True)
        _sync_folder(path.parent)
        conn = connect(path, key)
    except BaseException:
        writer.release()
        raise
    try:
        restored = Ledger(conn, path, key, user)
    except BaseException:
        conn.close()
        writer.release()
        raise
    restored.writer_lock = writer
    return restored


def install(path: Path, backup: Path) -> None:
    """No ledger at `path` (a new computer, a lost file): put the backup and its key file
    there. The key file comes first (a ledger without its keys is lost data); nothing is
    overwritten. Opening it then needs a password the backup's key file knows."""
    path, backup = Path(path), Path(backup)
    backup_keys = _check_sources(path, backup)
    KeySlots.load(backup_keys)  # readable, or LedgerDamaged naming it
    _put_in_place(path, backup, backup_keys)


def install_checked(path: Path, backup: Path, *, passphrase: str | None = None,
                    user: str | None = None, recovery_code: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> None:
    """:func:`install`, for the window's 从备份恢复 on a new computer: first the backup's own
    key file must open with `passphrase` (of `user`) or `recovery_code`, then the backup is
    copied beside `path` and checked there (:func:`check_copy`: sound, this key file's
    ledger); only then are the key file and the ledger put in place. A wrong password, a
    damaged file or a cancel (an exception raised by `progress`) leaves nothing at `path`."""
    path, backup = Path(path), Path(backup)
    backup_keys = _check_sources(path, backup)
    slots = KeySlots.load(backup_keys)  # readable, or LedgerDamaged naming it
    if recovery_code:
        key = slots.unlock_recovery(recovery_code)
    elif passphrase is not None:
        key = slots.unlock_password(passphrase, user)[1]
    else:
        raise UserError("需要备份时的密码或恢复码。")
    with open(backup, "rb") as f:
        head = f.read(len(SQLITE_HEADER))
    if head == SQLITE_HEADER:
        raise LedgerDamaged(f"“{backup.name}”是未加密的数据库，不是本程序的台账备份，拒绝恢复。")
    _put_in_place(path, backup, backup_keys, progress,
                  check=lambda staged: check_copy(staged, key, backup.name, slots.ledger_uuid))


def _check_sources(path: Path, backup: Path) -> Path:
    """Nothing at `path` to overwrite, the backup there and its key file beside it (returned)."""
    for p in (path, keys_path_for(path)):
        if p.exists():
            raise UserError(f"文件“{p}”已存在，不会覆盖。")
    if not backup.is_file():
        raise UserError(f"找不到备份文件“{backup}”。")
    backup_keys = keys_path_for(backup)
    if not backup_keys.is_file():
        raise UserError(f"备份旁边没有密钥文件“{backup_keys.name}”，无法恢复。"
                        "请把它与备份放在同一文件夹（备份时两个文件一起生成）。")
    return backup_keys


def _put_in_place(path: Path, backup: Path, backup_keys: Path,
                  progress: Callable[[int, int], None] | None = None,
                  check: Callable[[Path], None] | None = None) -> None:
    """Copy the backup beside `path`, check the copy, then the key file and the rename; a
    failure or a cancel anywhere leaves nothing at `path` (nor a folder this made)."""
    keys = keys_path_for(path)
    made_folder = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = staged_path(path)
    remove_database(staged)
    try:
        copy_file(backup, staged, progress)
        if check is not None:
            check(staged)
        shutil.copyfile(backup_keys, keys)
        os.chmod(keys, 0o600)
        os.replace(staged, path)
    except BaseException:
        remove_database(staged)
        if not path.exists():
            keys.unlink(missing_ok=True)
        if made_folder:
            try:
                path.parent.rmdir()  # only when empty: nothing else of ours is there
            except OSError:
                pass
        raise
    _sync_folder(path.parent)
