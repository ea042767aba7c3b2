"""设置: this office's users (administrators only), one's own password and the recovery code,
backups and restoring one, the audit log (administrators only), and what the program and the
ledger are (关于).

Every tab calls services/office/ (users.py, backups.py, site.py); none reads the ledger
itself. What a tab shows depends on the signed-in person: only an administrator (or whoever
opened the ledger with the recovery code) sees 用户管理, the recovery code and restoring.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...services.office import users
from ..jobs import JobRunner
from .about import AboutTab
from .audit import AuditTab
from .account import AccountTab
from .backups import BackupsTab
from .users import UsersTab

TABS = ("用户管理", "我的账户", "备份与恢复", "审计日志", "关于")


class SettingsPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.tabs = QTabWidget()
        self.admin = users.is_admin(window.ledger)
        self.users_tab = UsersTab(self) if self.admin else None
        self.account_tab = AccountTab(self)
        self.backups_tab = BackupsTab(self)
        self.audit_tab = AuditTab(self) if self.admin else None
        self.about_tab = AboutTab(self)
        for name, tab in zip(TABS, (self.users_tab, self.account_tab, self.backups_tab, self.audit_tab,
                                    self.about_tab)):
            if tab is not None:
                self.tabs.addTab(tab, name)
        # the audit log is read when its tab is shown (and again each time: new entries)
        self.tabs.currentChanged.connect(lambda _i: self._audit_shown())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def tab_names(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(self.tab_names().index(name))

    def showEvent(self, event) -> None:
        # cheap (a folder listing, the key file, a few rows): backups made elsewhere show up
        super().showEvent(event)
        self.backups_tab.refresh()
        self._audit_shown()

    def _audit_shown(self) -> None:
        if self.audit_tab is not None and self.tabs.currentWidget() is self.audit_tab:
            self.audit_tab.refresh()

    def users_changed(self) -> None:
        """A role may have changed, one's own included: the tabs that depend on it follow."""
        self.account_tab.refresh()
        self.backups_tab.refresh()
        if not users.is_admin(self.window_.ledger) and self.users_tab is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.users_tab))
            self.users_tab.deleteLater()
            self.users_tab = None
        if not users.is_admin(self.window_.ledger) and self.audit_tab is not None:
            self.tabs.removeTab(self.tabs.indexOf(self.audit_tab))
            self.audit_tab.deleteLater()
            self.audit_tab = None
