"""基本信息 tab: edit an enterprise; the messages come from domain validation."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QFormLayout, QGridLayout, QLabel, QLineEdit,
                               QPushButton, QScrollArea, QVBoxLayout, QWidget)

from ...domain.records import SOURCES, STAT_STATUSES
from ...errors import UserError, ValidationError
from ...services.ledger import enterprises, reference

TEXT_FIELDS = [
    ("name", "企业名称"), ("credit_code", "统一社会信用代码"), ("industry_code", "行业代码"),
    ("legal_person", "法定代表人"), ("contact_person", "联系人"), ("contact_phone", "联系电话"),
    ("address", "地址"), ("liaison_cadre", "联络干部"), ("established_date", "成立日期"),
    ("entered_stats_date", "入统日期"), ("exited_stats_date", "退规日期"), ("note", "备注"),
]


class BasicTab(QWidget):
    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.enterprise_id = enterprise_id
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        grid = QGridLayout(body)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        form_left, form_right = QFormLayout(), QFormLayout()
        grid.addLayout(form_left, 0, 0)
        grid.addLayout(form_right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        ledger = window.ledger
        combos = {
            "township_code": ("乡镇（街道）", [(t["code"], t["name"]) for t in reference.list_townships(ledger)]),
            "stat_status": ("统计状态", list(STAT_STATUSES.items())),
            "source": ("来源", [(None, "（未填）"), *SOURCES.items()]),
            "department_id": ("责任单位", [(None, "（未指定）"),
                                        *[(d["id"], d["name"]) for d in reference.list_departments(ledger)]]),
        }
        fields = [(k, label, None) for k, label in TEXT_FIELDS[:3]]
        fields += [(k, label, items) for k, (label, items) in combos.items()]
        fields += [(k, label, None) for k, label in TEXT_FIELDS[3:]]
        for n, (key, label, items) in enumerate(fields):
            if items is None:
                widget = QLineEdit()
                if key.endswith("_date"):
                    widget.setPlaceholderText("YYYY-MM-DD")
            else:
                widget = QComboBox()
                for value, text in items:
                    widget.addItem(text, value)
            error = QLabel("")
            error.setStyleSheet("color: #b00020")
            error.setWordWrap(True)
            error.setVisible(False)
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            box.addWidget(error)
            (form_left if n < (len(fields) + 1) // 2 else form_right).addRow(label, box)
            self.inputs[key] = widget
            self.errors[key] = error
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("保存基本信息")
        self.save_button.clicked.connect(self.save)
        grid.addWidget(self.message, 1, 0, 1, 2)
        grid.addWidget(self.save_button, 2, 1)
        grid.setRowStretch(3, 1)
        self.load()

    def load(self) -> None:
        self.record = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id) or {}
        for key, widget in self.inputs.items():
            value = self.record.get(key)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            else:
                widget.setText("" if value is None else str(value))

    def changes(self) -> dict:
        out = {}
        for key, widget in self.inputs.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else (widget.text().strip() or None)
            if value != self.record.get(key):
                out[key] = value
        return out

    def save(self) -> dict | None:
        for label in self.errors.values():
            label.setVisible(False)
        changes = self.changes()
        if not changes:
            self.message.setText("没有修改。")
            return {}
        try:
            changed, warnings = enterprises.update_enterprise(self.window_.ledger, self.enterprise_id, changes)
        except ValidationError as e:
            for key, text in e.problems.items():
                if key in self.errors:
                    self.errors[key].setText(text)
                    self.errors[key].setVisible(True)
            self.message.setStyleSheet("color: #b00020")
            self.message.setText("未保存：" + "；".join(e.problems.values()))
            return None
        except UserError as e:
            self.message.setStyleSheet("color: #b00020")
            self.message.setText(f"未保存：{e}")
            return None
        self.message.setStyleSheet("color: #2e7d32")
        self.message.setText("已保存。" + ("提示：" + "；".join(warnings) if warnings else ""))
        self.load()
        self.window_.bus.tell({"enterprises"}, {self.enterprise_id})
        return changed
