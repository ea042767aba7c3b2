"""The bulk path of storage/ledger.py's Ledger (its base class): new records by the
hundred thousand (the demo, spreadsheet imports, what an import merges) written with one
statement a chunk, their change-log entries written by SQLite from the rows just written
(row-held inserts, held.py), the indexes of an empty table built once at the end, the owner
trigger out of the way (owners.quiet_trigger), and a load's transaction with a rollback
journal where it may (each new page written once)."""

from __future__ import annotations

from contextlib import contextmanager
from itertools import islice
from operator import add
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterable, Iterator, Protocol, Sequence

import sqlcipher3

from . import held, owners
from .columns import DERIVED_COLUMNS, TableSpec, derived_columns
from .ids import new_id


class _ClockState(Protocol):
    """The Ledger's hybrid clock within a transaction (its last stamp and origin number)."""
    hlc: int
    seq: int


class BulkWrites:
    """Ledger.insert_many / insert_rows and the contexts of a bulk load."""

    if TYPE_CHECKING:  # what the Ledger provides
        conn: sqlcipher3.Connection
        origin_id: str | None
        wall_clock: Callable[[], float]
        _depth: int
        _edits: dict[str, int]

        @property
        def person(self) -> str: ...

        def transaction(self) -> ContextManager[Any]: ...

        def scalar(self, sql: str, params: Iterable = ()) -> Any: ...

        def spec(self, table: str) -> TableSpec: ...

        def logs_person(self) -> bool: ...

        def logs_owner(self) -> bool: ...

        def _load_clock(self) -> _ClockState: ...

        def _check_values(self, table: str, values: dict) -> None: ...

    def insert_many(self, table: str, records: Iterable[dict],
                    progress: Callable[[int], None] | None = None, batch: int = 20000,
                    cache_mib: int = 1024) -> int:
        """Batched inserts of new rows given as dicts (see :meth:`insert_rows`)."""
        cols = self.spec(table).columns
        checked: set[frozenset] = set()

        def tuples():
            for record in records:
                keys = frozenset(record)
                if keys not in checked:
                    self._check_values(table, {k: v for k, v in record.items() if k != "id"})
                    checked.add(keys)
                yield (record.get("id") or new_id(), *(record.get(c) for c in cols))

        return self.insert_rows(table, ("id", *cols), tuples(), progress, batch, cache_mib)

    @contextmanager
    def rollback_journal(self) -> Iterator[bool]:
        """Outside any transaction, for a bulk load into a (nearly) empty ledger (the demo, a
        large import: sync/importer.py):
        the load's transaction runs with a rollback journal instead of the write-ahead log,
        and the log is back afterwards, error or not. In WAL every page of the load is
        written twice, into the log and then copied into the file by the checkpoint at the
        commit (a province: 3 GB each way); with a rollback journal the pages beyond the
        file's old end are written once, and only the few pages the ledger had are
        journaled. Just as atomic: a kill leaves a journal that the next open rolls back.
        Yields whether the journal changed: not inside a transaction, nor while another
        connection has the ledger open (SQLite refuses: the load then runs in WAL)."""
        changed = False
        if not self._depth and not self.conn.in_transaction:
            try:
                changed = self.scalar("PRAGMA journal_mode = DELETE") == "delete"
            except sqlcipher3.dbapi2.OperationalError:  # another connection holds it
                changed = False
        try:
            yield changed
        finally:
            if changed:
                try:
                    self.conn.execute("PRAGMA journal_mode = WAL").fetchall()
                    # On a connection that ran ALTER TABLE … RENAME (every new ledger: its
                    # migrations do), SQLite leaves the switch back to WAL with a read
                    # transaction marked open until the next statement that reads the file:
                    # a checkpoint before it fails with "database table is locked" (SQLite
                    # 3.40 and 3.53 alike; tests/test_demo.py). One read closes it.
                    self.conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
                except sqlcipher3.dbapi2.Error:
                    pass  # every open sets WAL again (connection.connect)

    @contextmanager
    def log_indexes_deferred(self, incoming: int | None = None) -> Iterator[None]:
        """Inside a transaction, for a bulk load that writes most of the change log: the log's
        owner index (schema 15) is built once at the end from the finished log instead of
        taking every new key at a random place. When: the log is empty (the demo: a province
        demo peaked at 2.45 GB with the index kept, 0.84 GB without), or the load brings
        `incoming` entries, at least as many as the log already holds (a county's first import
        of its townships' packages, sync/importer.py: building the index from 297,000 entries
        took 0.17 s, and the import 3.80–3.95 s instead of 4.00–4.05 s in paired runs).
        Sorting the whole log is then at most twice the work of sorting the new entries,
        never a province's log for a few new ones. An error leaves it to the transaction's
        rollback, which brings the index back."""
        if incoming is None:
            defer = not self.scalar("SELECT EXISTS (SELECT 1 FROM change_log)")
        else:  # the highest seq: as many entries as the log holds, or a few more (no count)
            defer = incoming >= (self.scalar("SELECT coalesce(max(seq), 0) FROM change_log") or 0)
        deferred = []
        if defer:
            deferred = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'change_log'"
                " AND name = 'change_log_owner' AND sql IS NOT NULL").fetchall()
        for name, _sql in deferred:
            self.conn.execute(f"DROP INDEX {name}")
        yield
        for _name, sql in deferred:
            self.conn.execute(sql)

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple],
                    progress: Callable[[int], None] | None = None, batch: int = 20000,
                    cache_mib: int = 1024) -> int:
        """The batched path (demo data, imports, merges) for new rows given as tuples.

        executemany writes the rows; SQLite then writes their change-log entries from the
        rows just written, as row-held inserts (storage/held.py): each row points to its
        entry, whose data is the row itself (every synced column, defaults filled in) until
        the row changes. Columns left out get their default.
        """
        spec = self.spec(table)
        if columns[0] != "id" or not set(columns[1:]) <= set(spec.columns):
            raise ValueError(f"columns for {table} must be id and synced columns: {columns}")
        given = {c: i for i, c in enumerate(columns)}
        cols = spec.columns
        derived = sorted(DERIVED_COLUMNS.get(table, ()))
        names = ", ".join(("id", *cols, *derived, held.HELD_COLUMN))
        marks = ", ".join("?" * (2 + len(cols) + len(derived)))
        insert_sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        person = ", person" if self.logs_person() else ""
        # the enterprise each entry concerns, from its row (owners.py)
        owner = (", owner", f", {owners.row_owner(self.conn, table, table)}") if self.logs_owner() else ("", "")
        log_sql = (
            f"INSERT INTO change_log(seq, tbl, row_id, op, data, base, hlc, site_id, site_seq{person}{owner[0]})"
            f" SELECT log_seq, ?, id, 'i', NULL, NULL, ? + log_seq, ?, ? + log_seq"
            f"{', ?' if person else ''}{owner[1]} FROM {table} WHERE rowid > ?")
        plan = [(given.get(c), spec.defaults.get(c)) for c in cols]
        # every column given, in the table's order, nothing derived: the rows go in as they
        # are (with their log_seq), unless a column with a default holds a None (below)
        identity = columns == ("id", *cols) and not derived
        # A bulk load touches index pages all over the file; each page that falls out of the
        # cache is read and decrypted again. A bigger cache for the load (only allocated as
        # used, given back afterwards) cut a 30,000-enterprise demo from 33 s to 24 s;
        # `cache_mib` bounds it (it is resident memory while the load runs).
        cache = self.scalar("PRAGMA cache_size")
        self.conn.execute(f"PRAGMA cache_size = -{int(cache_mib) * 1024}")
        try:
            return self._insert_chunks(table, rows, identity, plan, cols, insert_sql, log_sql,
                                       progress, batch)
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def _insert_chunks(self, table, rows, identity, plan, cols, insert_sql, log_sql, progress,
                       batch) -> int:
        count = 0
        with self.transaction():
            # Into an empty table (a demo, a first import), secondary indexes are dropped and
            # built again after the load, in the same transaction: building from the finished
            # table sorts once instead of inserting millions of keys at random places.
            rebuild = []
            if self.scalar(f"SELECT NOT EXISTS (SELECT 1 FROM {table})"):
                rebuild = self.conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                    " AND sql IS NOT NULL", (table,)).fetchall()
                for name, _sql in rebuild:
                    self.conn.execute(f"DROP INDEX {name}")
            chunk: list[tuple] = []
            first_seq = 0

            def to_fill() -> Iterator[list]:
                """The chunk's ids, then its columns that have a default, one at a time."""
                yield [row[0] for row in chunk]
                for index, (_given, default) in enumerate(plan, start=1):
                    if default is not None:
                        yield [row[index] for row in chunk]

            def completed() -> tuple[str, list[tuple]]:
                """The chunk with ids, defaults and derived columns filled in, a column at
                a time. A column None in every row is left out of the statement: NULL all
                the same, without binding a NULL per row."""
                n = len(chunk)
                held_seqs = range(first_seq, first_seq + n)
                if identity and not any(None in column for column in to_fill()):
                    return insert_sql, list(map(add, map(tuple, chunk), zip(held_seqs)))
                given = list(zip(*chunk))
                names = ["id"]
                values: list[Sequence[Any]] = [[i or new_id() for i in given[0]]]
                full = {}
                for c, (index, default) in zip(cols, plan):
                    column = given[index] if index is not None else (None,) * n
                    if default is not None and None in column:
                        column = [default if v is None else v for v in column]
                    full[c] = column
                    if column.count(None) < n:
                        names.append(c)
                        values.append(column)
                for d, column in derived_columns(table, full).items():
                    names.append(d)
                    values.append(column)
                names.append(held.HELD_COLUMN)
                values.append(held_seqs)
                sql = (f"INSERT INTO {table} ({', '.join(names)})"
                       f" VALUES ({', '.join('?' * len(names))})")
                return sql, list(zip(*values))

            def flush():
                nonlocal first_seq
                before = self.scalar(f"SELECT coalesce(max(rowid), 0) FROM {table}")
                first_seq = self.scalar("SELECT coalesce(max(seq), 0) + 1 FROM change_log")
                self.conn.executemany(*completed())
                # the rows just inserted (rowid > before) carry the seq numbers first_seq …
                # of their entries; stamps and origin numbers follow them in the same order
                c = self._load_clock()
                hlc0 = max(c.hlc + 1, int(self.wall_clock() * 1000) << 16)
                seq0 = c.seq + 1
                c.hlc, c.seq = hlc0 + len(chunk) - 1, seq0 + len(chunk) - 1
                self.conn.execute(log_sql, (table, hlc0 - first_seq, self.origin_id,
                                            seq0 - first_seq,
                                            *((self.person,) if self.logs_person() else ()), before))
                key = f"{table}:i"
                self._edits[key] = self._edits.get(key, 0) + len(chunk)
                chunk.clear()

            # The owner trigger does nothing for these entries, which carry their owner, but
            # is a call per entry: out of the way for the load (only the log's INSERT … SELECT
            # writes the log meanwhile), made again after it in the same transaction.
            with owners.trigger_quieted(self.conn, [table], when=self.logs_owner()):
                source = iter(rows)
                while chunk := list(islice(source, batch)):  # a chunk at a time, taken in C
                    count += len(chunk)
                    flush()
                    if progress:
                        progress(count)
            for _name, sql in rebuild:
                self.conn.execute(sql)
        return count
