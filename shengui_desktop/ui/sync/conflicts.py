"""冲突: two offices changed the same field without seeing each other's edit. The merge has
applied one value (the same everywhere); a person confirms it or switches to the other.
A resolution is an ordinary change and travels with the next package."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QPushButton, QSplitter,
                               QVBoxLayout, QWidget)

from ...services import sync
from ..common import WARN_BRUSH, Column, DictTableModel, guarded, make_table

APPLIED = sync.APPLIED


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
        self.show_settled = QCheckBox("显示已处理的冲突")
        self.show_settled.toggled.connect(lambda _on: self.refresh())
        top = QHBoxLayout()
        top.addWidget(self.count, 1)
        top.addWidget(self.show_settled)
        layout.addLayout(top)
        self.model = DictTableModel([
            Column("table_label", "类别", width=60),
            Column("record", "记录", width=170),
            Column("field_label", "字段", width=80),
            Column("local_text", "本地的值", width=140),
            Column("local_by", "本地修改（单位、人员、时间）", width=235),
            Column("incoming_text", "对方的值", width=140),
            Column("incoming_by", "对方修改（单位、人员、时间）", width=235),
            Column("applied", "现采用", lambda v: APPLIED.get(v, ""), width=70),
            Column("outcome", "处理情况", width=130),
        ], self, row_brush=lambda r: WARN_BRUSH if r["kind"] == "delete" and r["status"] == "open"
           else None)
        self.table = make_table(self.model, empty="暂无冲突")
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
        """Redraw; the number of open conflicts (for the tab's title)."""
        rows = [_flatten(c) for c in sync.review_conflicts(
            self.main.ledger, settled=self.show_settled.isChecked())]
        self.model.set_rows(rows)
        self.table.setColumnHidden(len(self.model.columns) - 1, not self.show_settled.isChecked())
        waiting = sum(r["status"] == "open" for r in rows)
        self.count.setText(f"待确认的冲突：{waiting}处。合并时已按“后改者优先”采用其中一个值，"
                           "请确认，或改用另一个值。" if waiting else "没有待确认的冲突。")
        self._selected(self.table.selectionModel().currentIndex(), None)
        return waiting

    def selected(self) -> dict | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def _selected(self, current, _previous) -> None:
        row = self.model.row(current.row()) if current.isValid() else None
        for w in (self.keep_local, self.take_incoming):
            w.setEnabled(row is not None and row["status"] == "open")
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
            f"对方：{row['incoming_text']}（{row['incoming_by']}）\n"
            + (f"现采用{APPLIED[row['applied']]}。" if row["status"] == "open" else
               row["outcome"] + (f"（{row['decided']}）" if row["decided"] else "") + "。"))

    def resolve(self, keep: str) -> None:
        row = self.selected()
        if row is None:
            return
        done = guarded(self, lambda: sync.resolve_conflict(self.main.ledger, row["id"], keep), "无法处理冲突")
        if done is None:
            return
        self.page.conflict_resolved(row["table"], row["row_id"])
