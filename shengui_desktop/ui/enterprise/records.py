"""The enterprise's records the policy rules read, one tab per kind: 项目 (with their 节点任务),
奖补申报 (with the county's decision), 入规历史.

Each tab lists the enterprise's records and opens forms whose fields are described by
FieldSpec; the writing, the checks and their Chinese messages are services.policy's
(records.py). A problem is shown at its field and nothing is written.
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
from ...domain.policy import BID_REGIONS
from ...domain.policy_records import CLAIM_KINDS, CLAIM_STATUSES, PROJECT_KINDS, PROJECT_STATUSES
from ...errors import UserError, ValidationError
from ...services import policy
from ...services.ledger import enterprises, reference
from ..common import APP_TITLE, OVERDUE_BRUSH, Column, DictTableModel, make_table, wan
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


def _milestones_text(row: dict) -> str:
    milestones = row.get("milestones") or []
    if not milestones:
        return ""
    done = sum(1 for m in milestones if m.get("done_date"))
    text = f"{len(milestones)}项，已完成{done}项"
    return text + (f"，逾期{row['late_milestones']}项" if row.get("late_milestones") else "")


PROJECT_FIELDS = [
    ("name", "项目名称 *", "text", None), ("kind", "项目类别", "choice", PROJECT_KINDS),
    ("status", "项目状态", "choice", {None: "（按日期判断）", **PROJECT_STATUSES}),
    ("investment", "总投资（万元）", "money", None),
    ("planned_start_date", "计划开工日期", "date", None), ("actual_start_date", "实际开工日期", "date", None),
    ("planned_completion_date", "计划竣工日期", "date", None),
    ("actual_completion_date", "实际竣工日期", "date", None),
    ("planned_production_date", "计划投产日期", "date", None),
    ("production_start_date", "实际投产日期", "date", None),
    ("expected_output", "预计达产年产值（万元）", "money", None),
    ("expected_to_reach_scale", "预计达产升规", "flag", None),
    ("expected_scale_year", "预计升规年度", "year", None),
    ("responsible_unit", "责任单位", "unit", None), ("note", "备注", "multiline", None),
]


class ProjectsTab(RecordsTab):
    table_name = "projects"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent,
                         empty="暂无项目。新建、技改或重点项目请点“新增项目…”登记，再在“节点任务…”中列出节点。",
                         columns=[
                             Column("name", "项目名称", width=200), Column("kind_label", "类别", width=70),
                             Column("status_label", "状态", width=60),
                             Column("investment", "总投资(万元)", lambda v: "" if v is None else wan(v), True, 95),
                             Column("planned_production_date", "计划投产", width=86),
                             Column("production_start_date", "实际投产", width=86),
                             Column("expected_scale_year", "预计升规", lambda v: f"{v}年" if v else "", width=70),
                             Column("milestones_text", "节点任务", width=150),
                             Column("responsible_unit", "责任单位", width=90)])
        self.add_button = self.button("新增项目…", self.add)
        self.edit_button = self.button("修改项目…", self.edit, needs_row=True)
        self.milestone_button = self.button("节点任务…", self.milestones, needs_row=True)
        self.bar.addStretch(1)
        self.load()

    def rows(self) -> list[dict]:
        rows = policy.list_projects(self.window_.ledger, credit_code=self.credit_code, today=self.window_.today)
        for r in rows:
            r["milestones_text"] = _milestones_text(r)
        return rows

    def _fields(self) -> list[FieldSpec]:
        out = []
        for key, label, kind, choices in PROJECT_FIELDS:
            spec = FieldSpec(key, label, kind, choices)
            if key == "kind":
                spec.default = "new_build"
            elif key == "expected_to_reach_scale":
                spec.placeholder = "投产后预计达到规上标准"
            elif key == "planned_start_date":
                spec.placeholder = "YYYY-MM-DD（日期均按此格式）"
            out.append(spec)
        return out

    def add(self) -> QDialog:
        def save(values: dict) -> str:
            return policy.add_project(self.window_.ledger, self.enterprise_id, values)

        return self.show_dialog(RecordDialog(self, self.window_, "新增项目", self._fields(), save,
                                             intro="状态可不选：按填写的开工、投产日期判断。金额按万元填写。"))

    def edit(self) -> QDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog: RecordDialog

        def save(_values: dict) -> dict:
            return policy.update_project(self.window_.ledger, row["id"], dialog.changes())

        dialog = RecordDialog(self, self.window_, f"修改项目：{row['name']}", self._fields(), save,
                              initial=row, intro="填写实际投产日期的在建项目，状态随之改为“已投产”。")
        return self.show_dialog(dialog)

    def milestones(self) -> QDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = MilestonesDialog(self, row["id"], row["name"])
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self.saved() if dialog.changed else None)
        self.dialog = dialog
        dialog.open()
        return dialog


class MilestonesDialog(QDialog):
    """A project's 节点任务: the list (late ones marked), 添加 and 标记完成."""

    def __init__(self, tab: ProjectsTab, project_id: str, name: str):
        super().__init__(tab)
        self.tab, self.project_id = tab, project_id
        self.changed = False
        window = tab.window_
        self.setWindowTitle(f"节点任务：{name} — {APP_TITLE}")
        layout = QVBoxLayout(self)
        self.model = DictTableModel([
            Column("name", "节点任务", width=200), Column("due_date", "计划完成", width=90),
            Column("done_date", "实际完成", width=90),
            Column("late", "情况", lambda v: "逾期" if v else "", width=50), Column("note", "备注", width=160)], self,
            row_brush=lambda r: OVERDUE_BRUSH if r.get("late") else None)
        self.table = make_table(self.model)
        layout.addWidget(self.table, 1)
        done_row = QHBoxLayout()
        self.done_date = QLineEdit(window.today.isoformat())
        self.done_date.setPlaceholderText("YYYY-MM-DD")
        self.done_button = QPushButton("标记完成")
        self.done_button.setAutoDefault(False)
        self.done_button.clicked.connect(self.complete)
        done_row.addWidget(QLabel("选中的节点于"))
        done_row.addWidget(self.done_date)
        done_row.addWidget(self.done_button)
        done_row.addStretch(1)
        layout.addLayout(done_row)
        add_row = QHBoxLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("节点任务名称，如：主体完工")
        self.due = QLineEdit()
        self.due.setPlaceholderText("计划完成 YYYY-MM-DD")
        self.add_button = QPushButton("添加节点")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        add_row.addWidget(self.name, 2)
        add_row.addWidget(self.due, 1)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(640, 420)
        fit_to_screen(self)
        self.load()

    def load(self) -> None:
        projects = [p for p in policy.list_projects(self.tab.window_.ledger, credit_code=self.tab.credit_code,
                                                    today=self.tab.window_.today) if p["id"] == self.project_id]
        self.model.set_rows(projects[0]["milestones"] if projects else [])

    def _say(self, style: str, text: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def add(self) -> str | None:
        try:
            milestone_id = policy.add_milestone(self.tab.window_.ledger, self.project_id, {
                "name": self.name.text(), "due_date": self.due.text().strip() or None})
        except UserError as e:
            self._say(ERROR_STYLE, f"未添加：{e}")
            return None
        self.changed = True
        self._say(OK_STYLE, f"已添加节点任务“{self.name.text().strip()}”。")
        self.name.clear()
        self.due.clear()
        self.load()
        return milestone_id

    def complete(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self._say(ERROR_STYLE, "请先在列表中选中一个节点任务。")
            return None
        milestone = self.model.row(rows[0].row())
        try:
            done = policy.complete_milestone(self.tab.window_.ledger, milestone["id"],
                                             self.done_date.text().strip() or None)
        except UserError as e:
            self._say(ERROR_STYLE, f"未保存：{e}")
            return None
        self.changed = True
        self._say(OK_STYLE, f"“{done['name']}”已于{done['done_date']}完成。")
        self.load()
        return done


class ClaimsTab(RecordsTab):
    table_name = "reward_claims"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent,
                         empty="暂无奖补申报。技改投资、中标合同、新增地方经济贡献或其他奖补项目，请点“新增奖补申报…”登记。",
                         columns=[
                             Column("year", "年度", lambda v: f"{v}年", width=56),
                             Column("kind_label", "申报类别", width=150),
                             Column("rule_name", "奖补项目", width=110),
                             Column("description", "项目或合同名称", width=170),
                             Column("amount", "金额(万元)", wan, True, 90),
                             Column("bid_region_label", "所在地", width=60),
                             Column("status_label", "状态", width=45),
                             Column("recorded_on", "申报日期", width=86),
                             Column("decided_on", "决定日期", width=86)])
        self.add_button = self.button("新增奖补申报…", self.add)
        self.status_button = self.button("审核 / 兑现…", self.edit, needs_row=True)
        self.bar.addStretch(1)
        if not self.county:
            self.status_button.setProperty("allowed", False)
            self.say("乡镇登记申报；审核、兑现和不予由县级决定，同步后在此显示。")
        self.load()

    def rows(self) -> list[dict]:
        return policy.list_claims(self.window_.ledger, credit_code=self.credit_code)

    def add(self) -> QDialog:
        profile = policy.active_profile(self.window_.ledger)
        rules = {r["code"]: r["name"] for r in profile.data["rewards"]} if profile else {}
        fields = [
            FieldSpec("year", "年度", "year", default=self.window_.today.year),
            FieldSpec("kind", "申报类别", "choice", CLAIM_KINDS),
            FieldSpec("rule", "奖补项目", "choice", rules or {None: "（尚未选择政策配置）"},
                      shown_when=("kind", "award")),
            FieldSpec("description", "项目或合同名称 *"),
            FieldSpec("amount", "金额（万元） *", "money", placeholder="如：1,250.5"),
            FieldSpec("bid_region", "中标项目所在地", "choice", BID_REGIONS, default="outside_province",
                      shown_when=("kind", "bid_contract")),
            FieldSpec("public_tender", "公开招标", "flag", default=True, placeholder="通过公开招投标中标",
                      shown_when=("kind", "bid_contract")),
            FieldSpec("evidence", "证明材料", "multiline", placeholder="如：合同编号、发票、财政部门核定文件"),
        ]

        def save(values: dict) -> str:
            values["recorded_on"] = self.window_.today.isoformat()
            return policy.add_reward_claim(self.window_.ledger, self.enterprise_id, values)

        return self.show_dialog(RecordDialog(
            self, self.window_, "新增奖补申报", fields, save,
            intro="金额按万元填写；中标合同须选择项目所在地。申报后由县级审核、兑现；奖补测算按政策配置的规则计算。"))

    def edit(self) -> QDialog | None:
        row = self.selected()
        if row is None or not self.county:
            return None
        return self.show_dialog(claim_decision_dialog(self, self.window_, row))


def claim_decision_dialog(parent, window, row: dict) -> RecordDialog:
    """The county's decision on one claim (a row of policy.list_claims): 状态, 决定日期,
    审核意见, written by policy.set_claim_status. Shared by the enterprise's 奖补申报 tab and
    the county's 奖补申报审核 list."""
    fields = [FieldSpec("status", "状态", "choice", CLAIM_STATUSES),
              FieldSpec("decided_on", "决定日期", "date", placeholder="YYYY-MM-DD（不填为今天）"),
              FieldSpec("decision_note", "审核意见", "multiline")]

    def save(values: dict) -> dict:
        return policy.set_claim_status(window.ledger, row["id"], values["status"],
                                       decided_on=values.get("decided_on"), note=values.get("decision_note"))

    name = f"{row['enterprise_name']} " if row.get("enterprise_name") else ""
    return RecordDialog(parent, window, f"审核 / 兑现：{row['description']}", fields, save, initial=row,
                        intro=f"{name}{row['year']}年 {row['kind_label']} {wan(row['amount'])}万元")


class ScalePeriodsTab(RecordsTab):
    table_name = "scale_history"

    def __init__(self, window, enterprise_id: str, parent=None):
        super().__init__(window, enterprise_id, parent=parent,
                         empty="暂无以往的在规时段。本企业（同一信用代码）曾经入规又退规的，请点“新增入规时段…”登记。",
                         columns=[
                             Column("name", "当时的企业名称", width=240),
                             Column("entered_on", "入规日期", width=90),
                             Column("exited_on", "退规日期", width=90),
                             Column("note", "备注", width=260)])
        self.add_button = self.button("新增入规时段…", self.add)
        self.bar.addStretch(1)
        if not self.county:
            self.add_button.setEnabled(False)
            self.say("入规历史由县级录入，乡镇台账只能查看。")
        self.load()

    def rows(self) -> list[dict]:
        return policy.list_scale_periods(self.window_.ledger, credit_code=self.credit_code)

    def add(self) -> QDialog:
        e = enterprises.get_enterprise(self.window_.ledger, self.enterprise_id)
        fields = [
            FieldSpec("name", "当时的企业名称 *", default=e["name"]),
            FieldSpec("entered_on", "入规日期 *", "date"),
            FieldSpec("exited_on", "退规日期", "date"),
            FieldSpec("note", "备注", "multiline"),
        ]

        def save(values: dict) -> str:
            return policy.record_scale_period(
                self.window_.ledger, e["credit_code"], values.get("name") or "", values.get("entered_on") or "",
                values.get("exited_on"), enterprise_id=self.enterprise_id, note=values.get("note"))

        return self.show_dialog(RecordDialog(
            self, self.window_, "新增入规时段", fields, save,
            intro=f"统一社会信用代码{e['credit_code']}以往的在规时段（不含当前的入统日期）。"
                  "同一代码更名后重新入规的，按政策不能再次享受奖补。"))

