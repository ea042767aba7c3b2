"""入规历史 of the enterprise window: the periods it was above scale before this ledger knew
it (the name it had, entered, exited), read by the rules on re-entry; the writing and its
checks are services.policy's (records.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from ...services import policy
from ...services.ledger import enterprises
from ..common import Column
from .records import FieldSpec, RecordDialog, RecordsTab


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
