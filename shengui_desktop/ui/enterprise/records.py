"""The enterprise's records the policy rules read, one tab per kind: 项目, 奖补申报, 入规历史.

Each tab is a list and 新增… (a form whose fields are described by FieldSpec); the writing,
the checks and their Chinese messages are services.policy.records'. A problem is shown at
its field and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox,
                               QVBoxLayout, QWidget)

from ...domain.money import parse_amount
from ...domain.policy import BID_REGIONS
from ...errors import UserError, ValidationError
from ...services.ledger import enterprises, reference
from ...services.policy import records
from ..common import APP_TITLE, Column, DictTableModel, make_table, wan
from .fit import fit_to_screen

ERROR_STYLE = "color: #b00020"


@dataclass
class FieldSpec:
    """One field of a form: `kind` is text, multiline, date, choice, year, money (typed in
    万元, given to the service in yuan), flag or department."""

    key: str
    label: str
    kind: str = "text"
    choices: dict[str, str] | None = None
    default: Any = None
    placeholder: str = ""
    shown_when: tuple[str, str] | None = None  # (choice field, value) that shows this one


class RecordDialog(QDialog):
    """A form of FieldSpecs; `save(values)` writes through a service and returns the new id
    or raises ValidationError keyed by field."""

    def __init__(self, parent, window, title: str, fields: list[FieldSpec],
                 save: Callable[[dict], str], intro: str = ""):
        super().__init__(parent)
        self.setWindowTitle(f"{title} — {APP_TITLE}")
        self.window_, self.fields, self.save_fn = window, fields, save
        self.saved_id: str | None = None
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
        self.form = QFormLayout(body)
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
        self.resize(520, 120 + 46 * len(fields))
        fit_to_screen(self)

    def _add(self, spec: FieldSpec) -> None:
        widget: QWidget
        if spec.kind == "multiline":
            widget = QPlainTextEdit()
            widget.setPlaceholderText(spec.placeholder)
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(70)
        elif spec.kind in ("choice", "department"):
            widget = QComboBox()
            items = (spec.choices or {}).items() if spec.kind == "choice" else \
                [(None, "（未指定）"), *[(d["id"], d["name"]) for d in reference.list_departments(self.window_.ledger)]]
            for value, text in items:
                widget.addItem(text, value)
            if spec.default is not None:
                widget.setCurrentIndex(max(0, widget.findData(spec.default)))
        elif spec.kind == "year":
            widget = QSpinBox()
            widget.setRange(2000, 2100)
            widget.setValue(spec.default or self.window_.today.year)
            widget.setSuffix("年")
        elif spec.kind == "flag":
            widget = QCheckBox(spec.placeholder)
            widget.setChecked(bool(spec.default))
        else:
            widget = QLineEdit()
            widget.setPlaceholderText(spec.placeholder or ("YYYY-MM-DD" if spec.kind == "date" else ""))
            if spec.default is not None:
                widget.setText(str(spec.default))
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
            if spec.shown_when:
                key, value = spec.shown_when
                visible = self.inputs[key].currentData() == value
                for w in self.rows[spec.key]:
                    w.setVisible(visible)

    def _shown(self, spec: FieldSpec) -> bool:
        return spec.shown_when is None or self.inputs[spec.shown_when[0]].currentData() == spec.shown_when[1]

    def values(self) -> tuple[dict, dict[str, str]]:
        """(the values as the service takes them, problems found in reading them)."""
        out: dict = {}
        problems: dict[str, str] = {}
        for spec in self.fields:
            if not self._shown(spec):
                continue
            widget = self.inputs[spec.key]
            if isinstance(widget, QPlainTextEdit):
                value: Any = widget.toPlainText().strip() or None
            elif isinstance(widget, QComboBox):
                value = widget.currentData()
            elif isinstance(widget, QSpinBox):
                value = widget.value()
            elif isinstance(widget, QCheckBox):
                value = widget.isChecked()
            else:
                value = widget.text().strip() or None
                if spec.kind == "money" and value is not None:
                    try:
                        value = parse_amount(value, "万元")
                    except ValueError as e:
                        problems[spec.key] = str(e)
                        continue
            out[spec.key] = value
        return out, problems

    def save(self) -> str | None:
        for label in self.errors.values():
            label.setVisible(False)
        values, problems = self.values()
        try:
            if problems:
                raise ValidationError(problems)
            self.saved_id = self.save_fn(values)
        except ValidationError as e:
            other = []
            for key, text in e.problems.items():
                if key in self.errors and self._shown(next(s for s in self.fields if s.key == key)):
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
        return self.saved_id


class RecordsTab(QWidget):
    """A list of one kind of record of the enterprise, and 新增… for another. A kind gives
    its table (for the change it announces), `rows` and `make_dialog`."""

    table_name = ""

    def __init__(self, window, enterprise_id: str, *, columns: list[Column], empty: str,
                 add_text: str, parent=None):
        super().__init__(parent)
        self.window_, self.enterprise_id = window, enterprise_id
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.add_button = QPushButton(add_text)
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add())
        bar.addWidget(self.add_button)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #555;")
        self.note.setWordWrap(True)
        bar.addWidget(self.note, 1)
        layout.addLayout(bar)
        self.model = DictTableModel(columns, self)
        self.table = make_table(self.model)
        layout.addWidget(self.table, 1)
        self.empty = QLabel(empty)
        self.empty.setStyleSheet("color: #777;")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty, 1)  # takes the table's place, the buttons stay on top
        self.dialog: RecordDialog | None = None

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

    def make_dialog(self) -> RecordDialog:  # each kind has its form
        raise TypeError(f"{type(self).__name__} has no form")

    def add(self) -> RecordDialog:
        """Open the form (not modal to the main window); on 保存 the list reloads."""
        self.dialog = dialog = self.make_dialog()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._saved)
        dialog.open()
        return dialog

    def _saved(self) -> None:
        self.load()
        self.window_.bus.tell({self.table_name}, {self.enterprise_id})


class ProjectsTab(RecordsTab):
    table_name = "projects"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent, add_text="新增项目…",
                         empty="暂无项目。新建、招引或技改项目请点“新增项目…”登记。", columns=[
                             Column("name", "项目名称", width=220),
                             Column("status_label", "状态", width=70),
                             Column("production_start_date", "投产日期", width=90),
                             Column("expected_to_reach_scale", "预计达产升规",
                                    lambda v: "是" if v else "", width=90),
                             Column("expected_scale_year", "预计升规年度", lambda v: f"{v}年" if v else "", width=90),
                             Column("milestones", "节点任务", width=220),
                             Column("note", "备注", width=160)])
        self.load()

    def rows(self) -> list[dict]:
        return records.list_projects(self.window_.ledger, credit_code=self.credit_code)

    def make_dialog(self) -> RecordDialog:
        fields = [
            FieldSpec("name", "项目名称 *"),
            FieldSpec("status", "项目状态", "choice", records.PROJECT_STATUSES, default="planned"),
            FieldSpec("production_start_date", "投产日期", "date"),
            FieldSpec("expected_to_reach_scale", "预计达产升规", "flag", placeholder="投产后预计达到规上标准"),
            FieldSpec("expected_scale_year", "预计升规年度", "year", default=self.window_.today.year + 1),
            FieldSpec("department_id", "责任单位", "department"),
            FieldSpec("milestones", "节点任务", "multiline", placeholder="如：2026-06 主体完工；2026-09 设备安装"),
            FieldSpec("note", "备注", "multiline"),
        ]

        def save(values: dict) -> str:
            if not values.get("expected_to_reach_scale"):
                values["expected_scale_year"] = None
            return records.add_project(self.window_.ledger, self.enterprise_id, values)

        return RecordDialog(self, self.window_, "新增项目", fields, save)


class ClaimsTab(RecordsTab):
    table_name = "reward_claims"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent, add_text="新增奖补申报…",
                         empty="暂无奖补申报。技改投资、中标合同、新增地方经济贡献请点“新增奖补申报…”登记。",
                         columns=[
                             Column("year", "年度", lambda v: f"{v}年", width=60),
                             Column("kind_label", "申报类别", width=200),
                             Column("description", "项目或合同名称", width=220),
                             Column("amount", "金额(万元)", wan, True, 100),
                             Column("bid_region_label", "中标项目所在地", width=110),
                             Column("recorded_on", "登记日期", width=90)])
        self.load()

    def rows(self) -> list[dict]:
        return records.list_claims(self.window_.ledger, credit_code=self.credit_code)

    def make_dialog(self) -> RecordDialog:
        fields = [
            FieldSpec("year", "年度", "year"),
            FieldSpec("kind", "申报类别", "choice", records.CLAIM_KINDS),
            FieldSpec("description", "项目或合同名称 *"),
            FieldSpec("amount", "金额（万元） *", "money", placeholder="如：1,250.5"),
            FieldSpec("bid_region", "中标项目所在地", "choice", BID_REGIONS, default="outside_province",
                      shown_when=("kind", "bid_contract")),
            FieldSpec("public_tender", "公开招标", "flag", default=True, placeholder="通过公开招投标中标",
                      shown_when=("kind", "bid_contract")),
        ]

        def save(values: dict) -> str:
            values["recorded_on"] = self.window_.today.isoformat()
            return records.add_reward_claim(self.window_.ledger, self.enterprise_id, values)

        return RecordDialog(self, self.window_, "新增奖补申报", fields, save,
                            intro="金额按万元填写；中标合同须选择项目所在地。奖补测算按政策配置的规则计算。")


class ScalePeriodsTab(RecordsTab):
    table_name = "scale_history"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent, add_text="新增入规时段…",
                         empty="暂无以往的在规时段。本企业（同一信用代码）曾经入规又退规的，请点“新增入规时段…”登记。",
                         columns=[
                             Column("name", "当时的企业名称", width=240),
                             Column("entered_on", "入规日期", width=90),
                             Column("exited_on", "退规日期", width=90),
                             Column("note", "备注", width=260)])
        if window.site["role"] == "township":
            self.add_button.setEnabled(False)
            self.note.setText("入规历史由县级录入，乡镇台账只能查看。")
        self.load()

    def rows(self) -> list[dict]:
        return records.list_scale_periods(self.window_.ledger, credit_code=self.credit_code)

    def make_dialog(self) -> RecordDialog:
        e = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)
        fields = [
            FieldSpec("name", "当时的企业名称 *", default=e["name"]),
            FieldSpec("entered_on", "入规日期 *", "date"),
            FieldSpec("exited_on", "退规日期", "date"),
            FieldSpec("note", "备注", "multiline"),
        ]

        def save(values: dict) -> str:
            return records.record_scale_period(
                self.window_.ledger, e["credit_code"], values.get("name") or "", values.get("entered_on") or "",
                values.get("exited_on"), enterprise_id=self.enterprise_id, note=values.get("note"))

        return RecordDialog(self, self.window_, "新增入规时段", fields, save,
                            intro=f"统一社会信用代码{e['credit_code']}以往的在规时段（不含当前的入统日期）。"
                                  "同一代码更名后重新入规的，按政策不能再次享受奖补。")
