"""Keyboard-first pickers: an enterprise by name/code/pinyin, visitors from recent names."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ...domain.records import typed_visitor
from ..ledger.index import CODE, ID, NAME, EnterpriseIndex


class EnterprisePicker(QWidget):
    """Type a name, credit code or pinyin initials; ↓/↑ choose, Enter takes it."""

    picked = Signal(str)

    def __init__(self, index: EnterpriseIndex, parent=None):
        super().__init__(parent)
        self.index = index
        self.enterprise_id: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("输入企业名称、信用代码或拼音首字母，如 xsjx")
        self.matches = QListWidget()
        self.matches.setMaximumHeight(110)
        self.matches.setVisible(False)
        layout.addWidget(self.edit)
        layout.addWidget(self.matches)
        self.edit.textEdited.connect(self._search)
        self.edit.returnPressed.connect(self._take_current)
        self.matches.itemActivated.connect(self._take)
        self.matches.itemClicked.connect(self._take)
        self.edit.installEventFilter(self)

    def eventFilter(self, obj, event):
        from PySide6.QtCore import QEvent
        if obj is self.edit and event.type() == QEvent.Type.KeyPress and self.matches.isVisible():
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.matches.currentRow() + (1 if key == Qt.Key.Key_Down else -1)
                self.matches.setCurrentRow(max(0, min(self.matches.count() - 1, row)))
                return True
        return super().eventFilter(obj, event)

    def _search(self, text: str) -> None:
        self.enterprise_id = None
        self.matches.clear()
        found = self.index.search(text, limit=30)
        for row in found:
            item = QListWidgetItem(f"{row[NAME]}　{row[CODE]}")
            item.setData(Qt.ItemDataRole.UserRole, row[ID])
            self.matches.addItem(item)
        self.matches.setVisible(bool(found))
        if found:
            self.matches.setCurrentRow(0)

    def _take_current(self) -> None:
        item = self.matches.currentItem()
        if item is not None and self.matches.isVisible():
            self._take(item)

    def _take(self, item: QListWidgetItem) -> None:
        self.set_enterprise(item.data(Qt.ItemDataRole.UserRole))
        self.focusNextChild()

    def set_enterprise(self, enterprise_id: str | None) -> None:
        self.enterprise_id = enterprise_id
        self.matches.setVisible(False)
        if enterprise_id is None:
            self.edit.clear()
            return
        i = self.index.position.get(enterprise_id)
        self.edit.setText(self.index.rows[i][NAME] if i is not None else enterprise_id)
        self.picked.emit(enterprise_id)


class NamesCompleter(QCompleter):
    """Completes the name after the last 、 or ，, so several visitors can be typed."""

    def __init__(self, names: list[str], parent=None):
        super().__init__(QStringListModel(names), parent)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterMode(Qt.MatchFlag.MatchStartsWith)

    def splitPath(self, path: str) -> list[str]:
        return [typed_visitor(path)[1].strip()]

    def pathFromIndex(self, index) -> str:
        text = self.widget().text() if self.widget() else ""
        return typed_visitor(text)[0] + index.data()
