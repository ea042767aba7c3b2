"""疑似重复 (county): one credit code registered as two enterprises at two offices. A person
picks the record to keep; the others' visits, issues and figures move to it and they are
deleted (the merge syncs to the townships), or marks the task as not a duplicate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QMessageBox, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from ...services import sync
from ..common import Column, DictTableModel, guarded, make_table


class DuplicatesView(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.main = page.main
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.count = QLabel("")
        self.recheck = QPushButton("重新检查")
        self.recheck.setToolTip("在全部企业中查找统一社会信用代码相同的记录")
        self.recheck.clicked.connect(self.find)
        top.addWidget(self.count, 1)
        top.addWidget(self.recheck)
        layout.addLayout(top)

        self.tasks = DictTableModel([
            Column("credit_code", "统一社会信用代码", width=170),
            Column("size", "企业数", width=60),
            Column("names", "企业名称", width=420),
            Column("found_at", "发现时间", lambda v: (v or "").replace("T", " ")[:16], width=130),
        ], self)
        self.task_table = make_table(self.tasks, empty="暂无疑似重复企业")
        self.task_table.selectionModel().currentRowChanged.connect(self._task_selected)
        self.enterprises = DictTableModel([
            Column("name", "企业名称", width=240),
            Column("township_name", "乡镇（街道）", width=110),
            Column("visits", "走访记录", lambda v: f"{v}条", width=70),
            Column("months", "月度数据", lambda v: f"{v}个月", width=70),
            Column("id", "记录编号", lambda v: (v or "")[:8], width=90),
        ], self)
        self.enterprise_table = make_table(self.enterprises, empty="（在上表中选择一组）")
        self.enterprise_table.selectionModel().currentRowChanged.connect(self._update_buttons)

        lower = QWidget()
        col = QVBoxLayout(lower)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(QLabel("选择要保留的企业记录（其余记录的走访、问题和月度数据并入它）："))
        col.addWidget(self.enterprise_table, 1)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton("合并到所选企业…")
        self.dismiss_button = QPushButton("不是重复")
        self.merge_button.clicked.connect(self.merge)
        self.dismiss_button.clicked.connect(self.dismiss)
        for w in (self.merge_button, self.dismiss_button):
            w.setEnabled(False)
            buttons.addWidget(w)
        buttons.addStretch(1)
        col.addLayout(buttons)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.task_table)
        splitter.addWidget(lower)
        layout.addWidget(splitter, 1)

    def refresh(self) -> int:
        tasks = sync.list_duplicates(self.main.ledger)
        for t in tasks:
            t["size"] = len(t["enterprises"])
            t["names"] = "；".join(f"{e['name']}（{e['township_name'] or e['township_code']}）"
                                  for e in t["enterprises"])
        self.tasks.set_rows(tasks)
        self.count.setText(f"疑似重复企业：{len(tasks)}组。同一统一社会信用代码在不同单位各登记了一次。"
                           if tasks else "没有待处理的疑似重复企业。")
        self._task_selected(self.task_table.selectionModel().currentIndex(), None)
        return len(tasks)

    def find(self) -> None:
        found = guarded(self, lambda: sync.find_duplicates(self.main.ledger), "无法检查")
        if found is not None:
            self.page.refresh()

    def selected_task(self) -> dict | None:
        index = self.task_table.selectionModel().currentIndex()
        return self.tasks.row(index.row()) if index.isValid() else None

    def selected_enterprise(self) -> dict | None:
        index = self.enterprise_table.selectionModel().currentIndex()
        return self.enterprises.row(index.row()) if index.isValid() else None

    def _task_selected(self, current, _previous) -> None:
        task = self.tasks.row(current.row()) if current.isValid() else None
        self.enterprises.set_rows(list(task["enterprises"]) if task else [])
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        self.dismiss_button.setEnabled(self.selected_task() is not None)
        self.merge_button.setEnabled(self.selected_enterprise() is not None)

    def merge(self) -> None:
        task, keep = self.selected_task(), self.selected_enterprise()
        if task is None or keep is None:
            return
        others = [e for e in task["enterprises"] if e["id"] != keep["id"]]
        text = (f"保留“{keep['name']}”（{keep['township_name'] or keep['township_code']}，"
                f"编号{keep['id'][:8]}），将以下记录并入后删除：\n"
                + "\n".join(f"  · {e['name']}（{e['township_name'] or e['township_code']}，编号{e['id'][:8]}，"
                            f"走访{e['visits']}条，月度数据{e['months']}个月）" for e in others)
                + "\n\n合并会随同步包发往相关乡镇。确定合并吗？")
        answer = QMessageBox.question(self, "合并疑似重复企业", text,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        moved = guarded(self, lambda: sync.merge_duplicates(self.main.ledger, task["id"], keep["id"]),
                        "无法合并")
        if moved is None:
            return
        self.page.records_merged(f"已合并到“{keep['name']}”" + (
            "（并入：" + "，".join(f"{sync.table_label(t)}{n}条" for t, n in moved.items()) + "）" if moved else "")
            + "。")

    def dismiss(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        if guarded(self, lambda: sync.dismiss_duplicates(self.main.ledger, task["id"]) or True, "无法保存"):
            self.page.refresh()
