"""数据同步: the tabs 同步 (certificate, state, export, import), 冲突 and, at the county,
疑似重复. What an import or a resolution changed is told to the main window, which
redraws the other pages."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ..jobs import JobRunner
from .conflicts import ConflictsView
from .duplicates import DuplicatesView
from .transfer import TransferTab


class SyncPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window
        self.runner = JobRunner(self)
        self.tabs = QTabWidget()
        self.transfer = TransferTab(self)
        self.conflicts = ConflictsView(self)
        self.duplicates = DuplicatesView(self) if window.site["role"] == "county" else None
        self.tabs.addTab(self.transfer, "同步")
        self.tabs.addTab(self.conflicts, "冲突")
        if self.duplicates is not None:
            self.tabs.addTab(self.duplicates, "疑似重复")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def showEvent(self, event) -> None:
        # cheap (a few small queries), and edits elsewhere change the unsynced count
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        conflicts = self.conflicts.refresh()
        duplicates = self.duplicates.refresh() if self.duplicates is not None else None
        self.tabs.setTabText(1, f"冲突（{conflicts}）" if conflicts else "冲突")
        if duplicates is not None:
            self.tabs.setTabText(2, f"疑似重复（{duplicates}）" if duplicates else "疑似重复")
        self.transfer.refresh(conflicts, duplicates)

    def show_tab(self, name: str) -> None:
        widget = {"同步": self.transfer, "冲突": self.conflicts, "疑似重复": self.duplicates}[name]
        self.tabs.setCurrentWidget(widget)

    # -- what changed --------------------------------------------------------------------
    def after_import(self) -> None:
        self.refresh()
        self.main.sync_changed()

    def conflict_resolved(self, table: str, row_id: str) -> None:
        self.refresh()
        self.main.bus.tell({table}, {row_id} if table == "enterprises" else set())

    def records_merged(self, message: str) -> None:
        self.refresh()
        self.transfer.show_result(message)
        self.main.sync_changed()
