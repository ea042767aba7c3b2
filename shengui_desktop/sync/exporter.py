"""Writing a package for one peer: what it has not acknowledged, and only what concerns it.

Township → county: the township's own changes to its own records (not those it made to an
enterprise after learning that the county moved it away, see withhold_transferred). County →
township: every change to the records of that township's enterprises, those moved away from
it included (from any office: the old township keeps the history and learns of the move), and
to county-wide records; plus the whole history of enterprises moved into it and of records
that a merge moved into its scope (``sync_resend``), until it acknowledges the move.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import sqlcipher3

from ..errors import UserError
from ..storage import audit, held, migrations, origins, owners
from . import audit_trail, certificates, package, transfers
from .rules import COUNTY, county_only, label, synced_tables, table_kind

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

# the person last: the positions before it are read by number below
_COLUMNS = "c.tbl, c.row_id, c.op, c.data, c.base, c.hlc, c.site_id, c.site_seq, c.person"


@dataclass
class ExportResult:
    path: Path
    recipient: str
    package_no: int
    entries: int
    counts: dict
    full: bool
    notices: list = field(default_factory=list)   # what a person should know (Chinese)


def peers(ledger: Ledger) -> list[dict]:
    """Trusted peers, one per office code: a second key enrolled for a code before that was
    refused (SYNC.md property 7) gets nothing; the first enrolled holds the code."""
    return ledger.rows(
        "SELECT * FROM sites s WHERE s.is_self = 0 AND s.trusted = 1 AND NOT EXISTS ("
        "SELECT 1 FROM sites e WHERE e.is_self = 0 AND e.trusted = 1 AND e.area_code = s.area_code"
        " AND (e.created_at, e.id) < (s.created_at, s.id)) ORDER BY s.area_code")


def find_peer(ledger: Ledger, which: str | None) -> list[dict]:
    """`--to`: a site id, area code or name; without it every trusted peer."""
    found = peers(ledger)
    if which:
        found = [p for p in found if which in (p["id"], p["area_code"], p["name"])]
        if not found:
            raise UserError(f"没有已登记的单位“{which}”。")
    if not found:
        if ledger.meta("role") == "township":
            raise UserError("本乡镇台账尚未导入县级证书，无法导出同步包（初始化时使用 --county-cert）。")
        raise UserError("尚未登记任何乡镇：乡镇的第一个同步包导入时会登记该乡镇。")
    return found


def _acked(ledger: Ledger, peer_id: str) -> dict:
    """What every copy of the peer's ledger acknowledged (docs/sync-format.md, "Copies of a
    ledger"): per origin, the lowest number any of its devices acknowledged. A package
    leaves out only that; one device's entries thus reach the peer's other devices."""
    devices = [json.loads(v or "{}") for (v,) in ledger.conn.execute(
        "SELECT acked_vector FROM peer_devices WHERE site_id = ?", (peer_id,))]
    if not devices:
        row = ledger.scalar("SELECT acked_vector FROM peer_state WHERE site_id = ?", (peer_id,))
        return json.loads(row) if row else {}
    shared = set(devices[0]).intersection(*devices[1:])
    return {o: min(d[o] for d in devices) for o in shared}


# per ledger: the change log's (max seq, count) when the temp tables below were made
_OWNERS_MADE: "weakref.WeakKeyDictionary[Ledger, tuple]" = weakref.WeakKeyDictionary()


def _owners(ledger: Ledger) -> None:
    """Which township every change concerns, kept in temp tables until the log changes:

    * ``_log_owner``: change seq -> the enterprise it concerns ('' for the county-wide
      tables, '?' when no office here knows it: its enterprise never reached here);
    * ``_enterprise_towns``: enterprise -> every township it is or was in: its row's, and
      every township_code its entries wrote (an enterprise moved away, 划转, stays in the old
      township's scope: that township keeps its history and learns of the move, SYNC.md 7);
    * ``_moves``: the updates that moved an enterprise (to township, origin).

    Worked out in one pass over the change log: a county exporting to 30 townships scanned
    the whole log 13 times per township (31 s for 30 packages after a 287,227-change
    import; now one pass and index look-ups per township). A record's township changes
    only by a write, and every write is logged."""
    conn = ledger.conn
    made = conn.execute("SELECT max(seq), count(*) FROM change_log").fetchone()
    if _OWNERS_MADE.get(ledger) == made and conn.execute(
            "SELECT 1 FROM temp.sqlite_master WHERE name = '_moves'").fetchone():
        return
    for name in ("_log_owner", "_enterprise_towns", "_moves"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
    conn.execute("CREATE TEMP TABLE _log_owner (seq INTEGER PRIMARY KEY, enterprise TEXT NOT NULL)")
    cases = " ".join(f"WHEN '{t}' THEN " + ("''" if table_kind(ledger, t) == COUNTY
                                             else transfers.enterprise_sql(ledger, t))
                     for t in synced_tables())
    conn.execute(f"INSERT INTO temp._log_owner SELECT c.seq, coalesce(CASE c.tbl {cases} END, '?')"
                 " FROM change_log c")
    conn.execute("CREATE INDEX temp._log_owner_enterprise ON _log_owner(enterprise)")
    conn.execute("CREATE TEMP TABLE _moves (enterprise TEXT, township TEXT, site_id TEXT,"
                 " site_seq INTEGER)")
    # township_code written by an update; a held insert's township is its row's
    conn.execute("INSERT INTO temp._moves SELECT row_id, json_extract(data, '$.township_code'),"
                 " site_id, site_seq FROM change_log WHERE tbl = 'enterprises' AND op = 'u'"
                 " AND data IS NOT NULL AND json_extract(data, '$.township_code') IS NOT NULL")
    conn.execute("CREATE TEMP TABLE _enterprise_towns (township TEXT, enterprise TEXT,"
                 " PRIMARY KEY (township, enterprise)) WITHOUT ROWID")
    conn.execute("INSERT OR IGNORE INTO temp._enterprise_towns SELECT township_code, id FROM enterprises")
    conn.execute("INSERT OR IGNORE INTO temp._enterprise_towns SELECT township, enterprise FROM temp._moves")
    # deleted enterprises: their inserts are written out
    conn.execute("INSERT OR IGNORE INTO temp._enterprise_towns SELECT json_extract(data, '$.township_code'),"
                 " row_id FROM change_log WHERE tbl = 'enterprises' AND op = 'i' AND data IS NOT NULL"
                 " AND json_extract(data, '$.township_code') IS NOT NULL")
    _OWNERS_MADE[ledger] = made


def withhold_transferred(ledger: Ledger, rows: list[tuple], notes: list[str]) -> list[tuple]:
    """A township's own changes to an enterprise made after it learned that the county had
    moved the enterprise to another township (划转) are not its to send (the county would
    refuse the package, SYNC.md 7): they stay in this ledger (transfers.kept_back), and
    `notes` says so. Should the enterprise come back, they are written again as new changes
    (transfers.reissue_returned) and no longer mentioned."""
    kept, withheld, history = transfers.kept_back(ledger, rows)
    if not withheld:
        return kept
    again = transfers.reissued(ledger, withheld)
    counts: dict[str, int] = {}
    for ent, r in withheld:
        if (r[7], r[8]) not in again:
            counts[ent] = counts.get(ent, 0) + 1
    for ent, count in counts.items():
        seq, (hlc, _site), value = max(history[ent], key=lambda a: a[1])
        name = ledger.scalar("SELECT name FROM enterprises WHERE id = ?", (ent,)) or ent[:8]
        town = ledger.scalar("SELECT name FROM townships WHERE code = ?", (value,)) or value
        day = datetime.fromtimestamp((hlc >> 16) / 1000).date().isoformat()
        notes.append(f"“{name}”已于{day}划转至{town}，本乡镇得知后对其所做的{count}条修改不再发送"
                     f"（该企业已由{town}负责；如其日后划回本乡镇，这些修改将重新生效并发送）。")
    return kept


def _moved_in(ledger: Ledger, peer: dict, acked: dict, quick: bool) -> list[str]:
    """Enterprises moved into the peer's township by a change it has not acknowledged: it
    gets their whole history (and their records'), acknowledged or not. `quick`: read from
    the index of township assignments (owners.py), else from _owners' temp tables."""
    if quick:
        moves = ledger.conn.execute(
            "SELECT row_id, site_id, site_seq FROM change_log WHERE tbl = 'enterprises'"
            " AND data IS NOT NULL AND json_extract(data, '$.township_code') = ? AND op = 'u'",
            (peer["area_code"],)).fetchall()
    else:
        moves = ledger.conn.execute(
            "SELECT enterprise, site_id, site_seq FROM temp._moves WHERE township = ?",
            (peer["area_code"],)).fetchall()
    return sorted({ent for ent, site, seq in moves if seq > acked.get(site, 0)})


def _scope(ledger: Ledger, code: str) -> list[str]:
    """The enterprises that are or were in township `code` (SYNC.md 7): those its rows place
    there, and every one an entry ever placed there (an insert's or a move's township_code),
    read from two indexes: what _owners' _enterprise_towns holds for it."""
    return sorted({r[0] for r in ledger.conn.execute(
        "SELECT id FROM enterprises WHERE township_code = ?1 UNION SELECT row_id FROM change_log"
        " WHERE tbl = 'enterprises' AND data IS NOT NULL AND json_extract(data, '$.township_code') = ?1"
        " AND op IN ('u', 'i')", (code,))})


def _owned_by(conn: sqlcipher3.Connection, enterprises: list[str], unacked: bool = False) -> str:
    """SELECT seq and a payload line's columns of the entries owned by the JSON array ?1 of
    enterprises ('' for the county-wide records; storage/owners.py); `unacked`: only those
    the peer has not acknowledged (temp._acked, filled by the caller).

    An entry with its data is a range of the index change_log_owner. A row-held insert is in
    no index (storage/held.py, schema 20): it is found through its row, the rows of each
    enterprise through their table's index on enterprise_id, the county-wide tables' rows
    whole (a few hundred)."""
    def not_acked(alias: str) -> str:
        return (f"{alias}.site_seq > coalesce((SELECT a.max_seq FROM temp._acked a"
                f" WHERE a.site_id = {alias}.site_id), 0)") if unacked else "1"

    parts = [f"SELECT c.seq, {_COLUMNS} FROM json_each(?1) j CROSS JOIN change_log o"
             " INDEXED BY change_log_owner ON o.owner = j.value CROSS JOIN change_entries c"
             f" ON c.seq = o.seq WHERE o.data IS NOT NULL AND {not_acked('o')}"]
    columns = "c.seq, " + _COLUMNS
    county_wide = owners.COUNTY_WIDE in enterprises
    for table in held.held_tables(conn):
        kind = owners.kind(conn, table)
        if kind == owners.ENTERPRISE:
            rows = "json_each(?1) j CROSS JOIN enterprises r ON r.id = j.value"
        elif kind == owners.CHILD:
            rows = f"json_each(?1) j CROSS JOIN {table} r ON r.enterprise_id = j.value"
        elif kind == owners.COUNTY and county_wide:
            rows = f"{table} r"
        else:  # a township's own records (owner '?'): the county sends them to no township
            continue
        parts.append(held.held_part(conn, table, columns, rows, not_acked("c")))
    return " UNION ALL ".join(parts)


def _unacked_for_township(ledger: Ledger, peer: dict) -> list[tuple]:
    """The county's package to a township, read from the owner of every entry (written with
    it, storage/owners.py): the entries of the enterprises that are or were in the township
    and of the county-wide records that the peer has not acknowledged (temp._acked, filled by
    the caller). Per enterprise a range of the owner index and its rows' held inserts
    (_owned_by), instead of an owner worked out for every entry of the log (_owners,
    bench/README.md). The rest of select_entries (moved-in history, sync_resend) is the same
    for both ways."""
    enterprises = [owners.COUNTY_WIDE, *_scope(ledger, peer["area_code"])]
    return ledger.conn.execute(_owned_by(ledger.conn, enterprises, unacked=True),
                               (json.dumps(enterprises),)).fetchall()


def select_entries(ledger: Ledger, peer: dict, full: bool,
                   notes: list[str] | None = None, *, scan_log: bool = False) -> list[tuple]:
    """What the next package to `peer` carries (rows: seq, then a payload line's columns).
    `notes` gets what a person should know about it (Chinese). At the county, the entries of
    the peer's enterprises are read through their owner (_unacked_for_township); `scan_log`
    works out the owner of every change in the log instead (_owners: the reference the tests
    compare the quick way with)."""
    conn = ledger.conn
    me = ledger.this_site()
    acked = {} if full else _acked(ledger, peer["id"])
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _acked (site_id TEXT PRIMARY KEY, max_seq INTEGER)")
    conn.execute("DELETE FROM temp._acked")
    conn.executemany("INSERT INTO temp._acked VALUES (?, ?)", list(acked.items()))
    unacked = ("c.site_seq > coalesce((SELECT a.max_seq FROM temp._acked a"
               " WHERE a.site_id = c.site_id), 0)")
    tables = [t for t in synced_tables() if table_kind(ledger, t) != COUNTY]
    if me["role"] == "township":
        # its own changes (county-wide rows made here are local placeholders, see rules):
        # a range of the (site_id, site_seq) index, and its own held inserts (bulk loads,
        # which are in no index), found from their rows, a table at a time
        # Every origin this ledger wrote under (a copy's own, and the ones it descends from)
        mine = "c.site_id = ?1 AND c.site_seq > ?2"
        sql = (f"SELECT c.seq, {_COLUMNS} FROM change_log c WHERE {mine} AND c.data IS NOT NULL"
               f" AND c.tbl IN ({', '.join(repr(t) for t in tables)}) UNION ALL "
               + held.held_entries_sql(conn, tables, mine, "seq, " + _COLUMNS.replace("c.", "")))
        out = []
        for origin in origins.own_origins(ledger):
            out += conn.execute(sql, (origin, acked.get(origin, 0))).fetchall()
        out = withhold_transferred(ledger, out, notes if notes is not None else [])
    else:
        out = None if scan_log else _unacked_for_township(ledger, peer)
    quick = out is not None
    if out is None and me["role"] == "county":
        # the records of the peer's township (those moved away from it included) and the
        # county-wide ones, found through the enterprise of every change (worked out once
        # for all peers, see _owners)
        # (the peer's own entries too, as far as not every copy of its ledger acknowledged
        # them: one device's changes reach the others through the county)
        _owners(ledger)
        out = conn.execute(
            f"SELECT c.seq, {_COLUMNS} FROM temp._enterprise_towns t CROSS JOIN temp._log_owner o"
            " ON o.enterprise = t.enterprise CROSS JOIN change_entries c ON c.seq = o.seq"
            f" WHERE t.township = ?1 AND {unacked} UNION ALL"
            f" SELECT c.seq, {_COLUMNS} FROM temp._log_owner o CROSS JOIN change_entries c"
            f" ON c.seq = o.seq WHERE o.enterprise = '' AND {unacked}",
            (peer["area_code"],)).fetchall()
    if me["role"] == "county":
        have = {(r[7], r[8]) for r in out}
        acked_now = _acked(ledger, peer["id"])
        held_by_peer = origins.origins_of(ledger, peer["id"])

        def peer_has(r: tuple) -> bool:
            """An entry of the peer's own that every copy of its ledger acknowledged."""
            return r[7] in held_by_peer and r[8] <= acked_now.get(r[7], 0)

        # enterprises moved into this township: their whole history, until acknowledged
        moved = _moved_in(ledger, peer, acked_now, quick)
        if moved:
            history = _owned_by(conn, moved) if quick else (
                f"SELECT c.seq, {_COLUMNS} FROM json_each(?1) j CROSS JOIN temp._log_owner o"
                " ON o.enterprise = j.value CROSS JOIN change_entries c ON c.seq = o.seq")
            for r in conn.execute(history, (json.dumps(moved),)):
                if not peer_has(r) and (r[7], r[8]) not in have:
                    have.add((r[7], r[8]))
                    out.append(r)
        # records a merge moved into this township: their whole history, until acknowledged
        conn.execute("DELETE FROM sync_resend WHERE peer_site_id = ? AND trigger_seq <= ?",
                     (peer["id"], acked_now.get(ledger.origin_id, 0)))
        resend = held.record_entries_sql(
            conn, "(SELECT DISTINCT tbl, row_id FROM sync_resend WHERE peer_site_id = ?1)", None,
            "seq, " + _COLUMNS.replace("c.", ""))
        for r in conn.execute(resend, (peer["id"],)):
            if not peer_has(r) and (r[7], r[8]) not in have:
                out.append(r)
    out.sort(key=lambda r: r[0])
    return out


def _check_county_only(ledger: Ledger, rows: list[tuple]) -> None:
    """A township's export refuses early what the county would refuse (with the records)."""
    problems = []
    for _seq, tbl, row_id, op, data, _b, _h, _s, _q, _p in rows:
        fields = county_only(tbl)
        if not fields:
            continue
        values = json.loads(data)
        for f, neutral in fields.items():
            if f in values and (op == "u" or values[f] not in (neutral, None)):
                problems.append(f"{label(tbl)} {row_id[:8]}：字段“{f}”只能由县级修改")
    if problems:
        raise UserError("本台账中有只能由县级修改的字段被改动，县级会拒收此包：\n  "
                        + "\n  ".join(problems[:20]))


def _line(row: tuple) -> str:
    _seq, tbl, row_id, op, data, base, hlc, site, seq, person = row
    # the person (schema 13) only when known: a change made before it has none
    who = f',"person":{json.dumps(person, ensure_ascii=False)}' if person else ""
    return (f'{{"tbl":"{tbl}","row_id":{json.dumps(row_id)},"op":"{op}","data":{data},'
            f'"base":{base or "null"},"hlc":{hlc},"site_id":"{site}","site_seq":{seq}{who}}}')


_CODE = re.compile(r"[0-9A-Za-z]{1,24}\Z")


def _code(site: dict) -> str:
    """An office's area code as it goes into a file name: ASCII letters and digits only (a
    peer's code is the peer's to choose; anything else becomes its site id's start)."""
    code = str(site.get("area_code") or "")
    if _CODE.match(code):
        return code
    return "x" + re.sub(r"[^0-9a-f]", "", str(site.get("id") or site.get("site_id") or ""))[:8]


def file_name(me: dict, peer: dict, number: int) -> str:
    """`<sender code>-to-<recipient code>-<no, 6 digits>.sgpkg`, e.g.
    `140322100-to-140322-000007.sgpkg`: ASCII only, so no stick, file system or archive
    program mangles it and a name can never hide or spoof anything; sorts by sender,
    recipient and number; a `140322100-*` glob finds every package from that township. The
    offices' names are in the signed manifest: the 数据同步 page shows them when a person
    picks a file (services/sync.py describe_files)."""
    return f"{_code(me)}-to-{_code(peer)}-{number:06d}.sgpkg"


# -- an export is recorded first, then written --------------------------------------------
PENDING = "export_pending:"  # meta: + peer id -> {"no", "name", "folder", "package_id", …} (JSON)


def _pending(ledger: Ledger, peer: dict) -> dict | None:
    raw = ledger.meta(PENDING + peer["id"])
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    return found if isinstance(found, dict) and type(found.get("no")) is int else None


def _written(folder: Path, name: str, package_id: str) -> Path | None:
    """The package `package_id`, whole (its payload matches its manifest), under `name` or
    the free names after it, if it is there."""
    for candidate in package.free_names(folder / name):
        try:
            if not candidate.exists():
                return None
            raw = package.read(candidate)
            if raw.manifest.get("package_id") == package_id:
                package.check_payload_hash(raw)
                return candidate
        except (OSError, UserError):
            continue  # another file, or damaged: not the recorded package whole
    return None


@dataclass
class Settled:
    """What settle_pending found of the last export to a peer."""
    reuse: int | None = None       # the number to use again (its file was never written)
    written: dict | None = None    # the record of an export whose file was found whole
    notices: list = field(default_factory=list)


def settle_pending(ledger: Ledger, peer: dict) -> Settled:
    """What became of the last export to `peer` if the program ended between recording it
    and finishing its file (docs/sync-format.md, "Writing a package"). The file found whole
    (at its name or a free name after it): done, its audit entry is written now. Its folder
    there but the file not (the program was killed before the file got its name): the
    number was never given to a file and is used again by this export. The folder gone (the
    stick is not plugged in): it cannot be told, so the number stays used."""
    found = _pending(ledger, peer)
    if found is None:
        return Settled()
    folder, name = Path(str(found.get("folder", ""))), str(found.get("name", ""))
    whole = _written(folder, name, str(found.get("package_id", "")))
    if whole is not None:
        return Settled(written=dict(found, name=whole.name))
    if folder.is_dir():
        reserved = folder / name
        try:  # an empty reservation of the name (a stick without hard links, package.py)
            if reserved.is_file() and reserved.stat().st_size == 0:
                reserved.unlink()
        except OSError:
            pass
        return Settled(reuse=found["no"])
    return Settled(notices=[f"上次导出的第{found['no']}号包（{name}）写入的文件夹现在找不到（U盘未插入？），"
                            "无法确认它是否写完。若它没有写完，对方导入后续的包时会提示缺少这一号；"
                            "其中的变更本包都已包含，不会丢失。"])


def _export_note(peer: dict, number: int, entries: int, full: bool) -> str:
    return (f"发往{peer['name']}（{peer['area_code']}），第{number}号包，变更{entries}条"
            + ("，完整包" if full else ""))


def _unrecord(ledger: Ledger, peer: dict, number: int, reused: bool) -> None:
    """The file could not be written (a full or read-only disk, a stick pulled out): the
    export is taken back, so the ledger is as before it (a number used again keeps its
    record: still never given to a file). If even that fails the record stays, and the
    next export settles it."""
    if reused:
        return
    try:
        with ledger.transaction():
            ledger.conn.execute("DELETE FROM meta WHERE key = ?", (PENDING + peer["id"],))
            ledger.conn.execute("UPDATE peer_state SET last_sent_no = last_sent_no - 1"
                                " WHERE site_id = ? AND last_sent_no = ?", (peer["id"], number))
    except (UserError, sqlcipher3.dbapi2.Error):
        pass


def export_to(ledger: Ledger, peer: dict, out_dir: Path, *, full: bool = False,
              progress: Callable[[str, int, int], None] | None = None) -> ExportResult:
    report = progress or (lambda stage, done, total: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    me = ledger.this_site()
    report("select", 0, 1)
    notices: list[str] = []
    if me["role"] == "township":
        # copies made before schema 12: unsent changes go under this copy's own origin
        origins.finish_upgrade_move(ledger)
        # edits kept back while an enterprise was away, now that it is back (if not done
        # on the import that brought it back)
        notices += transfers.reissue_returned(ledger)
    notice = origins.pending_notice(ledger, clear=True)
    if notice:
        notices.insert(0, notice)
    rows = select_entries(ledger, peer, full, notices)
    if me["role"] == "township":
        _check_county_only(ledger, rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    report("pack", 0, len(rows))
    # a township's audit entries the county has not acknowledged, after the changes
    trail = audit_trail.select_audit(ledger, peer, full)
    settled = settle_pending(ledger, peer)
    reuse = settled.reuse
    notices += settled.notices
    lines = [*map(_line, rows), *(json.dumps({"audit": e}, ensure_ascii=False) for e in trail)]
    plain = ("\n".join(lines) + "\n").encode() if lines else b""
    payload = package.compress_and_encrypt(plain, peer["age_recipient"])
    vv = dict(ledger.conn.execute("SELECT site_id, max_seq FROM version_vector").fetchall())
    now = datetime.now().astimezone()
    with ledger.transaction():
        ledger.conn.execute("INSERT OR IGNORE INTO peer_state(site_id) VALUES (?)", (peer["id"],))
        last = ledger.scalar("SELECT last_sent_no FROM peer_state WHERE site_id = ?", (peer["id"],))
        if reuse is None or reuse != last:  # (reuse: an export recorded but never written)
            ledger.conn.execute("UPDATE peer_state SET last_sent_no = last_sent_no + 1 WHERE site_id = ?",
                                (peer["id"],))
        number = ledger.scalar("SELECT last_sent_no FROM peer_state WHERE site_id = ?", (peer["id"],))
        ledger.observe(int(now.timestamp() * 1000) << 16)
        hlc = ledger._load_clock().hlc
        manifest = {
            "format": package.FORMAT, "format_version": package.FORMAT_VERSION,
            "package_id": uuid.uuid4().hex, "package_no": number, "full": full,
            "created_at": now.isoformat(timespec="seconds"), "created_hlc": hlc,
            "schema_version": migrations.current_version(ledger.conn),
            "sender": {"site_id": me["id"], "role": me["role"], "name": me["name"],
                       "area_code": me["area_code"], "fingerprint": me["fingerprint"],
                       "origin": ledger.origin_id, "retired": origins.retired_origins(ledger)},
            "recipient": {"site_id": peer["id"], "role": peer["role"], "name": peer["name"],
                          "area_code": peer["area_code"], "fingerprint": peer["fingerprint"],
                          "devices": [] if full else [r[0] for r in ledger.conn.execute(
                              "SELECT origin_id FROM peer_devices WHERE site_id = ? ORDER BY origin_id",
                              (peer["id"],))]},
            "sender_certificate": certificates.export_certificate(ledger),
            "version_vector": vv,
            "last_received_no": ledger.scalar(
                "SELECT last_received_no FROM peer_state WHERE site_id = ?", (peer["id"],)) or 0,
            "entries": len(rows), "counts": counts,
            "audit_entries": len(trail), "audit_seen": audit_trail.seen_for(ledger, peer),
            "payload": {"name": package.PAYLOAD, "encryption": "age-x25519",
                        "compression": "gzip", "content": "jsonl",
                        "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()},
        }
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        signature = certificates.sign(ledger, manifest_bytes)
        wanted = out_dir / file_name(me, peer, number)
        target = next(p for p in package.free_names(wanted) if not p.exists())
        # the export is recorded (number, file name and hash) and committed before the file
        # is written: a program killed after this leaves the record, and the next export
        # finds the file whole or uses the number again (settle_pending); killed before it,
        # neither the record nor a file
        ledger.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (
            PENDING + peer["id"], json.dumps({"no": number, "name": target.name,
                                              "folder": str(out_dir.resolve()),
                                              "package_id": manifest["package_id"],
                                              "entries": len(rows), "full": full})))
        if settled.written is not None:  # the last export's file was whole: on record now
            w = settled.written
            ledger.audit(audit.EXPORT_PACKAGE, str(w["name"]),
                         _export_note(peer, w["no"], int(w.get("entries") or 0), bool(w.get("full")))
                         + "（写完文件后程序中断，此次补记）")
    try:
        path = package.write(target, manifest_bytes, signature, payload)
    except BaseException:
        _unrecord(ledger, peer, number, reuse is not None)
        raise
    try:
        with ledger.transaction():  # written whole: nothing left to settle; on record
            ledger.conn.execute("DELETE FROM meta WHERE key = ?", (PENDING + peer["id"],))
            ledger.audit(audit.EXPORT_PACKAGE, path.name, _export_note(peer, number, len(rows), full))
    except (UserError, sqlcipher3.dbapi2.Error):
        pass  # the package is written; the next export finds it whole and records it then
    if path != wanted:
        notices.append(f"文件夹中已有同名的“{wanted.name}”（另一次导出写出的：可能出自本单位另一台电脑上的台账、"
                       f"本台账的副本或备份），未覆盖它，本包另存为“{path.name}”。")
    report("done", len(rows), len(rows))
    return ExportResult(path, peer["name"], number, len(rows), counts, full, notices)
