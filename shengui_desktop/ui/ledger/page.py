"""企业台账: the filterable, sortable list of every enterprise."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from ...domain.evaluation import FLAG_NAMES
from ...domain.industry import DIVISIONS
from ...domain.records import POOLS, STAT_STATUSES
from ...services.policy import evaluation_store
from .index import EnterpriseIndex, Filters, search_text
from ..common import EmptyHint
from ..jobs import release_freed_memory
from .model import COLUMNS, KEYS, LedgerModel

NO_ENTERPRISES = "暂无企业，可在“Excel导入”中导入名单"
NO_ENTERPRISES_TOWNSHIP = "暂无企业：在“数据同步”中导入县级发来的同步包，或在“Excel导入”中导入名单"


class LedgerPage(QWidget):
    open_enterprise = Signal(str)
    new_visit = Signal(str)
    new_enterprise = Signal()

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.model = LedgerModel(self)
        self.model.explain = self._explain
        self.sort_column: str | None = None
        self.sort_descending = False
        self.preview = False
        self._last = None  # (other filters, text, result) of the latest unsorted filtering
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：企业名称、信用代码、拼音首字母（如 xsjx）")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)  # the filters fit beside it on a 1024×768 screen
        bar.addWidget(self.search, 2)
        self.township = self._combo("全部乡镇", [])
        self.pool = self._combo("全部库别", list(POOLS.items()))
        self.stat = self._combo("全部统计状态", list(STAT_STATUSES.items()))
        self.industry = self._combo("全部行业", [(code, f"{code} {name}") for code, (_s, name)
                                                in sorted(DIVISIONS.items())])
        self.industry.setMaximumWidth(130)
        self.flag = self._combo("全部提示", list(FLAG_NAMES.items()))
        for w in (self.township, self.pool, self.stat, self.industry, self.flag):
            bar.addWidget(w)
        layout.addLayout(bar)

        line = QHBoxLayout()
        self.count = QLabel("正在读取台账…")
        line.addWidget(self.count, 1)
        self.differs = QCheckBox("建议库别≠现库别")
        self.reset_button = QPushButton("清除筛选")
        self.reset_button.clicked.connect(self.clear_filters)
        self.visit_button = QPushButton("记录走访(&V)")
        self.visit_button.clicked.connect(self._visit_selected)
        self.export_button = QPushButton("导出当前列表到Excel…")
        self.export_button.clicked.connect(self.export_view)
        for w in (self.differs, self.reset_button, self.visit_button, self.export_button):
            line.addWidget(w)
        self.new_button = QPushButton("新增企业…")
        self.new_button.setToolTip("登记一户新企业（Ctrl+Shift+N）")
        self.new_button.clicked.connect(self.new_enterprise.emit)
        line.insertWidget(1, self.new_button)
        layout.addLayout(line)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort_clicked)
        for i, (_k, _t, width) in enumerate(COLUMNS):
            self.table.setColumnWidth(i, width)
        self.table.doubleClicked.connect(lambda ix: self.open_enterprise.emit(self.model.enterprise_id(ix.row())))
        self.table.activated.connect(lambda ix: self.open_enterprise.emit(self.model.enterprise_id(ix.row())))
        layout.addWidget(self.table, 1)
        self.empty_hint = EmptyHint(self.table, "正在读取台账…")

        self.search.textChanged.connect(self.apply_filters)
        for combo in (self.township, self.pool, self.stat, self.industry, self.flag):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.differs.toggled.connect(self.apply_filters)
        self.search.returnPressed.connect(self.table.setFocus)

    @staticmethod
    def _combo(everything: str, items) -> QComboBox:
        combo = QComboBox()
        combo.addItem(everything, None)
        for value, label in items:
            combo.addItem(label, value)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.setMaximumWidth(160)
        return combo

    # -- data --------------------------------------------------------------------------
    def set_index(self, index: EnterpriseIndex, preview: bool = False) -> None:
        self.preview = preview
        current = self.township.currentData()
        self.township.blockSignals(True)
        self.township.clear()
        self.township.addItem("全部乡镇", None)
        for code, name in sorted(index.townships.items()):
            self.township.addItem(name, code)
        if current:
            self.township.setCurrentIndex(max(0, self.township.findData(current)))
        self.township.blockSignals(False)
        self.model.set_index(index, self._visible(index))
        self._show_count()

    def forget_results(self) -> None:
        """After an edit or new figures an earlier result may no longer hold."""
        self._last = None

    def figures_loaded(self) -> None:
        # both loading jobs have ended and closed their connections: what they freed goes back
        release_freed_memory()
        self.forget_results()
        if self.differs.isChecked() or self.flag.currentData() or self.sort_column:
            self.apply_filters()
        else:
            self.model.figures_changed()
        self._show_count()

    def filters(self) -> Filters:
        return Filters(text=self.search.text(), township=self.township.currentData(),
                       pool=self.pool.currentData(), suggested_differs=self.differs.isChecked(),
                       flag=self.flag.currentData(), industry=self.industry.currentData(),
                       stat_status=self.stat.currentData())

    def _visible(self, index: EnterpriseIndex) -> list[int]:
        filters = self.filters()
        text = search_text(filters.text)
        others = (filters.township, filters.pool, filters.suggested_differs, filters.flag,
                  filters.industry, filters.stat_status, id(index), len(index))
        within = None
        if self._last is not None and self._last[0] == others and self._last[1] in text:
            within = self._last[2]
        visible = index.filter(filters, within)
        self._last = (others, text, visible)
        visible = list(visible)
        if self.sort_column:
            visible.sort(key=index.sort_key(self.sort_column), reverse=self.sort_descending)
        return visible

    def apply_filters(self, *_args, fresh: bool = False) -> None:
        if fresh:
            self.forget_results()
        self.model.set_visible(self._visible(self.model.index_data))
        self._show_count()

    def set_filters(self, **values) -> None:
        """From the dashboard: show the list with these filters (others cleared)."""
        self.clear_filters(apply=False)
        combos = {"township": self.township, "pool": self.pool, "stat_status": self.stat,
                  "industry": self.industry, "flag": self.flag}
        for key, value in values.items():
            if key in combos:
                combos[key].setCurrentIndex(max(0, combos[key].findData(value)))
            elif key == "suggested_differs":
                self.differs.setChecked(bool(value))
            elif key == "text":
                self.search.setText(value)
        self.apply_filters()

    def clear_filters(self, *_args, apply: bool = True) -> None:
        widgets = (self.search, self.township, self.pool, self.stat, self.industry, self.flag, self.differs)
        for w in widgets:
            w.blockSignals(True)
        self.search.clear()
        for combo in (self.township, self.pool, self.stat, self.industry, self.flag):
            combo.setCurrentIndex(0)
        self.differs.setChecked(False)
        for w in widgets:
            w.blockSignals(False)
        if apply:
            self.apply_filters()

    def _explain(self, enterprise_id: str):
        """One enterprise's evaluation with its reason texts (a tooltip asked); None while the
        window has no ledger open (locked)."""
        ledger = getattr(self.window_, "ledger", None)
        if ledger is None:
            return None
        return evaluation_store.explain(ledger, [enterprise_id], self.window_.today).get(enterprise_id)

    def _show_count(self) -> None:
        total, shown = len(self.model.index_data), len(self.model.visible)
        if self.preview:
            self.count.setText(f"正在读取全部企业…（先显示前{total}户）")
            return
        if not total:
            self.empty_hint.set_text(
                NO_ENTERPRISES_TOWNSHIP if self.window_.site["role"] == "township" else NO_ENTERPRISES)
        else:
            self.empty_hint.set_text("没有符合条件的企业，可修改搜索内容或点“清除筛选”")
        text = f"共{total:,}户企业" if shown == total else f"符合条件{shown:,}户（共{total:,}户）"
        if not (self.model.index_data.prior_revenue or self.model.index_data.evaluations) and total:
            text += "；正在汇总营收和政策评估…"
        self.count.setText(text)

    def _sort_clicked(self, section: int) -> None:
        key = KEYS[section]
        if key == "seq":
            self.sort_column = None
        elif key == self.sort_column:
            self.sort_descending = not self.sort_descending
        else:
            self.sort_column, self.sort_descending = key, False
        order = Qt.SortOrder.DescendingOrder if self.sort_descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(section if self.sort_column else -1, order)
        self.apply_filters()

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.enterprise_id(rows[0].row()) if rows else None

    def _visit_selected(self) -> None:
        self.new_visit.emit(self.selected_id() or "")

    # -- export ------------------------------------------------------------------------
    def export_view(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出到Excel", "企业台账.xlsx", "Excel 文件 (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str):
        ids = [self.model.index_data.rows[i][0] for i in self.model.visible]
        return self.window_.export_enterprises(ids, path)
