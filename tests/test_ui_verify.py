"""设置 → 备份与恢复 → 检查台账完整性 (what `shengui verify` checks), on the worker: a sound
ledger is reported as passed with its records counted; a copy with one bit flipped is
reported in Chinese (the damaged page, what to do), and the check writes nothing."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from conftest import PASSWORD
from shengui_desktop.services.office import session, upkeep

from test_ui_support import add_enterprise, open_window

PAGE = 4096  # SQLCipher's page size


@pytest.fixture
def boxes(monkeypatch):
    shown: dict = {"info": [], "warnings": []}
    monkeypatch.setattr(QMessageBox, "information", staticmethod(
        lambda _p, title, text, *a, **k: shown["info"].append((title, text))))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda _p, title, text, *a, **k: shown["warnings"].append((title, text))))
    return shown


def run_check(qtbot, window):
    window.show_page("设置")
    page = window.settings_page
    page.show_tab("备份与恢复")
    tab = page.backups_tab
    assert tab.verify_button.isVisibleTo(page) and tab.verify_button.text() == "检查台账完整性"
    qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
    assert not tab.verify_button.isEnabled() and not tab.backup_button.isEnabled()  # one job at a time
    qtbot.waitUntil(lambda: tab.job is None, timeout=20000)
    return tab


def test_a_sound_ledger_passes(qtbot, township, tmp_path, boxes):
    for seed in range(1, 4):
        add_enterprise(township, f"秀水机械{seed}有限公司", seed)
    window = open_window(qtbot, township, tmp_path)
    tab = run_check(qtbot, window)
    assert boxes["warnings"] == []
    title, text = boxes["info"][-1]
    assert title == "检查台账完整性" and text.startswith("台账检查通过")
    assert "企业 3" in text and "走访记录 0" in text
    assert tab.last_check["ok"] and tab.status.text() == text
    window.close()


def test_a_bit_flipped_copy_is_reported_in_chinese(qtbot, township, tmp_path, boxes):
    for seed in range(1, 4):
        add_enterprise(township, f"秀水机械{seed}有限公司", seed)
    # pages at the end of the file that nothing reads in daily work (a dropped table's):
    # damage the window would never notice, the kind only a check finds
    township.conn.execute("CREATE TABLE scratch(b BLOB)")
    township.conn.executemany("INSERT INTO scratch VALUES (randomblob(3000))", [()] * 60)
    township.conn.execute("DROP TABLE scratch")
    township.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy" / "ledger.sgdb"
    copy.parent.mkdir()
    shutil.copy(township.path, copy)
    shutil.copy(f"{township.path}.keys", f"{copy}.keys")
    data = bytearray(copy.read_bytes())
    last = len(data) // PAGE - 1
    data[last * PAGE + 200] ^= 0x01  # one bit of the last page
    copy.write_bytes(bytes(data))
    damaged = session.unlock(copy, password=PASSWORD, user="admin")
    window = open_window(qtbot, damaged, tmp_path)
    # the window stores the policy evaluations as it loads (schema 14, on its worker): the
    # check that follows is what must write nothing
    damaged.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = copy.read_bytes()
    tab = run_check(qtbot, window)
    assert boxes["info"] == []
    title, text = boxes["warnings"][-1]
    assert title == "台账已损坏"
    assert text.startswith("台账检查发现问题")
    assert f"第{last + 1}页的内容与校验码不符" in text  # SQLCipher counts pages from 1
    assert "用最近的一份备份恢复" in text
    assert not any(c.isascii() and c.isalpha() for c in text.replace("HMAC", "")), text  # Chinese only
    assert tab.last_check["ok"] is False and "台账检查发现问题" in tab.status.text()
    window.close()
    session.close(damaged)
    assert copy.read_bytes() == before  # the check only reads
    # the command line says the same
    result = upkeep.check_ledger(session.unlock(copy, password=PASSWORD, user="admin"))
    assert not result["ok"]


def test_damage_inside_the_tables_is_reported_not_raised(demo_county, tmp_path, capsys, monkeypatch):
    """Where SQLite's own check stops with "database disk image is malformed", the check
    (and `shengui verify`) still reports in Chinese, the records it could read counted."""
    from shengui_desktop.cli.app import main

    demo_county.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "bad.sgdb"
    shutil.copy(demo_county.path, copy)
    shutil.copy(f"{demo_county.path}.keys", f"{copy}.keys")
    data = bytearray(copy.read_bytes())
    data[5 * PAGE + 100] ^= 0x01
    copy.write_bytes(bytes(data))
    ledger = session.unlock(copy, password=PASSWORD, user="admin")
    try:
        result = upkeep.check_ledger(ledger)
    finally:
        session.close(ledger)
    assert not result["ok"]
    assert result["problems"][0] == "加密页校验失败：第6页的内容与校验码不符（文件被改动或磁盘损坏）"
    text = upkeep.check_text(result)
    assert "用最近的一份备份恢复" in text and "能读取的记录" in text
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["verify", "--db", str(copy)]) == 4
    out = capsys.readouterr().out
    assert out.startswith("台账检查发现问题") and "第6页" in out
