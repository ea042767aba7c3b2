"""Rows from changes, and writing them: the part of a merge that turns the changes of
records new to the ledger into table rows (RowMaker, pure, run on the worker thread) and
writes rows and log entries in batches (Writer)."""

from __future__ import annotations

from itertools import repeat
from operator import add, itemgetter, methodcaller
from typing import TYPE_CHECKING, Callable

import orjson

from ..storage import held, owners
from ..storage.ledger import DERIVED_COLUMNS, SYNCED_TABLES, TableSpec, derived_values, dump_json

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

CHUNK = 5000
HELD_CHUNK = 20000  # rows per JSON array (a few MB of text)
QUIET_FROM = 2000  # new records of one package for Writer.insert_held to quiet the owner trigger
_STAMP_PARTS = (itemgetter("hlc"), itemgetter("site_seq"))
_STAMP_PARTS_SITE = (*_STAMP_PARTS, itemgetter("site_id"), methodcaller("get", "person"))
_SITE = itemgetter("site_id")


def origin_of(e: dict) -> tuple:
    """(site id, person) of a change: a township's are mostly one (see Writer.insert_held)."""
    return e["site_id"], e.get("person")


def origins_of(items: list[dict]) -> set[tuple]:
    """{origin_of(e) for e in items}, in C (without a pair per change when there is one
    site and one person, as in a township's package)."""
    sites, persons = set(map(_SITE, items)), set(map(dict.get, items, repeat("person")))
    if len(sites) <= 1 and len(persons) <= 1:
        return set(zip(sites, persons))
    return set(zip(map(_SITE, items), map(dict.get, items, repeat("person"))))


def table_specs(ledger: Ledger) -> dict[str, TableSpec]:
    """Every synced table's columns and defaults (read once, on the ledger's thread)."""
    return {t: ledger.spec(t) for t in SYNCED_TABLES}


def owner_kinds(ledger: Ledger) -> dict[str, str] | None:
    """Every synced table's owners.kind (read once, on the ledger's thread), or None while
    the log has no owner column (schema 15)."""
    if not owners.has_owner(ledger.conn):
        return None
    return {t: owners.kind(ledger.conn, t) for t in SYNCED_TABLES}


class RowMaker:
    """Row tuples (id, columns…, derived…) from change data, for one set of table specs.
    Pure: runs on the worker thread that prepares the next package."""

    def __init__(self, specs: dict[str, TableSpec], owner_kinds: dict[str, str] | None = None):
        self.specs = specs
        self.shapes: dict[str, tuple] = {}
        # table -> owners.kind, when the log has its owner column: then plan() encodes the
        # new records' rows and log entries ahead (encode_chunks), on the worker
        self.owner_kinds = owner_kinds

    def encode_chunks(self, rows: list[tuple], items: list[dict],
                      shared: set | None = None) -> list[tuple]:
        """Writer.insert_held's parameters for each chunk of a table's new records: (rows
        JSON, site, person). Each row goes with its insert's stamp at its end: [row…, hlc,
        site seq] or, when the chunk's changes have several origins (site NULL), [row…, hlc,
        site seq, site id, person]. The log entry's record id and owner are read from the
        row itself (Writer.plan). `shared`: the origins of (at least) these changes."""
        out = []
        for start in range(0, len(items), HELD_CHUNK):
            chunk, chunk_rows = items[start:start + HELD_CHUNK], rows[start:start + HELD_CHUNK]
            # a township's changes all come from it, mostly from one person: its id and
            # the person once, not on every entry
            found = shared if shared is not None and len(shared) == 1 else origins_of(chunk)
            site, person = next(iter(found)) if len(found) == 1 else (None, None)
            # one tuple per row, made by zip from columns taken in C
            stamps = zip(*[list(map(get, chunk)) for get in
                           (_STAMP_PARTS if site else _STAMP_PARTS_SITE)])
            out.append((orjson.dumps(list(map(add, chunk_rows, stamps))).decode(), site, person))
        return out

    def shape(self, table: str) -> tuple:
        found = self.shapes.get(table)
        if found is None:
            spec = self.specs[table]
            cols = spec.columns
            derived = sorted(DERIVED_COLUMNS.get(table, ()))
            defaults = [(i, spec.defaults[c]) for i, c in enumerate(cols) if c in spec.defaults]
            getter = itemgetter(*cols) if len(cols) > 1 else None
            found = self.shapes[table] = (cols, derived, defaults, getter)
        return found

    def row(self, table: str, row_id: str, values: dict) -> tuple:
        cols, derived, defaults, getter = self.shape(table)
        if getter is not None and not derived:
            # an insert carries every column: one C call picks them in table order
            try:
                out = getter(values)
            except KeyError:
                pass
            else:
                if defaults and None in out:
                    out = list(out)
                    for i, default in defaults:
                        if out[i] is None:
                            out[i] = default
                return (row_id, *out)
        out = [values.get(c) for c in cols]
        for i, default in defaults:
            if out[i] is None:
                out[i] = default
        if derived:
            extra = derived_values(table, dict(zip(cols, out)))
            out.extend(extra.get(d) for d in derived)
        return (row_id, *out)

    def rows(self, table: str, ids: list[str], datas: list[dict]) -> list[tuple]:
        """row() of many records of one table. When every change carries every column (what
        our exporter writes) it is two passes in C; the insert statement fills defaults."""
        _cols, derived, _defaults, getter = self.shape(table)
        if getter is not None and not derived:
            try:
                return list(map(add, zip(ids), map(getter, datas)))
            except KeyError:
                pass
        return [self.row(table, i, d) for i, d in zip(ids, datas)]


class Writer:
    """Row and log writes of one merge, batched per table."""

    def __init__(self, ledger: Ledger, maker: RowMaker, quiet: owners.QuietOwners | None = None):
        """`quiet`: the import command's (import_files: one writer for all its packages, which
        also keeps its statements and the ingest view); else each large insert_held quiets
        the owner trigger for itself."""
        self.ledger = ledger
        self.conn = ledger.conn
        self.maker = maker
        self.plans: dict[str, tuple] = {}
        self.kinds: dict[str, str | None] = {}
        self.ingest: list[str] | None = None
        self.owned = owners.has_owner(self.conn)  # the log has its owner column (schema 15)
        self.quiet = quiet if self.owned else None

    def plan(self, table: str):
        if table not in self.plans:
            cols, derived, _defaults, _getter = self.maker.shape(table)
            names = ", ".join(("id", *cols, *derived))
            defaults = self.maker.specs[table].defaults
            # RowMaker.rows leaves a column's default to the statement
            marks = ", ".join(["?", *(f"coalesce(?, {_sql_literal(defaults[c])})" if c in defaults
                                      else "?" for c in cols), *("?" * len(derived))])
            picks = ", ".join(
                [*(f"coalesce(j.value->>{i}, {_sql_literal(defaults[c])})" if c in defaults
                   else f"j.value->>{i}" for i, c in enumerate(cols, start=1)),
                 *(f"j.value->>{i}" for i in range(len(cols) + 1, len(cols) + 1 + len(derived)))])
            # {rows}: a JSONB array of RowMaker.encode_chunks' rows; {first}: the seq of the
            # first one's log entry. Both statements walk the one array (converted once, in
            # ingest_sql): the row's columns, then its id, its stamp and its owner for the log
            held_sql = (f"INSERT INTO {table} ({names}, {held.HELD_COLUMN})"
                        f" SELECT j.value->>0, {picks}, {{first}} + j.key FROM jsonb_each({{rows}}) j")
            stamp = len(cols) + len(derived) + 1  # where the stamp starts in each row
            owner = ("", "")
            if self.owned:
                kind = self.kind(table)
                owner = (", owner", ", " + (
                    "j.value->>0" if kind == owners.ENTERPRISE else
                    f"j.value->>{1 + cols.index('enterprise_id')}" if kind == owners.CHILD else
                    _sql_literal(owners.COUNTY_WIDE if kind == owners.COUNTY else owners.UNKNOWN)))
            log_sql = (
                "INSERT INTO change_log(seq, tbl, row_id, op, data, base, hlc, site_id, site_seq,"
                f" person{owner[0]}) SELECT {{first}} + j.key, '{table}', j.value->>0, 'i', NULL,"
                f" NULL, j.value->>{stamp}, coalesce({{site}}, j.value->>{stamp + 2}),"
                f" j.value->>{stamp + 1}, CASE WHEN {{site}} IS NULL THEN j.value->>{stamp + 3}"
                f" ELSE {{person}} END{owner[1]} FROM jsonb_each({{rows}}) j")
            self.plans[table] = (cols, derived, f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                 held_sql, log_sql)
        return self.plans[table]

    def kind(self, table: str) -> str | None:
        """owners.kind of the table (None without the log's owner column), read once."""
        if table not in self.kinds:
            self.kinds[table] = owners.kind(self.conn, table) if self.owned else None
        return self.kinds[table]

    def row_tuple(self, table: str, row_id: str, values: dict) -> tuple:
        return self.maker.row(table, row_id, values)

    def ingest_sql(self, tables: list[str]) -> str:
        """A temp view whose INSTEAD OF INSERT trigger writes, for each table, a chunk of new
        rows and their row-held log entries from JSON arrays: a whole package (or a chunk of
        each of its tables) is one statement, one trip into SQLite. SQLite walks the arrays
        in C without the GIL, so the next package is checked on the worker thread meanwhile;
        with one statement per table and chunk, the writer waited for the GIL at each
        statement (the worker holds it for the length of a parse) and the two mostly took
        turns. The seq numbers are given, not left to SQLite's choice of the next rowid."""
        columns = [f"{t}_{part}" for t in tables for part in ("first", "rows", "site", "person")]
        if self.ingest != tables:
            body = []
            for t in tables:
                _cols, _derived, _insert, held_sql, log_sql = self.plan(t)
                first = f"NEW.{t}_first"
                body.append(log_sql.replace("{rows}", f"NEW.{t}_rows").replace("{first}", first)
                            .replace("{site}", f"NEW.{t}_site").replace("{person}", f"NEW.{t}_person"))
                body.append(held_sql.replace("{rows}", f"NEW.{t}_rows").replace("{first}", first))
            self.conn.execute("DROP VIEW IF EXISTS temp._held_ingest")
            self.conn.execute("CREATE TEMP VIEW _held_ingest AS SELECT "
                              + ", ".join(f"NULL AS {c}" for c in columns))
            self.conn.execute("CREATE TEMP TRIGGER _held_ingest_insert INSTEAD OF INSERT ON"
                              " _held_ingest BEGIN " + "; ".join(body) + "; END")
            self.ingest = tables
        # each rows array converted to JSONB once, for the two statements that walk it
        return (f"INSERT INTO temp._held_ingest ({', '.join(columns)}) VALUES ("
                + ", ".join(f"jsonb(:{c})" if c.endswith("_rows") else f":{c}" for c in columns) + ")")

    def insert_held(self, new: dict[str, tuple[list[tuple], list[dict]]], tick,
                    writing: Callable[[], None] | None = None,
                    origins: dict[str, set] | None = None,
                    encoded: dict[str, list[tuple]] | None = None) -> None:
        """Insert the rows of records new to this ledger, per table, each with its change
        (the insert that made it) as a row-held log entry. `writing` is called right before
        the first statement. Worked out ahead on the worker (Plan), for the tables whose
        new records are the plan's: `encoded`, their chunks (RowMaker.encode_chunks);
        `origins`, the origin_of of (at least) each table's changes."""
        tables = sorted(t for t, (rows, _items) in new.items() if rows)
        if not tables:
            if writing is not None:
                writing()
            return
        sql = self.ingest_sql(tables)
        chunks = {t: (encoded or {}).get(t) or self.maker.encode_chunks(
            *new[t], (origins or {}).get(t)) for t in tables}
        first = self.conn.execute("SELECT coalesce(max(seq), 0) + 1 FROM change_log").fetchone()[0]
        rounds = max(len(new[t][0]) for t in tables)
        # Every entry written here carries its owner: a large package writes them without the
        # owner trigger (owners.quiet_trigger; the county's import of 30 township packages:
        # 0.15 s of 2.4 s of SQL). Dropping and making it again is a schema change, which
        # prepares every cached statement again: not worth it for a few records.
        large = sum(len(new[t][0]) for t in tables) >= QUIET_FROM
        if self.quiet is None:
            with owners.trigger_quieted(self.conn, tables, when=self.owned and large):
                self._write_held(tables, chunks, new, first, rounds, sql, tick, writing)
            return
        if not self.quiet.allows(tables):
            self.quiet.loud()
        elif large:
            self.quiet.quiet(tables)  # and it stays so for the command's next packages
        self._write_held(tables, chunks, new, first, rounds, sql, tick, writing)

    def _write_held(self, tables, chunks, new, first, rounds, sql, tick, writing) -> None:
        for n, start in enumerate(range(0, rounds, HELD_CHUNK)):
            params: dict[str, object] = {}
            count = 0
            for t in tables:
                size = max(0, min(HELD_CHUNK, len(new[t][1]) - start))
                rows_json, site, person = chunks[t][n] if size else (None, None, None)
                params[f"{t}_first"] = first
                params[f"{t}_rows"] = rows_json
                params[f"{t}_site"], params[f"{t}_person"] = site, person
                first += size
                count += size
            if writing is not None:
                writing()
                writing = None
            self.conn.execute(sql, params)
            tick(count)

    def insert_plain(self, table: str, rows: list[tuple], tick) -> None:
        """Insert rows whose changes are logged as they are (records folded from several)."""
        insert_sql = self.plan(table)[2]
        for start in range(0, len(rows), CHUNK):
            self.conn.executemany(insert_sql, rows[start:start + CHUNK])
            tick(0)

    def log(self, entries: list[dict], tick) -> None:
        if entries and self.quiet is not None:
            self.quiet.loud()  # these leave their owner to the trigger
        sql = ("INSERT INTO change_log(tbl, row_id, op, data, base, hlc, site_id, site_seq, person)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start:start + CHUNK]
            self.conn.executemany(sql, [
                (e["tbl"], e["row_id"], e["op"], dump_json(e["data"]),
                 dump_json(e["base"]) if e.get("base") else None, e["hlc"], e["site_id"],
                 e["site_seq"], e.get("person")) for e in chunk])
            tick(len(chunk))


def _sql_literal(value) -> str:
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"
