"""走访记录: the latest visits, a button for a new one, unfinished drafts, 导出Excel (every
visit, newest first, through services.excel.activity_export on the worker)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QVBoxLayout, QWidget

from ...domain.records import VISIT_KINDS
from ...services.excel import activity_export
from ...services.ledger import visits
from ..common import LoadsWhenShown, Column, DictTableModel, make_table
from ..excel_import import dialogs
from ..jobs import ExportsOnWorker, JobRunner, core_progress
from .form import DRAFT_KIND

EMPTY = "暂无走访记录，按 Ctrl+N 记录"


class VisitsPage(LoadsWhenShown, ExportsOnWorker, QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.loaded = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.new_button = QPushButton("记录走访 (Ctrl+N)")
        self.new_button.clicked.connect(lambda: window.new_visit(None))
        self.drafts_button = QPushButton("未完成的草稿")
        self.drafts_menu = QMenu(self)
        self.drafts_button.setMenu(self.drafts_menu)
        self.count = QLabel("")
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("把全部走访记录（按走访日期从新到旧）导出为Excel表格")
        self.export_button.clicked.connect(self.export_xlsx)
        bar.addWidget(self.new_button)
        bar.addWidget(self.drafts_button)
        bar.addStretch(1)
        bar.addWidget(self.count)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.model = DictTableModel([
            Column("visit_date", "走访日期", width=90),
            Column("enterprise_name", "企业", width=240),
            Column("kind", "方式", lambda v: VISIT_KINDS.get(v, v or ""), width=70),
            Column("visitors", "走访人员", width=120),
            Column("summary", "走访情况", width=380),
            Column("demands", "企业诉求", width=260),
            Column("issue_count", "问题数", lambda v: str(v or 0), align_right=True, width=56),
        ], self)
        self.table = make_table(self.model, empty="正在读取走访记录…")
        self.table.doubleClicked.connect(
            lambda ix: window.open_enterprise(self.model.row(ix.row())["enterprise_id"]))
        layout.addWidget(self.table, 1)
        self.refresh_drafts()

    def refresh(self) -> None:
        self.refresh_drafts()
        if not self.due():
            return
        self.loaded = False
        self.runner.start(self.window_.ledger,
                          lambda ledger, _p, _c: visits.list_visits(ledger, limit=2000),
                          name="visits", latest=True, on_done=self._loaded)

    def _loaded(self, rows: list[dict]) -> None:
        self.table.empty_hint.set_text(EMPTY)
        self.model.set_rows(rows)
        self.count.setText(f"最近{len(rows):,}次走访（双击打开企业）" if rows else "")
        self.loaded = True

    def refresh_drafts(self) -> None:
        drafts = visits.list_drafts(self.window_.ledger, DRAFT_KIND)
        self.drafts_menu.clear()
        for draft in drafts:
            content = draft["content"]
            label = f"{draft['updated_at'][:16].replace('T', ' ')}　{content.get('enterprise_text') or '（未选企业）'}"
            self.drafts_menu.addAction(label, lambda d=draft: self.window_.new_visit(draft=d))
        self.drafts_button.setText(f"未完成的草稿（{len(drafts)}）")
        self.drafts_button.setEnabled(bool(drafts))

    def export_xlsx(self) -> None:
        """导出Excel: every visit, in the page's order, on the worker with progress and 取消."""
        if self.export_job is not None:
            return
        out = dialogs.ask_save_xlsx(self, "导出走访记录", f"走访记录_{self.window_.today.isoformat()}.xlsx")
        if not out:
            return
        today = self.window_.today

        def work(ledger, progress, cancelled):
            return activity_export.export_visits(ledger, out, progress=core_progress(progress),
                                                 cancel=cancelled, today=today)

        self.start_export(work, "正在导出走访记录…", lambda info: f"已导出走访记录{info['rows']:,}条：{info['path']}")
