"""Issue 19: a ledger's writer lock held by another computer (a laptop that crashed with the
ledger on a shared folder or a USB stick) is taken over only deliberately: the window's
强制接管 after a confirmation naming host, process and since when (and the risk), or
`--take-over-lock` (y/N on a terminal); the takeover is in the audit log."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import PASSWORD
from shengui_desktop.cli.app import main
from shengui_desktop.services.office import audit, session
from shengui_desktop.storage.lock import LedgerInUse, lock_path_for
from shengui_desktop.ui.start import unlock as unlock_module
from shengui_desktop.ui.start.unlock import UnlockDialog

OTHER = {"host": "县局-笔记本", "pid": 4242, "started": "2026-12-01T09:00:00"}


@pytest.fixture
def locked(county):
    """The county's ledger, its lock file naming another computer."""
    path = county.path
    county.close()
    lock_path_for(path).write_text(json.dumps(OTHER, ensure_ascii=False), encoding="utf-8")
    return path


def took_over(path) -> list:
    ledger = session.unlock(path, password=PASSWORD)
    try:
        return [e for e in audit.entries(ledger) if e.action == audit.TAKE_OVER_LOCK]
    finally:
        session.close(ledger)


def test_the_service_takes_over_only_the_holder_confirmed(locked):
    with pytest.raises(LedgerInUse) as refused:
        session.unlock(locked, password=PASSWORD)
    e = refused.value
    assert e.elsewhere and e.holder["host"] == "县局-笔记本"
    assert "强制接管" in str(e) and "--take-over-lock" in str(e)
    question = session.takeover_question(e.holder)
    assert "主机 县局-笔记本" in question and "进程 4242" in question and "2026-12-01 09:00:00" in question
    assert "损坏台账" in question  # the risk
    # the lock file changed since the person was asked (another holder now): refused again
    with pytest.raises(LedgerInUse):
        session.unlock(locked, password=PASSWORD, take_over_lock=dict(OTHER, pid=9999))
    opened = session.unlock(locked, password=PASSWORD, take_over_lock=e.holder)
    try:
        assert "已强制接管" in session.lock_note(opened)
    finally:
        session.close(opened)
    [entry] = took_over(locked)
    assert entry.object == "县局-笔记本" and "进程 4242" in entry.detail
    assert not lock_path_for(locked).exists()  # released with the session, as any lock


def test_the_command_line_takes_over_with_the_flag(locked, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    assert main(["verify", "--db", str(locked)]) != 0
    assert "县局-笔记本" in capsys.readouterr().err
    # on a terminal: asked y/N; no is no
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert main(["verify", "--db", str(locked), "--take-over-lock"]) != 0
    err = capsys.readouterr().err
    assert "进程 4242" in err and "未接管台账锁" in err
    assert json.loads(lock_path_for(locked).read_text("utf-8"))["host"] == "县局-笔记本"
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert main(["verify", "--db", str(locked), "--take-over-lock"]) == 0
    assert "已强制接管" in capsys.readouterr().err
    assert len(took_over(locked)) == 1


def test_the_window_offers_take_over_after_a_confirmation(qtbot, locked, monkeypatch):
    asked: list = []
    monkeypatch.setattr(unlock_module, "ask_take_over", lambda _p, holder: asked.append(holder) or False)
    dialog = UnlockDialog(locked)
    qtbot.addWidget(dialog)
    dialog.password.setText(PASSWORD)
    dialog.try_unlock()
    qtbot.waitUntil(lambda: bool(asked), timeout=10000)
    assert asked[0]["host"] == "县局-笔记本" and "县局-笔记本" in dialog.message.text()
    assert dialog.ledger is None and dialog.ok.isEnabled()  # 取消: nothing opened
    monkeypatch.setattr(unlock_module, "ask_take_over", lambda _p, holder: asked.append(holder) or True)
    dialog.try_unlock()
    qtbot.waitUntil(lambda: dialog.ledger is not None, timeout=10000)
    assert "已强制接管" in session.lock_note(dialog.ledger)
    session.close(dialog.ledger)
    assert len(took_over(locked)) == 1
