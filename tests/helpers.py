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
