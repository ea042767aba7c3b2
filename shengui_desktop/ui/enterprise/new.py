"""新增企业: one enterprise typed in, checked as an import row is, then opened in its window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QScrollArea, QVBoxLayout, QWidget)

from ...domain import credit_code, industry
from ...domain.records import POOLS, SOURCES
from ...errors import UserError, ValidationError
from ...services.ledger import enterprises, reference
from ..common import APP_TITLE
from .fit import fit_to_screen

ERROR_STYLE = "color: #b00020"
WARNING_STYLE = "color: #9c6500"  # may be right (an early pilot code): the import warns too
# (field, label, placeholder) of the free-text fields after the choices
TEXT_FIELDS = [
    ("liaison_cadre", "联络干部", ""), ("legal_person", "法定代表人", ""),
    ("contact_person", "联系人", ""), ("contact_phone", "联系电话", ""),
    ("address", "地址", ""), ("established_date", "成立日期", "YYYY-MM-DD"), ("note", "备注", ""),
]


class NewEnterpriseDialog(QDialog):
    """Fields as the import reads them; every problem at its field, nothing written then.

    `saved_id` is the new enterprise's id once saved."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window_ = window
        self.saved_id: str | None = None
        self.warnings: list[str] = []
        self.setWindowTitle(f"新增企业 — {APP_TITLE}")
        outer = QVBoxLayout(self)
        intro = QLabel("带 * 的为必填项。新企业先进入“未入库”；选择其他库别须填写入库理由，记入调库记录。")
        intro.setWordWrap(True)
        intro.setStyleSheet("color: #555;")
        outer.addWidget(intro)
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
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        ledger = window.ledger

        self._add("name", "企业名称 *", QLineEdit())
        self.inputs["name"].setPlaceholderText("与营业执照一致")
        code = QLineEdit()
        code.setPlaceholderText("18位，如 91140322MA0XXXXXXX")
        code.setMaxLength(24)
        code.editingFinished.connect(self._check_code)
        self._add("credit_code", "统一社会信用代码 *", code)

        township = QComboBox()
        for t in enterprises.townships_for_new(ledger):
            township.addItem(f"{t['name']}（{t['code']}）", t["code"])
        if township.count() == 1:
            township.setEnabled(False)  # a township office registers in its own township only
        self._add("township_code", "乡镇（街道） *", township)
        if township.count() == 0:
            self._show_error("township_code", "本台账还没有乡镇，请先在“数据同步”中导入县级的名单")

        trade = QComboBox()
        trade.setEditable(True)
        trade.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        trade.addItem("", None)
        for division, (_section, name) in sorted(industry.DIVISIONS.items()):
            trade.addItem(f"{division} {name}", division)
        trade.lineEdit().setPlaceholderText("2–4位代码，如3311，或从列表选择行业大类")
        self._add("industry_code", "行业代码", trade)

        source = QComboBox()
        source.addItem("（未填）", None)
        for value, label in SOURCES.items():
            source.addItem(label, value)
        self._add("source", "来源", source)
        department = QComboBox()
        department.addItem("（未指定）", None)
        for d in reference.list_departments(ledger):
            department.addItem(d["name"], d["id"])
        self._add("department_id", "责任单位", department)
        for key, label, placeholder in TEXT_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(placeholder)
            self._add(key, label, edit)

        pool = QComboBox()
        for value, label in POOLS.items():
            pool.addItem(label, value)
        pool.currentIndexChanged.connect(self._pool_changed)
        self._add("pool", "库别", pool)
        reason = QLineEdit()
        self._add("pool_reason", "入库理由", reason)
        self._pool_changed()

        self.message = QLabel("")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存并打开", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setShortcut(QKeySequence("Ctrl+S"))
        cancel = buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        outer.addWidget(buttons)
        self.resize(560, 640)
        fit_to_screen(self)

    def _add(self, key: str, label: str, widget) -> None:
        error = QLabel("")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        box = QVBoxLayout()
        box.setSpacing(1)
        box.addWidget(widget)
        box.addWidget(error)
        self.form.addRow(label, box)
        self.inputs[key] = widget
        self.errors[key] = error

    def _show_error(self, key: str, text: str) -> None:
        self.errors[key].setStyleSheet(ERROR_STYLE)
        self.errors[key].setText(text)
        self.errors[key].setVisible(True)

    def _pool_changed(self, *_args) -> None:
        placed = self.inputs["pool"].currentData() != "none"
        reason = self.inputs["pool_reason"]
        reason.setEnabled(placed)
        reason.setPlaceholderText("如：上年主营业务收入1,650万元，纳入培育库" if placed else "选择“未入库”以外的库别时填写")
        if not placed:
            self.errors["pool_reason"].setVisible(False)

    def _check_code(self) -> None:
        """The credit code's own check as soon as it is typed (the save checks everything)."""
        text = self.inputs["credit_code"].text().strip()
        if not text:
            return
        result = credit_code.check(text)
        label = self.errors["credit_code"]
        if result.error or result.warning:
            self._show_error("credit_code", result.error or result.warning)
            label.setStyleSheet(ERROR_STYLE if result.error else WARNING_STYLE)
        else:
            label.setVisible(False)

    def record(self) -> dict:
        """The fields as typed, for the service (blank ones left out)."""
        out: dict = {}
        for key, widget in self.inputs.items():
            if key in ("pool", "pool_reason"):
                continue
            if key == "industry_code":
                text = widget.currentText().strip()
                value = industry.normalise(text) if text else None
            elif isinstance(widget, QComboBox):
                value = widget.currentData()
            else:
                value = widget.text().strip() or None
            if value is not None:
                out[key] = value
        out.setdefault("township_code", "")
        return out

    def save(self) -> str | None:
        for label in self.errors.values():
            label.setVisible(False)
        try:
            enterprise_id, warnings = enterprises.add_enterprise(
                self.window_.ledger, self.record(), pool=self.inputs["pool"].currentData(),
                pool_reason=self.inputs["pool_reason"].text(), today=self.window_.today)
        except ValidationError as e:
            shown = []
            for key, text in e.problems.items():
                if key in self.errors:
                    self._show_error(key, text)
                else:
                    shown.append(text)
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText("未保存，请改正标红的内容。" + "；".join(shown))
            first = next((k for k in self.inputs if k in e.problems), None)
            if first:
                self.inputs[first].setFocus()
            return None
        except UserError as e:
            self.message.setStyleSheet(ERROR_STYLE)
            self.message.setText(f"未保存：{e}")
            return None
        self.saved_id, self.warnings = enterprise_id, warnings
        self.accept()
        return enterprise_id

    def keyPressEvent(self, event) -> None:
        # Enter moves on through the fields; saving is the button (or Ctrl+S)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            self.focusNextChild()
            return
        super().keyPressEvent(event)

