"""Automatic backups (services/office/backups.py): on closing the window and at the first
unlock of a day, encrypted, rotated to the newest of each of the last 7 days and 4 weeks,
never touching a manual backup; the folder is a setting; a failure is a Chinese sentence,
never a traceback that stops the window closing. A restore's confirmation names the office,
the enterprises and the dates of both ledgers, and the ledger as it was is kept as a backup
first (its content checked)."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

import pytest

from conftest import PASSWORD
from helpers import content_hash
from shengui_desktop.errors import UserError
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.office import backups, session, users
from shengui_desktop.storage.connection import SQLITE_HEADER
from shengui_desktop.storage.keyslots import keys_path_for


def fake_auto(ledger_path, made: datetime, folder=None):
    """An automatic backup's file as rotation sees it (its name carries its date)."""
    folder = folder or backups.backup_folder(ledger_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ledger_path.stem}-{made.strftime(backups.STAMP)}-auto.sgdb"
    path.write_bytes(b"\x01" * 64)
    keys_path_for(path).write_bytes(b"{}")
    return path


def test_an_automatic_backup_is_encrypted_listed_and_opens(county):
    made = backups.auto_backup(county)
    assert made.kind == "auto" and made.kind_name == "自动备份" and made.path.name.endswith("-auto.sgdb")
    assert made.has_keys and made.path.read_bytes()[:16] != SQLITE_HEADER
    assert "盂县".encode() not in made.path.read_bytes()
    assert [b.path for b in backups.list_backups(county.path)] == [made.path]
    opened = session.unlock(made.path, password=PASSWORD)
    try:
        assert content_hash(opened) == content_hash(county) and opened.verify() == []
    finally:
        session.close(opened)


def test_rotation_keeps_seven_days_and_four_weeks_and_never_a_manual_backup(county):
    path = county.path
    manual = backups.make_backup(county)
    start = datetime(2026, 12, 5, 18, 0, 0)
    made = {}
    for day in range(60):  # two a day for sixty days
        for hour in (9, 17):
            when = start - timedelta(days=day) + timedelta(hours=hour - 18)
            made[when] = fake_auto(path, when)
    part = backups.backup_folder(path) / f"{path.stem}-20261205-120000-auto.sgdb.part"
    part.write_bytes(b"half")
    orphan = keys_path_for(backups.backup_folder(path) / f"{path.stem}-20261205-120001-auto.sgdb")
    orphan.write_bytes(b"{}")
    other = backups.backup_folder(path) / "another-20261101-090000-auto.sgdb"  # another ledger's
    other.write_bytes(b"x")
    removed = backups.rotate(path)
    kept = {b.made for b in backups.list_backups(path) if b.kind == "auto"}
    days = [(start - timedelta(days=d)).date() for d in range(7)]
    expected_daily = {datetime.combine(d, datetime.min.time()).replace(hour=17) for d in days}
    # weeks: the newest of the 4 newest ISO weeks (2026-12-05 is a Saturday)
    weeks = {}
    for when in sorted(made, reverse=True):
        weeks.setdefault(when.isocalendar()[:2], when)
    expected_weekly = set(list(weeks.values())[:4])
    assert kept == expected_daily | expected_weekly
    # Saturday 12-05 back to Sunday 11-29: the newest of this week and of last week are
    # daily ones already; the weeks add 11-22 and 11-15
    assert len(kept) == 7 + 2
    assert manual.path.exists() and other.exists()
    assert not part.exists() and not orphan.exists()
    for when, p in made.items():
        assert p.exists() == (when in kept) and keys_path_for(p).exists() == (when in kept)
    assert len(removed) == 120 - 9 + 2


def test_a_daily_backup_once_a_day_and_one_on_every_close(county):
    assert backups.daily_backup(county) is None
    assert len(backups.list_backups(county.path)) == 1
    assert backups.made_today(county.path)
    assert backups.daily_backup(county) is None  # not again today
    assert len(backups.list_backups(county.path)) == 1
    assert not backups.made_today(county.path, date.today() + timedelta(days=1))
    first = backups.list_backups(county.path)[0]
    reference.add_township(county, "140322102", "南娄镇")
    assert backups.backup_on_close(county) is None
    listed = backups.list_backups(county.path)  # two of one day: rotation keeps the newer
    assert [b.kind for b in listed] == ["auto"] and listed[0].path != first.path
    assert not first.path.exists() and not keys_path_for(first.path).exists()
    opened = session.unlock(listed[0].path, password=PASSWORD)
    try:
        assert "南娄镇" in [t["name"] for t in reference.list_townships(opened)]
    finally:
        session.close(opened)


def test_the_backup_folder_is_a_setting(county, tmp_path):
    default = county.path.parent / "backups"
    assert backups.backup_folder(county.path) == default
    usb = tmp_path / "usb" / "备份"
    assert backups.set_backup_folder(county, usb) == usb and usb.is_dir()
    made = backups.auto_backup(county)
    assert made.path.parent == usb and backups.list_backups(county.path)[0].path == made.path
    with pytest.raises(UserError, match="不是完整路径"):
        backups.set_backup_folder(county, "relative/folder")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(UserError, match="是一个文件，不是文件夹"):
        backups.set_backup_folder(county, a_file)
    assert backups.backup_folder(county.path) == usb  # unchanged by the refusals
    users.add_user(county, "clerk", "clerk-password-1", role="县级查看")
    clerk = session.unlock(county.path, password="clerk-password-1", user="clerk")
    try:
        with pytest.raises(UserError):
            backups.set_backup_folder(clerk, tmp_path / "elsewhere")
    finally:
        session.close(clerk)
    assert backups.set_backup_folder(county, None) == default
    assert backups.backup_folder(county.path) == default


def test_a_failed_automatic_backup_is_a_sentence_not_a_crash(county, tmp_path):
    blocked = tmp_path / "blocked"
    backups.set_backup_folder(county, blocked)
    os.rmdir(blocked)
    blocked.write_text("a file where the folder was")  # the folder became a file
    problem = backups.backup_on_close(county)
    assert problem is not None and problem.startswith("关闭时的自动备份未完成：")
    assert "Traceback" not in problem
    assert county.verify() == []


def test_closing_the_window_makes_a_backup(qtbot, county, tmp_path):
    from test_ui_support import open_window

    window = open_window(qtbot, county, tmp_path)
    reference.add_township(county, "140322102", "南娄镇")
    expected = content_hash(county)
    window.close()  # the backup runs on the worker; the window closes when it is made
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    found = backups.list_backups(county.path)
    assert [b.kind for b in found] == ["auto"]
    opened = session.unlock(found[0].path, password=PASSWORD)
    try:
        assert content_hash(opened) == expected
    finally:
        session.close(opened)


def test_the_restore_confirmation_names_both_ledgers_and_the_current_one_is_kept(county):
    from test_ui_support import add_enterprise

    for i in range(3):
        add_enterprise(county, f"企业{i}", i + 1)
    made = backups.make_backup(county)
    for i in range(3, 5):
        add_enterprise(county, f"企业{i}", i + 1)
    before = content_hash(county)
    text = backups.confirm_text(county.path, made, county)
    assert "当前台账（将被替换）：盂县，企业 5 家，最后修改 " in text
    assert f"备份（恢复后的台账）：盂县，企业 3 家，备份时间 {made.made_text}" in text
    assert made.path.name in text and str(county.path) in text
    done = backups.restore_backup(county, made.path)
    try:
        assert done.ledger.scalar("SELECT count(*) FROM enterprises") == 3
        assert done.ledger.verify() == []
    finally:
        session.close(done.ledger)
    kept = session.unlock(done.kept.path, password=PASSWORD)  # the ledger as it was, whole
    try:
        assert content_hash(kept) == before and kept.verify() == []
    finally:
        session.close(kept)


def test_a_foreign_backup_is_named_as_unreadable_in_the_confirmation(county, township):
    foreign = backups.make_backup(township)
    text = backups.confirm_text(county.path, foreign, county)
    assert "本台账的密钥打不开它" in text


def test_the_windows_daily_backup_runs_on_the_worker_once_a_day(qtbot, county, tmp_path):
    """The window makes the day's backup after it is shown, on the worker (a province ledger's
    copy must not hold the window), and not again the same day."""
    from test_ui_support import open_window

    window = open_window(qtbot, county, tmp_path)
    window.start_daily_backup()
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=20000)
    made = [b for b in backups.list_backups(county.path) if b.kind == "auto"]
    assert len(made) == 1 and made[0].made.date() == date.today()
    window.start_daily_backup()
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=20000)
    assert len([b for b in backups.list_backups(county.path) if b.kind == "auto"]) == 1
    window.close()


def test_two_backups_of_one_ledger_at_once_take_two_names(county, monkeypatch):
    """The window's close backup can run beside the day's (or a manual one) on the other
    worker thread: within one second both chose the same free name, and one failed with
    “已存在” (or removed the other's part file). Both are held here until each has its name."""
    import threading

    both_named = threading.Barrier(2, timeout=10)
    real = backups.backup_ledger

    def after_the_name(ledger, target, progress=None):
        both_named.wait()
        return real(ledger, target, progress)
    monkeypatch.setattr(backups, "backup_ledger", after_the_name)
    made, failed = [], []

    def back_up() -> None:
        own = session.worker_connection(county)
        try:
            made.append(backups.make_backup(own, kind="auto"))
        except Exception as e:  # noqa: BLE001 — what the window would show
            failed.append(e)
        finally:
            session.close(own)
    threads = [threading.Thread(target=back_up) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failed == [] and len(made) == 2
    assert made[0].path != made[1].path
    assert sorted(b.path for b in backups.list_backups(county.path)) == sorted(b.path for b in made)
    for backup in made:
        opened = session.unlock(backup.path, password=PASSWORD)
        try:
            assert opened.verify() == []
        finally:
            session.close(opened)
