"""The main window: navigation, the pages, the status bar, background loading."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QMainWindow, QMessageBox,
                               QStackedWidget, QWidget)

from ..services.ledger import enterprises, reference
from ..services import excel, policy
from ..services.office import session, site
from ..services.ledger.enterprises import LEDGER_COLUMNS
from .common import APP_TITLE, ChangeBus
from .excel_import.page import ExcelImportPage
from .home.page import HomePage
from .issues.page import IssuesPage
from .jobs import JobRunner, core_progress, run_with_progress
from .ledger.index import EnterpriseIndex
from .ledger.loader import load_figures, load_rows
from .ledger.model import KEYS
from .ledger.page import LedgerPage
from .policy.page import PolicyPage
from .printing.page import PrintPage
from .settings.page import SettingsPage
from .sync.page import SyncPage
from .townships.page import TownshipsPage
from .visits.page import VisitsPage

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

PAGES = ["首页", "企业台账", "走访记录", "问题台账", "数据同步", "报表打印", "Excel导入", "政策配置", "乡镇与部门", "设置"]
# Column widths are remembered per set of columns: a state saved by a version with other
# columns would put widths on the wrong ones.
LEDGER_COLUMNS_KEY = "main/ledger_columns_" + hashlib.blake2b("|".join(KEYS).encode(), digest_size=4).hexdigest()
FIRST_SCREEN = 100  # rows painted before the full index has loaded


class MainWindow(QMainWindow):
    def __init__(self, ledger: Ledger, settings: QSettings | None = None, today: date | None = None):
        super().__init__()
        self.ledger = ledger
        self.today = today or date.today()
        self.settings = settings or QSettings()
        self.runner = JobRunner(self)
        self.bus = ChangeBus(self)
        self.index = EnterpriseIndex()
        self.index_ready = False
        self.figures_ready = False
        self.runner.start(ledger, load_rows, name="rows", on_done=self._rows_loaded,
                          on_error=self._load_failed)  # first: it is what the ledger page paints
        self.open_windows: list = []
        me = site.this_site(ledger)
        self.site = me
        role = "乡镇" if me["role"] == "township" else "县级"
        self.setWindowTitle(f"{APP_TITLE} — {me['name']}（{role}）")

        self.nav = QListWidget()
        self.nav.setFixedWidth(120)
        self.nav.setStyleSheet("QListWidget { font-size: 15px; } QListWidget::item { padding: 10px 8px; }")
        self.stack = QStackedWidget()
        self.home = HomePage(self)
        self.ledger_page = LedgerPage(self)
        self.visits_page = VisitsPage(self)
        self.issues_page = IssuesPage(self)
        self.sync_page = SyncPage(self)
        self.print_page = PrintPage(self)
        self.import_page = ExcelImportPage(self)
        self.policy_page = PolicyPage(self)
        self.townships_page = TownshipsPage(self)
        self.settings_page = SettingsPage(self)
        for name, page in zip(PAGES, (self.home, self.ledger_page, self.visits_page, self.issues_page,
                                      self.sync_page, self.print_page, self.import_page, self.policy_page,
                                      self.townships_page, self.settings_page)):
            self.add_page(name, page)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._show_first_screen()
        self.ledger_page.open_enterprise.connect(self.open_enterprise)
        self.ledger_page.new_visit.connect(lambda eid: self.new_visit(eid or None))
        self.ledger_page.new_enterprise.connect(self.new_enterprise)
        self.home.navigate.connect(self.navigate)
        self.bus.changed.connect(self._changed)
        self._build_status_bar()
        self._build_actions()
        self.resize(1280, 800)
        self._restore()
        self.nav.setCurrentRow(0)

    # -- layout --------------------------------------------------------------------------
    def add_page(self, name: str, widget) -> int:
        self.nav.addItem(name)
        return self.stack.addWidget(widget)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(PAGES.index(name) if name in PAGES else 0)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_office = QLabel(f"单位：{self.site['name']}（{self.site['area_code']}）")
        self.status_user = QLabel(f"用户：{self.ledger.user or '（恢复码）'}")
        self.status_path = QLabel(f"台账：{self.ledger.path}")
        self.status_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_unsynced = QLabel("")
        for w in (self.status_office, self.status_user, self.status_path):
            bar.addWidget(w)
        bar.addPermanentWidget(self.status_unsynced)
        self.refresh_unsynced()

    def refresh_unsynced(self) -> None:
        count = site.unsynced_change_count(self.ledger)
        self.status_unsynced.setText(f"未同步的修改：{count:,}条")

    def _build_actions(self) -> None:
        for i, name in enumerate(PAGES):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, row=i: self.nav.setCurrentRow(row))
            self.addAction(action)
        visit = QAction("记录走访", self)
        visit.setShortcut(QKeySequence("Ctrl+N"))
        visit.triggered.connect(lambda: self.new_visit(None))
        self.addAction(visit)
        self.new_enterprise_action = QAction("新增企业", self)
        self.new_enterprise_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_enterprise_action.triggered.connect(lambda: self.new_enterprise())
        self.addAction(self.new_enterprise_action)
        find = QAction("搜索企业", self)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.triggered.connect(self._focus_search)
        self.addAction(find)

    def _focus_search(self) -> None:
        self.show_page("企业台账")
        self.ledger_page.search.setFocus()
        self.ledger_page.search.selectAll()

    def _restore(self) -> None:
        geometry = self.settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value(LEDGER_COLUMNS_KEY)
        if state is not None:
            self.ledger_page.table.horizontalHeader().restoreState(state)

    # -- loading -------------------------------------------------------------------------
    def load_index(self) -> None:
        self.index_ready = self.figures_ready = False
        self.runner.start(self.ledger, load_rows, name="rows", on_done=self._rows_loaded,
                          on_error=self._load_failed)

    def _show_first_screen(self) -> None:
        """The first rows by township and name (an index walk, a few ms) so the ledger
        page paints at once; the full index replaces them when the worker is done."""
        if self.index_ready:
            return
        townships = {t["code"]: t["name"] for t in reference.list_townships(self.ledger)}
        departments = {d["id"]: d["name"] for d in reference.list_departments(self.ledger)}
        preview = EnterpriseIndex(rows=enterprises.ledger_rows(self.ledger, limit=FIRST_SCREEN),
                                  townships=townships, departments=departments)
        self.ledger_page.set_index(preview, preview=True)

    def _rows_loaded(self, index: EnterpriseIndex) -> None:
        self.index = index
        self.index_ready = True
        self.ledger_page.set_index(index)
        self.home.refresh()
        self.runner.start(self.ledger, load_figures(self.today), name="figures",
                          on_done=self._figures_loaded, on_error=self._load_failed)

    def _figures_loaded(self, result) -> None:
        self.index.prior_revenue, self.index.evaluations = result
        self.figures_ready = True
        self.ledger_page.figures_loaded()
        self.home.refresh()

    def _load_failed(self, message: str) -> None:
        QMessageBox.warning(self, APP_TITLE, f"读取台账失败：{message}")

    # -- actions -------------------------------------------------------------------------
    def navigate(self, page: str, filters: dict) -> None:
        self.show_page(page)
        if page == "企业台账":
            self.ledger_page.set_filters(**filters)
        elif page == "问题台账":
            self.issues_page.set_filters(**filters)

    def open_enterprise(self, enterprise_id: str):
        from .enterprise.window import EnterpriseWindow

        for w in self.open_windows:
            if isinstance(w, EnterpriseWindow) and w.enterprise_id == enterprise_id:
                w.raise_()
                w.activateWindow()
                return w
        window = EnterpriseWindow(self, enterprise_id)
        self._keep(window)
        window.show()
        return window

    def new_enterprise(self):
        """新增企业: the dialog; once saved, the enterprise is in the ledger page and opens."""
        from .enterprise.new import NewEnterpriseDialog

        dialog = NewEnterpriseDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._enterprise_added(dialog.saved_id, dialog.warnings))
        self._keep(dialog)
        dialog.open()
        return dialog

    def _enterprise_added(self, enterprise_id: str | None, warnings: list[str]) -> None:
        if enterprise_id is None:
            return
        self.bus.tell({"enterprises", "pool_events"}, {enterprise_id})
        name = enterprises.get_enterprise(self.ledger, enterprise_id)["name"]
        self.statusBar().showMessage(f"已新增企业：{name}" + ("；提示：" + "；".join(warnings) if warnings else ""),
                                     10000)
        self.open_enterprise(enterprise_id)

    def new_visit(self, enterprise_id: str | None = None, draft: dict | None = None):
        from .visits.form import VisitForm

        form = VisitForm(self, enterprise_id=enterprise_id, draft=draft)
        self._keep(form)
        form.show()
        return form

    def _keep(self, window) -> None:
        self.open_windows.append(window)
        window.destroyed.connect(lambda *_a, w=window: self.open_windows.remove(w)
                                 if w in self.open_windows else None)

    def export_enterprises(self, ids: list[str], path: str):
        def work(ledger, progress, cancelled):
            return excel.export_enterprises(
                ledger, Path(path), enterprise_ids=ids, cancel=cancelled,
                progress=core_progress(progress))

        def done(_result):
            self.statusBar().showMessage(f"已导出{len(ids):,}户企业到 {path}", 8000)

        return run_with_progress(self, self.runner, self.ledger, work, "正在导出到Excel…", done,
                                 lambda m: QMessageBox.warning(self, "导出失败", m))

    def _changed(self, tables: set, enterprise_ids: set) -> None:
        """One place that redraws what an action touched (see common.ChangeBus)."""
        if tables & {"enterprises", "pool_events", "monthly_figures", "projects", "scale_history", "reward_claims"}:
            for eid in enterprise_ids:
                row = enterprises.get_enterprise(self.ledger, eid)
                if row is not None:
                    self.index.replace_row(tuple(row[c] for c in LEDGER_COLUMNS))
            if enterprise_ids and self.figures_ready:
                self.index.evaluations.update(policy.evaluate(
                    self.ledger, enterprise_ids=sorted(enterprise_ids), today=self.today))
            self.ledger_page.apply_filters(fresh=True)
        if tables & {"visits", "issues"}:
            self.visits_page.refresh()
            self.issues_page.refresh()
        self.home.refresh()
        self.refresh_unsynced()

    def sync_changed(self) -> None:
        """An import or a merge may have touched any record (and deleted enterprises):
        reload the index rather than patching it, and redraw the other pages."""
        self.load_index()
        self.bus.tell({"visits", "issues"})

    # -- closing -------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        for window in list(self.open_windows):
            window.close()  # a visit form keeps its draft in the ledger
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue(LEDGER_COLUMNS_KEY, self.ledger_page.table.horizontalHeader().saveState())
        self.settings.sync()
        self.runner.shutdown()
        for page in (self.home, self.visits_page, self.issues_page, self.sync_page, self.settings_page):
            page.runner.shutdown()
        self.print_page.shutdown()  # also removes the generated files
        self.import_page.shutdown()
        session.close(self.ledger)
        super().closeEvent(event)
