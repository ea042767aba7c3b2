"""表格识别 of the Excel导入 page: how each sheet was read (its kind, header rows, unit, year),
one row per column — letter, header, 识别为 (a field or 不导入, changeable), 金额单位 for a
money column, and why a column is not imported — and the options a check may ask for: the
year of a list's annual figures and 创建新乡镇 (with the townships not in the ledger).

It shows SheetLayouts (services.excel.inspect_file); a person's choices go out as signals,
and the page keeps them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from ...services import excel
from ...services.excel.results import SHEET_KINDS
from .result import GREEN, ORANGE, RED

UNIT_CHOICES = (("", "按表头"), ("万元", "万元"), ("千元", "千元"), ("元", "元"))
NOT_IMPORTED = "不导入"


class MappingBox(QGroupBox):
    field_chosen = Signal(str, object)  # header, field (None: 不导入)
    unit_chosen = Signal(str, object)  # header, unit (None: as the header says)
    changed = Signal()  # the year or 创建新乡镇

    def __init__(self, year: int, parent=None):
        super().__init__("表格识别（识别错的列可在“识别为”中改正）", parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(6, 6, 6, 6)
        self.sheet_info = QLabel("")
        self.sheet_info.setWordWrap(True)
        v.addWidget(self.sheet_info)
        self.mapping = QTableWidget(0, 5)
        self.mapping.setHorizontalHeaderLabels(["列", "表头", "识别为", "金额单位", "说明"])
        self.mapping.verticalHeader().setVisible(False)
        self.mapping.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.mapping.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        head = self.mapping.horizontalHeader()
        for c, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Interactive,
                                  QHeaderView.ResizeMode.Stretch)):
            head.setSectionResizeMode(c, mode)
        self.mapping.setColumnWidth(1, 200)
        self.mapping.setColumnWidth(2, 150)
        self.mapping.setColumnWidth(3, 130)
        v.addWidget(self.mapping, 1)
        options = QHBoxLayout()
        self.use_year = QCheckBox("营业收入等年度数的年份：")
        self.use_year.setToolTip("表头、“年度”列和标题都没有写明年份时，在这里指定")
        self.use_year.toggled.connect(lambda on: (self.year.setEnabled(on), self.changed.emit()))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        self.year.setSuffix("年")
        self.year.setEnabled(False)
        self.year.valueChanged.connect(lambda _v: self.changed.emit())
        self.create_townships = QCheckBox("创建新乡镇")
        self.create_townships.setToolTip("表中有本台账没有的乡镇时，确认后新建")
        self.create_townships.setEnabled(False)
        self.create_townships.toggled.connect(lambda _on: self.changed.emit())
        self.townships_label = QLabel("")
        self.townships_label.setWordWrap(True)
        options.addWidget(self.use_year)
        options.addWidget(self.year)
        options.addSpacing(16)
        options.addWidget(self.create_townships)
        options.addWidget(self.townships_label, 1)
        v.addLayout(options)

    def chosen_year(self) -> int | None:
        return self.year.value() if self.use_year.isChecked() else None

    # -- the columns ---------------------------------------------------------------------------
    def show_layouts(self, layouts: list, result, units: dict[str, str]) -> None:
        """Each sheet's line and each column's row; `result` (may be None) says why a
        recognised column was still not imported; `units`, the units a person chose."""
        reasons = {}
        if result is not None:
            for summary in result.sheets:
                for f in summary.unused_columns:
                    reasons[(summary.name, f.column)] = f.message
        rows = [(s, c) for s in layouts for c in s.columns]
        lines = []
        for s in layouts:
            if not s.found:
                lines.append(f"工作表“{s.name}”：没有找到表头（表头行应包含“企业名称”或“统一社会信用代码”等列名；"
                             "如果列名不同，可在下表中指定哪一列是企业名称）")
                continue
            kind = SHEET_KINDS.get(s.kind or "", s.kind or "")
            rows_text = "、".join(map(str, s.header_rows))
            extra = "".join(f"，{label}{value}" for label, value in
                            (("金额单位", s.unit), ("年份", f"{s.year}年" if s.year else None)) if value)
            lines.append(f"工作表“{s.name}”：{kind}，表头在第{rows_text}行，识别出{len(s.columns)}列{extra}")
        self.sheet_info.setText("\n".join(lines))
        self.mapping.setRowCount(len(rows))
        for i, (sheet, col) in enumerate(rows):
            self._row(i, sheet, col, reasons.get((sheet.name, col.index)), len(layouts) == 1, units)
        self.mapping.resizeRowsToContents()
        self.mapping.setToolTip("" if all(s.found for s in layouts) else "未识别的工作表没有列出")

    def _row(self, i: int, sheet, col, reason: str | None, one_sheet: bool, units: dict[str, str]) -> None:
        letter = QTableWidgetItem(col.letter if one_sheet else f"{sheet.name}!{col.letter}")
        letter.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mapping.setItem(i, 0, letter)
        header = col.header + (f"（{col.group}）" if col.group else "")
        self.mapping.setItem(i, 1, QTableWidgetItem(header))
        chooser = QComboBox()
        chooser.addItem(NOT_IMPORTED, None)
        for field, label in excel.FIELD_CHOICES.items():
            chooser.addItem(label, field)
        chooser.setCurrentIndex(max(chooser.findData(col.field), 0) if col.field else 0)
        chooser.setProperty("header", col.header)
        chooser.currentIndexChanged.connect(
            lambda _i, c=chooser, h=col.header: self.field_chosen.emit(h, c.currentData()))
        self.mapping.setCellWidget(i, 2, chooser)
        if col.money:
            unit = QComboBox()
            for key, label in UNIT_CHOICES:
                unit.addItem(label if key or not col.unit else f"按表头（{col.unit}）", key or None)
            chosen = units.get(col.header)
            unit.setCurrentIndex(max(unit.findData(chosen), 0) if chosen else 0)
            unit.currentIndexChanged.connect(
                lambda _i, u=unit, h=col.header: self.unit_chosen.emit(h, u.currentData()))
            self.mapping.setCellWidget(i, 3, unit)
        else:
            self.mapping.removeCellWidget(i, 3)
            self.mapping.setItem(i, 3, QTableWidgetItem(""))
        why = reason or col.note or ("无法识别的列名，不导入" if col.field is None else "")
        if col.month and not why:
            why = f"{col.month}月的数据"
        note = QTableWidgetItem(why or "导入")
        note.setForeground(QColor(ORANGE if why and not col.month else GREEN))
        self.mapping.setItem(i, 4, note)

    # -- the options a check asked for -----------------------------------------------------------
    def show_asks(self, r) -> None:
        """The year in red when the list's annual figures lack one; 创建新乡镇 on, with the
        townships not in the ledger (and the nearest names), when the check found any."""
        self.use_year.setStyleSheet(f"color: {RED}; font-weight: bold;" if r.needs_year else "")
        unknown = r.unknown_townships
        self.create_townships.setEnabled(bool(unknown) or self.create_townships.isChecked())
        self.townships_label.setText("；".join(
            f"{t['name']}（{t['rows']}行" + (f"，最接近：{'、'.join(t['nearest'])}" if t["nearest"] else "") + "）"
            for t in unknown))

    def clear_asks(self) -> None:
        self.townships_label.setText("")
        self.create_townships.setEnabled(False)

    def reset(self) -> None:
        """A new file: no year of its own, no new townships."""
        self.use_year.setChecked(False)
        self.create_townships.setChecked(False)

    def share_height(self, sizes: list[int]) -> list[int] | None:
        """The splitter's sizes giving the column list the height its rows need (at most
        half); the result the rest: on a 768-pixel screen the problems are what the person
        reads next. None while there is nothing to share."""
        total = sum(sizes)
        table = self.mapping
        if not total or not table.rowCount():
            return None
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        needed = self.height() - table.height() + \
            table.horizontalHeader().height() + rows + 2 * table.frameWidth() + 2
        top = max(self.minimumSizeHint().height(), min(needed, total // 2))
        return [top, total - top]
