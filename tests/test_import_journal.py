"""#20: a large import into a ledger nobody else has open runs with a rollback journal (each
new page written once at the commit, not into the WAL and again by the checkpoint), and
gives the same ledger as an import in WAL; the worker's reader never waits on the writer."""

from __future__ import annotations

import shutil

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
