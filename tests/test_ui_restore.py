"""从备份恢复 in the first-run wizard: a cadre's laptop died; on a new computer (a fresh data
folder, no ledger) the backup from a USB stick and the password of the time of the backup
open the restored ledger in the window, its enterprises there. A wrong password, a recovery
code that is wrong, a bit-flipped backup and a backup without its key file each say why in
Chinese and leave nothing on the new computer; the recovery code works and asks for a new
password; a cancel leaves nothing either."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWizard

from conftest import PASSWORD
from shengui_desktop.paths import default_ledger_path
from shengui_desktop.services.office import backups, session
from shengui_desktop.ui import app as appmod
from shengui_desktop.ui.start import restore as restore_page
from shengui_desktop.ui.start.wizard import SetupWizard

from test_ui_support import add_enterprise

NAMES = ("秀水机械有限公司", "路家村化工有限公司", "秀水食品加工厂")


@pytest.fixture
def usb(township, tmp_path):
    """A backup of a township ledger with three enterprises, copied to a "USB stick"
    folder (the backup and its key file), the old computer's ledger then gone."""
    for seed, name in enumerate(NAMES, start=1):
        add_enterprise(township, name, seed)
    made = backups.make_backup(township)
    stick = tmp_path / "usb"
    stick.mkdir()
    shutil.copy(made.path, stick)
    shutil.copy(f"{made.path}.keys", stick)
    return stick / made.path.name


@pytest.fixture
def new_computer(tmp_path, monkeypatch):
    """A fresh user data folder: the program finds no ledger there."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "new-computer"))
    path = default_ledger_path()
    assert str(path).startswith(str(tmp_path / "new-computer")) and not path.exists()
    return path


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def to_restore_page(qtbot, wizard, monkeypatch, backup: Path):
    wizard.show()
    assert wizard.currentPage() is wizard.start_page
    wizard.start_page.restore_button.setChecked(True)
    wizard.next()
    page = wizard.restore_page
    assert wizard.currentPage() is page
    assert not page.restore_button.isEnabled()  # no file yet
    monkeypatch.setattr(restore_page, "ask_backup_file", lambda *_a: str(backup))
    qtbot.mouseClick(page.browse, Qt.MouseButton.LeftButton)
    return page


def run_restore(qtbot, page) -> None:
    qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.running(), timeout=20000)


def test_restore_on_a_new_computer_opens_the_window_with_its_enterprises(qtbot, usb, new_computer,
                                                                         monkeypatch):
    shown = {}

    def drive(wizard) -> int:  # what the person does in the wizard start() shows
        qtbot.addWidget(wizard)
        page = to_restore_page(qtbot, wizard, monkeypatch, usb)
        shown["confirm"] = page.confirm.text()
        assert page.user.currentText() == "admin"
        page.password.setText(PASSWORD)
        run_restore(qtbot, page)
        shown["message"] = page.message.text()
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert finish.isEnabled() and finish.text() == "打开台账"
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
        return wizard.result()

    monkeypatch.setattr(SetupWizard, "exec", drive)
    window = appmod.start()
    qtbot.addWidget(window)
    # what the person confirmed: the backup, its date, the file made on this computer
    assert usb.name in shown["confirm"] and str(new_computer) in shown["confirm"]
    assert "备份时的用户名和密码" in shown["confirm"]
    assert "已恢复台账" in shown["message"]
    qtbot.waitUntil(lambda: window.figures_ready, timeout=10000)
    model = window.ledger_page.model
    names = {model.data(model.index(r, c)) for r in range(model.rowCount())
             for c in range(model.columnCount())}
    assert set(NAMES) <= names
    assert window.ledger.path == new_computer
    window.close()
    session.close(window.ledger)
    # the new computer's ledger opens with the old password from now on; the stick is as it was
    session.close(session.unlock(new_computer, password=PASSWORD, user="admin"))
    assert sorted(p.name for p in usb.parent.iterdir()) == sorted([usb.name, f"{usb.name}.keys"])


def test_a_wrong_password_a_wrong_code_and_a_damaged_backup_write_nothing(qtbot, usb, new_computer,
                                                                        monkeypatch, tmp_path):
    wizard = SetupWizard(new_computer)
    qtbot.addWidget(wizard)
    page = to_restore_page(qtbot, wizard, monkeypatch, usb)
    page.password.setText("not-the-password")
    run_restore(qtbot, page)
    assert "用户名或密码错误" in page.message.text() and "本机没有写入任何文件" in page.message.text()
    assert wizard.ledger is None and not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    page.use_recovery.setChecked(True)
    page.recovery.setText("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    run_restore(qtbot, page)
    assert "恢复码不正确" in page.message.text()
    assert files_under(tmp_path / "new-computer") == []

    flipped = tmp_path / "usb" / "flipped.sgdb"
    data = bytearray(usb.read_bytes())
    data[len(data) // 2 + 100] ^= 0x01  # one bit in the middle of the file
    flipped.write_bytes(bytes(data))
    shutil.copy(f"{usb}.keys", f"{flipped}.keys")
    page.set_backup(flipped)
    page.use_recovery.setChecked(False)
    page.password.setText(PASSWORD)
    run_restore(qtbot, page)
    assert "文件已损坏" in page.message.text() and "本机没有写入任何文件" in page.message.text()
    assert files_under(tmp_path / "new-computer") == []

    lonely = tmp_path / "lonely.sgdb"
    shutil.copy(usb, lonely)  # copied without its key file
    page.set_backup(lonely)
    assert "没有密钥文件" in page.message.text() and not page.restore_button.isEnabled()
    assert wizard.ledger is None


def test_the_recovery_code_restores_and_asks_for_a_new_password(qtbot, township, usb, new_computer,
                                                               monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("brand-new-pass-1", True)))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    wizard = SetupWizard(new_computer)
    qtbot.addWidget(wizard)
    page = to_restore_page(qtbot, wizard, monkeypatch, usb)
    page.use_recovery.setChecked(True)
    assert not page.password.isEnabled()
    page.recovery.setText(township.recovery_code.lower())
    run_restore(qtbot, page)
    assert wizard.ledger is not None, page.message.text()
    wizard.accept()
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert wizard.ledger.scalar("SELECT count(*) FROM enterprises") == len(NAMES)
    session.close(wizard.ledger)
    session.close(session.unlock(new_computer, password="brand-new-pass-1", user="admin"))


def test_a_cancelled_restore_leaves_nothing(qtbot, usb, new_computer, monkeypatch, tmp_path):
    wizard = SetupWizard(new_computer)
    qtbot.addWidget(wizard)
    page = to_restore_page(qtbot, wizard, monkeypatch, usb)
    page.password.setText(PASSWORD)
    real = backups.restore_new_ledger

    def pressed_cancel_while_copying(*args, progress, cancel, **kwargs):
        def progress_then_cancel(stage, done, total):
            progress(stage, done, total)
            if stage == "核对密码":  # the next report (the copy's first) stops it
                page.stop.set()  # what 取消 sets: the flag the core polls
        return real(*args, progress=progress_then_cancel, cancel=cancel, **kwargs)
    monkeypatch.setattr(backups, "restore_new_ledger", pressed_cancel_while_copying)
    run_restore(qtbot, page)
    assert "已取消恢复" in page.message.text()
    assert wizard.ledger is None
    assert files_under(tmp_path / "new-computer") == []


def test_backup_to_a_usb_stick_from_settings_then_restore_it_on_a_new_computer(qtbot, township, tmp_path,
                                                                             new_computer, monkeypatch):
    """The whole story in the window: 设置 → 备份与恢复 → 备份到U盘… on the old computer, the
    wizard's 从备份恢复台账 with that file on the new one."""
    from shengui_desktop.ui.settings import backups as backups_tab

    from test_ui_support import open_window

    for seed, name in enumerate(NAMES, start=1):
        add_enterprise(township, name, seed)
    stick = tmp_path / "U盘"
    stick.mkdir()
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    window = open_window(qtbot, township, tmp_path)
    window.show_page("设置")
    tab = window.settings_page.backups_tab
    window.settings_page.show_tab("备份与恢复")
    monkeypatch.setattr(backups_tab, "ask_folder", lambda *_a: str(stick))
    qtbot.mouseClick(tab.usb_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.job is None, timeout=10000)
    [made] = [p for p in stick.iterdir() if p.suffix == ".sgdb"]
    assert (stick / f"{made.name}.keys").is_file()
    assert str(made) in tab.status.text() and "从备份恢复台账" in tab.status.text()
    assert backups.list_backups(township.path) == []  # not in the folder beside the ledger
    window.close()

    wizard = SetupWizard(new_computer)
    qtbot.addWidget(wizard)
    page = to_restore_page(qtbot, wizard, monkeypatch, made)
    page.password.setText(PASSWORD)
    run_restore(qtbot, page)
    assert wizard.ledger is not None, page.message.text()
    assert {r[0] for r in wizard.ledger.conn.execute("SELECT name FROM enterprises")} == set(NAMES)
    wizard.accept()
    session.close(wizard.ledger)


def test_backup_to_a_folder_that_is_gone_says_so(township, tmp_path):
    with pytest.raises(Exception, match="找不到文件夹") as caught:
        backups.make_backup(township, folder=tmp_path / "pulled-out")
    assert caught.type.__name__ == "UserError"
    assert not (tmp_path / "pulled-out").exists()
