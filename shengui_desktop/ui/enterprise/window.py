"""One enterprise (一户一册 on screen): a window with a tab per part of its file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout

from ...domain.records import POOLS, STAT_STATUSES
from ...services.ledger import enterprises
from ..common import APP_TITLE
from .basic import BasicTab
from .fit import fit_to_screen
from .history import HistoryTab
from .claims import ClaimsTab
from .projects import ProjectsTab
from .scale_periods import ScalePeriodsTab
from .tabs import FiguresTab, IssuesTab, PolicyLinesTab, PoolTab, VisitsTab, revenue_summary, suggestion_text


class EnterpriseWindow(QDialog):
    def __init__(self, window, enterprise_id: str):
        super().__init__(window)
        self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window_ = window
        self.enterprise_id = enterprise_id
        self.resize(1100, 860)  # fit_to_screen takes it down to a smaller screen
        layout = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.subheader = QLabel()
        self.subheader.setStyleSheet("color: #555;")
        self.print_button = QPushButton("打印一户一册")
        self.print_button.setToolTip("生成本企业的一户一册，在主窗口“报表打印”中预览、打印或另存为PDF（Ctrl+P）")
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(lambda: window.print_page.print_dossier(self.enterprise_id))
        top = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.header)
        titles.addWidget(self.subheader)
        top.addLayout(titles, 1)
        top.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        self.basic = BasicTab(window, enterprise_id)
        self.figures = FiguresTab(window, enterprise_id)
        self.pool = PoolTab(window, enterprise_id)
        self.visits = VisitsTab(window, enterprise_id)
        self.issues = IssuesTab(window, enterprise_id)
        self.projects = ProjectsTab(window, enterprise_id)
        self.rewards = PolicyLinesTab(window, enterprise_id, "rewards")
        self.claims = ClaimsTab(window, enterprise_id)
        self.scale_periods = ScalePeriodsTab(window, enterprise_id)
        self.checklist = PolicyLinesTab(window, enterprise_id, "checklist")
        self.history = HistoryTab(window, enterprise_id)
        for widget, name in ((self.basic, "基本信息"), (self.figures, "月度数据"), (self.pool, "库别"),
                             (self.visits, "走访"), (self.issues, "问题"), (self.projects, "项目"),
                             (self.rewards, "奖补"), (self.claims, "奖补申报"),
                             (self.scale_periods, "入规历史"), (self.checklist, "入统材料"),
                             (self.history, "修改记录")):
            self.tabs.addTab(widget, name)
        layout.addWidget(self.tabs, 1)
        fit_to_screen(self)  # the tabs scroll; the window never grows past the screen
        self.refresh_header()
        window.bus.changed.connect(self._changed)

    def keyPressEvent(self, event) -> None:
        # Enter belongs to the field (picker, reason…), never to a dialog default button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            return
        super().keyPressEvent(event)

    def refresh_header(self) -> None:
        e = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)
        self.setWindowTitle(f"{e['name']} — {APP_TITLE}")
        self.header.setText(e["name"])
        self.subheader.setText("　".join(filter(None, [
            e["credit_code"], STAT_STATUSES.get(e["stat_status"], ""), POOLS.get(e["pool"], ""),
            revenue_summary(self.window_, self.enterprise_id)])))

    def _changed(self, tables: set, enterprise_ids: set) -> None:
        if enterprise_ids and self.enterprise_id not in enterprise_ids:
            return
        if tables & {"enterprises", "pool_events"}:
            self.refresh_header()
            self.pool.load()
        if "monthly_figures" in tables:
            self.figures.load()
        if tables & {"monthly_figures", "projects", "scale_history", "reward_claims"}:
            # what the rules read changed: their suggestion and the rewards
            self.refresh_header()
            self.pool.load()
            self.figures.suggestion.setText("建议库别：" + suggestion_text(self.window_, self.enterprise_id))
            self.rewards.load()
        for tab in (self.projects, self.claims, self.scale_periods):
            if tab.table_name in tables:
                tab.load()
        if "visits" in tables:
            self.visits.load()
        if "issues" in tables:
            self.issues.load()
        if tables:
            self.history.load()
