"""The visit form: keyboard-first, drafts kept in the ledger if it is closed unsaved.

Tab walks the fields in reading order; Ctrl+Enter (or Ctrl+S) saves; Alt+A adds an issue.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QSize, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QFrame,
                               QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QScrollArea, QVBoxLayout, QWidget)

from ...domain.records import ISSUE_CATEGORIES, VISIT_KINDS
from ...errors import UserError
from ...services.ledger import reference, visits
from ..common import APP_TITLE, fit_to_screen, show_error
from .picker import EnterprisePicker, NamesCompleter

DRAFT_KIND = "visit"
AUTOSAVE_MS = 15_000


class IssueRow(QWidget):
    def __init__(self, departments: list[dict], today: QDate, on_remove, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.category = QComboBox()
        for code, label in ISSUE_CATEGORIES.items():
            self.category.addItem(label, code)
        self.description = QLineEdit()
        self.description.setPlaceholderText("问题描述，如：希望协调流动资金贷款500万元")
        self.department = QComboBox()
        self.department.addItem("（责任单位）", None)
        for d in departments:
            self.department.addItem(d["name"], d["id"])
        self.deadline = QDateEdit(today.addDays(30))
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        remove = QPushButton("删除")
        remove.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        remove.clicked.connect(lambda: on_remove(self))
        for w, stretch in ((self.category, 0), (self.description, 1), (self.department, 0),
                           (QLabel("时限"), 0), (self.deadline, 0), (remove, 0)):
            layout.addWidget(w, stretch)

    def record(self) -> dict:
        return {"category": self.category.currentData(), "description": self.description.text().strip(),
                "department_id": self.department.currentData(),
                "deadline": self.deadline.date().toString("yyyy-MM-dd")}

    def load(self, record: dict) -> None:
        self.category.setCurrentIndex(max(0, self.category.findData(record.get("category"))))
        self.description.setText(record.get("description") or "")
        self.department.setCurrentIndex(max(0, self.department.findData(record.get("department_id"))))
        if record.get("deadline"):
            self.deadline.setDate(QDate.fromString(record["deadline"], "yyyy-MM-dd"))


class VisitForm(QDialog):
    def __init__(self, window, enterprise_id: str | None = None, draft: dict | None = None,
                 parent=None):
        super().__init__(parent or window)
        self.setWindowFlag(Qt.WindowType.Window)
        self.window_ = window
        self.ledger = window.ledger
        self.saved_visit_id: str | None = None
        self.draft_id: str | None = draft["id"] if draft else None
        self.departments = reference.list_departments(self.ledger)
        self.today = QDate(window.today.year, window.today.month, window.today.day)
        self.setWindowTitle(f"记录走访 — {APP_TITLE}")
        fit_to_screen(self, QSize(820, 600))

        # The fields scroll; the buttons stay below them, so 保存 is on screen however many
        # issues are added, down to a 1024×768 screen.
        outer = QVBoxLayout(self)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.scroll.setWidget(body)
        outer.addWidget(self.scroll, 1)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        self.picker = EnterprisePicker(window.index)
        self.date = QDateEdit(self.today)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(self.today)
        self.kind = QComboBox()
        for code, label in VISIT_KINDS.items():
            self.kind.addItem(label, code)
        self.visitors = QLineEdit()
        self.visitors.setPlaceholderText("多人用“、”分隔")
        recent = visits.recent_visitors(self.ledger)
        self.visitors.setCompleter(NamesCompleter(recent, self))
        if recent:
            self.visitors.setPlaceholderText(f"多人用“、”分隔；最近：{'、'.join(recent[:4])}")
        self.summary = QPlainTextEdit()
        self.summary.setPlaceholderText("走访情况：生产经营、订单、用电、财务规范等")
        self.summary.setTabChangesFocus(True)
        self.demands = QPlainTextEdit()
        self.demands.setPlaceholderText("企业诉求（可不填）")
        self.demands.setTabChangesFocus(True)
        self.demands.setMaximumHeight(70)
        row = QHBoxLayout()
        row.addWidget(self.date)
        row.addWidget(QLabel("方式"))
        row.addWidget(self.kind)
        row.addStretch(1)
        form.addRow("企业", self.picker)
        form.addRow("走访日期", row)
        form.addRow("走访人员", self.visitors)
        form.addRow("走访情况", self.summary)
        form.addRow("企业诉求", self.demands)
        layout.addLayout(form)

        box = QGroupBox("走访中提出的问题（一企一策）")
        self.issue_layout = QVBoxLayout(box)
        self.add_issue_button = QPushButton("添加问题(&A)")
        self.add_issue_button.clicked.connect(lambda: self.add_issue_row(focus=True))
        self.issue_layout.addWidget(self.add_issue_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.issue_rows: list[IssueRow] = []
        layout.addWidget(box)
        layout.addStretch(0)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #555")
        outer.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("保存 (Ctrl+Enter)", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.close)
        outer.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, activated=self.save)

        self.setTabOrder(self.picker.edit, self.date)
        self.setTabOrder(self.date, self.kind)
        self.setTabOrder(self.kind, self.visitors)
        self.setTabOrder(self.visitors, self.summary)
        self.setTabOrder(self.summary, self.demands)
        self.setTabOrder(self.demands, self.add_issue_button)
        if draft:
            self.load(draft["content"])
        elif enterprise_id:
            self.picker.set_enterprise(enterprise_id)
        (self.visitors if self.picker.enterprise_id else self.picker.edit).setFocus()
        self._autosave = QTimer(self)
        self._autosave.timeout.connect(self.keep_draft)
        self._autosave.start(AUTOSAVE_MS)

    def keyPressEvent(self, event) -> None:
        # Enter belongs to the field (picker, reason…), never to a dialog default button.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            return
        super().keyPressEvent(event)

    # -- issues --------------------------------------------------------------------------
    def add_issue_row(self, record: dict | None = None, focus: bool = False) -> IssueRow:
        row = IssueRow(self.departments, self.today, self.remove_issue_row)
        if record:
            row.load(record)
        self.issue_layout.insertWidget(self.issue_layout.count() - 1, row)
        self.issue_rows.append(row)
        if focus:
            row.category.setFocus()
            QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(self.add_issue_button))
        return row

    def remove_issue_row(self, row: IssueRow) -> None:
        self.issue_rows.remove(row)
        row.deleteLater()

    # -- content -------------------------------------------------------------------------
    def content(self) -> dict:
        return {"enterprise_id": self.picker.enterprise_id, "enterprise_text": self.picker.edit.text(),
                "visit_date": self.date.date().toString("yyyy-MM-dd"), "kind": self.kind.currentData(),
                "visitors": self.visitors.text().strip(), "summary": self.summary.toPlainText().strip(),
                "demands": self.demands.toPlainText().strip(),
                "issues": [r.record() for r in self.issue_rows]}

    def has_content(self) -> bool:
        c = self.content()
        return bool(c["visitors"] or c["summary"] or c["demands"]
                    or any(i["description"] for i in c["issues"]))

    def load(self, content: dict) -> None:
        if content.get("enterprise_id"):
            self.picker.set_enterprise(content["enterprise_id"])
        if content.get("visit_date"):
            self.date.setDate(QDate.fromString(content["visit_date"], "yyyy-MM-dd"))
        self.kind.setCurrentIndex(max(0, self.kind.findData(content.get("kind"))))
        self.visitors.setText(content.get("visitors") or "")
        self.summary.setPlainText(content.get("summary") or "")
        self.demands.setPlainText(content.get("demands") or "")
        for issue in content.get("issues") or []:
            self.add_issue_row(issue)

    def keep_draft(self) -> None:
        if self.saved_visit_id or not self.has_content():
            return
        self.draft_id = visits.save_draft(self.ledger, DRAFT_KIND, self.content(), self.draft_id)
        self.status.setText(f"草稿已保存（{QDate.currentDate().toString('yyyy-MM-dd')}）")

    # -- saving --------------------------------------------------------------------------
    def save(self) -> None:
        c = self.content()
        if not c["enterprise_id"]:
            show_error(self, "请先选择企业（输入名称或拼音首字母后按回车）。")
            self.picker.edit.setFocus()
            return
        record = {k: c[k] for k in ("visit_date", "kind", "visitors", "summary")}
        record["demands"] = c["demands"] or None
        issues = [{k: v for k, v in i.items() if v} for i in c["issues"]]
        try:
            visit_id, issue_ids = visits.add_visit(self.ledger, c["enterprise_id"], record, issues)
        except UserError as e:
            show_error(self, e)
            return
        self.saved_visit_id = visit_id
        if self.draft_id:
            visits.delete_draft(self.ledger, self.draft_id)
            self.draft_id = None
        self.window_.bus.tell({"visits", "issues"} if issue_ids else {"visits"}, {c["enterprise_id"]})
        self.window_.statusBar().showMessage(
            "已保存走访记录" + (f"和{len(issue_ids)}个问题" if issue_ids else ""), 6000)
        self.accept()

    def done(self, result: int) -> None:
        self._finish()
        super().done(result)

    def closeEvent(self, event) -> None:
        self._finish()
        super().closeEvent(event)

    def _finish(self) -> None:
        self._autosave.stop()
        if not self.saved_visit_id and self.has_content():
            self.keep_draft()
            self.window_.visits_page.refresh_drafts()
