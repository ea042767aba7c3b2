"""乡镇与部门 (county settings): the townships of the county (code, name, enrolled office,
enterprise count) to add, rename or merge a twin into, and the departments with their
net-increase targets of a year. A township sees its own row and the departments read-only
(both come from the county's packages). Everything goes through services.ledger."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QInputDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ...services import policy
from ...services.office import permissions
from ...services.ledger import reference, townships
from ..common import APP_TITLE, Column, DictTableModel, guarded, make_table
from ..permits import guard


class TownshipDialog(QDialog):
    """区划代码 and name of a township to add."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("添加乡镇")
        self.code = QLineEdit()
        self.code.setPlaceholderText("9位统计用区划代码")
        self.name = QLineEdit()
        form = QFormLayout(self)
        form.addRow("乡镇代码", self.code)
        form.addRow("乡镇名称", self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @classmethod
    def ask(cls, parent) -> tuple[str, str] | None:
        dialog = cls(parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.code.text(), dialog.name.text()


def _yes_no(value) -> str:
    return "是" if value else ""


def _rate(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


TOWNSHIP_COLUMNS = [Column("code", "乡镇代码", width=100), Column("name", "名称", width=140),
                    Column("office", "已登记单位", lambda v: v or "未登记", width=140),
                    Column("enterprises", "企业数", align_right=True, width=70),
                    Column("targets", "目标条数", align_right=True, width=70),
                    Column("same_name", "同名乡镇", lambda v: "、".join(v) if v else "")]
DEPARTMENT_COLUMNS = [Column("name", "部门", width=140),
                      Column("target", "目标净增", lambda v: "未设" if v is None else f"{v}户", True, 80),
                      Column("entries", "新增", align_right=True, width=60),
                      Column("exits", "退规", align_right=True, width=60),
                      Column("net_increase", "净增", align_right=True, width=60),
                      Column("completion_rate", "完成率", _rate, True, 70),
                      Column("note", "说明")]


class TownshipsPage(QWidget):
    def __init__(self, window, parent=None, today: date | None = None):
        super().__init__(parent)
        self.main = window
        self.county = window.site["role"] == "county"
        today = today or getattr(window, "today", None) or date.today()

        title = QLabel("乡镇与部门")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        note = QLabel("县级维护本县的乡镇、部门和目标，随县级同步包下发到各乡镇。" if self.county
                      else "乡镇与部门由县级维护，随县级同步包下发；本乡镇只能查看。")
        note.setWordWrap(True)

        self.township_model = DictTableModel(TOWNSHIP_COLUMNS, self)
        self.township_table = make_table(self.township_model, self, stretch="same_name")
        towns_box = QGroupBox("乡镇" if self.county else "本乡镇")
        towns = QVBoxLayout(towns_box)
        towns.addWidget(self.township_table)
        self.add_town = self.rename = self.merge = self.starter_button = None
        if self.county:
            self.add_town = QPushButton("添加乡镇…")
            self.rename = QPushButton("改名…")
            self.merge = QPushButton("合并到…")
            self.merge.setToolTip("把误建的重复乡镇合并到正确的乡镇：企业和目标随之转过去")
            self.add_town.clicked.connect(self.add_township)
            self.rename.clicked.connect(self.rename_selected)
            self.merge.clicked.connect(self.merge_selected)
            self.starter_button = QPushButton("制作乡镇初始包…")
            self.starter_button.setToolTip("为尚未建账的乡镇制作初始包：县级证书、乡镇名称代码、政策配置和该乡镇的企业，"
                                           "乡镇第一次打开程序时用它建账")
            self.starter_button.clicked.connect(self.make_starter)
            guard(self.starter_button, permissions.reason(window.ledger, "enrolment"))
            towns.addLayout(self._row(self.add_town, self.rename, self.merge, self.starter_button))

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.year.setSuffix("年")
        self.year.valueChanged.connect(lambda _y: self.refresh_departments())
        self.department_model = DictTableModel(DEPARTMENT_COLUMNS, self)
        self.department_table = make_table(self.department_model, self, stretch="note")
        self.target_source = QLabel()
        self.target_source.setWordWrap(True)
        depts_box = QGroupBox("部门与目标任务")
        depts = QVBoxLayout(depts_box)
        depts.addLayout(self._row(QLabel("年度"), self.year, self.target_source, stretch_last=True))
        depts.addWidget(self.department_table)
        self.add_dept = self.set_target = None
        if self.county:
            self.add_dept = QPushButton("添加部门…")
            self.set_target = QPushButton("设定目标…")
            self.add_dept.clicked.connect(self.add_department)
            self.set_target.clicked.connect(self.set_selected_target)
            depts.addLayout(self._row(self.add_dept, self.set_target))

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(towns_box, 2)
        layout.addWidget(depts_box, 3)  # a county has more departments than fit otherwise
        # filled when shown (showEvent): the window makes every page at unlock, and this one's
        # target progress reads every enterprise (1.1 s and ~70 MB at a province, #20)

    @staticmethod
    def _row(*widgets, stretch_last: bool = False) -> QHBoxLayout:
        row = QHBoxLayout()
        for w in widgets:
            row.addWidget(w, 1 if stretch_last and w is widgets[-1] else 0)
        if not stretch_last:
            row.addStretch(1)
        return row

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        lines = townships.township_lines(self.main.ledger)
        if not self.county:
            own = self.main.site["area_code"]
            lines = [t for t in lines if t["code"] == own]
        self.township_model.set_rows(lines)
        self.refresh_departments()

    def refresh_departments(self) -> None:
        ledger, year = self.main.ledger, self.year.value()
        progress = policy.target_progress(ledger, year)
        lines = {ln.key: ln for ln in progress.departments if ln.key is not None}
        rows = []
        for d in reference.list_departments(ledger):
            ln = lines.get(d["id"])
            rows.append({"id": d["id"], "name": d["name"], "target": ln.target if ln else None,
                         "entries": ln.entries if ln else 0, "exits": ln.exits if ln else 0,
                         "net_increase": ln.net_increase if ln else 0,
                         "completion_rate": ln.completion_rate if ln else None,
                         "note": ln.note if ln else None, "registered": True})
        for ln in progress.departments:
            if not ln.registered:
                rows.append({"id": None, "name": f"{ln.name}（未登记）", "target": ln.target, "entries": 0,
                             "exits": 0, "net_increase": 0, "completion_rate": None, "note": ln.note,
                             "registered": False})
        self.department_model.set_rows(rows)
        self.from_profile = policy.year_targets_from_profile(ledger, year)
        self.target_source.setText(f"{year}年目标由政策配置分解（在“政策配置”中更换）" if self.from_profile
                                   else f"{year}年目标由县级设定" if any(r["target"] is not None for r in rows)
                                   else f"{year}年尚未设定部门目标")
        if self.set_target is not None:
            self.set_target.setEnabled(not self.from_profile)
            self.set_target.setToolTip("本年度目标由政策配置分解，不能在此修改" if self.from_profile else "")

    def selected_township(self) -> dict | None:
        rows = self.township_table.selectionModel().selectedRows()
        return self.township_model.row(rows[0].row()) if rows else None

    def selected_department(self) -> dict | None:
        rows = self.department_table.selectionModel().selectedRows()
        return self.department_model.row(rows[0].row()) if rows else None

    def _done(self, message: str, tables: set[str]) -> None:
        self.refresh()
        self.main.statusBar().showMessage(message, 8000)
        if tables & {"townships", "departments"}:
            self.main.sync_changed()  # the ledger's index holds their names: reload it
        else:
            self.main.bus.tell(tables)

    def _need(self, row: dict | None, what: str) -> bool:
        if row is None:
            QMessageBox.information(self, APP_TITLE, f"请先在列表中选择{what}。")
        return row is not None

    # -- townships (the county) ----------------------------------------------------------
    def add_township(self) -> None:
        answer = TownshipDialog.ask(self)
        if answer is None:
            return
        code, name = answer
        if guarded(self, lambda: townships.add_township(self.main.ledger, code, name)) is None:
            return
        self._done(f"已添加乡镇：{name.strip()}（{code.strip()}）", {"townships"})

    def make_starter(self) -> None:
        """制作乡镇初始包… (ui/townships/starter.py), for the selected township if one is."""
        from .starter import StarterDialog

        town = self.selected_township()
        dialog = StarterDialog(self.main.ledger, self, township=town["code"] if town else None)
        dialog.exec()
        if dialog.made is not None:
            self.main.statusBar().showMessage(f"已制作“{dialog.made.township}”的初始包：{dialog.made.path}", 8000)

    def rename_selected(self) -> None:
        town = self.selected_township()
        if not self._need(town, "要改名的乡镇"):
            return
        name, ok = QInputDialog.getText(self, "乡镇改名", f"“{town['name']}”（{town['code']}）的新名称：",
                                        text=town["name"])
        if not ok:
            return
        result = guarded(self, lambda: townships.rename_township(self.main.ledger, town["code"], name))
        if result is not None:
            self._done(f"已将“{result['old_name']}”改名为“{result['name']}”", {"townships"})

    def merge_selected(self) -> None:
        town = self.selected_township()
        if not self._need(town, "误建的重复乡镇"):
            return
        others = [t for t in self.township_model.rows_data if t["code"] != town["code"]]
        others.sort(key=lambda t: (t["code"] not in town["same_name"], t["code"]))
        labels = [f"{t['name']}（{t['code']}）" for t in others]
        if not labels:
            return
        label, ok = QInputDialog.getItem(self, "合并乡镇", f"把“{town['name']}”（{town['code']}）合并到：",
                                         labels, 0, False)
        if not ok or label not in labels:
            return
        into = others[labels.index(label)]
        ledger = self.main.ledger
        plan = guarded(self, lambda: townships.merge_townships(ledger, town["code"], into["code"], dry_run=True),
                       "无法合并")
        if plan is None:
            return
        lines = [f"把“{plan['from']['name']}”（{plan['from']['code']}）合并到“{plan['into']['name']}”"
                 f"（{plan['into']['code']}）：",
                 f"• {plan['enterprises']}户企业转到“{plan['into']['name']}”",
                 f"• {len(plan['targets_moved'])}条目标随之转过去"]
        lines += [f"• {d['year']}年目标净增{d['net_increase']}户不再保留（保留“{plan['into']['name']}”的"
                  f"{d['kept']}户）" for d in plan["targets_dropped"]]
        lines.append(f"• 之后删除“{plan['from']['name']}”（{plan['from']['code']}）；修改随同步包发往乡镇")
        answer = QMessageBox.question(self, "合并乡镇", "\n".join(lines),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        result = guarded(self, lambda: townships.merge_townships(ledger, town["code"], into["code"]), "无法合并")
        if result is None:
            return
        self.refresh()
        self.main.statusBar().showMessage(
            f"已合并：{result['enterprises']}户企业转到“{result['into']['name']}”", 8000)
        self.main.sync_changed()  # enterprises changed township: reload the ledger's index

    # -- departments (the county) --------------------------------------------------------
    def add_department(self) -> None:
        name, ok = QInputDialog.getText(self, "添加部门", "部门名称：")
        if not ok:
            return
        if guarded(self, lambda: townships.add_department(self.main.ledger, name)) is not None:
            self._done(f"已添加部门：{name.strip()}", {"departments"})

    def set_selected_target(self) -> None:
        dept = self.selected_department()
        if not self._need(dept, "部门"):
            return
        if not dept["registered"]:
            QMessageBox.information(self, APP_TITLE, "该部门尚未登记，请先添加部门。")
            return
        year = self.year.value()
        value, ok = QInputDialog.getInt(self, "设定目标", f"{dept['name']} {year}年目标净增（户）：",
                                        dept["target"] or 0, -10000, 100000)
        if not ok:
            return
        record = {"year": year, "scope": "department", "department_id": dept["id"], "net_increase": value}
        if guarded(self, lambda: townships.set_target(self.main.ledger, record)) is not None:
            self._done(f"已设定{dept['name']}{year}年目标：净增{value}户", {"targets"})
