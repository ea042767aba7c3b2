"""冲突: two offices changed the same field without seeing each other's edit. The merge has
applied one value (the same everywhere); a person confirms it or switches to the other.
A resolution is an ordinary change and travels with the next package."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from ...services import sync
from ..common import WARN_BRUSH, Column, DictTableModel, guarded, make_table

APPLIED = {"local": "本地的值", "incoming": "对方的值"}


def _flatten(c: dict) -> dict:
    return {**c, "local_text": c["local"]["text"], "local_by": f"{c['local']['site']}　{c['local']['time']}",
            "incoming_text": c["incoming"]["text"],
            "incoming_by": f"{c['incoming']['site']}　{c['incoming']['time']}"}


class ConflictsView(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.main = page.main
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.count = QLabel("")
        layout.addWidget(self.count)
        self.model = DictTableModel([
            Column("table_label", "类别", width=70),
            Column("record", "记录", width=190),
            Column("field_label", "字段", width=90),
            Column("local_text", "本地的值", width=150),
            Column("local_by", "本地修改（单位、时间）", width=170),
            Column("incoming_text", "对方的值", width=150),
            Column("incoming_by", "对方修改（单位、时间）", width=170),
            Column("applied", "现采用", lambda v: APPLIED.get(v, ""), width=70),
        ], self, row_brush=lambda r: WARN_BRUSH if r["kind"] == "delete" else None)
        self.table = make_table(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._selected)

        detail = QWidget()
        col = QVBoxLayout(detail)
        col.setContentsMargins(0, 0, 0, 0)
        self.detail = QLabel("（在上表中选择一处冲突）")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        buttons = QHBoxLayout()
        self.keep_local = QPushButton("保留本地")
        self.take_incoming = QPushButton("采用对方")
        self.keep_local.clicked.connect(lambda: self.resolve("local"))
        self.take_incoming.clicked.connect(lambda: self.resolve("incoming"))
        hint = QLabel("处理结果会随下一个同步包发往对方，对方的同一冲突随之关闭。")
        hint.setStyleSheet("color: #555;")
        for w in (self.keep_local, self.take_incoming):
            w.setEnabled(False)
            buttons.addWidget(w)
        buttons.addWidget(hint)
        buttons.addStretch(1)
        col.addWidget(self.detail, 1)
        col.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setStretchFactor(0, 3)
        layout.addWidget(splitter, 1)

    def refresh(self) -> int:
        rows = [_flatten(c) for c in sync.review_conflicts(self.main.ledger)]
        self.model.set_rows(rows)
        self.count.setText(f"待确认的冲突：{len(rows)}处。合并时已按“后改者优先”采用其中一个值，"
                           "请确认，或改用另一个值。" if rows else "没有待确认的冲突。")
        self._selected(self.table.selectionModel().currentIndex(), None)
        return len(rows)

    def selected(self) -> dict | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _selected(self, current, _previous) -> None:
        row = self.model.row(current.row()) if current.isValid() else None
        for w in (self.keep_local, self.take_incoming):
            w.setEnabled(row is not None)
        if row is None:
            self.detail.setText("（在上表中选择一处冲突）")
            return
        what = f"{row['table_label']}“{row['record']}”"
        if row["kind"] == "delete":
            what += "：一方删除了这条记录，另一方修改了它"
        else:
            what += f"的“{row['field_label']}”"
        self.detail.setText(
            f"{what}\n本地：{row['local_text']}（{row['local_by']}）\n"
            f"对方：{row['incoming_text']}（{row['incoming_by']}）\n现采用{APPLIED[row['applied']]}。")

    def resolve(self, keep: str) -> None:
        row = self.selected()
        if row is None:
            return
        done = guarded(self, lambda: sync.resolve_conflict(self.main.ledger, row["id"], keep), "无法处理冲突")
        if done is None:
            return
        self.page.conflict_resolved(row["table"], row["row_id"])
