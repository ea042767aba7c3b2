"""Importing packages: verify everything, then apply all of it in one transaction.

Order of checks (each refusal names its reason, nothing is written before the last one):
safe unzip → manifest → addressed to us → sender known and signature valid (or a person
accepted the new site's fingerprint) → already imported? → schema version → payload hash →
decrypt → every change well formed → authorisation → merge. The checks up to "already
imported?" are sync/verification.py's.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import sqlcipher3

from ..gc_pause import collector_paused
from ..progress import Cancel, Job, Progress
from ..storage import audit, held, migrations, origins, owners
from . import audit_trail, certificates, duplicates, package, starter, transfers
from .authorise import check_township_package, screen, table_rights
from .errors import PackageRejected, import_cancelled
from .merge import MergeResult, Plan, known_records, merge, plan
from .rows import RowMaker, Writer, owner_kinds, table_specs
from .rules import NATURAL_KEYS
from .senders import Accepted, Rekey
from .validate import column_types, validate_entries
from .verification import Verified, pinned, verify_all

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FUTURE_SKEW = timedelta(hours=1)
PAST_SKEW = timedelta(days=180)


@dataclass
class ImportResult:
    path: Path
    status: str                     # 'imported' | 'already_imported'
    package_id: str
    sender: str
    sender_area_code: str
    package_no: int
    entries: int = 0
    new_entries: int = 0
    counts: dict = field(default_factory=dict)
    conflicts: int = 0
    duplicates: int = 0
    gaps: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    enrolled: bool = False
    touched: dict = field(default_factory=dict)
    rekeyed: dict | None = None     # the re-keying this import made (services.sync.rekey_site)
    audit_entries: int = 0          # a township's audit entries new to this ledger

    @property
    def message(self) -> str:
        head = f"“{self.path.name}”（{self.sender}第{self.package_no}号包）"
        if self.status == "already_imported":
            return head + "已导入，本次未作任何修改。"
        text = head + f"导入完成：新变更{self.new_entries}条"
        if self.entries != self.new_entries:
            text += f"（另有{self.entries - self.new_entries}条此前已收到）"
        if self.conflicts:
            text += f"，冲突{self.conflicts}处待确认"
        if self.duplicates:
            text += f"，疑似重复企业{self.duplicates}组"
        text += "。"
        if self.enrolled:
            text = f"已登记新单位“{self.sender}”并固定其密钥。\n" + text
        if self.rekeyed:
            r = self.rekeyed
            text = (f"已更换“{r['name']}”（{r['area_code']}）的登记密钥：原密钥（指纹{r['old_fingerprint']}）"
                    f"已吊销，新指纹{r['new_fingerprint']}。\n" + text)
        if self.gaps:
            text += f"\n注意：尚未收到{self.sender}的第{'、'.join(map(str, self.gaps))}号包。"
        for w in self.warnings:
            text += "\n注意：" + w
        return text


def _skew_warnings(ledger: Ledger, m: dict, newest_hlc: int) -> list[str]:
    now = datetime.fromtimestamp(ledger.wall_clock()).astimezone()
    out = []
    try:
        created = datetime.fromisoformat(m["created_at"])
        if created.tzinfo is None:
            created = created.astimezone()
    except ValueError:
        return ["包的生成时间无法识别。"]
    if created > now + FUTURE_SKEW:
        out.append(f"此包的生成时间（{created:%Y-%m-%d %H:%M}）晚于本机当前时间，"
                   f"“{m['sender']['name']}”的电脑时钟可能超前，请核对对方或本机的日期时间。")
    elif created < now - PAST_SKEW:
        out.append(f"此包生成于{created:%Y-%m-%d}，已很久以前：可能是旧包，"
                   "或对方电脑时钟落后。较新的修改不会被它覆盖。")
    newest = newest_hlc >> 16
    if newest and newest / 1000 > now.timestamp() + FUTURE_SKEW.total_seconds() and not out:
        out.append(f"此包中有修改时间晚于本机当前时间的记录，“{m['sender']['name']}”的电脑时钟可能超前。")
    return out


def missing_package_numbers(ledger: Ledger, sender_id: str) -> list[int]:
    numbers = {r[0] for r in ledger.conn.execute(
        "SELECT package_no FROM imported_packages WHERE sender_id = ?", (sender_id,))}
    if not numbers:
        return []
    covered = ledger.scalar("SELECT covered_no FROM peer_state WHERE site_id = ?", (sender_id,)) or 0
    return [n for n in range(covered + 1, max(numbers)) if n not in numbers]


def _drop_placeholders(ledger: Ledger, entries: list[dict]) -> None:
    """A township's own county-wide rows (its townships row made at set-up) give way to the
    county's row with the same natural key; they were never exported."""
    for e in entries:
        column = NATURAL_KEYS.get(e["tbl"])
        if not column or e["op"] != "i" or column not in e["data"]:
            continue
        local = ledger.one(f"SELECT id FROM {e['tbl']} WHERE {column} = ? AND id != ?",
                           (e["data"][column], e["row_id"]))
        if local is None:
            continue
        mine = {r[0] for r in ledger.conn.execute(held.record_entries_sql(
            ledger.conn, "(SELECT ?1 AS tbl, ?2 AS row_id)", [e["tbl"]], "site_id"),
            (e["tbl"], local["id"]))}
        if mine <= set(origins.own_origins(ledger)):
            # deleting the row writes out a held insert first (a trigger), so all its
            # entries are then in the row-id index
            ledger.conn.execute(f"DELETE FROM {e['tbl']} WHERE id = ?", (local["id"],))
            ledger.conn.execute("DELETE FROM change_log WHERE row_id = ? AND tbl = ?"
                                " AND data IS NOT NULL", (local["id"], e["tbl"]))


def _prepare(raw: package.RawPackage, identities: list, types: dict,
             maker: RowMaker, sender: dict | None = None, rights: dict | None = None,
             reader=None, earlier: dict[str, set[str]] | None = None) -> Plan:
    """The work that needs only the file: payload hash, decryption, parsing, validation,
    grouping by record and the rows new records will have.

    Touches no ledger, so the next packages of a command are prepared on a worker thread
    while this one is merged (SQLite writes without holding the GIL). With `reader` (a
    connection that sees the ledger as it was before the command), the records the ledger
    knows: those it knew before (known_before) and, from `earlier` (table -> the ids of the
    command's packages prepared before this one, kept up to date here), those the command's
    earlier packages write (known)."""
    package.check_payload_hash(raw)
    plain = package.decrypt(raw, identities)
    items, trail = audit_trail.split(package.parse_lines(plain, raw.path.name), raw.manifest,
                                     raw.path.name)
    del plain
    facts: dict = {}
    entries = validate_entries(None, items, raw.manifest, raw.path.name, types=types, facts=facts)
    planned = plan(entries, maker, facts)
    planned.audit = trail
    if sender is not None and sender["role"] == "township":
        planned.screened = screen(entries, sender, rights, planned.by_table)
    if reader is not None:
        try:
            planned.known_before = known_records(reader, planned.ids)
        except sqlcipher3.dbapi2.OperationalError:
            # locked out by the writer (rollback journal, a spilled cache): apply_verified
            # looks them up on the writing connection instead
            planned.known_before = None
    if earlier is not None:
        # a set per table of the ids the earlier packages bring, made here on the worker
        # (on the writing thread: 70 ms of the bench import of 30 packages)
        if planned.known_before is not None:
            known = set(planned.known_before)
            for table, ids in planned.ids.items():
                if table in earlier:
                    known.update((table, i) for i in earlier[table].intersection(ids))
            planned.known = known
        for table, ids in planned.ids.items():
            earlier.setdefault(table, set()).update(ids)
    return planned


def apply_verified(ledger: Ledger, v: Verified, *, job: Job | None = None,
                   prepared: Future | None = None,
                   merging: Callable[[], None] | None = None,
                   writer: Writer | None = None) -> ImportResult:
    """Apply one verified package, telling `job` the progress (a cancel raises from the
    merge). `prepared` is :func:`_prepare` already under way for it
    (its refusal, if any, is raised here, in the same order as when run inline).
    `merging` is called when the checks are done and the writing starts. `writer`: the
    command's (merge)."""
    raw, m = v.raw, v.raw.manifest
    name = raw.path.name
    result = ImportResult(raw.path, "imported", m["package_id"], v.sender["name"],
                          v.sender["area_code"], m["package_no"])
    if v.already:
        result.status = "already_imported"
        return result
    if m["schema_version"] > migrations.current_version(ledger.conn):
        raise PackageRejected("version", f"“{name}”由较新版本的程序生成（数据库版本{m['schema_version']}），"
                                         "请先升级本程序再导入。")
    job = job or Job()
    job.tell("verify", 0, 1)
    if prepared is not None:
        planned = prepared.result()
    else:
        planned = _prepare(raw, certificates.age_identities(ledger), column_types(ledger),
                           RowMaker(table_specs(ledger)), v.sender, table_rights(ledger))
    entries = planned.entries
    # what the worker worked out (_prepare), or else looked up here
    known = planned.known if planned.known is not None else known_records(ledger.conn, planned.ids)
    moved_notes: list[str] = []
    if v.sender["role"] == "township":
        # an origin an earlier package of this command bound to another office
        foreign = origins.foreign_origins(ledger, v.sender["site_id"]).intersection(planned.highest)
        if foreign:
            raise PackageRejected("unauthorised", f"“{name}”中有其他单位的变更（设备编号"
                                                  f"{'、'.join(sorted(foreign))}），整个包未导入。")
        moved_notes = check_township_package(ledger, entries, v.sender, name, screened=planned.screened,
                                             known=known, version_vector=m["version_vector"],
                                             device=v.device or None)
    job.tell("verify", 1, 1)
    result.entries = len(entries)
    result.warnings = _skew_warnings(ledger, m, planned.newest_hlc) + moved_notes + _twin_warning(ledger, v)
    # Inside the command's one transaction (import_files) a package needs no savepoint of its
    # own: any refusal or error aborts the whole command. One cost 0.1-0.2 s of a county's
    # import of 30 packages (every index page a package touched copied into the savepoint's
    # journal first).
    with nullcontext() if ledger.conn.in_transaction else ledger.transaction():
        if v.replaces:
            old = v.replaces
            result.warnings += certificates.replace_site(ledger, old, v.enrol,
                                                         package_id=m["package_id"])
            result.rekeyed = {"name": old["name"], "area_code": old["area_code"],
                              "old_site_id": old["id"], "old_fingerprint": old["fingerprint"],
                              "new_site_id": v.enrol["site_id"], "new_fingerprint": v.enrol["fingerprint"]}
        elif v.enrol:
            result.warnings += certificates.pin_site(ledger, v.enrol)
            certificates.record_key_event(ledger, "enrol", v.enrol, package_id=m["package_id"],
                                          note="凭本县制作的初始包登记" if v.starter else "电话核对指纹后登记")
            if v.starter:
                starter.mark_used(ledger, v.starter, v.enrol, m["package_id"])
            result.enrolled = True
        if v.rotate:
            site = ledger.one("SELECT * FROM sites WHERE id = ?", (v.sender["site_id"],))
            certificates.accept_rotation(ledger, site, v.rotate)
            result.warnings.append(f"“{v.sender['name']}”已更换密钥（由原密钥签名确认），已更新登记的密钥。")
        if v.sender["role"] == "county":
            _drop_placeholders(ledger, entries)
        elsewhere = transfers.not_here(ledger, entries)  # to tell which it moves in
        merged: MergeResult = merge(ledger, entries, package_id=m["package_id"],
                                    job=job, planned=planned,
                                    writing=merging, known=known, writer=writer)
        counts = dict(planned.counts)
        ledger.conn.execute(
            "INSERT INTO imported_packages(package_id, sender_id, package_no, imported_at, counts, origin)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (m["package_id"], v.sender["site_id"], m["package_no"],
             datetime.now().isoformat(timespec="seconds"), json.dumps(counts, ensure_ascii=False),
             v.device or None))
        _acknowledge(ledger, v.sender["site_id"], m)
        _bind_device(ledger, v, planned)
        recipient_devices = m["recipient"].get("devices")
        if v.sender["role"] == "county" and (m.get("full") or (
                isinstance(recipient_devices, list) and ledger.origin_id in recipient_devices)):
            # made from this copy's own acknowledgements: nothing before it is missing here
            # (packages another copy of this ledger imported are no gap)
            ledger.conn.execute("UPDATE peer_state SET covered_no = max(covered_no, ?) WHERE site_id = ?",
                                (m["package_no"], v.sender["site_id"]))
        if v.sender["role"] == "township":
            result.audit_entries, notes = audit_trail.store(ledger, v.sender, planned.audit)
            result.warnings += notes
        else:
            audit_trail.acknowledge(ledger, v.sender, m)
        # the audit log of this office: committed with the import, or not at all
        who = f"{v.sender['name']}（{v.sender['area_code']}）"
        if result.rekeyed:
            ledger.audit(audit.REKEY, who, f"原指纹{result.rekeyed['old_fingerprint']}已吊销，"
                                           f"新指纹{result.rekeyed['new_fingerprint']}（电话核对）")
        elif result.enrolled:
            how = "凭本县制作的初始包登记" if v.starter else "电话核对后登记"
            ledger.audit(audit.ENROL, who, f"指纹{v.enrol['fingerprint']}（{how}）")
        if v.rotate:
            ledger.audit(audit.KEYS, who, "对方更换了密钥（由原密钥签名确认），已更新登记的密钥")
        ledger.audit(audit.IMPORT_PACKAGE, name,
                     f"{who}第{m['package_no']}号包：新变更{merged.new_entries}条"
                     + (f"，冲突{merged.conflicts}处" if merged.conflicts else "")
                     + (f"，审计记录{result.audit_entries}条" if result.audit_entries else ""))
        if ledger.meta("role") == "county":
            result.duplicates = duplicates.detect(ledger, merged.touched.get("enterprises", ()))
        else:
            result.warnings += transfers.arrived(ledger, entries, elsewhere)
            result.warnings += transfers.reissue_returned(ledger)
    result.new_entries = merged.new_entries
    if merged.renumbered:
        result.warnings.append(
            f"此包中有{merged.renumbered}条修改与此前收到的{v.sender['name']}另一份台账副本的修改编号相同"
            "（台账在升级前被复制到两台电脑上使用），已由本单位重新编号后收下，没有丢失，并会随同步包送达各方。")
    result.counts = counts
    result.conflicts = merged.conflicts
    result.touched = merged.touched
    result.gaps = missing_package_numbers(ledger, v.sender["site_id"])
    return result


def _twin_warning(ledger: Ledger, v: Verified) -> list[str]:
    """Another package with this sender's number: the sender's ledger was copied to a second
    computer (both copies number their packages and changes alike) or restored from a backup.
    Its site id and key are the same, so nothing can refuse it; a person must know."""
    m = v.raw.manifest
    site_id = v.sender["site_id"]
    # a copy on another computer has its own origin (storage/origins.py): its numbers may
    # repeat another copy's, and its changes never do
    if ledger.scalar("SELECT 1 FROM imported_packages WHERE sender_id = ? AND package_no = ?"
                     " AND package_id != ? AND coalesce(origin, sender_id) = ?",
                     (site_id, m["package_no"], m["package_id"], v.device or site_id)) is None:
        return []
    who = v.sender["name"]
    return [f"此前已收到过{who}的另一个第{m['package_no']}号包（内容不同）：{who}的台账可能被复制到两台电脑上同时使用，"
            "或从备份恢复过。两份台账给修改编的号相同，一份上的修改可能被当作已收到而不合并。请与对方核实，"
            "只保留一台电脑上的台账继续使用（另一台上的新录入请在这台上补录）。"]


def _bind_device(ledger: Ledger, v: Verified, planned: Plan) -> None:
    """The sender's device and, for a township, the origins of its changes are its own from
    now on; the device's acknowledgements are kept apart from its other copies' (the next
    package to the office leaves out only what every copy acknowledged); origins the copy
    no longer writes under are forgotten as devices."""
    m, site_id = v.raw.manifest, v.sender["site_id"]
    device = v.device or site_id
    origins.bind(ledger, device, site_id, m["package_id"])
    if v.sender["role"] == "township":
        for origin in planned.highest:
            origins.bind(ledger, origin, site_id, m["package_id"])
    conn = ledger.conn
    row = conn.execute("SELECT acked_vector FROM peer_devices WHERE site_id = ? AND origin_id = ?",
                       (site_id, device)).fetchone()
    acked = json.loads(row[0]) if row else {}
    for origin, seq in m["version_vector"].items():
        if seq > acked.get(origin, 0):
            acked[origin] = seq
    conn.execute("INSERT OR REPLACE INTO peer_devices(site_id, origin_id, acked_vector, package_no,"
                 " updated_at) VALUES (?, ?, ?, max(?, coalesce((SELECT package_no FROM peer_devices"
                 " WHERE site_id = ? AND origin_id = ?), 0)), ?)",
                 (site_id, device, json.dumps(acked), m["package_no"], site_id, device,
                  datetime.now().isoformat(timespec="seconds")))
    for origin in v.retired:
        conn.execute("DELETE FROM peer_devices WHERE site_id = ? AND origin_id = ?", (site_id, origin))


def _acknowledge(ledger: Ledger, sender_id: str, m: dict) -> None:
    """The sender's version vector is what it has seen: our next package leaves that out."""
    conn = ledger.conn
    conn.execute("INSERT OR IGNORE INTO peer_state(site_id) VALUES (?)", (sender_id,))
    acked = json.loads(conn.execute("SELECT acked_vector FROM peer_state WHERE site_id = ?",
                                    (sender_id,)).fetchone()[0] or "{}")
    for site, seq in m["version_vector"].items():
        if seq > acked.get(site, 0):
            acked[site] = seq
    conn.execute("UPDATE peer_state SET acked_vector = ?, last_received_no ="
                 " max(last_received_no, ?) WHERE site_id = ?",
                 (json.dumps(acked), m["package_no"], sender_id))


def import_files(ledger: Ledger, paths: list[Path], *, accept_fingerprint: Accepted = None,
                 progress: Progress | None = None, cancel: Cancel = None,
                 rekey: Rekey | None = None, identities: list | None = None) -> list[ImportResult]:
    """Verify every file first, then apply them per sender in package-number order.
    `accept_fingerprint`: one fingerprint or several a person confirmed by phone, each
    enrolling only the new office whose certificate has it. `progress` and `cancel` as in
    shengui_desktop.progress; a cancel raises ImportCancelled. `identities`: age identities
    to decrypt with besides this office's own (a starter package's one-time key).

    One command is one transaction: every package is applied, or (a file refused on the way,
    a cancel, a crash) none is; each package's checks and merge see the packages before
    it. One commit instead of one per package writes each index page once: importing 30
    township packages took 12 s with a commit per package, most of it rewriting the same
    random-id index pages 30 times.

    While one package's new records are written (one statement, in C, without the GIL; see
    rows.Writer.ingest_sql), the next package is decrypted, parsed, checked and planned on
    a worker thread, and the records the ledger already knows are looked up there through a
    second connection. The writing thread is left with the SQL and a little bookkeeping: the
    bench import of 30 packages (297,000 records) takes about 3.9 s, 1.9x a raw executemany
    of the same rows (bench/README.md); it took 8.4 s when the two threads took turns at the
    GIL. A command that brings more new entries than the log holds (that one) builds the
    log's owner index at its end (OWNER_INDEX_DEFERRED_FROM)."""
    job = Job(progress, cancel, error=import_cancelled)
    verified = verify_all(ledger, [Path(p) for p in paths], accept_fingerprint, rekey)
    verified.sort(key=lambda v: (v.sender["site_id"], v.raw.manifest["package_no"]))
    seen_ids: set[str] = set()
    for v in verified:
        if v.raw.manifest["package_id"] in seen_ids:
            v.already = True  # the same file twice in one command
        seen_ids.add(v.raw.manifest["package_id"])
    results: list[ImportResult] = []
    with ExitStack() as stack:
        # Which records the ledger knows is looked up on the worker, through a second
        # connection that sees the ledger as it was before this command (SQLite without the
        # GIL, 0.25 s of the bench import); what the command itself wrote is added from
        # memory. Not inside a caller's transaction: its writes would be invisible there.
        reader = None
        # A large command into this ledger alone runs with a rollback journal (storage:
        # Ledger.rollback_journal): its new pages are written once at the commit, instead of
        # into the WAL and again by the checkpoint (a county's first 30 township packages,
        # 297,000 records: the commit took 0.8 s instead of 1.15 s). Not while another
        # connection has the ledger open (the window's pages: SQLite refuses, it stays in
        # WAL), and not beyond what the command's page cache holds: with a rollback journal,
        # pages spilled before the commit would lock the worker's reader out.
        on_its_own = ledger.path is not None and not ledger.conn.in_transaction
        incoming = sum(int(v.raw.manifest.get("entries") or 0) for v in verified if not v.already)
        journal = (on_its_own and BULK_JOURNAL_ENTRIES[0] <= incoming <= BULK_JOURNAL_ENTRIES[1]
                   and stack.enter_context(ledger.rollback_journal()))
        if on_its_own:
            try:
                reader = stack.enter_context(closing(ledger.reader(keep_journal=journal)))
                if journal:  # never waits on the writer: the lookup is then made here
                    reader.execute(f"PRAGMA busy_timeout = {READER_WAIT_MS}")
            except Exception:  # only slower without it: looked up here instead
                reader = None
        earlier: dict[str, set[str]] = {}  # the worker's (_prepare)
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1))
        stack.enter_context(_one_transaction(ledger))
        new = _new_at_most(ledger, verified)
        if new >= OWNER_INDEX_DEFERRED_FROM:
            # a command that writes most of the log (a county's first import of its
            # townships) builds the log's owner index at the end: after the owners are all
            # written (_owners_quiet leaves first), before the commit
            stack.enter_context(ledger.log_indexes_deferred(new))
        stack.enter_context(collector_paused())
        types = column_types(ledger)
        identities = certificates.age_identities(ledger) + list(identities or ())
        maker, rights = RowMaker(table_specs(ledger), owner_kinds(ledger)), table_rights(ledger)
        # one writer for every package (the owner trigger quiet across their held inserts):
        # leaves before the transaction does, giving back the trigger (not on an error: the
        # rollback does)
        writer = Writer(ledger, maker, stack.enter_context(_owners_quiet(ledger)))
        ahead: dict[int, Future] = {}

        def prepare_ahead(i: int) -> None:
            for j in range(i, min(i + 1 + LOOKAHEAD, len(verified))):
                if j not in ahead and not verified[j].already:
                    ahead[j] = pool.submit(_prepare, verified[j].raw, identities, types, maker,
                                           verified[j].sender, rights, reader, earlier)

        try:
            for i, v in enumerate(verified):
                if v.enrol and pinned(ledger, v.enrol["site_id"], v.enrol["sign_public_key"]) and not (
                        v.replaces and pinned(ledger, v.replaces["id"], v.replaces["sign_public_key"])):
                    v.enrol = v.replaces = None  # an earlier file of this command pinned it
                if i == 0:
                    prepare_ahead(0)
                # the next package is prepared while this one's rows are written: SQLite
                # writes them without the GIL, whereas the checks before it are Python
                # that the worker would only slow down (measured: 2.25 s instead of 0.41 s)
                prepared = ahead.pop(i, None)
                results.append(apply_verified(
                    ledger, v, job=job, prepared=prepared,
                    merging=lambda i=i: prepare_ahead(i + 1), writer=writer))
                if prepared is not None:
                    # the package's parsed changes (its 10,000 dicts) are freed on the worker,
                    # while this thread writes the next one: freed here they cost this
                    # thread 5 ms a package (0.15 s of the bench import)
                    pool.submit(_dispose, prepared)
                    del prepared
        except PackageRejected as e:
            if len(verified) > 1:
                e.args = (e.args[0] + f"\n本次选择的{len(verified)}个文件均未导入（一次导入要么全部完成，"
                                      "要么不作任何修改）；请移除此文件后重新导入其余文件。",)
            raise
        finally:
            for future in ahead.values():
                future.cancel()
    return results


def _dispose(done: Future) -> None:
    """Drop the last reference to an applied package's plan (on the worker: import_files)."""
    del done


def _new_at_most(ledger: Ledger, verified: list[Verified]) -> int:
    """How many of the command's entries can be new to this ledger, at most: per origin,
    how far the highest number a sender holds (its manifest's version vector) is beyond this
    ledger's, and never more than the packages carry. A package of changes this ledger
    already has (sent again, a full package) counts for none."""
    here = dict(ledger.conn.execute("SELECT site_id, max_seq FROM version_vector").fetchall())
    top: dict[str, int] = {}
    carried = 0
    for v in verified:
        if v.already:
            continue
        carried += int(v.raw.manifest.get("entries") or 0)
        for origin, seq in v.raw.manifest["version_vector"].items():  # checked: str -> int
            top[origin] = max(top.get(origin, 0), seq)
    return min(carried, sum(max(0, seq - here.get(origin, 0)) for origin, seq in top.items()))


# Packages decrypted and checked ahead of the one being merged (each held in memory).
LOOKAHEAD = 1
# The entries a command brings for it to run with a rollback journal (import_files): from
# (below, switching journals costs more than it saves) to (above, the pages may not fit
# the command's cache, IMPORT_CACHE_KIB; about 550 bytes of pages an entry).
BULK_JOURNAL_ENTRIES = (20_000, 1_000_000)
READER_WAIT_MS = 100
# The entries a command brings for the log's owner index to be built at its end, if they
# are also at least as many as the log holds (Ledger.log_indexes_deferred): the county's
# first import of 30 township packages (297,000 entries): 3.80–3.95 s instead of 4.00–4.05 s
# (6 paired runs), 1.86x instead of 2.14x in one runner run (bench/README.md).
OWNER_INDEX_DEFERRED_FROM = 20_000


@contextmanager
def _one_transaction(ledger: Ledger):
    """The command's transaction, with a bigger page cache while it lasts: the index pages a
    large import dirties stay in memory until the one commit (allocated only as used)."""
    if ledger.conn.in_transaction:
        # called inside a caller's transaction: that one decides
        with ledger.transaction():
            yield
        return
    cache = ledger.scalar("PRAGMA cache_size")
    ledger.conn.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")
    try:
        with ledger.transaction():
            yield
    finally:
        ledger.conn.execute(f"PRAGMA cache_size = {int(cache)}")


IMPORT_CACHE_KIB = -1048576  # 1 GiB at most


@contextmanager
def _owners_quiet(ledger: Ledger):
    """The command's owners.QuietOwners (None before schema 15): closed when the command's
    packages are all applied, left to the rollback on an error."""
    if not owners.has_owner(ledger.conn):
        yield None
        return
    quiet = owners.QuietOwners(ledger.conn)
    yield quiet
    quiet.close()
