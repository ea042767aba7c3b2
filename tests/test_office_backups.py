"""Backups and restoring (services/office/backups.py over storage/restore.py, `shengui backup
[list]`, `shengui restore`): a backup is encrypted and listed; a restore brings the records
back as they were, keeps the current ledger as a backup first, keeps this office's users,
passwords, keys and sync numbers, and refuses (changing nothing) a file that is not a backup
of this ledger; a cancel leaves nothing behind."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from conftest import PASSWORD
from shengui_desktop.cli import main
from shengui_desktop.errors import LedgerDamaged, UserError
from shengui_desktop.progress import Cancelled
from shengui_desktop.services import sync as sync_service
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.office import backups, session, users
from shengui_desktop.services.office.setup import init_office
from shengui_desktop.storage.connection import SQLITE_HEADER
from shengui_desktop.storage.keyslots import keys_path_for
from shengui_desktop.storage.restore import staged_path

from sync_helpers import exchange, world_fixtures

template, world = world_fixtures("restore")


def township_names(ledger) -> list[str]:
    return sorted(t["name"] for t in reference.list_townships(ledger))


def leftovers(ledger) -> list[str]:
    """Files a restore must not leave beside the ledger."""
    return sorted(p.name for p in ledger.path.parent.iterdir() if p.name.startswith(f".{ledger.path.name}"))


# -- backing up ---------------------------------------------------------------------------------
def test_a_backup_is_encrypted_with_its_key_file_and_listed(county):
    assert backups.list_backups(county.path) == []
    made = backups.make_backup(county)
    assert made.path.parent == county.path.parent / "backups"
    assert made.path.name.startswith("county-") and made.path.suffix == ".sgdb"
    assert made.kind == "manual" and made.kind_name == "手动备份"
    assert made.has_keys and made.size == made.path.stat().st_size > 0
    head = made.path.read_bytes()[:16]
    assert head != SQLITE_HEADER and b"SQLite" not in made.path.read_bytes()[:1024]
    with pytest.raises(sqlite3.DatabaseError):  # not readable as a plain database
        sqlite3.connect(made.path).execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert b"\xe7\x9b\x82\xe5\x8e\xbf" not in made.path.read_bytes()  # 盂县 nowhere in the clear
    second = backups.make_backup(county)  # within the same second: a name of its own
    listed = backups.list_backups(county.path)
    assert [b.path for b in listed] == [second.path, made.path]
    opened = session.unlock(made.path, password=PASSWORD)  # opens like any ledger, with its key file
    try:
        assert township_names(opened) == ["秀水镇", "路家村镇"]
    finally:
        session.close(opened)


def test_other_ledgers_backups_and_upgrade_copies_are_told_apart(county, tmp_path):
    folder = backups.backup_folder(county.path)
    folder.mkdir()
    (folder / "demo-20260101-101010.sgdb").write_bytes(b"x" * 20)  # another ledger's
    (folder / "county-notes.txt").write_bytes(b"x")
    upgrade = county.path.parent / "county.sgdb.v5-20260102-030405.bak"
    upgrade.write_bytes(b"y" * 2048)
    made = backups.make_backup(county)
    listed = backups.list_backups(county.path)
    assert [b.path for b in listed] == [made.path, upgrade]
    assert listed[1].kind_name == "升级前自动备份" and listed[1].made_text == "2026-01-02 03:04:05"
    assert listed[1].size_text == "2 KB"


def test_a_cancelled_backup_leaves_no_file(county):
    with pytest.raises(Cancelled):
        backups.make_backup(county, cancel=lambda: True)
    calls = []

    def cancel_after_first_step():
        calls.append(1)
        return len(calls) > 1
    with pytest.raises(Cancelled):
        backups.make_backup(county, progress=lambda *a: None, cancel=cancel_after_first_step)
    folder = backups.backup_folder(county.path)
    assert not folder.exists() or list(folder.iterdir()) == []


# -- restoring ---------------------------------------------------------------------------------
def test_restore_brings_back_the_records_and_keeps_the_current_ledger_first(county):
    users.add_user(county, "wang", "wang-password-1", role="县级查看")
    made = backups.make_backup(county)
    reference.add_township(county, "140322102", "南娄镇")
    users.add_user(county, "li", "li-password-12", role="县级管理员")  # after the backup
    users.disable_user(county, "wang")
    seq = int(county.meta("site_seq"))
    text = backups.confirm_text(county.path, made)
    assert made.path.name in text and str(county.path) in text and "将被替换" in text
    assert made.made_text in text

    done = backups.restore_backup(county, made.path)
    restored = done.ledger
    try:
        assert township_names(restored) == ["秀水镇", "路家村镇"]  # as at the backup
        assert restored.verify() == []
        # this office's people stay as they are now
        assert {u.username: u.active for u in users.list_users(restored)} == \
            {"admin": True, "li": True, "wang": False}
        assert restored.user == "admin"
        # the sequence goes on where it was: no number is given twice
        assert int(restored.meta("site_seq")) == seq
        reference.add_township(restored, "140322103", "梁家寨乡")
        assert int(restored.meta("site_seq")) == seq + 1
        assert done.kept.kind == "before_restore" and done.kept.path.name.endswith("-before-restore.sgdb")
        assert "恢复前的台账已保存为备份" in done.message
        assert leftovers(restored) == []
    finally:
        session.close(restored)
    assert [b.path for b in backups.list_backups(county.path)] == [done.kept.path, made.path]
    kept = session.unlock(done.kept.path, password=PASSWORD)  # the ledger as it was just before
    try:
        assert township_names(kept) == ["南娄镇", "秀水镇", "路家村镇"]
    finally:
        session.close(kept)
    session.close(session.unlock(county.path, password="li-password-12", user="li"))
    with pytest.raises(UserError, match="该用户已停用"):
        session.unlock(county.path, password="wang-password-1", user="wang")


def test_a_file_that_is_not_a_backup_of_this_ledger_is_refused_and_nothing_changes(county, tmp_path):
    other, _ = init_office(tmp_path / "other" / "other.sgdb", role="county", name="平定县",
                           area_code="140321", admin_user="admin", password=PASSWORD)
    foreign = backups.make_backup(other)
    other.close()
    plain = tmp_path / "plain.sgdb"
    sqlite3.connect(plain).execute("CREATE TABLE t(x)").connection.commit()
    short = tmp_path / "short.sgdb"
    short.write_bytes(b"\x00" * 10)
    before = county.path.read_bytes()
    cases = [(foreign.path, LedgerDamaged, "不是本台账的备份"), (plain, LedgerDamaged, "未加密"),
             (short, LedgerDamaged, "不完整"), (tmp_path / "missing.sgdb", UserError, "找不到备份文件"),
             (county.path, UserError, "就是当前的台账文件")]
    for path, error, message in cases:
        with pytest.raises(error, match=message):
            backups.restore_backup(county, path)
        assert leftovers(county) == []
    assert backups.list_backups(county.path) == []  # no ledger kept: nothing was about to change
    assert county.path.read_bytes() == before
    assert township_names(county) == ["秀水镇", "路家村镇"]


def test_a_damaged_backup_is_refused(county):
    made = backups.make_backup(county)
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    made.path.write_bytes(bytes(data))
    with pytest.raises(LedgerDamaged, match="已损坏"):
        backups.restore_backup(county, made.path)
    assert leftovers(county) == [] and township_names(county) == ["秀水镇", "路家村镇"]


def test_a_cancelled_restore_changes_nothing_and_leaves_nothing(county):
    made = backups.make_backup(county)
    reference.add_township(county, "140322102", "南娄镇")
    for stop_at in (1, 2, 3):
        calls = []

        def cancel(stop_at=stop_at):
            calls.append(1)
            return len(calls) >= stop_at
        with pytest.raises(Cancelled):
            backups.prepare_restore(county, made.path, progress=lambda *a: None, cancel=cancel)
        assert leftovers(county) == []
        assert [b.path for b in backups.list_backups(county.path)] == [made.path]
    assert township_names(county) == ["南娄镇", "秀水镇", "路家村镇"]


def test_only_an_administrator_restores(county):
    made = backups.make_backup(county)
    users.add_user(county, "wang", "wang-password-1", role="县级查看")
    wang = session.unlock(county.path, password="wang-password-1", user="wang")
    try:
        backups.make_backup(wang)  # anyone may make a backup
        with pytest.raises(users.NotPermitted, match="只有管理员可以从备份恢复台账"):
            backups.restore_backup(wang, made.path)
    finally:
        session.close(wang)
    assert leftovers(county) == []


def test_a_township_restored_from_an_old_backup_still_syncs_with_its_county(world, tmp_path):
    """Changes made after the backup reached the county; the restored township goes on
    numbering after them, so its next package is taken, not refused as a second entry of an
    origin the county holds."""
    county, town = world["C"], world["A"]
    made = backups.make_backup(town)
    town.insert("enterprises", {"credit_code": "911403220000A0X999", "name": "备份后新增企业",
                                "township_code": "140322100"})
    sent, _ = exchange(town, county, tmp_path / "usb1")
    done = backups.restore_backup(town, made.path)
    town = world["A"] = done.ledger
    assert town.scalar("SELECT count(*) FROM enterprises WHERE name = '备份后新增企业'") == 0
    town.insert("enterprises", {"credit_code": "911403220000A0X998", "name": "恢复后新增企业",
                                "township_code": "140322100"})
    exported, imported = exchange(town, county, tmp_path / "usb2")
    assert exported.package_no == sent.package_no + 1  # the package number went on too
    names = {r[0] for r in county.conn.execute("SELECT name FROM enterprises")}
    assert {"备份后新增企业", "恢复后新增企业"} <= names
    # the county's full package brings the lost enterprise back to the township
    full = sync_service.export_packages(county, tmp_path / "usb3", to="140322100", full=True)[0]
    sync_service.import_packages(town, [full.path])
    assert town.scalar("SELECT count(*) FROM enterprises WHERE name = '备份后新增企业'") == 1


def test_restore_keeps_this_offices_keys_after_a_key_change(world, tmp_path):
    county, town = world["C"], world["A"]
    made = backups.make_backup(town)
    sync_service.rotate_keys(town)
    exchange(town, county, tmp_path / "usb1")  # the county follows the rotation
    fingerprint = town.scalar("SELECT fingerprint FROM sites WHERE is_self = 1")
    done = backups.restore_backup(town, made.path)
    town = world["A"] = done.ledger
    assert town.scalar("SELECT fingerprint FROM sites WHERE is_self = 1") == fingerprint
    town.insert("enterprises", {"credit_code": "911403220000A0X997", "name": "换钥后新增企业",
                                "township_code": "140322100"})
    exchange(town, county, tmp_path / "usb2")  # signed with the new key: accepted
    assert county.scalar("SELECT count(*) FROM enterprises WHERE name = '换钥后新增企业'") == 1


# -- a new computer ----------------------------------------------------------------------------
def test_a_backup_is_installed_where_no_ledger_is(county, tmp_path):
    made = backups.make_backup(county)
    target = tmp_path / "new-computer" / "ledger.sgdb"
    backups.install_backup(target, made.path)
    opened = session.unlock(target, password=PASSWORD)
    try:
        assert township_names(opened) == ["秀水镇", "路家村镇"]
    finally:
        session.close(opened)
    with pytest.raises(UserError, match="已存在，不会覆盖"):
        backups.install_backup(target, made.path)
    keys_path_for(made.path).unlink()
    with pytest.raises(UserError, match="没有密钥文件"):
        backups.install_backup(tmp_path / "elsewhere" / "ledger.sgdb", made.path)
    assert not (tmp_path / "elsewhere" / "ledger.sgdb").exists()


# -- the command line --------------------------------------------------------------------------
def test_cli_backup_list_and_restore(county, monkeypatch, capsys):
    db = str(county.path)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["backup", "list", "--db", db]) == 0
    assert "还没有备份" in capsys.readouterr().out
    assert main(["backup", "--db", db]) == 0  # into the backups folder
    assert "已备份（加密）到" in capsys.readouterr().out
    out = county.path.parent / "chosen.sgdb"
    assert main(["backup", "--db", db, "--out", str(out)]) == 0  # as before
    assert out.exists() and keys_path_for(out).exists()
    capsys.readouterr()
    assert main(["backup", "list", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["kind"] for b in listed] == ["manual"]
    reference.add_township(county, "140322102", "南娄镇")

    # stdin is no terminal in a test: without --yes nothing happens
    assert main(["restore", listed[0]["path"], "--db", db]) == 2
    assert "请加 --yes 确认" in capsys.readouterr().err
    assert township_names(county) == ["南娄镇", "秀水镇", "路家村镇"]
    county.close()
    assert main(["restore", listed[0]["path"], "--db", db, "--yes"]) == 0
    said = capsys.readouterr().out
    assert "已从备份" in said and "恢复前的台账已保存为备份" in said
    opened = session.unlock(county.path, password=PASSWORD)
    try:
        assert township_names(opened) == ["秀水镇", "路家村镇"]
    finally:
        session.close(opened)
    assert main(["backup", "list", "--db", db]) == 0
    assert "恢复前自动保留" in capsys.readouterr().out

    target = county.path.parent / "moved" / "county.sgdb"
    assert main(["restore", listed[0]["path"], "--db", str(target)]) == 0  # no ledger there yet
    assert "请用备份时的用户和密码打开" in capsys.readouterr().out
    session.close(session.unlock(target, password=PASSWORD))


def test_cli_restore_refuses_a_missing_file(county, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["restore", str(county.path.parent / "nothing.sgdb"), "--db", str(county.path), "--yes"]) == 2
    assert "找不到备份文件" in capsys.readouterr().err


def test_staged_copies_left_by_a_crash_are_replaced(county):
    made = backups.make_backup(county)
    staged = staged_path(county.path)
    shutil.copy(made.path, staged)  # as if a restore died half-way
    done = backups.restore_backup(county, made.path)
    session.close(done.ledger)
    assert not staged.exists()
