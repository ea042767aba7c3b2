"""Small pieces shared by the pages: messages, a list-of-dicts table model, formatting,
the hint an empty table shows, sizing a window to the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QTextDocument
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QHeaderView, QLabel, QMessageBox, QTableView, QWidget

from ..domain.money import format_wan
from ..errors import UserError, ValidationError
from .title import APP_TITLE  # noqa: F401  (the pages take it from here)

OVERDUE_BRUSH = QBrush(QColor("#fde2e1"))
WARN_BRUSH = QBrush(QColor("#fff4d6"))


def wan(yuan: int | None) -> str:
    """万元 for the window, money's one rule (domain.money.cut_wan); — when unknown."""
    return "—" if yuan is None else format_wan(yuan)


def fit_to_screen(window: QWidget, wanted: QSize, share: float = 0.95) -> QSize:
    """Resize a window to `wanted`, but never beyond `share` of its screen's free area (a
    dialog designed at 820×600 still fits a 1024×768 laptop with a task bar)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    free = screen.availableGeometry().size()
    size = wanted.boundedTo(QSize(int(free.width() * share), int(free.height() * share)))
    window.resize(size)
    return size


class EmptyHint(QLabel):
    """What to do, written over a table while it has no rows (暂无走访记录，按 Ctrl+N 记录).

    It sits on the view's viewport, follows its size and the model's rows, and lets clicks
    through. `set_text` changes the advice (say, once loading is done or filters are set);
    an empty text shows nothing."""

    def __init__(self, view: QAbstractItemView, text: str = ""):
        super().__init__(text, view.viewport())
        self.view = view
        self.setObjectName("emptyHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setStyleSheet("QLabel#emptyHint { color: #6b6b6b; font-size: 14px; padding: 24px; }")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.update_visibility)
        self.setGeometry(view.viewport().rect())
        self.update_visibility()

    def set_text(self, text: str) -> None:
        self.setText(text)
        self.update_visibility()

    def update_visibility(self, *_args) -> None:
        self.setVisible(bool(self.text()) and self.view.model().rowCount() == 0)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self.view.viewport().rect())
        return False


def show_error(parent: QWidget | None, error: Exception | str, title: str = "无法保存") -> None:
    if isinstance(error, ValidationError):
        text = "\n".join(f"• {m}" for m in error.problems.values())
    else:
        text = str(error)
    QMessageBox.warning(parent, title, text)


def guarded(parent: QWidget, action: Callable[[], Any], title: str = "无法保存") -> Any:
    """Run one service call; a UserError becomes a Chinese message box, returns None then."""
    try:
        return action()
    except UserError as e:
        show_error(parent, e, title)
        return None


class Column:
    def __init__(self, key: str, title: str, fmt: Callable[[Any], str] | None = None,
                 align_right: bool = False, width: int | None = None):
        self.key, self.title, self.fmt = key, title, fmt
        self.align_right, self.width = align_right, width


class DictTableModel(QAbstractTableModel):
    """Rows of dicts shown through Column specs; `row_brush(row)` may colour a row."""

    def __init__(self, columns: Sequence[Column], parent: QObject | None = None,
                 row_brush: Callable[[dict], QBrush | None] | None = None):
        super().__init__(parent)
        self.columns = list(columns)
        self.rows_data: list[dict] = []
        self.row_brush = row_brush

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        self.rows_data = rows
        self.endResetModel()

    def row(self, index: int) -> dict:
        return self.rows_data[index]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows_data)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows_data[index.row()]
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = row.get(col.key)
            text = col.fmt(value) if col.fmt else ("" if value is None else str(value))
            return text
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and self.row_brush:
            return self.row_brush(row)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self.columns[section].title
            return str(section + 1)
        return None


def make_table(model: DictTableModel, parent: QWidget | None = None,
               stretch: str | None = None, empty: str | None = None) -> QTableView:
    """A read-only table of `model`; `empty`: the hint shown while it has no rows (the view's
    `empty_hint`, an EmptyHint, changes it later)."""
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setDefaultSectionSize(24)
    view.verticalHeader().setVisible(False)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    for i, col in enumerate(model.columns):
        if col.width:
            view.setColumnWidth(i, col.width)
        if stretch and col.key == stretch:
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
    if empty is not None:
        view.empty_hint = EmptyHint(view, empty)  # type: ignore[attr-defined]
    return view


class LoadsWhenShown:
    """A page that makes its content on the worker only while it is shown. A refresh asked for
    while it is hidden (a filter set by code, a change elsewhere) marks it stale, and showing it
    refreshes then: at start-up the ledger page's enterprises come first on the worker threads.

    Mixed in before QWidget; the page sets nothing itself and starts each ``refresh`` with
    ``if not self.due(): return``."""

    stale = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def refresh(self, *_args) -> None:  # pragma: no cover - every page has its own
        raise NotImplementedError

    def due(self) -> bool:
        """True when a refresh should run now; False (and stale) while the page is hidden."""
        if not self.isVisible():
            self.stale = True
            return False
        self.stale = False
        return True

    def ledger_changed(self, *_args) -> None:
        """The bus's ``changed``: refresh now if shown, otherwise when next shown."""
        self.stale = True
        if self.isVisible():
            self.refresh()


class ChangeBus(QObject):
    """'Something changed' from one place: pages redraw what a finished action touched.

    The payload names the tables touched (and optionally enterprise ids)."""

    changed = Signal(set, set)  # tables, enterprise ids

    def tell(self, tables: set[str], enterprise_ids: set[str] | None = None) -> None:
        self.changed.emit(set(tables), set(enterprise_ids or ()))


def chinese_labels(dialog: QFileDialog, accept: str) -> None:
    """A file dialog's own labels in Chinese, whatever Qt translation is loaded."""
    for label, text in ((QFileDialog.DialogLabel.LookIn, "位置："),
                        (QFileDialog.DialogLabel.FileName, "文件名："),
                        (QFileDialog.DialogLabel.FileType, "文件类型："),
                        (QFileDialog.DialogLabel.Accept, accept),
                        (QFileDialog.DialogLabel.Reject, "取消")):
        dialog.setLabelText(label, text)


def code_label(text: str = "", point_size: int = 18, *, centred: bool = True) -> QLabel:
    """A code a person copies by hand (恢复码, 初始码): large, bold, monospace, selectable."""
    label = QLabel(text)
    font = QFont("monospace")
    font.setPointSize(point_size)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if centred:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def print_html(parent: QWidget, html: str) -> bool:
    """A sheet (HTML) on paper through the system print dialog; False when cancelled."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    doc = QTextDocument()
    doc.setHtml(html)
    doc.print_(printer)
    return True


def ask_open_file(parent: QWidget, caption: str, folder: str, name_filter: str) -> str:
    """An existing file chosen in Qt's dialog with Chinese labels; '' when cancelled."""
    dialog = QFileDialog(parent, caption, folder, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    chinese_labels(dialog, "打开")
    if dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        return dialog.selectedFiles()[0]
    return ""


def ask_save_file(parent: QWidget, caption: str, suggested: str, name_filter: str, suffix: str) -> str:
    """Where to save a file; asks in Chinese before replacing one; '' when cancelled."""
    dialog = QFileDialog(parent, caption, suggested, name_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix(suffix)
    dialog.setOption(QFileDialog.Option.DontConfirmOverwrite, True)
    chinese_labels(dialog, "保存")
    dialog.selectFile(Path(suggested).name)
    while dialog.exec() == QFileDialog.DialogCode.Accepted and dialog.selectedFiles():
        path = dialog.selectedFiles()[0]
        if not Path(path).exists():
            return path
        answer = QMessageBox.question(parent, "文件已存在", f"“{Path(path).name}”已存在，要替换它吗？")
        if answer == QMessageBox.StandardButton.Yes:
            return path
    return ""
