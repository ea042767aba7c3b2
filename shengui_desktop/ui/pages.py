"""The window's pages, in one list: it builds the navigation, the stack and the 页面 menu
(Ctrl+1 … Ctrl+9, Ctrl+0 in that order), so a page added here appears everywhere at once.
The order is a township's working day first (the ten with a Ctrl+digit: home, ledger,
visits, issues, pools, monitoring, sync, printing, import, targets), then the county's desk
and the settings, which the 页面 menu (Alt+P) reaches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtWidgets import QWidget

from .excel_import.page import ExcelImportPage
from .forms.page import FormsPage
from .home.page import HomePage
from .issues.page import IssuesPage
from .ledger.page import LedgerPage
from .monitoring.page import MonitoringPage
from .policy.page import PolicyPage
from .pools.page import PoolsPage
from .printing.page import PrintPage
from .projects.page import ProjectsPage
from .rewards.page import RewardsPage
from .settings.page import SettingsPage
from .sync.page import SyncPage
from .targets.page import TargetsPage
from .townships.page import TownshipsPage
from .visits.page import VisitsPage


@dataclass(frozen=True)
class Page:
    """One page of the window: its name (navigation, 页面 menu, show_page), the MainWindow
    attribute that holds it, and how it is made (called with the window)."""

    name: str
    attr: str
    make: Callable[[QWidget], QWidget]  # called with the main window


# In navigation order: Ctrl+1 … Ctrl+9, Ctrl+0 follow it.
PAGE_LIST: tuple[Page, ...] = (
    Page("首页", "home", HomePage),
    Page("企业台账", "ledger_page", LedgerPage),
    Page("走访记录", "visits_page", VisitsPage),
    Page("问题台账", "issues_page", IssuesPage),
    Page("培育库", "pools_page", PoolsPage),
    Page("月度监测", "monitoring_page", MonitoringPage),
    Page("数据同步", "sync_page", SyncPage),
    Page("报表打印", "print_page", PrintPage),
    Page("Excel导入", "import_page", ExcelImportPage),
    Page("目标任务", "targets_page", TargetsPage),
    Page("奖补测算", "rewards_page", RewardsPage),
    Page("重点项目", "projects_page", ProjectsPage),
    Page("一表通", "forms_page", FormsPage),
    Page("政策配置", "policy_page", PolicyPage),
    Page("乡镇与部门", "townships_page", TownshipsPage),
    Page("设置", "settings_page", SettingsPage),
)
PAGES = [page.name for page in PAGE_LIST]
