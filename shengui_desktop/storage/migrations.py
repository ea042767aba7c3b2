"""Numbered SQL migrations, applied in order, each with its version bump in one transaction."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import sqlcipher3

from ..errors import UserError
from ..paths import migrations_dir
from . import held, owners
from .connection import backup_to

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def available() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(migrations_dir().glob("*.sql")):
        m = _NAME.match(path.name)
        if m:
            found.append((int(m.group(1)), path))
    numbers = [n for n, _ in found]
    # 1, 2, …, N with no gap: a ledger's version is the last script it ran, so a number
    # missing now and added later would never run on a ledger already past it
    assert numbers == list(range(1, len(numbers) + 1)), \
        f"migrations must be numbered 1, 2, … without gaps or repeats: {numbers}"
    return found


def latest_version() -> int:
    found = available()
    return found[-1][0] if found else 0


def current_version(conn: sqlcipher3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


class LedgerTooNew(UserError):
    pass


def migrate(conn: sqlcipher3.Connection, key: bytes, path: Path | None, *,
            upto: int | None = None) -> Path | None:
    """Bring the ledger to the latest schema; returns the backup made first, if any."""
    version = current_version(conn)
    steps = [(n, p) for n, p in available() if n > version and (upto is None or n <= upto)]
    known = latest_version()
    if version > known:
        raise LedgerTooNew(
            f"此台账由较新版本的程序创建（数据库版本{version}，本程序最高支持{known}），"
            "请升级程序后再打开。台账未作任何修改。")
    if not steps:
        return None
    backup = None
    if version > 0 and path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(f"{path}.v{version}-{stamp}.bak")
        n = 1
        while target.exists():  # an upgrade tried again within the second (after a crash)
            n += 1
            target = Path(f"{path}.v{version}-{stamp}-{n}.bak")
        backup = backup_to(conn, key, target)
    for number, script_path in steps:
        script = script_path.read_text("utf-8")
        try:
            conn.execute("BEGIN IMMEDIATE")
            # held inserts never outlive a schema change (see held.py), unless the script
            # changes no synced table's columns
            if not keeps_held(number, script):
                held.release_all(conn)
            for statement in _statements(script):
                conn.execute(statement)
            if number >= HELD_SINCE:
                held.install(conn)
            if number >= owners.OWNER_SINCE:
                owners.install(conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return backup


HELD_SINCE = 6  # the schema version that brought row-held inserts
# A script with this line changes no synced table's columns: its held inserts stay held (a
# release writes out every one: millions of entries on a province ledger).
KEEPS_HELD = "-- held inserts stay held"
# Scripts that change no synced table's columns but were released without the line above
# (16: the audit log; 17: two new tables; 18: an index). An upgrade through them wrote out
# every held insert: 2.2 s and 89 MB more file on the bench county, about 1.2 GB at the
# province. Released scripts are never edited, so they are named here.
KEEPS_HELD_UNMARKED = frozenset({16, 17, 18})


def keeps_held(number: int, script: str) -> bool:
    """Does migration `number` (its `script`) leave held inserts held?"""
    return KEEPS_HELD in script or number in KEEPS_HELD_UNMARKED


def _statements(script: str) -> list[str]:
    """The script's statements one by one (executescript would commit the transaction the
    migration shares with its Python steps)."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlcipher3.complete_statement(current):
            if current.strip():
                out.append(current)
            current = ""
    if current.strip() and not all(ln.strip().startswith("--") or not ln.strip()
                                   for ln in current.splitlines()):
        raise ValueError(f"incomplete statement at the end of a migration: {current[:60]!r}")
    return out
