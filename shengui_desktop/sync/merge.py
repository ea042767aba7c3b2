"""Merging change-log entries made elsewhere (docs/sync-format.md, properties 1, 2 and 4).

The state of a record is a pure function of the set of its entries, so any two ledgers that
hold the same entries hold the same record, whatever the order they arrived in:

* each field holds the value of the entry with the highest stamp (hlc, site id) that wrote it
  (inserts write every field, updates the fields they changed);
* the record exists when it has an insert and its latest insert is newer than its latest
  delete (a delete is a tombstone; an update never brings a record back, a new insert does:
  a month re-entered after deletion, or a person keeping an edit that lost to a delete).

Conflicts come from the same fold in stamp order: a write whose `base` (the stamp of the
value its writer overwrote) is older than the value it replaces did not know that value, and
when the two values differ both are kept in ``sync_conflicts``. A delete that did not know an
edit, or an edit to a deleted record, is an edit-versus-delete conflict.

Records no ledger here has seen before (the bulk of a first import) skip all of this: their
rows go in as one JSON array per chunk, walked in C (jsonb_each) without the GIL, so the
next package is checked on the worker thread meanwhile; their inserts are row-held log
entries (storage/held.py): a short entry, no copy of the values, in no random-key index.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from collections import Counter
from itertools import groupby, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Callable, Iterable

import orjson

from ..progress import Job
from ..storage import held
from ..storage.ledger import dump_json
from .rows import RowMaker, Writer, origins_of, table_specs

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

Stamp = tuple[int, str]


def stamp(e: dict) -> Stamp:
    return (e["hlc"], e["site_id"])


def _knew(base: list | None, s: Stamp) -> bool:
    return base is not None and (base[0], base[1]) >= s


@dataclass
class Conflict:
    tbl: str
    row_id: str
    field: str          # '' for edit-versus-delete
    kind: str           # 'field' | 'delete'
    winner: dict
    loser: dict
    winner_value: object
    loser_value: object


@dataclass
class Folded:
    alive: bool
    values: dict
    writers: dict        # field -> the entry whose value it holds
    inserted: Stamp | None
    deleted: Stamp | None
    conflicts: list


def fold(entries: Iterable[dict]) -> Folded:
    """The record's state and its conflicts from all its entries (any order in, one out)."""
    fields: dict[str, tuple[Stamp, object, dict]] = {}
    inserted: Stamp | None = None
    last_delete: dict | None = None
    conflicts: list[Conflict] = []
    for e in sorted(entries, key=stamp):
        s = stamp(e)
        base = e.get("base") or {}
        deleted = stamp(last_delete) if last_delete else None
        dead = deleted is not None and (inserted is None or inserted < deleted)
        if e["op"] == "d":
            if not dead and inserted is not None:
                unknown = [cur for f, cur in fields.items() if not _knew(base.get(f), cur[0])]
                if unknown:
                    lost = max(unknown, key=lambda cur: cur[0])[2]
                    conflicts.append(Conflict(e["tbl"], e["row_id"], "", "delete", e, lost, None, {
                        f: v for f, (_s, v, w) in fields.items() if w is lost}))
            last_delete = e
            continue
        if dead and e["op"] == "u":
            # an edit made without knowing the record was deleted: the delete stands
            conflicts.append(Conflict(e["tbl"], e["row_id"], "", "delete", last_delete, e,
                                      None, e["data"]))
        check = not dead
        for f, v in e["data"].items():
            cur = fields.get(f)
            if check and cur is not None and v != cur[1] and not _knew(base.get(f), cur[0]):
                conflicts.append(Conflict(e["tbl"], e["row_id"], f, "field", e, cur[2], v, cur[1]))
            fields[f] = (s, v, e)
        if e["op"] == "i":
            inserted = s
    deleted = stamp(last_delete) if last_delete else None
    alive = inserted is not None and (deleted is None or inserted > deleted)
    return Folded(alive, {f: cur[1] for f, cur in fields.items()},
                  {f: cur[2] for f, cur in fields.items()}, inserted, deleted, conflicts)


@dataclass
class MergeResult:
    received: int = 0
    new_entries: int = 0
    already_known: int = 0
    conflicts: int = 0
    superseded: int = 0
    renumbered: int = 0   # twins of entries held here, taken under this office's numbers
    touched: dict = field(default_factory=dict)   # table -> set of row ids written

    def touch(self, table: str, row_id: str) -> None:
        self.touched.setdefault(table, set()).add(row_id)


def _temp(conn, name: str, columns: str) -> None:
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
    conn.execute(f"DELETE FROM temp.{name}")


@dataclass
class Plan:
    """What can be worked out from a package alone: its changes grouped by record, and for
    the records a single insert creates, per table, their ids, changes and rows."""

    entries: list[dict]
    groups: dict[tuple[str, str], list[dict]]   # records with several changes, or no insert
    singles: dict[str, tuple[list[str], list[dict], list[tuple]]]
    ids: dict[str, list[str]] = field(default_factory=dict)   # table -> every record's id
    counts: dict[str, int] = field(default_factory=dict)      # table -> changes
    lowest: dict[str, int] = field(default_factory=dict)      # site -> lowest site_seq
    highest: dict[str, int] = field(default_factory=dict)     # site -> highest site_seq
    origins: dict[str, set] = field(default_factory=dict)     # table -> its singles' origin_of
    encoded: dict[str, list] = field(default_factory=dict)    # table -> RowMaker.encode_chunks
    newest_hlc: int = 0
    screened: object = None   # authorise.Screened, when the sender is a township
    known_before: set | None = None  # known_records() as of before the import command
    known: set | None = None  # known_before and what the command's earlier packages write
    id_sets: dict[str, set] = field(default_factory=dict)  # table -> its singles' ids, a set
    audit: list = field(default_factory=list)  # the sender's audit entries (audit_trail)
    # table -> all its changes in order, when plan() grouped them so (authorise.screen)
    by_table: dict[str, list[dict]] | None = None


def _summarise(p: Plan, maker: RowMaker, facts: dict | None = None) -> Plan:
    """The package's counts, origins and newest stamp, worked out with its plan (on the
    worker) instead of in passes over every change while the ledger waits; and, when the
    maker knows the owners, the parameters that write the new records (the writing thread
    then only hands them to SQLite)."""
    kinds = maker.owner_kinds
    for table, (ids, items, rows) in p.singles.items():
        p.ids[table] = list(ids)
        p.id_sets[table] = set(ids)  # merge's MergeResult.touched, made on the worker
        p.origins[table] = origins_of(items)
        if kinds is not None and table in kinds and items:
            p.encoded[table] = maker.encode_chunks(rows, items, p.origins[table])
    for table, row_id in p.groups:
        p.ids.setdefault(table, []).append(row_id)
    if facts and "lowest" in facts:  # validate_entries found them (one origin)
        p.counts, p.newest_hlc = facts["counts"], facts["newest_hlc"]
        p.lowest, p.highest = facts["lowest"], facts["highest"]
        return p
    p.counts = dict(Counter(map(_TBL, p.entries)))
    sites = set(map(_SITE, p.entries))
    if len(sites) == 1:  # a township's package: its own changes only
        site = sites.pop()
        p.lowest[site] = min(map(_SEQ, p.entries))
        p.highest[site] = max(map(_SEQ, p.entries))
    else:
        for e in p.entries:
            site, seq = e["site_id"], e["site_seq"]
            if seq < p.lowest.get(site, seq + 1):
                p.lowest[site] = seq
            if seq > p.highest.get(site, 0):
                p.highest[site] = seq
    p.newest_hlc = max(map(_HLC, p.entries), default=0)
    return p


_TBL, _ROW_ID, _OP, _DATA, _SITE, _SEQ, _HLC = (
    itemgetter(k) for k in ("tbl", "row_id", "op", "data", "site_id", "site_seq", "hlc"))


def plan(entries: list[dict], maker: RowMaker, facts: dict | None = None) -> Plan:
    """How the entries will be written: records with one insert each (singles, a table at a
    time), the others grouped by record; and their summary (_summarise). `facts`: what
    validate_entries found of the same entries."""
    # one change per record? (distinct ids tell it without pairing each with its table)
    row_ids = list(map(_ROW_ID, entries))
    if len(set(row_ids)) != len(row_ids) and len(set(zip(map(_TBL, entries), row_ids))) != len(row_ids):
        return _plan_by_record(entries, maker, facts)
    # one change per record (a first package, say): whole tables at a time, in C where it can
    groups: dict[tuple[str, str], list[dict]] = {}
    singles = {}
    by_table = {}
    for table, run in groupby(sorted(entries, key=_TBL), _TBL):  # stable: order kept
        items = by_table[table] = list(run)
        if set(map(_OP, items)) != {"i"}:
            for e in items:
                if e["op"] != "i":
                    groups[(table, e["row_id"])] = [e]
            items = [e for e in items if e["op"] == "i"]
        ids = list(map(_ROW_ID, items))
        singles[table] = (ids, items, maker.rows(table, ids, list(map(_DATA, items))))
    return _summarise(Plan(entries, groups, singles, by_table=by_table), maker, facts)


def _plan_by_record(entries: list[dict], maker: RowMaker, facts: dict | None = None) -> Plan:
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in entries:
        key = (e["tbl"], e["row_id"])
        group = groups.get(key)
        if group is None:
            groups[key] = [e]
        else:
            group.append(e)
    by_table: dict[str, tuple[list[str], list[dict]]] = {}
    for key in [k for k, g in groups.items() if len(g) == 1 and g[0]["op"] == "i"]:
        e = groups.pop(key)[0]
        found = by_table.get(key[0])
        if found is None:
            found = by_table[key[0]] = ([], [])
        found[0].append(key[1])
        found[1].append(e)
    singles = {table: (ids, items, maker.rows(table, ids, [e["data"] for e in items]))
               for table, (ids, items) in by_table.items()}
    return _summarise(Plan(entries, groups, singles), maker, facts)


def known_records(conn, ids: dict[str, list[str]]) -> set[tuple[str, str]]:
    """The (table, id) of these records that the ledger of `conn` has entries for: a logged
    entry, or a row (whose insert may be held)."""
    known: set[tuple[str, str]] = set()
    for table, table_ids in ids.items():
        # the ids go in as one JSON array walked by json_each, not one temp-table row each
        known.update(conn.execute(
            "SELECT ?1, j.value FROM json_each(?2) j WHERE EXISTS (SELECT 1 FROM change_log c"
            " WHERE c.row_id = j.value AND c.tbl = ?1 AND c.data IS NOT NULL)"
            f" OR EXISTS (SELECT 1 FROM {table} r WHERE r.id = j.value)",
            (table, orjson.dumps(table_ids).decode())).fetchall())
    return known


# an entry's columns as load_entry reads them (the person last, schema 13)
ENTRY_COLUMNS = "tbl, row_id, op, data, base, hlc, site_id, site_seq, person"


def load_entry(row) -> dict:
    """An entry of this ledger's log (ENTRY_COLUMNS, or the same without the person)."""
    tbl, row_id, op, data, base, hlc, site, seq = row[:8]
    return {"tbl": tbl, "row_id": row_id, "op": op, "data": json.loads(data),
            "base": json.loads(base) if base else None, "hlc": hlc, "site_id": site,
            "site_seq": seq, "person": row[8] if len(row) > 8 else None, "local": True}


def merge(ledger: Ledger, entries: list[dict], *, package_id: str | None = None,
          job: Job | None = None, planned: Plan | None = None,
          writing: Callable[[], None] | None = None,
          known: set[tuple[str, str]] | None = None,
          writer: Writer | None = None) -> MergeResult:
    """Apply validated entries made elsewhere. Call inside the import's one transaction.
    `job` is told the progress (stage "merge") and checked for a cancel, which raises.
    `planned` is :func:`plan` of the same entries, made ahead on another thread. `writing`
    is called when the new records start to be written (the bulk of the work, in C).
    `known`: known_records() of (at least) these entries' records, if already worked out.
    `writer`: the import command's, shared by its packages (else one of this merge's own)."""
    conn = ledger.conn
    job = job or Job()
    result = MergeResult(received=len(entries))

    # 1. entries this ledger already holds (re-deliveries, --full packages)
    vv = dict(conn.execute("SELECT site_id, max_seq FROM version_vector").fetchall())
    maybe = []
    # the plan knows each origin's lowest number: a package of changes all newer than what
    # this ledger holds (every first import) is not walked change by change here or for twins
    may_know = planned is None or any(low <= vv.get(site, 0) for site, low in planned.lowest.items())
    if may_know:
        maybe = [(e["site_id"], e["site_seq"]) for e in entries
                 if e["site_seq"] <= vv.get(e["site_id"], 0)]
    if maybe:
        # an entry is looked up through its record: held entries are in no origin index
        records = {(e["tbl"], e["row_id"]) for e in entries
                   if e["site_seq"] <= vv.get(e["site_id"], 0)}
        _temp(conn, "_sync_origin", "tbl TEXT, row_id TEXT")
        conn.executemany("INSERT INTO temp._sync_origin VALUES (?, ?)", list(records))
        found = {(s, q): (op, data) for s, q, op, data in conn.execute(held.record_entries_sql(
            conn, "temp._sync_origin", sorted({t for t, _ in records}), "site_id, site_seq, op, data"))}
        held_here = set(maybe).intersection(found)
        # another change of the same record under a number held here (two copies of one
        # ledger before schema 12) is no re-delivery: _renumber_twins takes it
        # (a row-held insert is left as known: its number is in no index to clash with)
        differing = [[e["site_id"], e["site_seq"]] for e in entries
                     if (e["site_id"], e["site_seq"]) in held_here
                     and _differs(found[(e["site_id"], e["site_seq"])], e)]
        if differing:
            held_here -= {(s, q) for s, q in conn.execute(
                "SELECT c.site_id, c.site_seq FROM json_each(?) j CROSS JOIN change_log c"
                " ON c.site_id = json_extract(j.value, '$[0]') AND c.site_seq = json_extract(j.value, '$[1]')"
                " WHERE c.data IS NOT NULL", (json.dumps(differing),))}
        if held_here:
            entries = [e for e in entries if (e["site_id"], e["site_seq"]) not in held_here]
            planned = None  # made for all of them
    result.already_known = result.received - len(entries)
    result.new_entries = len(entries)
    entries, renumbered = _renumber_twins(ledger, entries, vv) if may_know else (entries, 0)
    if renumbered:
        result.renumbered = renumbered
        planned = None
    job.check()

    # 2. group by record; which records does this ledger already know?
    replanned = planned is None
    if planned is None:
        planned = plan(entries, RowMaker(table_specs(ledger)))
    groups, singles = planned.groups, planned.singles
    if known is None:
        known_rows = known_records(conn, planned.ids)
    elif not replanned:
        known_rows = known  # worked out for this plan's records (importer.apply_verified)
    else:
        # worked out before entries already held were left out: keep this package's
        ours = {t: set(ids) for t, ids in planned.ids.items()} if known else {}
        known_rows = {k for k in known if k[1] in ours.get(k[0], ())}
    job.check()

    writer = writer or Writer(ledger, RowMaker(table_specs(ledger)))
    total = len(entries)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        job.tell("merge", min(done, total), total)
        job.check()

    conflicts: list[Conflict] = []
    fast: dict[str, tuple[list[tuple], list[dict | None]]] = {}  # table -> rows, their changes
    logged: list[dict] = []
    touched = result.touched
    reshaped = set()  # tables whose new records are not all of the plan's
    for table, (ids, items, rows) in singles.items():
        if known_rows and not known_rows.isdisjoint(zip(repeat(table), ids)):
            reshaped.add(table)
            # a first insert of a record this ledger already knows: folded with its history
            keep = [n for n, i in enumerate(ids) if (table, i) not in known_rows]
            for n, i in enumerate(ids):
                if (table, i) in known_rows:
                    groups[(table, i)] = [items[n]]
            ids, items, rows = ([x[n] for n in keep] for x in (ids, items, rows))
        fast[table] = (list(rows), list(items))
        if table not in reshaped and table not in touched and table in planned.id_sets:
            touched[table] = planned.id_sets[table]
        else:
            touched.setdefault(table, set()).update(ids)
    for key, group in groups.items():
        if key in known_rows:
            continue
        table, row_id = key
        folded = fold(group)
        conflicts.extend(folded.conflicts)
        logged.extend(group)
        if folded.alive:
            rows, items = fast.setdefault(table, ([], []))
            rows.append(writer.row_tuple(table, row_id, folded.values))
            items.append(None)
            result.touch(table, row_id)

    # 3. records seen before: fold local and incoming entries together
    if known_rows:
        _temp(conn, "_sync_hist", "tbl TEXT, row_id TEXT")
        conn.executemany("INSERT INTO temp._sync_hist VALUES (?, ?)", list(known_rows))
        local: dict[tuple[str, str], list[dict]] = {}
        tables = {t for t, _ in known_rows}
        for row in conn.execute(held.record_entries_sql(conn, "temp._sync_hist", sorted(tables),
                                                        ENTRY_COLUMNS)):
            local.setdefault((row[0], row[1]), []).append(load_entry(row))
        current: dict[tuple[str, str], dict] = {}
        for table in tables:
            for r in ledger.rows(f"SELECT * FROM {table} WHERE id IN"
                                 " (SELECT row_id FROM temp._sync_hist WHERE tbl = ?)", (table,)):
                current[(table, r["id"])] = r
        open_conflicts: dict[tuple[str, str], list[dict]] = {}
        for c in ledger.rows("SELECT c.* FROM temp._sync_hist h CROSS JOIN sync_conflicts c"
                             " ON c.row_id = h.row_id AND c.tbl = h.tbl WHERE c.status = 'open'"):
            open_conflicts.setdefault((c["tbl"], c["row_id"]), []).append(c)
        for key in known_rows:
            table, row_id = key
            group = groups[key]
            folded = fold(local.get(key, []) + group)
            conflicts.extend(c for c in folded.conflicts
                             if not (c.winner.get("local") and c.loser.get("local")))
            logged.extend(group)
            _write_folded(ledger, writer, table, row_id, folded, current.get(key), result)
            result.superseded += _supersede(conn, open_conflicts.get(key, ()), folded)
        job.check()

    new = {}
    for table, (rows, items) in fast.items():
        if None in items:
            # records folded from several changes: their changes are logged as they are
            writer.insert_plain(table, [r for r, e in zip(rows, items) if e is None], tick)
            rows = [r for r, e in zip(rows, items) if e is not None]
            items = [e for e in items if e is not None]
        new[table] = (rows, items)
    writer.insert_held(new, tick, writing, planned.origins,
                       {t: c for t, c in planned.encoded.items() if t not in reshaped})
    writer.log(logged, tick)

    # 4. conflicts, version vector, clock
    now = datetime.now().isoformat(timespec="seconds")
    rows = []
    for c in conflicts:
        side = ("winner" if not c.winner.get("local") and c.loser.get("local") else
                "loser" if c.winner.get("local") and not c.loser.get("local") else None)
        rows.append((uuid.uuid4().hex, c.tbl, c.row_id, c.field, c.kind, dump_json(c.winner_value),
                     c.winner["hlc"], c.winner["site_id"], c.winner["op"], dump_json(c.loser_value),
                     c.loser["hlc"], c.loser["site_id"], c.loser["op"], side, package_id, now,
                     c.winner.get("person"), c.loser.get("person")))
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO sync_conflicts(id, tbl, row_id, field, kind, winner_value,"
        " winner_hlc, winner_site, winner_op, loser_value, loser_hlc, loser_site, loser_op,"
        " incoming_side, package_id, detected_at, winner_person, loser_person)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows)
    result.conflicts = conn.total_changes - before

    top, max_hlc = planned.highest, planned.newest_hlc
    conn.executemany(
        "INSERT INTO version_vector(site_id, max_seq) VALUES (?, ?) "
        "ON CONFLICT(site_id) DO UPDATE SET max_seq = max(max_seq, excluded.max_seq)",
        list(top.items()))
    if max_hlc:
        ledger.observe(max_hlc)
    if ledger.origin_id in top:
        # our own entries came back (a --full package after restoring a backup): never
        # hand out their sequence numbers again
        clock = ledger._load_clock()
        clock.seq = max(clock.seq, top[ledger.origin_id])
    job.tell("merge", total, total)
    return result


def _differs(local: tuple[str, str], e: dict) -> bool:
    op, data = local
    return op != e["op"] or orjson.loads(data) != e["data"]


def _renumber_twins(ledger: Ledger, entries: list[dict], vv: dict) -> tuple[list[dict], int]:
    """Entries whose (origin, number) this ledger holds for *another* change: two copies of
    one ledger that numbered changes alike before schema 12 (docs/sync-format.md, "Copies
    of a ledger"). Such a twin is kept, not lost and not refused: it is taken as a change of
    this office under its next number, with its stamp's clock, data and base as they were,
    so it travels on to everyone like any change here. The change held here under that
    number is taken again the same way: the copy that made the twin never had it, and would
    not be sent it under its old number (it acknowledged that number for its own twin).
    A twin arriving again is known (``renumbered_twins``)."""
    maybe = [e for e in entries if e["site_seq"] <= vv.get(e["site_id"], 0)]
    if not maybe:
        return entries, 0
    conn = ledger.conn
    wanted = json.dumps([[e["site_id"], e["site_seq"]] for e in maybe])
    held_here = {(r[6], r[7]): r for r in conn.execute(
        "SELECT c.tbl, c.row_id, c.op, c.data, c.base, c.hlc, c.site_id, c.site_seq FROM json_each(?) j"
        " CROSS JOIN change_log c ON c.site_id = json_extract(j.value, '$[0]')"
        " AND c.site_seq = json_extract(j.value, '$[1]') WHERE c.data IS NOT NULL", (wanted,))}
    if not held_here:
        return entries, 0
    seen = {tuple(r) for r in conn.execute(
        "SELECT t.site_id, t.site_seq, t.tbl, t.row_id FROM json_each(?) j CROSS JOIN renumbered_twins t"
        " ON t.site_id = json_extract(j.value, '$[0]') AND t.site_seq = json_extract(j.value, '$[1]')",
        (wanted,))}
    clock = ledger._load_clock()
    out, twins = [], 0
    for e in entries:
        key = (e["site_id"], e["site_seq"])
        if key not in held_here:
            out.append(e)
            continue
        if (*key, e["tbl"], e["row_id"]) in seen:
            continue  # taken before
        first = load_entry(held_here[key])
        for twin in ([first] if (*key, first["tbl"], first["row_id"]) not in seen else []) + [e]:
            conn.execute("INSERT OR IGNORE INTO renumbered_twins VALUES (?, ?, ?, ?)",
                         (*key, twin["tbl"], twin["row_id"]))
            seen.add((*key, twin["tbl"], twin["row_id"]))
            clock.seq += 1
            twin = {k: v for k, v in twin.items() if k != "local"}
            out.append({**twin, "site_id": ledger.origin_id, "site_seq": clock.seq})
        twins += 1
    return out, twins


def _write_folded(ledger: Ledger, writer: Writer, table: str, row_id: str, folded: Folded,
                  current: dict | None, result: MergeResult) -> None:
    conn = ledger.conn
    if not folded.alive:
        if current is not None:
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
            result.touch(table, row_id)
        return
    cols, derived, insert_sql, _held, _log = writer.plan(table)
    row = writer.row_tuple(table, row_id, folded.values)
    if current is None:
        conn.execute(insert_sql, row)
        result.touch(table, row_id)
        return
    full = dict(zip(("id", *cols, *derived), row))
    diff = {c: full[c] for c in (*cols, *derived) if current.get(c) != full[c]}
    if diff:
        sets = ", ".join(f"{c} = ?" for c in diff)
        conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*diff.values(), row_id))
        result.touch(table, row_id)


def _supersede(conn, open_conflicts: Iterable[dict], folded: Folded) -> int:
    """Close conflicts someone has since settled by an informed write (a resolution made at
    another office arrives as exactly that)."""
    closed = 0
    for c in open_conflicts:
        won = (c["winner_hlc"], c["winner_site"])
        if c["kind"] == "delete":
            settled = folded.inserted is not None and folded.inserted > won
        else:
            writer = folded.writers.get(c["field"])
            settled = (writer is not None and stamp(writer) > won
                       and _knew((writer.get("base") or {}).get(c["field"]), won))
        if settled:
            conn.execute("UPDATE sync_conflicts SET status = 'superseded', resolved_at = ?"
                         " WHERE id = ?", (datetime.now().isoformat(timespec="seconds"), c["id"]))
            closed += 1
    return closed
