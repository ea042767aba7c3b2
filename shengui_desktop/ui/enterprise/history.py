"""修改记录: who changed this enterprise and its records, and when ("秀水镇 张三 2026-11-03"),
newest first, from the change log (services/office/audit.py record_history)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...services.office import audit
from ..common import Column, DictTableModel, make_table


class HistoryTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.enterprise_id = enterprise_id
        layout = QVBoxLayout(self)
        self.model = DictTableModel([
            Column("time", "时间", width=120),
            Column("who", "单位、人员", width=180),
            Column("what", "操作", width=90),
            Column("fields", "内容", width=520),
        ], self)
        self.table = make_table(self.model, empty="暂无修改记录")
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        note = QLabel("本企业及其走访、问题、月度数据等记录的每次新增、修改、删除（含其他单位经同步包传来的），"
                      "最新的在上；升级前的修改没有记录人员。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        self.load()

    def load(self) -> None:
        self.model.set_rows(audit.record_history(self.window_.ledger, self.enterprise_id))
