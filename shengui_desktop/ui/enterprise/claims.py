"""奖补申报 of the enterprise window: its claims for the profile's rewards, the form to add
one, and the county's decision (claim_decision_dialog, also opened from the 奖补 page's list).
The writing and its checks are services.policy's (records.py)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from ...domain.policy import BID_REGIONS
from ...domain.policy_records import CLAIM_KINDS, CLAIM_STATUSES
from ...services import policy
from ..common import Column, wan
from .records import FieldSpec, RecordDialog, RecordsTab


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
