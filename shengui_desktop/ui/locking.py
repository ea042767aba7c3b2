"""Auto-lock: after the minutes set on 设置 → 我的账户 (AUTOLOCK_KEY, default 15, 0 = never)
with no key or mouse input, `Locking.lock` closes the enterprise and visit windows, drops
every page (and what it holds) and the ledger connection, and shows the unlock dialog;
unlocking builds the pages again on the same page. The main window's part (ui/main_window.py
MainWindow inherits Locking)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from ..services.office import session
from .common import APP_TITLE
from .jobs import JobRunner
from .ledger.index import EnterpriseIndex
from .pages import PAGE_LIST

AUTOLOCK_KEY = "security/autolock_minutes"
DEFAULT_AUTOLOCK_MINUTES = 15
MAX_AUTOLOCK_MINUTES = 240
# the input that counts as someone at the computer
ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
            QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.Shortcut}


def autolock_minutes(settings: QSettings) -> int:
    """The auto-lock setting: minutes without input before locking, 0 for never."""
    try:
        minutes = int(settings.value(AUTOLOCK_KEY, DEFAULT_AUTOLOCK_MINUTES))
    except (TypeError, ValueError):
        return DEFAULT_AUTOLOCK_MINUTES
    return min(max(minutes, 0), MAX_AUTOLOCK_MINUTES)


class ActivityWatch(QObject):
    """Restarts the idle timer on every key press, click, mouse move or wheel in the program."""

    def __init__(self, timer: QTimer, parent: QObject | None = None):
        super().__init__(parent)
        self.timer = timer
        self.restarts = 0

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt naming)
        if event.type() in ACTIVITY and self.timer.isActive():
            self.timer.start()  # the full interval again
            self.restarts += 1
        return False


class Locking:
    """MainWindow's locking (a mixin: the window's pages, menus and jobs are its own)."""

    def watch_activity(self) -> None:
        """The idle timer, restarted by any input in the program, locks when it runs out."""
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        self.activity = ActivityWatch(self.idle_timer, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.activity)
        self.set_autolock(self.autolock)

    def stop_watching(self) -> None:
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self.activity)

    def set_autolock(self, minutes: int) -> None:
        """Lock after `minutes` without input (0: never); remembered for the next start."""
        minutes = min(max(int(minutes), 0), MAX_AUTOLOCK_MINUTES)
        self.settings.setValue(AUTOLOCK_KEY, minutes)
        self.autolock = minutes
        self.idle_timer.stop()
        if minutes and self.ledger is not None:
            self.idle_timer.setInterval(minutes * 60_000)
            self.idle_timer.start()

    def busy(self) -> bool:
        """A background job (an import, an export, a PDF…) still holds the ledger."""
        runners = [self.runner] + [getattr(getattr(self, page.attr, None), "runner", None) for page in PAGE_LIST]
        return any(r is not None and r.busy() for r in runners)

    @property
    def locked(self) -> bool:
        return self.ledger is None

    def lock(self) -> bool:
        """Close what the window holds and the ledger, then ask for the password again.
        Put off (the idle timer starts over) while a background job runs. True when locked."""
        if self.ledger is None:
            return True
        if self.busy():
            self.idle_timer.start()
            return False
        self.locked_page = self.stack.currentIndex()
        path = self.ledger.path
        self._drop_pages()
        session.close(self.ledger)
        self.ledger = None
        self.index = EnterpriseIndex()
        self.index_ready = self.figures_ready = False
        self.status_user.setText("已锁定")
        self.status_unsynced.setText("")
        self._menus_while_locked()
        notice = QLabel("台账已锁定：长时间未操作，页面中的数据已关闭。\n请输入密码解锁，解锁后回到原来的页面。")
        notice.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        notice.setStyleSheet("font-size: 16px; color: #555; padding-top: 60px;")
        self.stack.addWidget(notice)
        from .start.unlock import UnlockDialog

        self.unlock_dialog = UnlockDialog(path, hint="长时间未操作，台账已锁定。请重新输入密码。", parent=self)
        self.unlock_dialog.accepted.connect(self._unlocked)
        self.unlock_dialog.rejected.connect(self.close)
        self.unlock_dialog.open()
        return True

    def _drop_pages(self) -> None:
        """Close the other windows (a visit form keeps its draft), stop the background work and
        delete every page with what it shows."""
        for window in list(self.open_windows):
            window.close()
            window.deleteLater()
        self.open_windows.clear()
        self._save_layout()
        self._shut_down_jobs()
        self.nav.blockSignals(True)
        self.nav.clear()
        self.nav.blockSignals(False)
        for action in self.page_actions:
            self.page_menu.removeAction(action)
            action.deleteLater()
        self.page_actions = []
        while self.stack.count():
            widget = self.stack.widget(0)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        for page in PAGE_LIST:
            setattr(self, page.attr, None)

    def _menus_while_locked(self) -> None:
        """Every menu command but 退出 is off while locked: each needs the pages, which are
        gone (the unlock dialog is modal, but a shortcut or a script could still reach them).
        Their states before are kept for the unlock."""
        self.menus_before_lock = {}
        for name, action in self.menu_actions.items():
            if name != "quit":
                self.menus_before_lock[name] = action.isEnabled()
                action.setEnabled(False)

    def _unlocked(self) -> None:
        dialog, self.unlock_dialog = self.unlock_dialog, None
        self.ledger = dialog.ledger
        dialog.deleteLater()
        while self.stack.count():  # the 已锁定 notice
            notice = self.stack.widget(0)
            self.stack.removeWidget(notice)
            notice.deleteLater()
        self.runner.deleteLater()  # stopped at the lock (_drop_pages); its pool is let go once idle
        self.runner = JobRunner(self)
        self._build_pages()
        self._restore_columns()
        self._show_first_screen()
        self.load_index()
        self.status_user.setText(f"用户：{self.ledger.user or '（恢复码）'}")
        self.refresh_unsynced()
        self.nav.setCurrentRow(max(self.locked_page, 0))
        self.set_autolock(self.autolock)
        for name, enabled in self.menus_before_lock.items():
            self.menu_actions[name].setEnabled(enabled)
        self.apply_roles()
        self._tell_failed_unlocks()

    def _tell_failed_unlocks(self) -> None:
        """上次登录以来有N次密码错误: in the status bar and a message box that does not block."""
        failures = session.failed_before(self.ledger) if self.ledger is not None else 0
        if not failures:
            return
        text = session.failures_message(failures)
        self.statusBar().showMessage(text, 60_000)
        self.failed_unlocks_box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE,
                                              f"{text}\n如果不是您输错的，请告知本单位管理员。",
                                              QMessageBox.StandardButton.Ok, self)
        self.failed_unlocks_box.open()
        self.ledger.failed_unlocks = 0  # said once
