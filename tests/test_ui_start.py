"""Start-up: the unlock dialog (right and wrong password, recovery code) and the wizard."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox, QWizard

from conftest import PASSWORD
from shengui_desktop.services.office import session
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.ui.start.unlock import UnlockDialog
from shengui_desktop.ui.start.wizard import SetupWizard, password_strength


def _unlock(qtbot, dialog, password):
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)


def test_unlock_with_the_right_password(qtbot, county):
    dialog = UnlockDialog(county.path, hint="演示台账密码：x")
    qtbot.addWidget(dialog)
    assert dialog.user.currentText() == "admin"
    assert dialog.hint.isVisibleTo(dialog)
    _unlock(qtbot, dialog, PASSWORD)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10000)
    assert dialog.ledger.user == "admin"
    assert dialog.ledger.scalar("SELECT name FROM sites WHERE is_self = 1") == "盂县"
    dialog.ledger.close()


def test_wrong_password_shows_a_message_then_locks_the_button(qtbot, county):
    """1, 2, 4 … seconds after each wrong password (services/office/session.py); the countdown
    is driven here by its timer's ticks, not by waiting."""
    path = county.path
    county.close()
    dialog = UnlockDialog(path)
    qtbot.addWidget(dialog)
    assert dialog.ok.isEnabled()
    for attempt, wait in ((1, 1), (2, 2), (3, 4)):
        _unlock(qtbot, dialog, "wrong-password")
        qtbot.waitUntil(lambda: dialog.failures == attempt, timeout=10000)
        assert "密码错误" in dialog.message.text()
        assert not dialog.ok.isEnabled() and dialog.ok.text() == f"请等待{wait}秒"
        assert f"已连续{attempt}次密码错误，请等待{wait}秒后再试。" in dialog.message.text()
        dialog.try_unlock()  # Enter while locked does nothing
        assert dialog.failures == attempt
        for _ in range(wait):
            dialog.countdown.timeout.emit()
        assert dialog.ok.isEnabled() and dialog.ok.text() == "打开"
    dialog.close()
    again = UnlockDialog(path)  # the program started again: still 3 wrong passwords, still waiting
    qtbot.addWidget(again)
    assert again.failures == 3 and not again.ok.isEnabled()
    for _ in range(again.remaining):
        again.countdown.timeout.emit()
    _unlock(qtbot, again, PASSWORD)
    qtbot.waitUntil(lambda: again.ledger is not None, timeout=10000)
    assert again.failures == 0 and session.failed_before(again.ledger) == 3
    again.ledger.close()


def test_a_key_file_of_another_ledger_is_explained_not_counted_as_a_wrong_password(qtbot, county):
    """The key file opens with the password but names another ledger: the dialog says which
    files and the way out (the .keys file, the backup), and the password was not wrong."""
    import json

    from shengui_desktop.storage.keyslots import keys_path_for

    path = county.path
    county.close()
    keys = keys_path_for(path)
    keys.write_text(json.dumps(dict(json.loads(keys.read_text("utf-8")), ledger_uuid="0" * 32)), "utf-8")
    dialog = UnlockDialog(path)
    qtbot.addWidget(dialog)
    _unlock(qtbot, dialog, PASSWORD)
    qtbot.waitUntil(lambda: "不匹配" in dialog.message.text(), timeout=10000)
    text = dialog.message.text()
    assert f"“{keys.name}”" in text and f"“{path.name}”" in text and "备份" in text, text
    assert "与密码无关" in text and "密码错误" not in text
    assert dialog.ledger is None and dialog.failures == 0 and dialog.ok.isEnabled()
    assert dialog.message.wordWrap() and dialog.message.sizeHint().width() <= 1024


def test_recovery_code_opens_and_sets_a_new_password(qtbot, county, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("brand-new-pass-1", True)))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: None))
    dialog = UnlockDialog(county.path)
    qtbot.addWidget(dialog)
    dialog.use_recovery.setChecked(True)
    dialog.recovery.setText(county.recovery_code.lower())
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.ledger is not None, timeout=10000)
    dialog.ledger.close()
    open_ledger(county.path, passphrase="brand-new-pass-1", user="admin").close()


def test_password_strength_hint():
    assert password_strength("short")[0] == 0
    assert password_strength("abcdefgh")[0] == 1
    assert password_strength("Abcdefgh12")[0] == 2
    assert password_strength("Abcdefgh12!x")[0] == 3


def test_wizard_end_to_end_township(qtbot, tmp_path):
    path = tmp_path / "new" / "ledger.sgdb"
    wizard = SetupWizard(path)
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.currentPage() is wizard.start_page and wizard.start_page.new_button.isChecked()
    wizard.next()  # 新建台账 (the other choice, 从备份恢复: tests/test_ui_restore.py)
    office = wizard.office
    office.name.setText("秀水镇")
    office.area_code.setText("140322")  # a county code for a township: refused
    wizard.next()
    assert wizard.currentPage() is office
    assert "9位" in office.message.text()
    office.area_code.setText("140322100")
    wizard.next()
    assert wizard.currentPage() is wizard.admin
    wizard.admin.password.setText("Xiushui-2026!")
    assert "强" in wizard.admin.strength.text()
    wizard.admin.confirm.setText("different")
    wizard.next()
    assert "不一致" in wizard.admin.message.text()
    wizard.admin.confirm.setText("Xiushui-2026!")
    wizard.next()
    assert wizard.currentPage() is wizard.connect_page
    assert wizard.connect_page.cert_path.isVisibleTo(wizard)
    assert not wizard.connect_page.profile.isVisibleTo(wizard)
    wizard.next()  # commit: the ledger is created on a worker
    qtbot.waitUntil(lambda: wizard.ledger is not None, timeout=15000)
    code = wizard.recovery.code.text()
    assert len(code.replace("-", "")) == 25
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    wizard.recovery.stored.setChecked(True)
    assert finish.isEnabled()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert wizard.result() == QDialog.DialogCode.Accepted
    wizard.ledger.close()
    ledger = open_ledger(path, passphrase="Xiushui-2026!", user="admin")
    site = ledger.one("SELECT role, name, area_code FROM sites WHERE is_self = 1")
    assert site == {"role": "township", "name": "秀水镇", "area_code": "140322100"}
    ledger.close()
    open_ledger(path, recovery_code=code).close()


def test_wizard_county_shows_profiles_not_certificate(qtbot, tmp_path):
    wizard = SetupWizard(tmp_path / "c.sgdb")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    wizard.office.role_buttons["county"].setChecked(True)
    wizard.office.name.setText("盂县")
    wizard.office.area_code.setText("140322")
    wizard.next()
    wizard.admin.password.setText("county-pass-1")
    wizard.admin.confirm.setText("county-pass-1")
    wizard.next()
    assert wizard.connect_page.profile.isVisibleTo(wizard)
    assert not wizard.connect_page.cert_path.isVisibleTo(wizard)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.ledger is not None, timeout=15000)
    assert wizard.ledger.meta("role") == "county"
    wizard.recovery.stored.setChecked(True)
    wizard.accept()
    wizard.ledger.close()
