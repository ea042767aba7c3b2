"""The main window: navigation, the menu bar, the pages, the status bar, background loading.

The pages are one list, ui/pages.py PAGE_LIST: it builds the navigation, the stack and the
页面 menu. Auto-lock (the idle timer, locking and unlocking again) is ui/locking.py's
Locking, which the window inherits.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QMainWindow,
                               QMessageBox, QStackedWidget, QWidget)

from ..services.ledger import enterprises, reference
from ..services import excel
from ..services.policy import evaluation_store
from ..services.office import backups, permissions, session, site
from ..services.ledger.enterprises import LEDGER_COLUMNS
from .locking import Locking, autolock_minutes
from .close_backup import CloseBackup
from .common import APP_TITLE, ChangeBus
from .jobs import JobRunner, core_progress, run_with_progress
from .ledger.index import EnterpriseIndex
from .ledger.loader import load_figures, load_rows
from .ledger.model import KEYS
from .pages import PAGE_LIST, PAGES  # noqa: F401 (PAGES: the page names, for tests and screenshots)
from .permits import guard

if TYPE_CHECKING:
    from ..storage.ledger import Ledger


# Column widths are remembered per set of columns: a state saved by a version with other
# columns would put widths on the wrong ones.
LEDGER_COLUMNS_KEY = "main/ledger_columns_" + hashlib.blake2b("|".join(KEYS).encode(), digest_size=4).hexdigest()
FIRST_SCREEN = 100  # rows painted before the full index has loaded
SCREEN_SHARE = 0.9  # a first window takes this share of the screen's free area
MINIMUM_SIZE = QSize(900, 600)  # the window's least size; wider when a page needs it (content_minimum)


def fitted_size(available: QSize, minimum: QSize = MINIMUM_SIZE) -> QSize:
    """The first size of the window on a screen whose free area is `available`: SCREEN_SHARE
    of it, at least `minimum`, never more than the screen."""
    wanted = QSize(int(available.width() * SCREEN_SHARE), int(available.height() * SCREEN_SHARE))
    return wanted.expandedTo(minimum).boundedTo(available)


def fits(frame: QRect, available: QRect, slack: int = 8) -> bool:
    """Whether a window whose frame is `frame` lies on the screen's free area (its border
    may hang over by `slack` pixels, as a window as wide as the screen's does)."""
    return available.adjusted(-slack, -slack, slack, slack).contains(frame)


class MainWindow(Locking, QMainWindow):
    def __init__(self, ledger: Ledger, settings: QSettings | None = None, today: date | None = None):
        super().__init__()
        self.ledger = ledger
        self.today = today or date.today()
        self.settings = settings or QSettings()
        self.autolock = autolock_minutes(self.settings)
        self.runner = JobRunner(self)
        self.bus = ChangeBus(self)
        self.index = EnterpriseIndex()
        self.index_ready = False
        self.figures_ready = False
        self.runner.start(ledger, load_rows, name="rows", latest=True, on_done=self._rows_loaded,
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
        self.page_actions: list[QAction] = []
        self._build_menus()
        self._build_pages()
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._show_first_screen()
        self.bus.changed.connect(self._changed)
        self._build_status_bar()
        self._fill_menus()
        self._restore()
        self.nav.setCurrentRow(0)
        self.unlock_dialog = None
        self.watch_activity()
        self.apply_roles()
        QTimer.singleShot(0, self._tell_failed_unlocks)

    def _build_pages(self) -> None:
        """Every page of PAGE_LIST for the open ledger (again after an auto-lock)."""
        for page in PAGE_LIST:
            widget = page.make(self)
            setattr(self, page.attr, widget)
            self.add_page(page.name, widget)
        self.ledger_page.open_enterprise.connect(self.open_enterprise)
        self.ledger_page.new_visit.connect(lambda eid: self.new_visit(eid or None))
        self.ledger_page.new_enterprise.connect(self.new_enterprise)
        self.home.navigate.connect(self.navigate)

    # -- layout --------------------------------------------------------------------------
    def add_page(self, name: str, widget) -> int:
        """A page in the navigation, the stack and the 页面 menu (Ctrl+1 … Ctrl+9, Ctrl+0 for the first ten)."""
        self.nav.addItem(name)
        row = self.stack.addWidget(widget)
        action = QAction(name, self)
        if row < 10:  # Ctrl+1 … Ctrl+9, then Ctrl+0 as on the keyboard's row of digits
            action.setShortcut(QKeySequence(f"Ctrl+{(row + 1) % 10}"))
        action.triggered.connect(lambda _c=False, r=row: self.nav.setCurrentRow(r))
        self.page_menu.addAction(action)
        self.page_actions.append(action)
        return row

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

    def _action(self, menu, text: str, slot, shortcut=None, tip: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _c=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        """文件 / 页面 / 操作 / 帮助. 页面 is filled by add_page, the others by _fill_menus."""
        bar = self.menuBar()
        self.file_menu = bar.addMenu("文件(&F)")
        self.page_menu = bar.addMenu("页面(&P)")
        self.action_menu = bar.addMenu("操作(&A)")
        self.help_menu = bar.addMenu("帮助(&H)")

    def _fill_menus(self) -> None:
        self.menu_actions: dict[str, QAction] = {}
        add = self.menu_actions.__setitem__
        add("import", self._action(self.file_menu, "导入同步包…", lambda: self._sync_action("import"),
                                   "Ctrl+O", "从U盘等处选择同步包导入（数据同步页）"))
        add("export", self._action(self.file_menu, "导出同步包…", lambda: self._sync_action("export"),
                                   "Ctrl+E", "把本机的修改导出到文件夹（数据同步页）"))
        add("excel_import", self._action(self.file_menu, "从Excel导入…", self._excel_import,
                                         tip="选择企业名单、月度数据等Excel文件，检查后导入（Excel导入页）"))
        add("excel", self._action(self.file_menu, "导出当前列表到Excel…", self._export_view,
                                  tip="把企业台账页当前筛选出的企业导出到Excel"))
        self.file_menu.addSeparator()
        add("print", self._action(self.file_menu, "打印…", self._print, QKeySequence.StandardKey.Print,
                                  "打印“报表打印”页预览中的报表；尚未生成时转到该页"))
        self.file_menu.addSeparator()
        add("quit", self._action(self.file_menu, "退出", self.close, "Ctrl+Q"))
        add("visit", self._action(self.action_menu, "记录走访", lambda: self.new_visit(None), "Ctrl+N"))
        add("new_enterprise", self._action(self.action_menu, "新增企业…", lambda: self.new_enterprise(),
                                           "Ctrl+Shift+N", "录入一户新企业（与Excel导入相同的检查）"))
        self.new_enterprise_action = self.menu_actions["new_enterprise"]
        add("find", self._action(self.action_menu, "搜索企业", self._focus_search, "Ctrl+F"))
        add("about", self._action(self.help_menu, "关于", self.show_about))

    # the menu actions a role may not use: disabled, the tooltip and status tip say why
    ACTION_NEEDS = {"visit": "visits", "new_enterprise": "enterprises", "import": "sync", "export": "sync",
                    "excel_import": "import"}

    # and the pages' buttons: (page attribute, path to the button, action)
    BUTTON_NEEDS = (
        ("ledger_page", "visit_button", "visits"), ("ledger_page", "new_button", "enterprises"),
        ("visits_page", "new_button", "visits"), ("issues_page", "save_button", "issues"),
        ("sync_page", "transfer.export_button", "sync"), ("sync_page", "transfer.import_button", "sync"),
        ("sync_page", "transfer.stick_button", "sync"),
        ("sync_page", "transfer.rotate_button", "keys"), ("sync_page", "transfer.rekey_button", "enrolment"),
        ("import_page", "import_button", "import"), ("targets_page", "edit", "targets"),
        ("policy_page", "choose", "profile"),
    )  # 设置's tabs follow the role themselves (only an administrator sees 用户管理 or restores)

    def apply_roles(self) -> None:
        """Disable what the signed-in person's role cannot do (the services refuse it anyway);
        the tooltip says why."""
        for key, action_name in self.ACTION_NEEDS.items():
            action = self.menu_actions.get(key)
            if action is None:
                continue
            why = permissions.reason(self.ledger, action_name)
            action.setEnabled(why is None)
            if why is not None:
                action.setToolTip(why)
                action.setStatusTip(why)
        for page, path, action_name in self.BUTTON_NEEDS:
            widget = getattr(self, page, None)
            for part in path.split("."):
                widget = getattr(widget, part, None)
            if isinstance(widget, QWidget):
                guard(widget, permissions.reason(self.ledger, action_name))

    def _sync_action(self, which: str) -> None:
        self.show_page("数据同步")
        transfer = self.sync_page.transfer
        (transfer.import_clicked if which == "import" else transfer.export_clicked)()

    def _print(self) -> None:
        """Print the report previewed on 报表打印 (the system's print dialog); from another page,
        or before a report is generated, go to 报表打印 to choose one."""
        viewer = self.print_page.viewer
        if self.stack.currentWidget() is self.print_page and viewer.print_button.isEnabled():
            viewer.print_clicked()
        else:
            self.show_page("报表打印")

    def _excel_import(self) -> None:
        self.show_page("Excel导入")
        self.import_page.choose_file()

    def _export_view(self) -> None:
        self.show_page("企业台账")
        self.ledger_page.export_view()

    def show_about(self):
        from .about import AboutDialog

        self.about_box = AboutDialog(self)
        self.about_box.open()
        return self.about_box

    def _focus_search(self) -> None:
        self.show_page("企业台账")
        self.ledger_page.search.setFocus()
        self.ledger_page.search.selectAll()

    def available_geometry(self) -> QRect:
        """The free area (without task bars) of the screen the window opens on."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def content_minimum(self) -> QSize:
        """The smallest window every page fits in: the widest page beside the navigation, the
        menu and status bars (not their texts: a long ledger path may be cut short), and at
        least MINIMUM_SIZE."""
        central = self.centralWidget().minimumSizeHint()
        bars = self.menuBar().sizeHint().height() + self.statusBar().sizeHint().height()
        return MINIMUM_SIZE.expandedTo(QSize(central.width(), central.height() + bars))

    def _restore(self) -> None:
        """The saved geometry when it lies wholly on this screen (a window saved on a bigger
        monitor does not run off a 1024×768 laptop); else SCREEN_SHARE of the screen, centred."""
        available = self.available_geometry()
        self.setMinimumSize(self.content_minimum().boundedTo(available.size()))
        geometry = self.settings.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry) or not fits(self.frameGeometry(), available):
            self.setWindowState(Qt.WindowState.WindowNoState)
            size = fitted_size(available.size(), self.minimumSize())
            self.resize(size)
            self.move(available.center() - QRect(0, 0, size.width(), size.height()).center())
        self._restore_columns()

    # -- loading -------------------------------------------------------------------------
    def load_index(self) -> None:
        self.index_ready = self.figures_ready = False
        self.runner.start(self.ledger, load_rows, name="rows", latest=True, on_done=self._rows_loaded,
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
        self.runner.start(self.ledger, load_figures(self.today), name="figures", latest=True,
                          on_done=self._figures_loaded, on_error=self._load_failed)

    def _figures_loaded(self, result) -> None:
        self.index.prior_revenue, self.index.evaluations = result
        self.figures_ready = True
        self.ledger_page.figures_loaded()
        # the evaluations change the dashboard's funnel and 需要处理 only: its ledger
        # statistics (issues, targets, the calendar) came with the rows, no second job
        self.home.evaluations_loaded()

    def start_daily_backup(self) -> None:
        """The first unlock of a day: the automatic backup (backups.daily_backup), on the
        worker; what went wrong, if anything, is said in a box when it ends."""
        def backup(own, _progress, _cancelled):
            return backups.daily_backup(own)

        def done(problem: str | None) -> None:
            if problem:
                QMessageBox.warning(self, "自动备份", problem)

        self.runner.start(self.ledger, backup, name="daily_backup", on_done=done,
                          on_error=lambda message: QMessageBox.warning(self, "自动备份", message))

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
                self.index.evaluations.update(evaluation_store.evaluations_of(
                    self.ledger, sorted(enterprise_ids), self.today))
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

    def _restore_columns(self) -> None:
        state = self.settings.value(LEDGER_COLUMNS_KEY)
        if state is not None:
            self.ledger_page.table.horizontalHeader().restoreState(state)

    # -- closing -------------------------------------------------------------------------
    def _save_layout(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        if self.ledger_page is not None:
            self.settings.setValue(LEDGER_COLUMNS_KEY, self.ledger_page.table.horizontalHeader().saveState())
        self.settings.sync()

    def _shut_down_jobs(self) -> None:
        self.runner.shutdown()
        if self.home is None:
            return
        for spec in PAGE_LIST:  # every page's own jobs, whichever pages there are
            page = getattr(self, spec.attr, None)
            if hasattr(page, "shutdown"):
                page.shutdown()  # the print page also removes the files it generated
            elif isinstance(getattr(page, "runner", None), JobRunner):
                page.runner.shutdown()

    def closeEvent(self, event) -> None:
        # the automatic backup (encrypted, rotated: 7 days, 4 weeks) runs on the worker with
        # a progress dialog first, the close waiting for it (ui/close_backup.py); a window
        # replaced after a restore hands over, with no backup
        backup = getattr(self, "close_backup", None)
        if backup is not None and not backup.ended:
            event.ignore()  # closing again while it runs: it is already on its way
            return
        if backup is None and not hasattr(self, "successor") and self.ledger is not None \
                and self.ledger.path is not None:
            for window in list(self.open_windows):
                window.close()  # a visit form keeps its draft in the ledger: before the copy
            self._save_layout()  # the window's place, as it is when the person closes it
            event.ignore()

            def stay() -> None:  # the backup failed and the person keeps the window open
                self.close_backup = None
            self.close_backup = CloseBackup(self, self.runner, self.ledger, self.close, stay)
            self.close_backup.start()
            return
        self.stop_watching()
        if backup is None:  # after a backup both were done before it
            for window in list(self.open_windows):
                window.close()  # a visit form keeps its draft in the ledger
            self._save_layout()
        self._shut_down_jobs()
        session.close(self.ledger)
        super().closeEvent(event)
