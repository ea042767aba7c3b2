"""Schema migrations: fresh create, upgrade from a released version, refusal of a newer one."""

import shutil

import pytest

from shengui_desktop.errors import UserError
from shengui_desktop.storage import migrations
from shengui_desktop.storage.connection import connect
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.storage.keyslots import KeySlots, keys_path_for

from fixtures.make_ledger_v1 import HERE, PASSWORD


@pytest.fixture
def v1_copy(tmp_path):
    path = tmp_path / "old.sgdb"
    shutil.copy(HERE / "ledger_v1.sgdb", path)
    shutil.copy(keys_path_for(HERE / "ledger_v1.sgdb"), keys_path_for(path))
    return path


def test_fresh_ledger_is_at_latest_version(township):
    assert migrations.current_version(township.conn) == migrations.latest_version() >= 2
    assert township.verify() == []


def test_migration_files_are_numbered_without_gaps():
    """1, 2, …, N, each once: a ledger's version is the last script it ran, so a number
    filled in later (a branch merged after a higher one) would never run on it."""
    numbers = [n for n, _ in migrations.available()]
    assert numbers == list(range(1, len(numbers) + 1))
    assert migrations.latest_version() == numbers[-1]


def test_upgrade_from_version_1_keeps_data_and_makes_an_encrypted_backup(v1_copy, tmp_path):
    with open_ledger(v1_copy, passphrase=PASSWORD) as ledger:
        assert migrations.current_version(ledger.conn) == migrations.latest_version()
        assert ledger.scalar("SELECT name FROM enterprises") == "秀水机械有限公司"
        assert ledger.scalar("SELECT summary FROM visits") == "版本1的走访记录"
        assert ledger.scalar("SELECT count(*) FROM drafts") == 0  # a table of version 2
        assert ledger.verify() == []
    backups = list(tmp_path.glob("old.sgdb.v1-*.bak"))
    assert len(backups) == 1
    assert b"SQLite format 3" not in backups[0].read_bytes()[:100]
    shutil.copy(keys_path_for(v1_copy), keys_path_for(backups[0]))
    with open_ledger(backups[0], passphrase=PASSWORD, migrate=False) as old:
        assert migrations.current_version(old.conn) == 1
        old_log = old.conn.execute("SELECT * FROM change_log ORDER BY seq").fetchall()
    # version 6 rebuilt the change log (nullable data, partial indexes): every entry kept
    with open_ledger(v1_copy, passphrase=PASSWORD) as ledger:
        assert len(old_log) >= 2
        # (version 13 added the person of each change: NULL for changes made before it)
        v1 = "seq, tbl, row_id, op, data, base, hlc, site_id, site_seq"
        assert ledger.conn.execute(f"SELECT {v1} FROM change_log ORDER BY seq").fetchall() == old_log
        assert ledger.conn.execute(f"SELECT {v1} FROM change_entries ORDER BY seq").fetchall() == old_log
        assert ledger.scalar("SELECT count(*) FROM change_log WHERE person IS NOT NULL") == 0


def test_newer_ledger_is_refused_unchanged(v1_copy):
    slots = KeySlots.load(keys_path_for(v1_copy))
    _, key = slots.unlock_password(PASSWORD)
    conn = connect(v1_copy, key)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = v1_copy.read_bytes()
    with pytest.raises(UserError, match="较新版本的程序创建.*99"):
        open_ledger(v1_copy, passphrase=PASSWORD)
    assert v1_copy.read_bytes() == before
    assert not list(v1_copy.parent.glob("*.bak"))


def test_failed_migration_rolls_back(v1_copy, monkeypatch, tmp_path):
    bad = tmp_path / "migs"
    bad.mkdir()
    for n, p in migrations.available():
        shutil.copy(p, bad / p.name)
    (bad / "0002_drafts.sql").write_text(
        "CREATE TABLE drafts (id TEXT);\nCREATE TABLE this is not sql;\n", "utf-8")
    monkeypatch.setattr(migrations, "migrations_dir", lambda: bad)
    with pytest.raises(Exception):
        open_ledger(v1_copy, passphrase=PASSWORD)
    monkeypatch.undo()
    with open_ledger(v1_copy, passphrase=PASSWORD, migrate=False) as ledger:
        assert migrations.current_version(ledger.conn) == 1
        assert ledger.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'drafts'") == 0


def test_an_upgrade_tried_again_within_the_second_keeps_both_backups(v1_copy, monkeypatch):
    """After a crash during an upgrade, opening again at once must not fail on the backup
    the first attempt already wrote (it did: "备份文件…已存在"), nor overwrite it."""
    from datetime import datetime

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 23, 9, 0, 0)

    monkeypatch.setattr(migrations, "datetime", Frozen)
    earlier = v1_copy.parent / f"{v1_copy.name}.v1-20261123-090000.bak"
    earlier.write_bytes(b"the first attempt's backup")
    with open_ledger(v1_copy, passphrase=PASSWORD) as ledger:
        assert migrations.current_version(ledger.conn) == migrations.latest_version()
    assert earlier.read_bytes() == b"the first attempt's backup"
    assert (v1_copy.parent / f"{v1_copy.name}.v1-20261123-090000-2.bak").exists()
