"""Auto-lock (#19 item 2): after the minutes set on 设置 → 我的账户 without input, the window
drops its pages, their data and the ledger connection and asks for the password again;
unlocking returns to the same page. The idle timer is driven directly (its timeout signal),
never waited for. Also: what the role cannot do is disabled in the menus, and a wrong
password since the last unlock is told in the window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QDialog

from conftest import PASSWORD
from shengui_desktop.errors import WrongPassphrase
from shengui_desktop.services.office import session, users
from shengui_desktop.ui.locking import AUTOLOCK_KEY, DEFAULT_AUTOLOCK_MINUTES, autolock_minutes
from shengui_desktop.ui.pages import PAGE_LIST
from test_ui_support import add_enterprise, open_window


def _unlock(qtbot, window, password=PASSWORD):
    dialog = window.unlock_dialog
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)


def test_idle_minutes_lock_the_window_and_unlocking_returns_to_the_page(qtbot, county, tmp_path):
    add_enterprise(county, "秀水新材料有限公司", 21)
    path = county.path
    window = open_window(qtbot, county, tmp_path)
    assert window.autolock == DEFAULT_AUTOLOCK_MINUTES == 15
    assert window.idle_timer.isActive() and window.idle_timer.interval() == 15 * 60_000
    window.show_page("问题台账")
    page_before = window.stack.currentIndex()
    old_ledger = window.ledger
    form = window.new_visit(None)
    assert form in window.open_windows

    qtbot.waitUntil(lambda: not window.busy(), timeout=10000)  # the page's loading is over
    window.idle_timer.timeout.emit()  # fifteen minutes without input
    assert window.locked and window.ledger is None
    assert window.open_windows == [] and window.nav.count() == 0
    assert window.stack.count() == 1 and "台账已锁定" in window.stack.widget(0).text()  # only the notice
    assert all(getattr(window, page.attr) is None for page in PAGE_LIST)
    assert len(window.index) == 0  # the enterprises it held are gone
    assert window.status_user.text() == "已锁定"
    try:
        old_ledger.scalar("SELECT count(*) FROM enterprises")
        raise AssertionError("the connection should be closed")
    except Exception as e:  # a closed SQLCipher connection refuses
        assert "closed" in str(e).lower()
    dialog = window.unlock_dialog
    assert dialog.isVisible() and "已锁定" in dialog.hint.text()

    _unlock(qtbot, window, "wrong-password")
    qtbot.waitUntil(lambda: dialog.failures == 1, timeout=10000)
    assert window.locked
    for _ in range(dialog.remaining):
        dialog.countdown.timeout.emit()
    _unlock(qtbot, window)
    qtbot.waitUntil(lambda: not window.locked, timeout=10000)
    assert window.stack.currentIndex() == page_before and window.nav.currentRow() == page_before
    assert window.stack.count() == len(PAGE_LIST)
    assert window.issues_page is not None and window.ledger.path == path
    qtbot.waitUntil(lambda: window.figures_ready, timeout=10000)
    assert len(window.index) == 1
    assert "上次登录以来有1次密码错误" in window.statusBar().currentMessage()
    assert window.failed_unlocks_box.isVisible()
    assert window.idle_timer.isActive()


def test_input_restarts_the_idle_timer_and_zero_turns_it_off(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path)
    box = window.settings_page.account_tab.autolock_box
    box.minutes.setValue(5)
    assert window.idle_timer.interval() == 5 * 60_000 and window.settings.value(AUTOLOCK_KEY) in (5, "5")
    assert autolock_minutes(window.settings) == 5
    before = window.activity.restarts
    QApplication.sendEvent(window.nav.viewport(), QEvent(QEvent.Type.Paint))  # drawing is not input
    assert window.activity.restarts == before
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window.nav.viewport(), move)
    assert window.activity.restarts == before + 1
    assert window.idle_timer.isActive() and window.idle_timer.interval() == 5 * 60_000
    box.minutes.setValue(0)
    assert box.minutes.text() == "从不" and not window.idle_timer.isActive()
    assert autolock_minutes(window.settings) == 0
    window.settings.setValue(AUTOLOCK_KEY, "garbage")
    assert autolock_minutes(window.settings) == DEFAULT_AUTOLOCK_MINUTES


def test_a_running_job_puts_the_lock_off(qtbot, county, tmp_path, monkeypatch):
    window = open_window(qtbot, county, tmp_path)
    qtbot.waitUntil(lambda: not window.busy(), timeout=10000)
    monkeypatch.setattr(window.runner, "busy", lambda: True)
    assert window.lock() is False and not window.locked and window.idle_timer.isActive()
    monkeypatch.setattr(window.runner, "busy", lambda: False)
    assert window.lock() is True and window.locked
    window.unlock_dialog.reject()  # giving up closes the window (no ledger is open)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_menus_disable_what_the_role_cannot_do(qtbot, county, tmp_path):
    users.add_user(county, "viewer", "viewer-password-1", role="县级查看")
    viewer = session.unlock(county.path, password="viewer-password-1", user="viewer")
    window = open_window(qtbot, viewer, tmp_path)
    for key in ("visit", "new_enterprise", "import", "export", "excel_import"):
        action = window.menu_actions[key]
        assert not action.isEnabled(), key
        assert "县级查看" in action.toolTip() and "需要县级管理员" in action.toolTip()
    assert window.menu_actions["print"].isEnabled() and window.menu_actions["excel"].isEnabled()
    buttons = {"新增企业": window.ledger_page.new_button, "记录走访": window.visits_page.new_button,
               "导入同步包": window.sync_page.transfer.import_button,
               "导入": window.import_page.import_button, "选用": window.policy_page.choose}
    for name, button in buttons.items():
        assert not button.isEnabled() and "需要县级管理员" in button.toolTip(), name
        button.setEnabled(True)  # as a page does when a row is selected or a file chosen
        assert not button.isEnabled(), name
    assert window.ledger_page.export_button.isEnabled()  # exports are the viewer's too


def test_a_clerk_records_visits_but_adds_no_enterprise(qtbot, township, tmp_path):
    users.add_user(township, "clerk", "clerk-password-1", role="乡镇填报员")
    clerk = session.unlock(township.path, password="clerk-password-1", user="clerk")
    window = open_window(qtbot, clerk, tmp_path)
    assert window.menu_actions["visit"].isEnabled() and window.visits_page.new_button.isEnabled()
    assert not window.menu_actions["new_enterprise"].isEnabled()
    assert window.ledger_page.new_button.toolTip() == \
        "当前用户“clerk”是乡镇填报员，不能新增、修改或删除企业；需要乡镇管理员。"


def test_wrong_passwords_before_the_window_are_told_in_it(qtbot, county, tmp_path):
    path = county.path
    county.close()
    for _ in range(3):
        try:
            session.unlock(path, password="wrong-password", user="admin")
        except WrongPassphrase:
            pass
    ledger = session.unlock(path, password=PASSWORD, user="admin")
    window = open_window(qtbot, ledger, tmp_path)
    qtbot.waitUntil(lambda: hasattr(window, "failed_unlocks_box"), timeout=5000)
    assert "上次登录以来有3次密码错误" in window.failed_unlocks_box.text()
    assert "上次登录以来有3次密码错误" in window.statusBar().currentMessage()
    window.failed_unlocks_box.done(QDialog.DialogCode.Accepted)


def test_while_locked_the_menus_are_off_but_quit_and_come_back_after_the_unlock(qtbot, county, tmp_path):
    """The pages are gone while locked: a menu command (a shortcut, a script) would have
    reached for them (AttributeError on 导入同步包…, 打印…, 记录走访 …). Only 退出 stays."""
    errors: list = []
    window = open_window(qtbot, county, tmp_path)
    before = {name: action.isEnabled() for name, action in window.menu_actions.items()}
    qtbot.waitUntil(lambda: not window.busy(), timeout=10000)
    window.idle_timer.timeout.emit()
    assert window.locked
    assert [name for name, action in window.menu_actions.items() if action.isEnabled()] == ["quit"]
    import sys
    hook, sys.excepthook = sys.excepthook, lambda *exc: errors.append(exc)
    try:
        for name, action in window.menu_actions.items():
            if name != "quit":
                action.trigger()  # a disabled action does nothing
    finally:
        sys.excepthook = hook
    assert errors == [] and window.locked
    _unlock(qtbot, window)
    qtbot.waitUntil(lambda: not window.locked, timeout=10000)
    assert {name: action.isEnabled() for name, action in window.menu_actions.items()} == before
