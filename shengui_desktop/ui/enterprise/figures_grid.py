"""月度数据: the months of one year as a grid where figures are typed, pasted and corrected.

A cell is read as the import reads it (services.ledger.figures.parse_figure: 万元, 千瓦时,
人) the moment it is typed; a bad one turns red with the import's message. 保存 writes every
changed cell in one transaction (figures.save_months), or nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QHeaderView, QTableView

from ...domain.money import format_wan
from ...domain.records import FIGURE_FIELDS
from ...services.ledger import figures

ROW_TOTAL = 12  # the 合计 row under the twelve months
CHANGED_BRUSH = QBrush(QColor("#fff4d6"))
ERROR_BRUSH = QBrush(QColor("#fde2e1"))
TOTAL_BRUSH = QBrush(QColor("#f0f0f0"))
ERROR_TEXT = QColor("#b00020")
MONEY = ("revenue", "output_value", "tax_paid")
SUMMED = ("output_value", "revenue", "electricity_kwh", "tax_paid")  # employees are not added up


def shown(key: str, value: int | None) -> str:
    """A figure as the ledger shows it: 万元 to two decimals, counts with separators."""
    if value is None:
        return ""
    return format_wan(value) if key in MONEY else f"{value:,}"


class FiguresModel(QAbstractTableModel):
    """Twelve months × figures.GRID_FIELDS, and a 合计 row; typed text is kept per cell until
    saved (`pending`), with the reading of it or its problem."""

    edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.keys = list(figures.GRID_FIELDS)
        self.stored: dict[int, dict] = {}  # month → the recorded row
        self.pending: dict[tuple[int, str], str] = {}  # (month, key) → text as typed
        self.values: dict[tuple[int, str], int | None] = {}  # the reading of a pending cell
        self.errors: dict[tuple[int, str], str] = {}  # (month, key) → Chinese message

    # -- content ---------------------------------------------------------------------
    def load(self, months: dict[int, dict]) -> None:
        self.beginResetModel()
        self.stored = months
        self.pending, self.values, self.errors = {}, {}, {}
        self.endResetModel()

    def changes(self) -> dict[tuple[int, str], str]:
        return dict(self.pending)

    def is_dirty(self) -> bool:
        return bool(self.pending)

    def stored_value(self, month: int, key: str) -> int | None:
        return (self.stored.get(month) or {}).get(key)

    def value(self, month: int, key: str) -> int | None:
        """What the cell holds now: the reading of what was typed, else the ledger's."""
        cell = (month, key)
        if cell in self.pending:
            return self.values.get(cell)
        return self.stored_value(month, key)

    def total(self, key: str) -> int | None:
        found = [v for m in range(1, 13) if (v := self.value(m, key)) is not None]
        return sum(found) if found else None

    def set_errors(self, errors: dict[tuple[int, str], str]) -> None:
        self.errors = dict(errors)
        self.dataChanged.emit(self.index(0, 0), self.index(ROW_TOTAL, len(self.keys) - 1))

    def set_text(self, month: int, key: str, text: str) -> None:
        """One cell typed (or pasted, or cleared): kept as typed, read at once."""
        cell = (month, key)
        text = text.strip()
        self.errors.pop(cell, None)
        try:
            value = figures.parse_figure(key, text)
        except ValueError as e:
            self.pending[cell], self.values[cell] = text, None
            self.errors[cell] = figures.cell_message(month, key, str(e))
        else:
            if value == self.stored_value(month, key):  # typed back as it was: no change
                self.pending.pop(cell, None)
                self.values.pop(cell, None)
            else:
                self.pending[cell], self.values[cell] = text, value
        column = self.keys.index(key)
        self.dataChanged.emit(self.index(month - 1, column), self.index(month - 1, column))
        self.dataChanged.emit(self.index(ROW_TOTAL, column), self.index(ROW_TOTAL, column))
        self.edited.emit()

    # -- Qt ------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else ROW_TOTAL + 1

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.keys)

    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.row() < ROW_TOTAL:
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = self.keys[index.column()]
        if index.row() == ROW_TOTAL:
            if role == Qt.ItemDataRole.DisplayRole:
                return shown(key, self.total(key)) if key in SUMMED else ""
            if role == Qt.ItemDataRole.BackgroundRole:
                return TOTAL_BRUSH
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        month = index.row() + 1
        cell = (month, key)
        if role == Qt.ItemDataRole.DisplayRole:
            if cell in self.errors:
                return self.pending.get(cell, "")
            return shown(key, self.value(month, key))
        if role == Qt.ItemDataRole.EditRole:
            if cell in self.pending:
                return self.pending[cell]
            return figures.figure_text(key, self.stored_value(month, key))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if cell in self.errors:
                return ERROR_BRUSH
            if cell in self.pending:
                return CHANGED_BRUSH
            return None
        if role == Qt.ItemDataRole.ForegroundRole and cell in self.errors:
            return ERROR_TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            if cell in self.errors:
                return self.errors[cell]
            if cell in self.pending:
                before = shown(key, self.stored_value(month, key)) or "空"
                return f"已修改，尚未保存（原为{before}）"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.row() >= ROW_TOTAL:
            return False
        self.set_text(index.row() + 1, self.keys[index.column()], "" if value is None else str(value))
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            key = self.keys[section]
            return f"{FIGURE_FIELDS[key]}\n（{figures.UNITS[key]}）"
        return "合计" if section == ROW_TOTAL else f"{section + 1}月"


class FiguresGrid(QTableView):
    """The grid as a spreadsheet is used: type over a cell, Enter goes down, Delete empties
    the selected cells, Ctrl+V pastes a block copied from Excel, Ctrl+C copies one."""

    def __init__(self, model: FiguresModel, parent=None):
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed
                             | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.verticalHeader().setDefaultSectionSize(24)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(90)
        header.setHighlightSections(False)

    def sizeHint(self) -> QSize:
        """Tall enough for the twelve months and the 合计 row without scrolling."""
        rows = self.verticalHeader().defaultSectionSize() * (ROW_TOTAL + 1)
        header = self.horizontalHeader()
        header_height = max(header.height(), header.sizeHint().height())
        height = header_height + rows + 2 * self.frameWidth() + 6
        return QSize(super().sizeHint().width(), height)

    def closeEditor(self, editor, hint) -> None:
        # Enter commits and moves down a month, as in a spreadsheet
        down = hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint if down else hint)
        if down:
            current = self.currentIndex()
            if current.row() + 1 < ROW_TOTAL:
                self.setCurrentIndex(current.sibling(current.row() + 1, current.column()))

    def keyPressEvent(self, event) -> None:
        model: FiguresModel = self.model()  # type: ignore[assignment]
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste(QGuiApplication.clipboard().text())
            return
        if event.matches(QKeySequence.StandardKey.Copy):
            QGuiApplication.clipboard().setText(self.copied())
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.state() != self.State.EditingState:
            for index in self.selectedIndexes() or [self.currentIndex()]:
                if index.isValid() and index.row() < ROW_TOTAL:
                    model.set_text(index.row() + 1, model.keys[index.column()], "")
            return
        super().keyPressEvent(event)

    def paste(self, text: str) -> int:
        """Tab-separated lines from the current cell rightwards and down; returns the cells
        set. What falls outside the twelve months or the columns is left out."""
        model: FiguresModel = self.model()  # type: ignore[assignment]
        start = self.currentIndex()
        if not start.isValid():
            start = model.index(0, 0)
        count = 0
        lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
        for dr, line in enumerate(lines):
            for dc, cell in enumerate(line.split("\t")):
                row, column = start.row() + dr, start.column() + dc
                if row < ROW_TOTAL and column < len(model.keys):
                    model.set_text(row + 1, model.keys[column], cell)
                    count += 1
        return count

    def copied(self) -> str:
        indexes = self.selectedIndexes() or [self.currentIndex()]
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        model = self.model()
        return "\n".join("\t".join(str(model.index(r, c).data(Qt.ItemDataRole.EditRole) or "")
                                   if r < ROW_TOTAL else str(model.index(r, c).data() or "")
                                   for c in columns) for r in rows)

