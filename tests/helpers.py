"""Assertions shared by test modules."""

from __future__ import annotations

import hashlib

from shengui_desktop.storage.ledger import SYNCED_TABLES, Ledger


def table_rows(ledger: Ledger, table: str) -> list[tuple]:
    cols = ["id", *ledger.spec(table).columns]
    return ledger.conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id").fetchall()


def content_hash(ledger: Ledger) -> str:
    """A hash of every synced table's rows (what a user would call the ledger's content)."""
    h = hashlib.sha256()
    for table in SYNCED_TABLES:
        for row in table_rows(ledger, table):
            h.update(repr(row).encode())
    return h.hexdigest()


def assert_replay_equal(source: Ledger, target: Ledger) -> None:
    """Replaying source's change log into an empty target reproduces every synced table."""
    for entry in source.log_entries():
        target.apply_entry(entry)
    for table in SYNCED_TABLES:
        assert table_rows(target, table) == table_rows(source, table), table


def owner_index(ledger: Ledger) -> list:
    """The change log's owner index as sqlite_master holds it (none while it is dropped)."""
    return ledger.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'index'"
                               " AND name = 'change_log_owner'").fetchall()


def owner_index_steps(ledger: Ledger) -> list[str]:
    """Every DROP and CREATE of the log's owner index the connection runs from now on."""
    seen: list[str] = []
    ledger.conn.set_trace_callback(
        lambda sql: seen.append(sql.split(" ON ")[0]) if "INDEX change_log_owner" in sql else None)
    return seen
