"""The enterprise each change-log entry concerns (``change_log.owner``), kept as it is written.

Which office a change is due to depends on the enterprise it concerns (docs/sync-format.md,
"Moved enterprises"): the county sends a township every change of the enterprises that are or
were in it, and of their records, and every change of the county-wide tables. Working that
out for every entry of the log when a package is written cost 16–37 s at province scale
(3.87M entries) to send 1,000 changes (bench/README.md). So every entry carries it:

* ``owner`` = the enterprise's id for an entry of ``enterprises``; for a record owned through
  ``enterprise_id`` (visits, figures, …) the enterprise of its row, or, when the row is gone,
  of its latest written-out insert (by stamp); ``''`` for the county-wide tables; ``'?'`` when
  no office here knows the enterprise. This is exactly what the exporter's whole-log way
  (`sync.exporter._owners`) works out, and the tests compare both.
* the index ``change_log_owner (owner, site_id, site_seq) WHERE data IS NOT NULL`` (schema
  20; every entry before): what a township has not acknowledged of one enterprise is a range
  of it, and of the enterprise's rows for its held inserts (storage/held.py), which are in
  no index (sync/exporter.py _owned_by). A held insert's owner is still written: it counts
  once the insert is written out.
* ``change_log_township``: the township assignments written by entries of ``enterprises``
  (an insert's or a move's ``township_code``), so the enterprises that ever were in a
  township are found without reading the log.

Kept true by the writers and by triggers made here from the tables' columns (after every
migration from 15 on, as held.install): a bulk writer passes the owner; any other entry gets
it from a trigger when written with none; a record's entries are given their new owner when
its row moves to another enterprise, is deleted (its latest insert's enterprise then), comes
back, or, while it has no row, when a newer insert of it arrives.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import sqlcipher3

from . import held

OWNER_SINCE = 15  # the schema version that brought change_log.owner
COUNTY_WIDE = ""  # the owner of an entry of a county-wide table
UNKNOWN = "?"  # no enterprise here: sent by the county to no township

ENTERPRISE, CHILD, COUNTY, TOWNSHIP = "enterprise", "child", "county", "township"
# Tables owned by a township_code, not through an enterprise (sync/rules.py TABLE_KIND): a
# township's own records, which the county sends to no township (owner UNKNOWN).
TOWNSHIP_TABLES = {"form_returns"}


def _columns(conn: sqlcipher3.Connection, table: str) -> set[str]:
    return {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}


def kind(conn: sqlcipher3.Connection, table: str) -> str:
    """The enterprises themselves, a record owned through ``enterprise_id``, a township's own
    record, or county-wide (the rule of sync/rules.table_kind; a test compares both)."""
    if table == "enterprises":
        return ENTERPRISE
    if table in TOWNSHIP_TABLES:
        return TOWNSHIP
    return CHILD if "enterprise_id" in _columns(conn, table) else COUNTY


def has_owner(conn: sqlcipher3.Connection) -> bool:
    """Has the change log its owner column (schema 15)? Not while older versions are migrated
    through."""
    return "owner" in _columns(conn, "change_log")


def row_owner(conn: sqlcipher3.Connection, table: str, alias: str) -> str:
    """SQL giving the owner of an entry written for row `alias` of `table` (a bulk insert)."""
    return {ENTERPRISE: f"{alias}.id", CHILD: f"{alias}.enterprise_id", COUNTY: f"'{COUNTY_WIDE}'",
            TOWNSHIP: f"'{UNKNOWN}'"}[kind(conn, table)]


def _record_owner(table: str, row_id: str) -> str:
    """SQL giving the owner of every entry of child record `row_id` of `table`."""
    return (f"coalesce((SELECT p.enterprise_id FROM {table} p WHERE p.id = {row_id}),"
            f" (SELECT json_extract(l.data, '$.enterprise_id') FROM change_log l"
            f" WHERE l.row_id = {row_id} AND l.tbl = '{table}' AND l.op = 'i'"
            " AND l.data IS NOT NULL ORDER BY l.hlc DESC LIMIT 1), '?')")


def entry_owner(conn: sqlcipher3.Connection, tbl: str, row_id: str) -> str:
    """SQL giving the owner of an entry whose table is the SQL `tbl` and record `row_id`."""
    cases = []
    for t in held.held_tables(conn):
        k = kind(conn, t)
        cases.append(f"WHEN '{t}' THEN " + (row_id if k == ENTERPRISE else _record_owner(t, row_id)
                                           if k == CHILD else f"'{COUNTY_WIDE}'" if k == COUNTY
                                           else f"'{UNKNOWN}'"))
    return f"CASE {tbl} {' '.join(cases)} ELSE '{UNKNOWN}' END"


def _reown(table: str, row_id: str) -> str:
    """Give every entry of child record `row_id` of `table` its owner now (held entries have
    a row, and are written out before it changes: held.py)."""
    return (f"UPDATE change_log SET owner = {_record_owner(table, row_id)}"
            f" WHERE row_id = {row_id} AND tbl = '{table}' AND data IS NOT NULL"
            f" AND owner IS NOT {_record_owner(table, row_id)};")


WRITTEN_TRIGGER = "change_log_owner_written"  # the trigger install() makes on the log


def may_quiet(conn: sqlcipher3.Connection, tables: list[str]) -> bool:
    """May a bulk writer of new records of `tables` (Ledger.insert_rows, sync/rows.py
    Writer.insert_held) write their entries without the owner trigger? Every entry it
    writes carries its owner, which no table here leaves NULL (a record owned through an
    enterprise_id that may be NULL would)."""
    return not any(kind(conn, table) == CHILD and not any(
        name == "enterprise_id" and notnull for _cid, name, _type, notnull, *_rest
        in conn.execute(f"PRAGMA table_info({table})")) for table in tables)


def quiet_trigger(conn: sqlcipher3.Connection, tables: list[str]) -> list[tuple[str, str]]:
    """[(name, sql)] of the trigger that gives an entry written without its owner its owner,
    when a bulk writer of new records of `tables` may leave it out (may_quiet). The trigger
    does nothing for such entries, but is a call per entry: a third of writing the log
    (trigger_quieted drops it and makes it again from this sql in the same transaction).
    [] when it must stay, or there is none."""
    if not may_quiet(conn, tables):
        return []
    return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                        " AND tbl_name = 'change_log' AND name = ?", (WRITTEN_TRIGGER,)).fetchall()


def written_without_owner(conn: sqlcipher3.Connection, since: int) -> int:
    """Give the entries from seq `since` on that were written without their owner while the
    trigger was quiet (QuietOwners) their owner, as the trigger would have: each is written
    again with the trigger in place (which also gives the other entries of its record their
    owner now). Returns how many there were (none, unless a writer that leaves the owner to
    the trigger ran while it was quiet)."""
    seqs = [s for (s,) in conn.execute(
        "SELECT seq FROM change_log WHERE owner IS NULL AND seq >= ? ORDER BY seq", (since,))]
    if seqs:
        conn.execute("DROP TABLE IF EXISTS temp._owner_again")
        conn.execute("CREATE TEMP TABLE _owner_again AS SELECT * FROM change_log WHERE 0")
        marks = "SELECT value FROM json_each(?)"
        wanted = "[" + ",".join(map(str, seqs)) + "]"
        conn.execute(f"INSERT INTO temp._owner_again SELECT * FROM change_log WHERE seq IN ({marks})", (wanted,))
        conn.execute(f"DELETE FROM change_log WHERE seq IN ({marks})", (wanted,))
        conn.execute("INSERT INTO change_log SELECT * FROM temp._owner_again ORDER BY seq")
        conn.execute("DROP TABLE temp._owner_again")
    return len(seqs)


class QuietOwners:
    """The owner trigger kept quiet across the held inserts of one import command (sync/rows.py
    Writer): dropped at the first large one and made again only before an entry that needs
    it is written (Writer.log) or when the command ends, instead of dropped and made again
    for every package (a schema change each time: the trigger's SQL parsed, every cached
    statement prepared again; 30 township packages: 0.15-0.3 s). Inside the command's
    transaction: its rollback brings the trigger back. An entry another writer logs while it
    is quiet gets its owner at the end (written_without_owner)."""

    def __init__(self, conn: sqlcipher3.Connection):
        self.conn = conn
        self.dropped: list[tuple[str, str]] = []
        self.allowed: dict[tuple[str, ...], bool] = {}
        self.since = conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM change_log").fetchone()[0]

    def allows(self, tables: list[str]) -> bool:
        key = tuple(tables)
        if key not in self.allowed:
            self.allowed[key] = may_quiet(self.conn, tables)
        return self.allowed[key]

    def quiet(self, tables: list[str]) -> None:
        """Quiet for these tables' held inserts (which must all carry their owner)."""
        if not self.dropped and self.allows(tables):
            self.dropped = quiet_trigger(self.conn, tables)
            for name, _sql in self.dropped:
                self.conn.execute(f"DROP TRIGGER {name}")

    def loud(self) -> None:
        for _name, sql in self.dropped:
            self.conn.execute(sql)
        self.dropped = []

    def close(self) -> int:
        """The trigger back, and every entry of the command with its owner: returns how many
        got it only now (written_without_owner)."""
        self.loud()
        return written_without_owner(self.conn, self.since)


@contextmanager
def trigger_quieted(conn: sqlcipher3.Connection, tables: list[str], when: bool = True) -> Iterator[None]:
    """Inside a transaction: a bulk writer of new records of `tables` writes without the
    owner trigger where quiet_trigger allows (and `when`), which is made again afterwards.
    An error leaves it to the transaction's rollback, which brings the trigger back."""
    quiet = quiet_trigger(conn, tables) if when else []
    for name, _sql in quiet:
        conn.execute(f"DROP TRIGGER {name}")
    yield
    for _name, sql in quiet:
        conn.execute(sql)


def install(conn: sqlcipher3.Connection) -> None:
    """(Re)make the triggers that keep ``owner`` true, from the current tables. Runs inside
    the caller's transaction (a migration's)."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"
                                " AND name LIKE '%\\_owner\\_%' ESCAPE '\\'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    children = [t for t in held.held_tables(conn) if kind(conn, t) == CHILD]
    # One trigger on the log, for entries written without their owner (a trigger costs a
    # call per row even when its WHEN is false: a bulk writer passes the owner, and writes
    # new records only). The entry gets its owner; then every entry of its record gets the
    # record's owner now: a row made again (a re-insert, a merge that brings a record back)
    # or a newer insert of a record without a row is always followed by an entry of it.
    reown = ""
    if children:
        cases = " ".join(f"WHEN '{t}' THEN {_record_owner(t, 'NEW.row_id')}" for t in children)
        reown = (f" UPDATE change_log SET owner = CASE NEW.tbl {cases} END"
                 f" WHERE NEW.tbl IN ({', '.join(repr(t) for t in children)})"
                 " AND row_id = NEW.row_id AND tbl = NEW.tbl AND data IS NOT NULL"
                 f" AND owner IS NOT CASE NEW.tbl {cases} END;")
    conn.execute(
        f"CREATE TRIGGER {WRITTEN_TRIGGER} AFTER INSERT ON change_log WHEN NEW.owner IS NULL"
        f" BEGIN UPDATE change_log SET owner = {entry_owner(conn, 'NEW.tbl', 'NEW.row_id')}"
        f" WHERE seq = NEW.seq;{reown} END")
    # a record's entries change owner with its row (only these writes, never a bulk insert)
    for t in children:
        conn.execute(f"CREATE TRIGGER {t}_owner_moved AFTER UPDATE OF enterprise_id ON {t}"
                     " WHEN OLD.enterprise_id IS NOT NEW.enterprise_id"
                     f" BEGIN {_reown(t, 'NEW.id')} END")
        conn.execute(f"CREATE TRIGGER {t}_owner_deleted AFTER DELETE ON {t}"
                     f" BEGIN {_reown(t, 'OLD.id')} END")
