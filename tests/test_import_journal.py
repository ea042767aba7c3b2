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
from helpers import content_hash
from sync_helpers import CODES, world_fixtures

template, world = world_fixtures("journal")

ALWAYS, NEVER = (1, 10**9), (10**9, 10**9)


def township_work(town, n: int = 40) -> None:
    ents = [(new_id(), f"91140322{i:010d}", f"秀水企业{i}", CODES["A"]) for i in range(n)]
    town.insert_rows("enterprises", ("id", "credit_code", "name", "township_code"), ents)
    town.insert_rows("monthly_figures", ("id", "enterprise_id", "period", "revenue"),
                     ((monthly_figure_id(e[0], f"2025-{m:02d}"), e[0], f"2025-{m:02d}", m * 1000)
                      for e in ents for m in range(1, 13)))


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


def owner_trigger(ledger) -> list:
    return ledger.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                               " AND tbl_name = 'change_log'").fetchall()


def test_a_large_packages_new_records_are_logged_without_the_owner_trigger_same_log(
        world, tmp_path, monkeypatch):
    """#20: the owner trigger does nothing for held inserts, which carry their owner, but is
    a call per entry: a large package writes them without it (owners.quiet_trigger), and the
    log is the one the trigger would have left, owners included; the trigger is back after."""
    from shengui_desktop.storage import owners
    from shengui_desktop.sync import rows

    c, a = world["C"], world["A"]
    township_work(a)
    path = sync_service.export_packages(a, tmp_path / "usb", to="140322")[0].path
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "ledgers", other)
    trigger = owner_trigger(c)
    quieted: list = []
    real = owners.quiet_trigger
    monkeypatch.setattr(owners, "quiet_trigger", lambda conn, tables: quieted.append(
        real(conn, tables)) or quieted[-1])
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
