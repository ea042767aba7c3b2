"""The forms the county sends (一表通, #22 item 4), as the 一表通 page's first tab.

At a township, 收到的报表: each template with 下发部门, 截止日期 and 状态 (待填报 / 已填报 /
已报送, overdue in red); 填写此表 hands it to the page's fill tab, 标记已报送… records the day
(it travels to the county), 另存模板… writes the .xlsx. At the county, 下发的报表: template ×
township (who has sent what, from the townships' packages), with 下发报表模板…, 撤回 and
修改截止日期…. All of it is services/excel/form_templates.py."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...services.excel import form_templates as templates
from ...services.excel.form_templates import FormItem
from ...services.ledger import reference
from ...services.office import permissions
from ..common import ask_open_file, ask_save_file, guarded
from ..permits import guard

RED, GREY, GREEN, AMBER = QColor("#C00000"), QColor("#8a8a8a"), QColor("#1E6B2E"), QColor("#A65E00")
TOWNSHIP_EMPTY = ("还没有收到县级下发的报表。\n县级在一表通页下发报表模板后，模板随县级的同步包到达："
                  "在“数据同步”页导入县级的同步包，这里就列出要填的报表和截止日期。\n"
                  "也可以在“按模板填写”页直接选择手头的Excel模板填写。")
COUNTY_EMPTY = ("还没有下发报表模板。\n点“下发报表模板…”选择做好的模板（.xlsx，带{{字段}}），填写下发部门和截止日期，"
                "选择接收的乡镇；模板随下次导出的同步包送达，乡镇标记已报送后，这里按乡镇显示报送情况。")


def ask_xlsx(parent: QWidget) -> str:
    """The template to send; '' when cancelled (tests replace this function)."""
    return ask_open_file(parent, "选择报表模板", "", "Excel文件 (*.xlsx)")


def ask_date(parent: QWidget, title: str, label: str, initial: date, earliest: date | None = None,
             latest: date | None = None) -> date | None:
    """A day chosen in a small dialog; None when cancelled (tests replace this function)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    edit = QDateEdit(QDate(initial.year, initial.month, initial.day))
    edit.setDisplayFormat("yyyy年M月d日")
    edit.setCalendarPopup(True)
    if earliest:
        edit.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day))
    if latest:
        edit.setMaximumDate(QDate(latest.year, latest.month, latest.day))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText("确定")
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow(label, edit)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class SendDialog(QDialog):
    """下发报表模板: the file, its name, the department, the due date, the period and the
    townships. `values()` is what send_template takes; the page sends it on the worker."""

    def __init__(self, ledger, today: date, parent=None):
        super().__init__(parent)
        self.setWindowTitle("下发报表模板")
        self.today = today
        self.path = QLineEdit()
        self.path.setPlaceholderText("选择做好的报表模板（.xlsx，不超过2 MB）")
        self.path.setReadOnly(True)
        choose = QPushButton("选择…")
        choose.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：规上工业企业月报")
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.addItems(templates.DEPARTMENTS)
        self.department.setCurrentText("")
        self.department.lineEdit().setPlaceholderText("统计局、工信局…")
        later = today.toordinal() + 10
        due = date.fromordinal(later)
        self.due = QDateEdit(QDate(due.year, due.month, due.day))
        self.due.setDisplayFormat("yyyy年M月d日")
        self.due.setCalendarPopup(True)
        self.due.setMinimumDate(QDate(today.year, today.month, today.day))
        self.period = QComboBox()
        self.period.addItem("由乡镇选择", None)
        y, m = today.year, today.month
        for _ in range(6):
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
            self.period.addItem(f"{y}年{m}月", f"{y}-{m:02d}")
        self.period.addItem(f"{today.year - 1}年全年", str(today.year - 1))
        self.period.setCurrentIndex(1)
        self.all_townships = QCheckBox("全部乡镇")
        self.all_townships.setChecked(True)
        self.townships = QListWidget()
        self.townships.setMaximumHeight(130)
        for t in reference.list_townships(ledger):
            item = QListWidgetItem(t["name"])
            item.setData(Qt.ItemDataRole.UserRole, t["code"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.townships.addItem(item)
        self.townships.setEnabled(False)
        self.all_townships.toggled.connect(lambda on: self.townships.setEnabled(not on))
        form = QFormLayout()
        form.addRow("模板文件", row)
        form.addRow("报表名称", self.name)
        form.addRow("下发部门", self.department)
        form.addRow("截止日期", self.due)
        form.addRow("报表期间", self.period)
        form.addRow("接收乡镇", self.all_townships)
        form.addRow("", self.townships)
        note = QLabel("模板先按一表通的规则检查（字段、重复区域、文件本身），有问题不会下发；"
                      "下发后随下次导出的同步包送达乡镇。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("下发")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(520, 0)

    def choose(self) -> None:
        path = ask_xlsx(self)
        if path:
            self.set_path(path)

    def set_path(self, path: str) -> None:
        from pathlib import Path

        self.path.setText(path)
        if not self.name.text().strip():
            self.name.setText(Path(path).stem)

    def chosen_townships(self) -> list[str] | None:
        if self.all_townships.isChecked():
            return None
        return [self.townships.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.townships.count())
                if self.townships.item(i).checkState() == Qt.CheckState.Checked]

    def values(self) -> dict:
        d = self.due.date()
        return {"path": self.path.text(), "name": self.name.text(), "department": self.department.currentText(),
                "due": date(d.year(), d.month(), d.day()), "period": self.period.currentData(),
                "to": self.chosen_townships()}

    def accept(self) -> None:
        values = self.values()
        missing = [w for w, ok in (("模板文件", values["path"]), ("下发部门", values["department"].strip()))
                   if not ok]
        if values["to"] == []:
            missing.append("接收乡镇（勾选至少一个，或选“全部乡镇”）")
        if missing:
            QMessageBox.warning(self, "无法下发", "请填写：" + "、".join(missing))
            return
        super().accept()


class FormsBoard(QWidget):
    """The received (township) or sent (county) forms; `fill_requested` carries a form's id."""

    fill_requested = Signal(str)
    send_requested = Signal(dict)  # SendDialog.values(), sent by the page on the worker

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window
        ledger = window.ledger
        self.county = ledger.meta("role") == "county"
        self.forms: list[FormItem] = []
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("color: #444;")
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.itemSelectionChanged.connect(self.update_buttons)
        self.empty = QLabel(COUNTY_EMPTY if self.county else TOWNSHIP_EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setStyleSheet("font-size: 14px; color: #444; padding: 12px;")
        bar = QHBoxLayout()
        if self.county:
            self.send_button = QPushButton("下发报表模板…")
            self.send_button.clicked.connect(self.send)
            self.withdraw_button = QPushButton("撤回")
            self.withdraw_button.clicked.connect(self.withdraw)
            self.due_button = QPushButton("修改截止日期…")
            self.due_button.clicked.connect(self.change_due)
            self.show_withdrawn = QCheckBox("显示已撤回的")
            self.show_withdrawn.toggled.connect(lambda _on: self.reload())
            buttons = [self.send_button, self.withdraw_button, self.due_button]
            for b, action in ((self.send_button, "form_templates"), (self.withdraw_button, "form_templates"),
                              (self.due_button, "form_templates")):
                guard(b, permissions.reason(ledger, action))
        else:
            self.fill_button = QPushButton("填写此表")
            self.fill_button.setToolTip("在“按模板填写”页检查、预览并填写这张报表（.xlsx或PDF）")
            self.fill_button.clicked.connect(self.fill)
            self.sent_button = QPushButton("标记已报送…")
            self.sent_button.setToolTip("报表交给下发部门后标记；随下次导出的同步包告知县级")
            self.sent_button.clicked.connect(self.mark_sent)
            buttons = [self.fill_button, self.sent_button]
            guard(self.sent_button, permissions.reason(ledger, "form_returns"))
        self.save_button = QPushButton("另存模板…")
        self.save_button.setToolTip("把报表模板另存为.xlsx，可在Excel或WPS中查看")
        self.save_button.clicked.connect(self.save)
        for b in (*buttons, self.save_button):
            bar.addWidget(b)
        bar.addStretch(1)
        if self.county:
            bar.addWidget(self.show_withdrawn)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        self.reload()

    # -- data ---------------------------------------------------------------------------------
    def reload(self) -> None:
        ledger, today = self.main.ledger, self.main.today
        selected = self.current()
        if self.county:
            shown = templates.overview(ledger, today, withdrawn=self.show_withdrawn.isChecked())
            self.forms = shown.forms
            self.fill_county(shown)
        else:
            self.forms = templates.list_forms(ledger, today)
            self.fill_township()
        has = bool(self.forms)
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        if selected is not None:
            self.select(selected.id)
        self.update_buttons()

    def fill_township(self) -> None:
        due = [f for f in self.forms if f.status in ("due", "filled")]
        late = sum(1 for f in due if f.overdue)
        self.heading.setText(f"县级下发给本乡镇的报表{len(self.forms)}份：待填报或未报送{len(due)}份"
                             + (f"，其中逾期{late}份（红色）" if late else "") + "。选中一份，点“填写此表”。"
                             if self.forms else "")
        headers = ["报表名称", "下发部门", "截止日期", "报表期间", "状态"]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.forms))
        for r, f in enumerate(self.forms):
            state = f.status_text
            if f.status == "sent" and f.reported_on:
                state += f"（{f.reported_on}）"
            elif f.overdue:
                state += "（已逾期）"
            cells = [f.name, f.department, f.due_date, period_text(f.period), state]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                colour = GREY if f.status in ("sent", "withdrawn") else RED if f.overdue else None
                if colour is not None:
                    item.setForeground(QBrush(colour))
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def fill_county(self, shown: templates.Overview) -> None:
        towns = shown.townships
        open_forms = [f for f in self.forms if f.status != "withdrawn"]
        self.heading.setText(f"已下发报表{len(open_forms)}份，各乡镇的报送情况随乡镇的同步包更新"
                             "（红色：已过截止日期仍未报送）。" if self.forms else "")
        headers = ["报表名称", "下发部门", "截止日期", "已报送", *[n for _c, n in towns]]
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.forms))
        for r, f in enumerate(self.forms):
            done = "已撤回" if f.status == "withdrawn" else f"{f.sent}/{len(f.addressed)}"
            cells = [f.name, f.department, f.due_date, done]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                if f.status == "withdrawn":
                    item.setForeground(QBrush(GREY))
                elif c == 3 and f.status == "sent":
                    item.setForeground(QBrush(GREEN))
                self.table.setItem(r, c, item)
            for i, (code, _name) in enumerate(towns):
                cell = shown.cells.get((f.id, code))
                item = QTableWidgetItem("—" if cell is None else cell.text)
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if cell is None:
                    item.setToolTip("未下发给该乡镇")
                    item.setForeground(QBrush(GREY))
                elif cell.status == "sent":
                    item.setForeground(QBrush(GREEN))
                elif cell.overdue:
                    item.setForeground(QBrush(RED))
                elif cell.status == "filled":
                    item.setForeground(QBrush(AMBER))
                self.table.setItem(r, 4 + i, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def current(self) -> FormItem | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        wanted = item.data(Qt.ItemDataRole.UserRole) if item else None
        return next((f for f in self.forms if f.id == wanted), None)

    def select(self, form_id: str) -> bool:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == form_id:
                self.table.selectRow(r)
                return True
        return False

    def update_buttons(self) -> None:
        form = self.current()
        live = form is not None and form.status != "withdrawn"
        self.save_button.setEnabled(form is not None)
        if self.county:
            self.withdraw_button.setEnabled(live)
            self.due_button.setEnabled(live)
        else:
            self.fill_button.setEnabled(live)
            self.sent_button.setEnabled(live and form is not None and form.status != "sent")

    # -- actions -------------------------------------------------------------------------------
    def changed(self) -> None:
        self.reload()
        self.main.bus.tell({"form_templates", "form_returns"})

    def fill(self) -> None:
        form = self.current()
        if form is not None:
            self.fill_requested.emit(form.id)

    def mark_sent(self) -> None:
        form = self.current()
        if form is None:
            return
        today = self.main.today
        day = ask_date(self, "标记已报送", f"“{form.name}”的报送日期", today,
                       earliest=date.fromisoformat(form.sent_on), latest=today)
        if day is None:
            return
        info = guarded(self, lambda: templates.mark_sent(self.main.ledger, form.id, on=day, today=today),
                       "无法标记")
        if info is not None:
            self.changed()
            self.main.statusBar().showMessage(
                f"“{info['name']}”已标记为已报送（{info['sent_on']}），随下次导出的同步包告知县级", 10000)

    def save(self) -> None:
        form = self.current()
        if form is None:
            return
        out = ask_save_file(self, "另存报表模板", form.file_name, "Excel文件 (*.xlsx)", "xlsx")
        if out and guarded(self, lambda: templates.save_template(self.main.ledger, form.id, out)) is not None:
            self.main.statusBar().showMessage(f"报表模板已保存到：{out}", 10000)

    def send(self) -> None:
        dialog = SendDialog(self.main.ledger, self.main.today, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.send_requested.emit(dialog.values())

    def withdraw(self) -> None:
        form = self.current()
        if form is None:
            return
        answer = QMessageBox.question(self, "撤回报表", f"撤回“{form.name}”（{form.department}，截止{form.due_date}）？\n"
                                      "撤回随下次导出的同步包送达乡镇，乡镇不再需要填报。")
        if answer != QMessageBox.StandardButton.Yes:
            return
        if guarded(self, lambda: templates.withdraw_template(self.main.ledger, form.id, today=self.main.today),
                   "无法撤回") is not None:
            self.changed()

    def change_due(self) -> None:
        form = self.current()
        if form is None:
            return
        today = self.main.today
        day = ask_date(self, "修改截止日期", f"“{form.name}”的截止日期", date.fromisoformat(form.due_date)
                       if form.due_date >= today.isoformat() else today, earliest=today)
        if day is None:
            return
        if guarded(self, lambda: templates.change_due(self.main.ledger, form.id, day, today=today),
                   "无法修改") is not None:
            self.changed()


def period_text(period: str | None) -> str:
    if not period:
        return "由乡镇选择"
    if len(period) == 4:
        return f"{period}年全年"
    return f"{int(period[:4])}年{int(period[5:])}月"
