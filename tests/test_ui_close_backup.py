"""Issue 19: the automatic backup when the window closes runs on the worker, not on the GUI
thread: the close is deferred, a small dialog says 正在备份…, the window closes after the job;
取消 closes without the backup after a confirmation; a failed backup offers 仍然关闭 / 取消."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from shengui_desktop.services.office import backups
from shengui_desktop.ui import close_backup

from test_ui_support import open_window


def test_the_window_closes_after_the_backup_made_on_the_worker(qtbot, county, tmp_path, monkeypatch):
    gui = threading.get_ident()
    seen: dict = {}
    real = backups.backup_on_close
    release = threading.Event()

    def on_worker(ledger, **kwargs):
        seen["thread"] = threading.get_ident()
        release.wait(10)  # the GUI thread goes on meanwhile
        return real(ledger, **kwargs)
    monkeypatch.setattr(backups, "backup_on_close", on_worker)
    window = open_window(qtbot, county, tmp_path)
    window.close()
    # the close waits for the backup; the GUI thread is free: the dialog shows, events run
    assert window.isVisible()
    qtbot.waitUntil(lambda: "thread" in seen, timeout=10000)
    assert seen["thread"] != gui
    dialog = window.close_backup.dialog
    assert dialog.isVisible() and dialog.labelText() == "正在备份…"
    window.close()  # a second close while it runs changes nothing
    assert window.isVisible()
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20000)
    [made] = backups.list_backups(county.path)
    assert made.kind == "auto"


def test_a_failing_backup_offers_to_close_anyway_or_stay(qtbot, county, tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "backup_on_close", lambda _l, **_k: "关闭时的自动备份未完成：磁盘已满。")
    answers: list = []
    asked: list = []

    def answer(_parent, problem):
        asked.append(problem)
        return answers.pop(0)
    monkeypatch.setattr(close_backup, "close_anyway", answer)
    window = open_window(qtbot, county, tmp_path)
    answers.append(False)   # 取消: the window stays open, usable
    window.close()
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert "磁盘已满" in asked[0]
    qtbot.waitUntil(lambda: window.close_backup is None, timeout=10000)
    assert window.isVisible()
    answers.append(True)    # 仍然关闭
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert len(asked) == 2


def test_cancelling_closes_without_the_backup_after_a_confirmation(qtbot, county, tmp_path, monkeypatch):
    started = threading.Event()

    def slow(_ledger, *, progress=None, cancel=None):
        started.set()
        while not cancel():
            threading.Event().wait(0.01)
        from shengui_desktop.progress import Cancelled
        raise Cancelled("已取消")
    monkeypatch.setattr(backups, "backup_on_close", slow)
    answers = [False, True]  # 继续备份, then 不备份，直接关闭
    monkeypatch.setattr(close_backup, "confirm_skip", lambda _p: answers.pop(0))
    window = open_window(qtbot, county, tmp_path)
    window.close()
    assert started.wait(10)
    dialog = window.close_backup.dialog
    cancel = dialog.findChild(QPushButton)
    assert cancel.text() == "取消"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # asked: the answer is 继续备份
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert window.isVisible() and answers == [True]
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # again: close without the backup
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert backups.list_backups(county.path) == []
