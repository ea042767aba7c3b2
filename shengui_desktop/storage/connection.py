"""Keyed SQLCipher connections: the one place a ledger file is opened."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import sqlcipher3

from ..errors import LedgerDamaged, UserError

DatabaseError = sqlcipher3.dbapi2.DatabaseError
SQLITE_HEADER = b"SQLite format 3\x00"
# The most decrypted pages one connection keeps (KiB), allocated as they are read. The window
# keeps several connections open (its own, its workers' readers) and each filled its cache as
# it read: with 128 MiB each, the window on a province's ledger stayed at 394-401 MB; with
# 32 MiB, 288-331 MB (10 runs each). The runner's daily paths took the same time; unlock to a
# usable window and 月度监测's load about 3 % longer (bench/README.md, session 13). Bulk
# writes set a bigger cache for themselves (BulkWrites.insert_rows, sync/importer.py).
PAGE_CACHE_KIB = 32 * 1024
# SQLite's words for a write the disk refused (full, read-only, gone), as opposed to damage
_WRITE_FAILURES = ("disk i/o error", "database or disk is full", "readonly database",
                   "unable to open database file")
WRITE_FAILED = ("台账写入失败：磁盘空间不足、没有写入权限，或U盘已拔出。本次操作没有保存，"
                "台账保持操作之前的内容。请腾出磁盘空间（或插好U盘）后重试。")


def write_failure(error: BaseException) -> bool:
    """Whether a SQLite error is the disk refusing a write (not a damaged file)."""
    return isinstance(error, DatabaseError) and any(w in str(error).lower() for w in _WRITE_FAILURES)

RESTORE_ADVICE = ("台账未作任何修改。请从最近的备份恢复：先把损坏的台账文件（连同同名的 .keys 文件）移到别处保留，"
                  "以便查找原因；再用 shengui backup list 查看备份，用 shengui restore 备份文件 恢复"
                  "（窗口：设置 → 备份与恢复）。")

# SQLite's primary result codes that are not damage of the file itself
_NOT_DAMAGE = {
    "SQLITE_BUSY": "台账正被另一个程序或窗口使用，请关闭它后再试。台账未作修改。",
    "SQLITE_LOCKED": "台账正被另一个程序或窗口使用，请关闭它后再试。台账未作修改。",
    "SQLITE_FULL": "磁盘空间不足，操作未完成，台账未作修改。请腾出空间后再试。",
    "SQLITE_READONLY": "台账所在的磁盘或文件夹为只读（U盘是否写保护？），无法写入，台账未作修改。",
    "SQLITE_IOERR": "读写台账文件时出错（U盘是否已拔出？磁盘是否有坏道？），操作未完成。请检查磁盘后再试。",
    "SQLITE_CANTOPEN": "无法打开台账文件（文件夹不存在或没有读写权限）。",
    "SQLITE_PERM": "没有读写台账文件的权限。",
}


def database_error(error: BaseException, path: Path | None) -> UserError:
    """What a person is told when SQLite or SQLCipher fails on a ledger (the command line
    maps every stray DatabaseError here, one place instead of a try in every command):
    damage (a malformed page, a failed page HMAC, a file that is not a database) is a
    LedgerDamaged naming the file and what to do; a busy, full, read-only or unreadable disk
    says that instead. Never the raw English text alone."""
    name = f"“{Path(path).name}”" if path is not None else ""
    code = str(getattr(error, "sqlite_errorname", "") or "")
    primary = code.split("_", 2)[:2]
    base = "_".join(primary) if len(primary) == 2 else code
    if base in _NOT_DAMAGE:
        return UserError(f"台账文件{name}：{_NOT_DAMAGE[base]}")
    detail = str(error) or code or type(error).__name__
    if base in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in detail or "not a database" in detail:
        return LedgerDamaged(f"台账文件{name}已损坏（{detail}），无法完成操作。{RESTORE_ADVICE}")
    return UserError(f"台账文件{name}操作失败（{detail}），未作修改。请运行 shengui verify 检查台账；"
                     "如提示已损坏，请从备份恢复。")


def _key_pragma(key: bytes) -> str:
    if len(key) != 32:
        raise ValueError("database key must be 32 bytes")
    # PRAGMA key cannot take a bound parameter; the value is our own hex, never user text.
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: Path, key: bytes, *, create: bool = False) -> sqlcipher3.Connection:
    """Open (or with create=True, make) an encrypted ledger and check the key works.

    Refuses to create a file implicitly: a typo in a path must not produce an empty ledger.
    """
    path = Path(path)
    if not create and not path.exists():
        raise LedgerDamaged(f"找不到台账文件“{path}”。")
    if create and path.exists():
        raise LedgerDamaged(f"台账文件“{path}”已存在，不会覆盖。")
    if not create:
        with open(path, "rb") as f:
            head = f.read(16)
        if head == SQLITE_HEADER:
            raise LedgerDamaged(f"“{path.name}”是未加密的数据库，不是本程序的台账，拒绝打开。")
        if len(head) < 16:
            raise LedgerDamaged(f"台账文件“{path.name}”不完整（文件过小），已损坏。{RESTORE_ADVICE}")
    # isolation_level=None: no implicit BEGIN before DML; every write transaction is an
    # explicit Ledger.transaction() (BEGIN IMMEDIATE), so none is left open by accident.
    conn = sqlcipher3.connect(str(path), timeout=10, check_same_thread=False,
                              isolation_level=None)
    if create:
        os.chmod(path, 0o600)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(key))
        # The first real statement is where a wrong key or a damaged file shows.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA temp_store = MEMORY")  # sorts and temp tables never hit the disk
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise DatabaseError(f"journal_mode is {mode}")
        conn.execute("PRAGMA synchronous = FULL")
    except DatabaseError as e:
        conn.close()
        if create:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        if write_failure(e):
            raise UserError(f"无法读写台账文件“{path.name}”：磁盘空间不足、没有写入权限，或磁盘为只读。"
                            "台账未作任何修改。") from None
        raise LedgerDamaged(
            f"台账文件“{path.name}”已损坏或与密钥文件不匹配，无法打开。"
            + ("" if create else RESTORE_ADVICE)) from None
    return conn


def connect_read_only(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A keyed connection that never writes to the file (not even its journal mode): for
    looking into a backup before restoring it. Raises LedgerDamaged when the key does not
    open it."""
    path = Path(path)
    if not path.is_file():
        raise LedgerDamaged(f"找不到文件“{path}”。")
    conn = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10,
                              check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(_key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA temp_store = MEMORY")
    except DatabaseError:
        conn.close()
        raise LedgerDamaged(f"“{path.name}”已损坏或不是本台账的文件，无法读取。") from None
    return conn


BACKUP_STEP_PAGES = 1024  # pages copied per step of a backup (4 MiB): progress and a cancel between


def backup_to(conn: sqlcipher3.Connection, key: bytes, target: Path,
              progress: Callable[[int, int], None] | None = None) -> Path:
    """An encrypted copy through the backup API (same key); written to a temp name first.

    `progress(done, total)` (pages) is called between steps; an exception it raises (a
    cancel) stops the copy, and the partial file is removed: the target never appears half.
    """
    target = Path(target)
    if target.exists():
        raise LedgerDamaged(f"备份文件“{target}”已存在，不会覆盖。")
    if not target.parent.is_dir():
        raise UserError(f"无法备份到“{target}”：文件夹“{target.parent}”不存在。")
    tmp = target.with_name(target.name + ".part")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    try:
        dest = connect(tmp, key, create=True)
    except sqlcipher3.dbapi2.Error:
        raise UserError(f"无法在“{target.parent}”写入备份（没有写入权限，或磁盘为只读）。") from None
    try:
        try:
            if progress is None:
                conn.backup(dest)
            else:
                conn.backup(dest, pages=BACKUP_STEP_PAGES,
                            progress=lambda _status, remaining, total: progress(total - remaining, total))
            dest.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
        except DatabaseError as e:
            if not write_failure(e):
                raise
            raise UserError(f"无法写入备份“{target.name}”：磁盘空间不足、U盘已拔出或为只读。"
                            "不完整的文件已删除，台账未受影响。") from None
        finally:
            dest.close()
        os.replace(tmp, target)
    except BaseException:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        raise
    return target
