"""Insert entries whose values stay in their row ("row-held"), and the SQL that reads them.

A change-log entry normally stores the fields it wrote as JSON (``data``). An insert that an
import writes into a record new to this ledger, or that a bulk load writes (Ledger.insert_rows:
spreadsheet imports, the demo), wrote *every* column, so its data is exactly the row it made,
as long as that row is unchanged. Such an entry keeps ``data`` NULL and the
row points to it (``log_seq``). Two triggers per synced table keep this true: before the row
is updated or deleted, the entry gets its data written out from the old row. From then on it
is an ordinary entry.

Why: an import of 30 township packages (287,227 new records) wrote each record's values
twice, and put each entry into two indexes with random keys (the record id and the origin).
Held entries are in neither index (both are partial, ``WHERE data IS NOT NULL``): a record
finds its held entry through its row, and a ledger looks up the origin of a held entry
through the record it names. That is what made an import cost about 2x the raw write of the
same rows instead of 3.2x (bench/bench_sync.py). Since schema 15 every entry carries the
enterprise it concerns (owners.py), and since schema 20 only entries with their data are in
that index too: a county's package to a township reads those as a range of it per
enterprise, and the held ones through the enterprise's rows (sync/exporter.py _owned_by).

Readers never see the difference when they read through:

* the view ``change_entries`` (every entry, held ones with their data from the row), or
* :func:`record_entries_sql` (the entries of some records, through both indexes).

The view and the triggers are made from the tables' columns by :func:`install`, after every
migration (a migration that adds a column gets them remade). Before a migration changes the
tables, :func:`release_all` writes out every held entry, so an entry never gains a column
its insert did not write.
"""

from __future__ import annotations

import sqlcipher3

from .columns import HELD_COLUMN, SYNCED_TABLES, local_columns

_ENTRY = "tbl, row_id, op, data, base, hlc, site_id, site_seq"


def synced_columns(conn: sqlcipher3.Connection, table: str) -> list[str]:
    """The columns an insert writes (the table's, less id, derived ones and log_seq)."""
    skip = local_columns(table)
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in skip]


def held_tables(conn: sqlcipher3.Connection) -> list[str]:
    """The synced tables whose rows hold their insert (those with log_seq: all of them
    from schema 6 on), in name order. Not a table with a column of that name that is not
    synced (columns.HELD_COLUMN): taking policy_evaluation_stamp for one gave it release
    triggers that wrote the stamp over whatever held insert its high-water mark named."""
    return sorted(t for t in SYNCED_TABLES if any(
        r[1] == HELD_COLUMN for r in conn.execute(f"PRAGMA table_info({t})")))


def row_json(conn: sqlcipher3.Connection, table: str, alias: str) -> str:
    """json_object(...) of row `alias` of `table`: the data of its held insert."""
    return "json_object(" + ", ".join(f"'{c}', {alias}.{c}"
                                       for c in synced_columns(conn, table)) + ")"


def install(conn: sqlcipher3.Connection) -> None:
    """(Re)make the view change_entries and the release triggers from the current columns.
    Runs inside the caller's transaction (a migration's)."""
    tables = held_tables(conn)
    conn.execute("DROP VIEW IF EXISTS change_entries")
    cases = " ".join(f"WHEN '{t}' THEN (SELECT {row_json(conn, t, 'r')} FROM {t} r"
                     " WHERE r.id = c.row_id)" for t in tables)
    # the person who made the change (schema 13); NULL while older versions are migrated through
    person = ("c.person" if any(r[1] == "person" for r in conn.execute("PRAGMA table_info(change_log)"))
              else "NULL")
    conn.execute(
        "CREATE VIEW change_entries AS SELECT c.seq, c.tbl, c.row_id, c.op,"
        f" coalesce(c.data, CASE c.tbl {cases} END) AS data, c.base, c.hlc, c.site_id,"
        f" c.site_seq, {person} AS person FROM change_log c")
    # release triggers of a table that holds no inserts (policy_evaluation_stamp's, made
    # before held_tables knew to leave it out): gone
    for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
                                    " AND name IN (tbl_name || '_release_on_update',"
                                    " tbl_name || '_release_on_delete')").fetchall():
        if table not in tables:
            conn.execute(f"DROP TRIGGER {name}")
    for t in tables:
        release = (f"UPDATE change_log SET data = {row_json(conn, t, 'OLD')}"
                   " WHERE seq = OLD.log_seq AND data IS NULL;")
        for when in ("UPDATE", "DELETE"):
            name = f"{t}_release_on_{when.lower()}"
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(f"CREATE TRIGGER {name} BEFORE {when} ON {t}"
                         f" WHEN OLD.log_seq IS NOT NULL BEGIN {release} END")


def release_all(conn: sqlcipher3.Connection) -> int:
    """Write out the data of every held entry (before a migration changes the tables)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'change_entries'").fetchone():
        return 0
    before = conn.total_changes
    conn.execute("UPDATE change_log SET data = (SELECT e.data FROM change_entries e"
                 " WHERE e.seq = change_log.seq) WHERE data IS NULL")
    return conn.total_changes - before


def _prefixed(columns: str) -> str:
    return ", ".join(f"c.{c.strip()}" for c in columns.split(","))


def held_part(conn: sqlcipher3.Connection, table: str, cols: str, rows: str, where: str) -> str:
    """SELECT `cols` of the held entries of `table`'s rows `r` (reached through `rows`), each
    entry `c` found by the row's log_seq and given the row as its data."""
    data = cols.replace("c.data", f"{row_json(conn, table, 'r')} AS data")
    return (f"SELECT {data} FROM {rows} CROSS JOIN change_log c ON c.seq = r.log_seq"
            f" WHERE c.data IS NULL AND {where}")


def held_entries_sql(conn: sqlcipher3.Connection, tables: list[str], where: str,
                     columns: str = _ENTRY) -> str:
    """SELECT `columns` of the held entries of `tables` that meet `where` (on entry c),
    found from the rows: each table is read in order and its entries looked up by seq."""
    logged = set(held_tables(conn))
    return " UNION ALL ".join(held_part(conn, t, _prefixed(columns), f"{t} r", where)
                              for t in tables if t in logged)


def record_entries_sql(conn: sqlcipher3.Connection, source: str, tables: list[str] | None = None,
                       columns: str = _ENTRY) -> str:
    """SELECT `columns` (of an entry, prefixed c.) of every entry of the records listed in
    `source` (a table or a parenthesised SELECT with columns tbl and row_id), held ones
    included. `tables`: the tables that can occur in `source` (all if not given)."""
    cols = _prefixed(columns)
    parts = [f"SELECT {cols} FROM {source} h CROSS JOIN change_log c"
             " ON c.row_id = h.row_id AND c.tbl = h.tbl WHERE c.data IS NOT NULL"]
    for t in (tables if tables is not None else held_tables(conn)):
        parts.append(held_part(conn, t, cols, f"{source} h CROSS JOIN {t} r ON r.id = h.row_id",
                                f"h.tbl = '{t}'"))
    return " UNION ALL ".join(parts)
