"""The enterprise's records the policy rules read, one tab per kind — 项目 (projects.py, with
their 节点任务), 奖补申报 (claims.py, with the county's decision), 入规历史 (scale_periods.py) —
share what is here: RecordsTab (the list and its buttons) and RecordDialog (a form whose
fields FieldSpec describes).

The writing, the checks and their Chinese messages are services.policy's (records.py). A
problem is shown at its field and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from ...domain.money import YUAN_PER_WAN, parse_amount
from ...errors import UserError, ValidationError
from ...services.ledger import enterprises, reference
from ..common import APP_TITLE, Column, DictTableModel, make_table
from .fit import fit_to_screen

ERROR_STYLE = "color: #b00020"
OK_STYLE = "color: #2e7d32"


@dataclass
class FieldSpec:
    """One field of a form. `kind`: text, multiline, date, choice, year (a spin box; with
    `default` None it may be left empty), money (typed in 万元, given in yuan), flag, or unit
    (a responsible unit: a department of the ledger or any name typed)."""

    key: str
    label: str
    kind: str = "text"
    choices: dict[Any, str] | None = None
    default: Any = None
    placeholder: str = ""
    shown_when: tuple[str, Any] | None = None  # (choice field, value) that shows this one


def _money_text(yuan: int | None) -> str:
    if yuan is None:
        return ""
    text = f"{Decimal(yuan) / YUAN_PER_WAN:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class RecordDialog(QDialog):
    """A form of FieldSpecs, filled from `initial` when editing. `save(values)` writes
    through a service (returning anything but None) or raises ValidationError keyed by field."""

    def __init__(self, parent, window, title: str, fields: list[FieldSpec],
                 save: Callable[[dict], Any], intro: str = "", initial: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{title} — {APP_TITLE}")
        self.window_, self.fields, self.save_fn = window, fields, save
        self.initial = initial or {}
        self.result_: Any = None
        outer = QVBoxLayout(self)
        if intro:
            label = QLabel(intro)
            label.setWordWrap(True)
            label.setStyleSheet("color: #555;")
            outer.addWidget(label)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        body = QWidget()
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        column = QVBoxLayout(body)
        self.form = QFormLayout()
        column.addLayout(self.form)
        column.addStretch(1)  # spare height below the fields, not between them
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        for spec in fields:
            self._add(spec)
        for spec in fields:
            if spec.kind == "choice":
                self.inputs[spec.key].currentIndexChanged.connect(self._update_shown)
        self._update_shown()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        outer.addWidget(buttons)
        self.resize(560, 130 + 40 * len(fields))
        fit_to_screen(self)

    def _add(self, spec: FieldSpec) -> None:
        value = self.initial.get(spec.key, spec.default)
        widget: QWidget
        if spec.kind == "multiline":
            widget = QPlainTextEdit("" if value is None else str(value))
            widget.setPlaceholderText(spec.placeholder)
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(64)
        elif spec.kind == "choice":
            widget = QComboBox()
            for data, text in (spec.choices or {}).items():
                widget.addItem(text, data)
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif spec.kind == "unit":
            widget = QComboBox()
            widget.setEditable(True)
            widget.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            widget.addItems(["", *(d["name"] for d in reference.list_departments(self.window_.ledger))])
            widget.setCurrentText("" if value is None else str(value))
        elif spec.kind == "year":
            widget = QSpinBox()
            widget.setRange(1999 if spec.default is None else 2000, 2100)
            widget.setSuffix("年")
            if spec.default is None:
                widget.setSpecialValueText("（未填）")  # 1999 shows as not given
            widget.setValue(value or (1999 if spec.default is None else self.window_.today.year))
        elif spec.kind == "flag":
            widget = QCheckBox(spec.placeholder)
            widget.setChecked(bool(value))
        else:
            shown = _money_text(value) if spec.kind == "money" else ("" if value is None else str(value))
            widget = QLineEdit(shown)
            widget.setPlaceholderText(spec.placeholder or ("YYYY-MM-DD" if spec.kind == "date" else ""))
        error = QLabel("")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        column.addWidget(error)
        label = QLabel(spec.label)
        self.form.addRow(label, box)
        self.inputs[spec.key], self.errors[spec.key] = widget, error
        self.rows[spec.key] = (label, box)

    def _update_shown(self, *_args) -> None:
        for spec in self.fields:
            for w in self.rows[spec.key]:
                w.setVisible(self._shown(spec))

    def _shown(self, spec: FieldSpec) -> bool:
        return spec.shown_when is None or self.inputs[spec.shown_when[0]].currentData() == spec.shown_when[1]

    def values(self) -> tuple[dict, dict[str, str]]:
        """(the shown fields' values as the services take them, problems in reading them)."""
        out: dict = {}
        problems: dict[str, str] = {}
        for spec in self.fields:
            if not self._shown(spec):
                continue
            widget = self.inputs[spec.key]
            value: Any
            if isinstance(widget, QPlainTextEdit):
                value = widget.toPlainText().strip() or None
            elif isinstance(widget, QComboBox):
                value = (widget.currentText().strip() or None) if spec.kind == "unit" else widget.currentData()
            elif isinstance(widget, QSpinBox):
                value = None if widget.value() == widget.minimum() and widget.specialValueText() else widget.value()
            elif isinstance(widget, QCheckBox):
                value = widget.isChecked()
            else:
                value = widget.text().strip() or None  # type: ignore[attr-defined]
                if spec.kind == "money" and value is not None:
                    try:
                        value = parse_amount(value, "万元")
                    except ValueError as e:
                        problems[spec.key] = str(e)
                        continue
            out[spec.key] = value
        return out, problems

    def changes(self) -> dict:
        """The shown fields whose value differs from `initial` (all of them for a new record)."""
        values, _problems = self.values()
        return {k: v for k, v in values.items()
                if not self.initial or (v or None) != (self.initial.get(k) or None)}

    def save(self) -> Any:
        for label in self.errors.values():
            label.setVisible(False)
        values, problems = self.values()
        try:
            if problems:
                raise ValidationError(problems)
            self.result_ = self.save_fn(values)
        except ValidationError as e:
            other = []
            for key, text in e.problems.items():
                spec = next((s for s in self.fields if s.key == key), None)
                if spec is not None and self._shown(spec):
                    self.errors[key].setText(text)
                    self.errors[key].setVisible(True)
                else:
                    other.append(text)
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText("未保存，请改正标红的内容。" + "；".join(other))
            return None
        except UserError as e:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"未保存：{e}")
            return None
        self.accept()
        return self.result_


class RecordsTab(QWidget):
    """A list of one kind of record of the enterprise and its buttons. A kind gives its
    table (the change it announces), `rows` and its forms."""

    table_name = ""

    def __init__(self, window, enterprise_id: str, *, columns: list[Column], empty: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        self.county = window.site["role"] != "township"
        layout = QVBoxLayout(self)
        self.bar = QHBoxLayout()
        layout.addLayout(self.bar)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #555;")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.note.setVisible(False)
        self.model = DictTableModel(columns, self)
        self.table = make_table(self.model)
        self.table.doubleClicked.connect(lambda _ix: self.edit())
        layout.addWidget(self.table, 1)
        self.empty = QLabel(empty)
        self.empty.setStyleSheet("color: #777;")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty, 1)  # takes the table's place, the buttons stay on top
        self.dialog: QDialog | None = None
        self.row_buttons: list[QPushButton] = []

    def button(self, text: str, slot, *, needs_row: bool = False) -> QPushButton:
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: slot())
        self.bar.addWidget(button)
        if needs_row:
            self.row_buttons.append(button)
        return button

    def say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    @property
    def credit_code(self) -> str:
        return enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)["credit_code"]

    def rows(self) -> list[dict]:  # each kind lists its records
        return []

    def load(self) -> None:
        rows = self.rows()
        self.model.set_rows(rows)
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        if rows:
            self.table.selectRow(0)
        for button in self.row_buttons:
            button.setEnabled(bool(rows) and button.property("allowed") is not False)

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def edit(self) -> QDialog | None:  # a kind whose records can be changed opens its form
        return None

    def show_dialog(self, dialog: QDialog) -> QDialog:
        """Open a form (modal to the enterprise window); once saved the list reloads and the
        change is announced (the suggestion and the rewards are worked out again)."""
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.saved)
        dialog.open()
        return dialog

    def saved(self) -> None:
        self.load()
        self.window_.bus.tell({self.table_name}, {self.enterprise_id})
