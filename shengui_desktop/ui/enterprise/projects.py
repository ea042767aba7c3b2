"""项目 of the enterprise window: its projects (kind, status, investment, 节点任务 done and
late) with the forms to add and change one, and 节点任务 (MilestonesDialog: add one, mark one
done). The writing and its checks are services.policy's (records.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from ...domain.policy_records import PROJECT_KINDS, PROJECT_STATUSES
from ...errors import UserError
from ...services import policy
from ..common import APP_TITLE, OVERDUE_BRUSH, Column, DictTableModel, make_table, wan
from .fit import fit_to_screen
from .records import ERROR_STYLE, OK_STYLE, FieldSpec, RecordDialog, RecordsTab


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
