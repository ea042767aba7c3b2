"""#20: a large import into a ledger nobody else has open runs with a rollback journal (each
new page written once at the commit, not into the WAL and again by the checkpoint), and
gives the same ledger as an import in WAL; the worker's reader never waits on the writer."""

from __future__ import annotations

import shutil

import pytest
import sqlcipher3

from shengui_desktop.services import sync as sync_service
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.ledger import monthly_figure_id, new_id
from shengui_desktop.sync import importer

from conftest import PASSWORD
from helpers import content_hash, owner_index, owner_index_steps
from sync_helpers import CODES, world_fixtures

template, world = world_fixtures("journal")

ALWAYS, NEVER = (1, 10**9), (10**9, 10**9)


def township_work(town, n: int = 40, who: str = "A") -> None:
    ents = [(new_id(), f"91140322{who == 'B'}{i:09d}", f"{who}企业{i}" if who != "A" else f"秀水企业{i}",
             CODES[who]) for i in range(n)]
    town.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
    town.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"),
                     ((monthly_figure_id(e[0], f"2025-{m:02d}"), e[0], f"2025-{m:02d}", m * 1000)
                      for e in ents for m in range(1, 13)))


def two_townships_packages(a, b, tmp_path) -> list:
    """秀水镇's 40 enterprises and 路家村镇's 30 (each with 12 months), a package each to the county."""
    township_work(a)
    township_work(b, 30, who="B")
    return [sync_service.export_packages(t, tmp_path / name, to="140322")[0].path
            for name, t in (("a", a), ("b", b))]


def journals_seen(ledger, monkeypatch) -> list[str]:
    """The county's journal mode each time a package's writing starts."""
    seen: list[str] = []
    real = importer.apply_verified

    def apply(led, v, *, merging=None, **kw):
        def writing():
            seen.append(led.scalar("PRAGMA journal_mode"))
            if merging is not None:
                merging()
        return real(led, v, merging=writing, **kw)
    monkeypatch.setattr(importer, "apply_verified", apply)
    return seen


def test_a_large_import_runs_with_a_rollback_journal_and_gives_the_same_ledger(world, tmp_path,
                                                                                monkeypatch):
    c, a = world["C"], world["A"]
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    in_wal = tmp_path / "in-wal"
    shutil.copytree(tmp_path / "ledgers", in_wal)
    seen = journals_seen(c, monkeypatch)

    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", ALWAYS)
    [result] = sync_service.import_packages(c, [path])
    assert result.status == "imported" and result.new_entries > 500
    assert seen == ["delete"]
    # WAL again, and the connection can checkpoint at once (storage: rollback_journal)
    assert c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    assert c.scalar("PRAGMA journal_mode") == "wal" and c.verify() == []

    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", NEVER)
    with open_ledger(in_wal / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, [path])
        assert seen == ["delete", "wal"]
        assert content_hash(c2) == content_hash(c)
    c.close()
    with open_ledger(tmp_path / "ledgers" / "county.sgdb", passphrase=PASSWORD) as again:
        assert again.scalar("PRAGMA journal_mode") == "wal" and again.verify() == []


def test_with_another_connection_open_the_import_stays_in_wal(world, tmp_path, monkeypatch):
    """The window's pages hold connections of their own: SQLite leaves WAL only without
    them, so the import runs in WAL as before and the other connection keeps reading."""
    c, a = world["C"], world["A"]
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    other = c.reader()
    assert other.execute("SELECT count(*) FROM monthly_figures").fetchone() == (0,)
    seen = journals_seen(c, monkeypatch)
    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", ALWAYS)
    assert sync_service.import_packages(c, [path])[0].status == "imported"
    assert seen == ["wal"]
    assert other.execute("SELECT count(*) FROM monthly_figures").fetchone() == (480,)
    other.close()


def test_a_reader_locked_out_by_the_writer_leaves_the_lookup_to_the_writer(world, tmp_path,
                                                                          monkeypatch):
    """With a rollback journal a spilled cache locks the worker's reader out: its lookup of
    the records the ledger knows is then made on the writing connection, same result."""
    c, a = world["C"], world["A"]
    township_work(a, 10)
    first = sync_service.export_packages(a, tmp_path / "p1", to="140322")[0].path
    a.update("enterprises", a.scalar("SELECT id FROM enterprises WHERE name = '秀水企业3'"),
             {"address": "新址"})
    second = sync_service.export_packages(a, tmp_path / "p2", to="140322")[0].path
    twice = tmp_path / "twice"
    shutil.copytree(tmp_path / "ledgers", twice)
    real = importer.known_records
    locked_out: list[bool] = []

    def known(conn, ids):
        if conn is not c.conn:
            locked_out.append(True)
            raise sqlcipher3.dbapi2.OperationalError("database is locked")
        return real(conn, ids)
    monkeypatch.setattr(importer, "known_records", known)
    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", ALWAYS)
    results = sync_service.import_packages(c, [first, second])
    assert [r.status for r in results] == ["imported", "imported"] and locked_out
    monkeypatch.setattr(importer, "known_records", real)
    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", NEVER)
    with open_ledger(twice / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, [first, second])
        assert content_hash(c2) == content_hash(c)
    assert c.scalar("SELECT address FROM enterprises WHERE name = '秀水企业3'") == "新址"


def log_rows(ledger) -> list:
    return ledger.conn.execute(
        "SELECT seq, tbl, row_id, op, data, base, hlc, site_id, site_seq, person, owner"
        " FROM change_log ORDER BY seq").fetchall()


def quiet_triggers_seen(monkeypatch) -> list:
    """Every owners.quiet_trigger answer from now on (what a bulk writer drops)."""
    from shengui_desktop.storage import owners

    seen: list = []
    real = owners.quiet_trigger
    monkeypatch.setattr(owners, "quiet_trigger", lambda conn, tables: seen.append(real(conn, tables)) or seen[-1])
    return seen


def owner_trigger(ledger) -> list:
    return ledger.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                               " AND tbl_name = 'change_log'").fetchall()


def test_a_large_packages_new_records_are_logged_without_the_owner_trigger_same_log(
        world, tmp_path, monkeypatch):
    """#20: the owner trigger does nothing for held inserts, which carry their owner, but is
    a call per entry: a large package writes them without it (owners.quiet_trigger), and the
    log is the one the trigger would have left, owners included; the trigger is back after."""
    from shengui_desktop.sync import rows

    c, a = world["C"], world["A"]
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    trigger = owner_trigger(c)
    quieted = quiet_triggers_seen(monkeypatch)
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    sync_service.import_packages(c, [path])
    assert quieted and all(q == trigger for q in quieted)
    assert owner_trigger(c) == trigger
    monkeypatch.setattr(rows, "QUIET_FROM", 10**9)
    quieted.clear()
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, [path])
        assert not quieted
        assert log_rows(c2) == log_rows(c) and content_hash(c2) == content_hash(c)
    # every held insert has its owner: the enterprise (or the record's enterprise)
    assert c.scalar("SELECT count(*) FROM change_log WHERE owner IS NULL") == 0
    assert c.scalar("SELECT count(*) FROM change_log l JOIN monthly_figures m ON m.log_seq = l.seq"
                    " WHERE l.owner = m.enterprise_id") == 480


def test_the_trigger_stays_for_a_table_whose_records_may_have_no_enterprise(world):
    """scale_history's enterprise_id may be NULL: its entries need the trigger's owner."""
    from shengui_desktop.storage import owners

    c = world["C"]
    assert owners.quiet_trigger(c.conn, ["monthly_figures", "scale_history"]) == []
    assert owners.quiet_trigger(c.conn, ["enterprises", "monthly_figures", "targets"]) == owner_trigger(c)


def test_an_error_while_writing_without_the_trigger_leaves_the_ledger_and_the_trigger(
        world, tmp_path, monkeypatch):
    from shengui_desktop.sync import rows

    c, a = world["C"], world["A"]
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    before, trigger = content_hash(c), owner_trigger(c)
    real = rows.Writer._write_held

    def fails(self, *args):
        real(self, *args)
        assert owner_trigger(c) == []  # written without it
        raise OSError("磁盘已满")
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    monkeypatch.setattr(rows.Writer, "_write_held", fails)
    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", ALWAYS)  # and with the rollback journal
    with pytest.raises(OSError):
        sync_service.import_packages(c, [path])
    assert owner_trigger(c) == trigger and content_hash(c) == before
    assert c.scalar("PRAGMA journal_mode") == "wal" and c.verify() == []
    assert not (tmp_path / "ledgers" / "county.sgdb-journal").exists()


SECRET = "绝密测试机械制造有限公司ZQX7"


def test_the_journal_of_a_large_import_holds_no_plaintext(world, tmp_path, monkeypatch):
    """The rollback journal keeps the pages the import changes as they were: encrypted like
    the ledger (no plaintext copy anywhere on disk, as tests/test_ledger_security.py asks of
    the WAL and the backups)."""
    from shengui_desktop.sync import rows

    c, a = world["C"], world["A"]
    c.insert("enterprises", {"credit_code": "91110000600037341L", "name": SECRET,
                             "township_code": CODES["A"]})
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    journal = tmp_path / "ledgers" / "county.sgdb-journal"
    seen: list[bytes] = []
    real = rows.Writer._write_held

    def write(self, *args):
        real(self, *args)
        seen.append(journal.read_bytes())
    monkeypatch.setattr(rows.Writer, "_write_held", write)
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    monkeypatch.setattr(importer, "BULK_JOURNAL_ENTRIES", ALWAYS)
    sync_service.import_packages(c, [path])
    assert seen and all(len(data) > 4096 for data in seen)
    for data in seen:
        for needle in (SECRET.encode(), SECRET.encode("utf-16-le"), b"SQLite format 3",
                       b"91110000600037341L", b"enterprises", b"monthly_figures"):
            assert needle not in data, needle
    assert not journal.exists()  # gone with the commit


def test_one_command_quiets_the_owner_trigger_once_for_all_its_packages(world, tmp_path,
                                                                         monkeypatch):
    """#20: the command's packages share one writer, which leaves the trigger quiet from the
    first large held insert to the end (owners.QuietOwners), instead of dropping and making
    it again for every package (a schema change each time); the log is the same."""
    from shengui_desktop.sync import rows

    c, a, b = world["C"], world["A"], world["B"]
    paths = two_townships_packages(a, b, tmp_path)
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    trigger = owner_trigger(c)
    dropped = quiet_triggers_seen(monkeypatch)
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    assert [r.status for r in sync_service.import_packages(c, paths)] == ["imported"] * 2
    assert dropped == [trigger]  # once, for both packages
    assert owner_trigger(c) == trigger
    monkeypatch.setattr(rows, "QUIET_FROM", 10**9)
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, paths)
        assert len(dropped) == 1
        assert log_rows(c2) == log_rows(c) and content_hash(c2) == content_hash(c)
    assert c.scalar("SELECT count(*) FROM change_log WHERE owner IS NULL") == 0


def test_entries_that_need_the_trigger_get_it_back_within_the_command(world, tmp_path,
                                                                      monkeypatch):
    """A package whose changes are logged as they are (updates of known records) after one
    of new records, in one command: the trigger is made again before those entries, and the
    log, owners included, is the one the trigger gives throughout."""
    from shengui_desktop.sync import rows

    c, a, b = world["C"], world["A"], world["B"]
    township_work(a, 10)
    first = sync_service.export_packages(a, tmp_path / "p1", to="140322")[0].path
    sync_service.import_packages(c, [first])
    for name in ("秀水企业3", "秀水企业4"):
        a.update("enterprises", a.scalar("SELECT id FROM enterprises WHERE name = ?", (name,)),
                 {"address": "新址"})
    figure = a.scalar("SELECT id FROM monthly_figures ORDER BY id LIMIT 1")
    a.update("monthly_figures", figure, {"revenue": 4321})
    second = sync_service.export_packages(a, tmp_path / "p2", to="140322")[0].path
    township_work(b, 20, who="B")
    third = sync_service.export_packages(b, tmp_path / "p3", to="140322")[0].path
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    sync_service.import_packages(c, [second, third])
    assert owner_trigger(c) != []
    monkeypatch.setattr(rows, "QUIET_FROM", 10**9)
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as c2:
        sync_service.import_packages(c2, [second, third])
        assert log_rows(c2) == log_rows(c) and content_hash(c2) == content_hash(c)
    assert c.scalar("SELECT revenue FROM monthly_figures WHERE id = ?", (figure,)) == 4321
    assert c.scalar("SELECT count(*) FROM change_log WHERE owner IS NULL") == 0


def test_an_entry_another_writer_logs_while_the_trigger_is_quiet_gets_its_owner_at_the_end(
        world, tmp_path):
    """The safety net: an entry written without its owner while the trigger is quiet (by a
    writer that leaves it to the trigger) is written again with the trigger when the command
    ends, and gets the owner, and its record's entries theirs, as with the trigger."""
    from shengui_desktop.storage import owners

    c = world["C"]
    enterprise = c.insert("enterprises", {"credit_code": "911403220000000077", "name": "夜间企业",
                                          "township_code": CODES["A"]})
    other = tmp_path / "other"
    c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(tmp_path / "ledgers", other)
    trigger = owner_trigger(c)

    def visit(ledger) -> str:
        return ledger.insert("visits", {"id": "v-quiet", "enterprise_id": enterprise,
                                        "visit_date": "2025-03-01", "summary": "夜访", "visitors": "张三"})
    with c.transaction():
        quiet = owners.QuietOwners(c.conn)
        quiet.quiet(["monthly_figures"])
        assert owner_trigger(c) == []
        visit(c)
        assert c.scalar("SELECT count(*) FROM change_log WHERE owner IS NULL") == 1
        assert quiet.close() == 1
    assert owner_trigger(c) == trigger
    assert c.scalar("SELECT owner FROM change_log WHERE row_id = 'v-quiet'") == enterprise
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as c2:
        visit(c2)
        # the same entries with the same owners (the clock's stamps aside)
        assert [r[:6] + r[7:] for r in log_rows(c2)] == [r[:6] + r[7:] for r in log_rows(c)]


def test_an_error_in_a_command_with_the_trigger_quiet_leaves_it_and_the_ledger(world, tmp_path,
                                                                               monkeypatch):
    """The first package's held insert quiets the trigger; the second fails: the rollback
    brings the trigger back with the ledger as it was."""
    from shengui_desktop.sync import merge, rows

    c, a, b = world["C"], world["A"], world["B"]
    paths = two_townships_packages(a, b, tmp_path)
    before, trigger = content_hash(c), owner_trigger(c)
    real = merge.merge
    calls: list = []

    def fails_second(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            assert owner_trigger(c) == []  # quiet since the first package
            raise OSError("磁盘已满")
        return real(*args, **kw)
    monkeypatch.setattr(rows, "QUIET_FROM", 1)
    monkeypatch.setattr(importer, "merge", fails_second)
    with pytest.raises(OSError):
        sync_service.import_packages(c, paths)
    assert owner_trigger(c) == trigger and content_hash(c) == before and c.verify() == []


# -- the log's owner index built at the end of a command that writes most of the log -------

def sent_to_townships(county) -> list:
    """What a full package of the county to each township carries: read through the index."""
    from shengui_desktop.sync import exporter

    return [exporter.select_entries(county, peer, True, []) for peer in exporter.peers(county)]


def test_a_command_that_writes_most_of_the_log_builds_the_owner_index_at_its_end(
        world, tmp_path, monkeypatch):
    """#20: a county's first import of its townships writes nearly all of its log; the owner
    index is then built once from the finished log (Ledger.log_indexes_deferred), instead of
    taking each new entry at a random place. Same log, same index, same packages out."""
    c, a, b = world["C"], world["A"], world["B"]
    paths = two_townships_packages(a, b, tmp_path)
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    index = owner_index(c)
    assert index
    steps = owner_index_steps(c)
    monkeypatch.setattr(importer, "OWNER_INDEX_DEFERRED_FROM", 1)
    assert [r.status for r in sync_service.import_packages(c, paths)] == ["imported"] * 2
    # once for the command's two packages, and made again as it was
    assert steps == ["DROP INDEX change_log_owner", "CREATE INDEX change_log_owner"]
    assert owner_index(c) == index and c.verify() == []
    monkeypatch.setattr(importer, "OWNER_INDEX_DEFERRED_FROM", 10**9)
    with open_ledger(other / "county.sgdb", passphrase=PASSWORD) as c2:
        kept = owner_index_steps(c2)
        sync_service.import_packages(c2, paths)
        assert kept == []
        assert log_rows(c2) == log_rows(c) and content_hash(c2) == content_hash(c)
        sent = sent_to_townships(c)
        # each township: its enterprises and their figures (13 entries each), the county-wide 5
        assert sent == sent_to_townships(c2) and sorted(map(len, sent)) == [30 * 13 + 5, 40 * 13 + 5]
    # every entry with its data is in the index; the held inserts (every new record) are in
    # none: the county's package to a township (sent, above) finds them through their rows
    assert c.scalar("SELECT count(*) FROM change_log INDEXED BY change_log_owner"
                    " WHERE owner >= '' AND data IS NOT NULL") == c.scalar(
        "SELECT count(*) FROM change_log WHERE data IS NOT NULL")
    assert c.scalar("SELECT count(*) FROM change_log WHERE data IS NULL") >= 70 * 13


def test_a_few_entries_into_a_longer_log_keep_the_owner_index(world, tmp_path, monkeypatch):
    """Building the index sorts the whole log: never for a command that brings fewer new
    entries than the log holds (a province's log of millions, a township's package of
    thousands), nor for entries the ledger already has, however many."""
    c, a = world["C"], world["A"]
    township_work(a)
    first = sync_service.export_packages(a, tmp_path / "p1", to="140322")[0].path
    monkeypatch.setattr(importer, "OWNER_INDEX_DEFERRED_FROM", 1)
    sync_service.import_packages(c, [first])
    township_work(a, 5)  # 65 entries into a log of about 530
    second = sync_service.export_packages(a, tmp_path / "p2", to="140322")[0].path
    steps = owner_index_steps(c)
    assert sync_service.import_packages(c, [second])[0].status == "imported"
    assert steps == [] and owner_index(c) and c.verify() == []
    # everything again (a full package: 585 entries, none new here): no more than before
    again = sync_service.export_packages(a, tmp_path / "p3", to="140322", full=True)[0].path
    [result] = sync_service.import_packages(c, [again])
    assert result.status == "imported" and result.entries > 580 and result.new_entries == 0
    assert steps == [] and c.verify() == []


def test_a_command_refused_on_the_way_leaves_the_owner_index(world, tmp_path, monkeypatch):
    """An error after the index was dropped: the command's rollback brings it back, with the
    ledger as it was (nothing of the first package kept)."""
    c, a, b = world["C"], world["A"], world["B"]
    paths = two_townships_packages(a, b, tmp_path)
    before, index = content_hash(c), owner_index(c)
    entries = c.scalar("SELECT count(*) FROM change_log")
    real = importer.apply_verified
    calls: list[int] = []

    def second_fails(*args, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("磁盘已满")
        return real(*args, **kw)
    monkeypatch.setattr(importer, "apply_verified", second_fails)
    monkeypatch.setattr(importer, "OWNER_INDEX_DEFERRED_FROM", 1)
    steps = owner_index_steps(c)
    with pytest.raises(OSError):
        sync_service.import_packages(c, paths)
    assert steps == ["DROP INDEX change_log_owner"]
    assert owner_index(c) == index and content_hash(c) == before
    assert c.scalar("SELECT count(*) FROM change_log") == entries and c.verify() == []


def test_connections_keep_32_mib_of_pages_and_a_large_import_gives_its_cache_back(world, tmp_path,
                                                                                   monkeypatch):
    """Every connection keeps at most PAGE_CACHE_KIB of decrypted pages (the window holds
    several open); an import command takes its own big cache while it writes and gives it
    back, on success and on a refusal alike."""
    from shengui_desktop.storage.connection import PAGE_CACHE_KIB

    c = world["C"]
    assert PAGE_CACHE_KIB == 32 * 1024
    assert c.scalar("PRAGMA cache_size") == -PAGE_CACHE_KIB
    reader = c.reader()
    try:
        assert reader.execute("PRAGMA cache_size").fetchone()[0] == -PAGE_CACHE_KIB
    finally:
        reader.close()
    paths = two_townships_packages(world["A"], world["B"], tmp_path)
    for t in (world["A"], world["B"]):  # insert_rows (bulk, 1 GiB) gave theirs back
        assert t.scalar("PRAGMA cache_size") == -PAGE_CACHE_KIB
    while_writing: list[int] = []
    fail_at: list[int] = [2]  # the second package's writing fails (a full disk, say)
    real = importer.apply_verified

    def apply(led, v, *, merging=None, **kw):
        def writing():
            while_writing.append(led.scalar("PRAGMA cache_size"))
            if len(while_writing) in fail_at:
                raise OSError("磁盘已满")
            if merging is not None:
                merging()
        return real(led, v, merging=writing, **kw)
    monkeypatch.setattr(importer, "apply_verified", apply)
    before = c.scalar("SELECT count(*) FROM enterprises")
    with pytest.raises(OSError):
        sync_service.import_packages(c, paths)
    assert while_writing == [importer.IMPORT_CACHE_KIB] * 2  # KiB as SQLite takes them: negative
    assert c.scalar("PRAGMA cache_size") == -PAGE_CACHE_KIB
    assert c.scalar("SELECT count(*) FROM enterprises") == before  # rolled back
    fail_at.clear()
    while_writing.clear()
    results = sync_service.import_packages(c, paths)
    assert [r.status for r in results] == ["imported", "imported"]
    assert while_writing == [importer.IMPORT_CACHE_KIB] * 2
    assert c.scalar("PRAGMA cache_size") == -PAGE_CACHE_KIB
    c.close()
    again = open_ledger(c.path, passphrase=PASSWORD, user="admin")
    try:
        assert again.scalar("PRAGMA cache_size") == -PAGE_CACHE_KIB
    finally:
        again.close()


def test_an_applied_packages_plan_is_freed_on_the_worker_not_the_writing_thread(world, tmp_path,
                                                                                 monkeypatch):
    """#20: a package's parsed changes (10,000 dicts in a township's package) are freed on
    the worker once the package is applied; freed on the writing thread they cost it 5 ms
    a package. Every plan is freed, none of them on the thread that writes."""
    import threading
    import weakref

    c, a, b = world["C"], world["A"], world["B"]
    paths = two_townships_packages(a, b, tmp_path)
    real = importer._prepare
    freed: list[str] = []

    def prepare(*args, **kw):
        planned = real(*args, **kw)
        weakref.finalize(planned, lambda: freed.append(threading.current_thread().name))
        return planned
    monkeypatch.setattr(importer, "_prepare", prepare)
    writer = threading.current_thread().name
    results = sync_service.import_packages(c, paths)
    assert [r.status for r in results] == ["imported", "imported"]
    assert len(freed) == 2 and writer not in freed, freed
    assert c.scalar("SELECT count(*) FROM enterprises WHERE name LIKE '秀水企业%'") == 40
