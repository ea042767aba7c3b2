"""设置 on temporary ledgers: a user added, disabled and refused at the unlock dialog; a
password reset and one's own changed; a new recovery code printed; a backup made on the
worker and listed; a restore confirmed by name, the current ledger kept as a backup, the
window opened again on the restored ledger; what a user who is not an administrator sees."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QMessageBox

from conftest import PASSWORD
from shengui_desktop.errors import WrongPassphrase
from shengui_desktop.services.ledger import enterprises
from shengui_desktop.services.office import backups, session, site, users
from shengui_desktop.storage.connection import SQLITE_HEADER
from shengui_desktop.ui.settings.backups import pages
from shengui_desktop.ui.start.unlock import UnlockDialog

from test_ui_support import add_enterprise, open_window

BOB = "bob-password-1"


@pytest.fixture
def boxes(monkeypatch):
    """QMessageBox stand-ins: every question answered `answer`, every box's text recorded."""
    shown: dict = {"answer": QMessageBox.StandardButton.Yes, "questions": [], "warnings": [], "info": []}

    def question(_parent, title, text, *a, **k):
        shown["questions"].append((title, text))
        return shown["answer"]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda _p, title, text, *a, **k: shown["warnings"].append((title, text))))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(
        lambda _p, title, text, *a, **k: shown["info"].append((title, text))))
    return shown


def settings_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path)
    window.show_page("设置")
    assert window.stack.currentWidget() is window.settings_page
    return window, window.settings_page


def busy(window) -> bool:
    return window.runner.busy() or any(page.runner.busy() for page in pages(window)
                                       if getattr(page, "runner", None) is not None)


def unlocks(path, user, password) -> bool:
    try:
        session.close(session.unlock(path, password=password, user=user))
    except WrongPassphrase:
        return False
    return True


def fill_passwords(fields, password: str, again: str | None = None) -> None:
    fields.password.setText(password)
    fields.again.setText(password if again is None else again)


def submit(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.ok.isEnabled() or not dialog.isVisible(), timeout=10000)


def test_about_says_version_schema_fingerprint_and_path(qtbot, township, tmp_path):
    info = site.about(township)
    assert info.version == "0.1.0" or info.version[0].isdigit()
    assert info.schema_version == info.schema_latest >= 7
    assert info.fingerprint == township.this_site()["fingerprint"]
    lines = dict(info.lines())
    assert lines["台账文件"] == str(township.path) and lines["单位"] == "秀水镇（乡镇台账）"
    assert lines["当前用户"] == "admin"
    _window, page = settings_page(qtbot, township, tmp_path)
    page.show_tab("关于")
    about = page.about_tab
    assert about.values["程序版本"].text() == info.version
    assert about.values["台账文件"].text() == str(township.path)
    assert about.fingerprint.text().replace(" ", "") == info.fingerprint.replace(" ", "")


def test_add_disable_and_refuse_a_user_at_unlock(qtbot, township, tmp_path, boxes):
    window, page = settings_page(qtbot, township, tmp_path)
    assert page.tab_names() == ["用户管理", "我的账户", "备份与恢复", "审计日志", "关于"]
    tab = page.users_tab
    assert [r["username"] for r in tab.model.rows_data] == ["admin"]
    assert tab.model.rows_data[0]["status"] == "正常（当前登录）"

    tab.add_button.click()
    dialog = tab.dialog
    assert dialog is not None and dialog.isVisible()
    assert [dialog.role.itemText(i) for i in range(dialog.role.count())] == ["乡镇填报员", "乡镇管理员"]
    dialog.username.setText("bob")
    dialog.display_name.setText("张三")
    fill_passwords(dialog.passwords, BOB, "something-else")
    submit(qtbot, dialog)
    assert dialog.message.text() == "两次输入的密码不一致" and dialog.isVisible()
    fill_passwords(dialog.passwords, BOB)
    submit(qtbot, dialog)
    assert not dialog.isVisible()
    assert [(r["username"], r["display_name"], r["role_name"]) for r in tab.model.rows_data] == \
        [("admin", "admin", "乡镇管理员"), ("bob", "张三", "乡镇填报员")]
    assert "已添加用户“bob”" in tab.status.text()
    assert unlocks(township.path, "bob", BOB)

    # the same name again: refused inside the form, which stays open
    tab.add_button.click()
    again = tab.dialog
    again.username.setText("bob")
    fill_passwords(again.passwords, BOB)
    submit(qtbot, again)
    assert again.isVisible() and "用户“bob”已存在" in again.message.text()
    again.reject()

    # one cannot disable oneself
    tab.select("admin")
    assert not tab.disable_button.isEnabled()
    tab.select("bob")
    assert tab.disable_button.text() == "停用" and tab.disable_button.isEnabled()
    tab.disable_button.click()
    assert "停用“bob”（张三）" in boxes["questions"][-1][1]
    qtbot.waitUntil(lambda: tab.model.rows_data[1]["status"] == "已停用", timeout=10000)
    assert tab.disable_button.text() == "启用…" and not tab.reset_button.isEnabled()

    # the unlock dialog refuses him by name
    unlock = UnlockDialog(township.path)
    qtbot.addWidget(unlock)
    assert [unlock.user.itemText(i) for i in range(unlock.user.count())] == ["admin"]
    unlock.user.setEditText("bob")
    unlock.password.setText(BOB)
    qtbot.mouseClick(unlock.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: unlock.failures == 1, timeout=10000)
    assert "该用户已停用（bob），台账未打开" in unlock.message.text()
    assert unlock.ledger is None

    # enabled again with a new password
    tab.disable_button.click()
    enable = tab.dialog
    fill_passwords(enable.passwords, "bob-new-password")
    submit(qtbot, enable)
    assert tab.model.rows_data[1]["status"] == "正常"
    assert unlocks(township.path, "bob", "bob-new-password") and not unlocks(township.path, "bob", BOB)
    assert window.isVisible()


def test_reset_a_password_and_change_a_role(qtbot, township, tmp_path, boxes):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    _window, page = settings_page(qtbot, township, tmp_path)
    tab = page.users_tab
    tab.select("bob")
    tab.reset_button.click()
    dialog = tab.dialog
    fill_passwords(dialog.passwords, "short")
    submit(qtbot, dialog)
    assert "至少需要8个字符" in dialog.message.text()
    fill_passwords(dialog.passwords, "reset-password-2")
    submit(qtbot, dialog)
    assert not dialog.isVisible()
    assert unlocks(township.path, "bob", "reset-password-2") and not unlocks(township.path, "bob", BOB)

    tab.select("bob")
    tab.role_button.click()
    dialog = tab.dialog
    dialog.role.setCurrentIndex(dialog.role.findText("乡镇管理员"))
    submit(qtbot, dialog)
    assert tab.model.rows_data[1]["role_name"] == "乡镇管理员"
    assert users.find_user(township, "bob").is_admin


def test_change_my_password(qtbot, township, tmp_path, boxes):
    _window, page = settings_page(qtbot, township, tmp_path)
    tab = page.account_tab
    page.show_tab("我的账户")
    assert "当前用户：<b>admin</b>" in tab.who.text() and "乡镇管理员" in tab.who.text()
    tab.old.setText("not-my-password")
    fill_passwords(tab.passwords, "my-new-password-1")
    tab.change_button.click()
    qtbot.waitUntil(lambda: tab.change_button.isEnabled(), timeout=10000)
    assert tab.password_message.text() == "原密码不正确，密码未修改。"
    assert unlocks(township.path, "admin", PASSWORD)

    tab.old.setText(PASSWORD)
    fill_passwords(tab.passwords, "my-new-password-1", "my-new-password-X")
    tab.change_button.click()
    assert tab.password_message.text() == "两次输入的密码不一致"

    fill_passwords(tab.passwords, "my-new-password-1")
    tab.change_button.click()
    qtbot.waitUntil(lambda: tab.change_button.isEnabled(), timeout=10000)
    assert "密码已修改" in tab.password_message.text()
    assert tab.old.text() == "" and tab.passwords.password.text() == ""
    assert not unlocks(township.path, "admin", PASSWORD)
    assert unlocks(township.path, "admin", "my-new-password-1")


class StubPrintDialog:
    """QPrintDialog as if the person chose 打印到文件 (PDF) and pressed 打印."""

    out: Path
    DialogCode = QPrintDialog.DialogCode

    def __init__(self, printer: QPrinter, _parent=None):
        self.printer = printer

    def exec(self):
        self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer.setOutputFileName(str(StubPrintDialog.out))
        return QPrintDialog.DialogCode.Accepted


def test_a_new_recovery_code_is_shown_printed_and_replaces_the_old_one(qtbot, township, tmp_path,
                                                                        boxes, monkeypatch):
    import PySide6.QtPrintSupport as print_support

    StubPrintDialog.out = tmp_path / "恢复码.pdf"
    monkeypatch.setattr(print_support, "QPrintDialog", StubPrintDialog)
    _window, page = settings_page(qtbot, township, tmp_path)
    tab = page.account_tab
    assert not tab.recovery_box.isHidden()
    tab.recovery_button.click()
    assert "旧恢复码立即失效" in boxes["questions"][-1][1]
    qtbot.waitUntil(lambda: tab.recovery_dialog is not None, timeout=10000)
    dialog = tab.recovery_dialog
    code = dialog.code_label.text()
    assert len(code) == 29 and code != township.recovery_code
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert dialog.stored.isChecked()
    pdf = pdfium.PdfDocument(str(StubPrintDialog.out))
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert code in text and "秀水镇" in text and "恢复码" in text
    dialog.accept()
    assert not dialog.isVisible()
    with pytest.raises(WrongPassphrase, match="恢复码不正确"):
        session.unlock(township.path, recovery_code=township.recovery_code)
    session.close(session.unlock(township.path, recovery_code=code))


def test_backup_now_then_restore_it(qtbot, township, tmp_path, boxes):
    first = add_enterprise(township, "秀水机械有限公司", 1)
    window, page = settings_page(qtbot, township, tmp_path)
    tab = page.backups_tab
    page.show_tab("备份与恢复")
    assert tab.empty.isVisibleTo(page) and "还没有备份" in tab.empty.text()
    assert not tab.restore_button.isEnabled()

    qtbot.mouseClick(tab.backup_button, Qt.MouseButton.LeftButton)
    assert not tab.backup_button.isEnabled()  # one job at a time
    qtbot.waitUntil(lambda: tab.job is None, timeout=10000)
    assert boxes["warnings"] == []
    [made] = backups.list_backups(township.path)
    assert not made.path.read_bytes().startswith(SQLITE_HEADER)
    assert [r["name"] for r in tab.model.rows_data] == [made.path.name]
    assert tab.model.rows_data[0]["kind"] == "手动备份"
    assert "已备份" in tab.status.text() and tab.table.isVisibleTo(page)

    # the ledger moves on after the backup
    second = add_enterprise(township, "南娄化工有限公司", 2)
    window.bus.tell({"enterprises"}, {second})
    tab.table.selectRow(0)
    if busy(window):  # the pages redraw on the worker: a restore waits for them
        qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
        assert boxes["info"][-1] == ("请稍候", "正在进行其他后台工作（读取、导入、导出或打印），请等它完成后再恢复。")
        assert boxes["questions"] == []
    qtbot.waitUntil(lambda: not busy(window), timeout=10000)

    assert tab.restore_button.isEnabled()
    qtbot.mouseClick(tab.restore_button, Qt.MouseButton.LeftButton)
    title, text = boxes["questions"][-1]
    assert title == "从备份恢复台账"
    assert made.path.name in text and made.made_text in text and str(township.path) in text
    assert "将被替换" in text and "当前台账会先另存为一份备份" in text
    qtbot.waitUntil(lambda: getattr(window, "successor", None) is not None, timeout=20000)
    fresh = window.successor
    qtbot.addWidget(fresh)
    assert not window.isVisible() and fresh.isVisible()
    qtbot.waitUntil(lambda: fresh.figures_ready, timeout=10000)
    assert boxes["info"][-1][0] == "已恢复" and "恢复前的台账已保存为备份" in boxes["info"][-1][1]
    ledger = fresh.ledger
    assert ledger is not township and ledger.user == "admin"
    assert enterprises.get_enterprise(ledger, first) is not None
    assert enterprises.get_enterprise(ledger, second) is None  # as at the backup
    assert fresh.stack.currentWidget() is fresh.settings_page
    listed = backups.list_backups(township.path)
    assert [b.kind for b in listed] == ["before_restore", "manual"]
    assert [r["kind"] for r in fresh.settings_page.backups_tab.model.rows_data] == ["恢复前自动保留", "手动备份"]
    kept = session.unlock(listed[0].path, password=PASSWORD)
    try:
        assert enterprises.get_enterprise(kept, second) is not None  # the ledger as it was before
    finally:
        session.close(kept)
    fresh.close()


def test_a_file_that_is_not_a_backup_is_refused_and_the_window_stays(qtbot, township, tmp_path,
                                                                       boxes, monkeypatch):
    window, page = settings_page(qtbot, township, tmp_path)
    tab = page.backups_tab
    bogus = tmp_path / "bogus.sgdb"
    bogus.write_bytes(b"\x17" * 8192)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bogus), "")))
    qtbot.waitUntil(lambda: not busy(window), timeout=10000)  # the pages' first loading
    qtbot.mouseClick(tab.other_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.job is None and bool(boxes["warnings"]), timeout=10000)
    assert "bogus.sgdb" in boxes["questions"][-1][1] and "（备份文件，" in boxes["questions"][-1][1]
    title, text = boxes["warnings"][-1]
    assert title == "无法恢复" and "bogus.sgdb" in text and "台账未作任何修改" in text
    assert getattr(window, "successor", None) is None and window.isVisible()
    assert backups.list_backups(township.path) == []
    assert site.this_site(window.ledger)["name"] == "秀水镇"  # the ledger still open and read


def test_a_clerk_sees_no_user_management_and_cannot_restore(qtbot, township, tmp_path):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    bob = session.unlock(township.path, password=BOB, user="bob")
    try:
        _window, page = settings_page(qtbot, bob, tmp_path)
        assert page.tab_names() == ["我的账户", "备份与恢复", "关于"]
        assert page.users_tab is None
        assert page.account_tab.recovery_box.isHidden()
        assert "乡镇填报员" in page.account_tab.who.text()
        tab = page.backups_tab
        assert tab.backup_button.isEnabled()
        assert not tab.other_button.isEnabled() and "只有管理员" in tab.other_button.toolTip()
    finally:
        _window.close()
