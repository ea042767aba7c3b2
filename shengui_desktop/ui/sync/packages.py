"""U盘中的同步包: the packages of a folder (a USB stick) as a person picks them. A package's
file name has area codes and its number only (docs/sync-format.md, "File"); this list reads
each file's signed manifest on the worker and shows who sent it to whom by name (秀水镇 →
盂县), its number and time, and whether it is imported (services/sync.py describe_files).
导入所选 hands the chosen files to the page's import (ui/sync/transfer.py import_files)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout,
                               QLabel, QPushButton, QVBoxLayout, QWidget)

from ...services import sync
from ..common import Column, DictTableModel, make_table
from ..jobs import JobRunner

EMPTY = ("这个文件夹中没有同步包（.sgpkg 文件）。点“选择文件夹…”选择U盘或保存同步包的文件夹；"
         "对方导出的同步包名如 140322100-to-140322-000007.sgpkg。")


class PackagesDialog(QDialog):
    """The packages of `folder`; `on_import(paths)` is called with the chosen files."""

    def __init__(self, ledger, folder: Path, on_import, parent: QWidget | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.folder = Path(folder)
        self.on_import = on_import
        self.runner = JobRunner(self)
        self.setWindowTitle("U盘中的同步包")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.where = QLabel("")
        self.where.setWordWrap(True)
        choose = QPushButton("选择文件夹…")
        choose.clicked.connect(self.choose_folder)
        top.addWidget(self.where, 1)
        top.addWidget(choose)
        layout.addLayout(top)
        self.model = DictTableModel([
            Column("file", "文件名", width=255),
            Column("sender", "发件单位", width=150),
            Column("recipient", "收件单位", width=100),
            Column("package_no", "包号", lambda v: f"第{v}号" if v else "—", width=60),
            Column("created", "生成时间", lambda v: v or "—", width=125),
            Column("state", "状态"),
        ], self)
        self.table = make_table(self.model, empty="正在读取…")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumSize(640, 220)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _i: self.import_selected())
        layout.addWidget(self.table, 1)
        self.detail = QLabel("")  # the chosen file's state in full (a damaged file: why)
        self.detail.setWordWrap(True)
        layout.addWidget(self.detail)
        note = QLabel("单位名称读自同步包内的签名清单（文件名只含行政区划代码和包号）。"
                      "可按住Ctrl或Shift多选；未导入且发给本单位的包已预先选中。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        buttons = QDialogButtonBox()
        self.import_button = buttons.addButton("导入所选", QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.import_selected)
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, 420)
        self.refresh()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择U盘或保存同步包的文件夹", str(self.folder))
        if folder:
            self.folder = Path(folder)
            self.refresh()

    def refresh(self) -> None:
        self.where.setText(f"文件夹：{self.folder}")
        self.model.set_rows([])
        self.table.empty_hint.set_text("正在读取…")
        self.import_button.setEnabled(False)
        folder = self.folder

        def work(ledger, _progress, _cancelled):
            return sync.describe_files(ledger, sync.packages_in(folder))

        self.runner.start(self.ledger, work, name="packages", latest=True, on_done=self._listed, on_error=self._failed)

    def _listed(self, rows: list[dict]) -> None:
        for r in rows:
            r["state"] = sync.file_state(r)
            if r["problem"]:
                r["sender"] = r["sender"] or "—"
        self.model.set_rows(rows)
        self.table.empty_hint.set_text(EMPTY)
        selection = self.table.selectionModel()
        self.table.clearSelection()
        for i, r in enumerate(rows):
            if r["for_this_office"] and not r["imported"] and not r["problem"]:
                index = self.model.index(i, 0)
                selection.select(index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
        self._selected()

    def _failed(self, message: str) -> None:
        self.model.set_rows([])
        self.table.empty_hint.set_text(message)

    def chosen(self) -> list[Path]:
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [Path(self.model.rows_data[r]["path"]) for r in rows]

    def _selected(self, *_args) -> None:
        rows = self.table.selectionModel().selectedRows()
        if len(rows) == 1:
            r = self.model.rows_data[rows[0].row()]
            self.detail.setText(f"{r['file']}：{r['state']}")
            self.detail.setStyleSheet("color: #b00020;" if r["problem"] else "")
        else:
            self.detail.setText("")
        n = len(self.chosen())
        self.import_button.setEnabled(n > 0)
        self.import_button.setText(f"导入所选（{n}个）" if n else "导入所选")

    def import_selected(self) -> None:
        paths = self.chosen()
        if not paths:
            return
        self.accept()
        self.on_import(paths)
