"""奖补申报审核: every enterprise's reward claims in one list for the county (what `shengui
claim list` prints), filtered by year and status, and the county's decision on the one
selected (the enterprise window's form, claim_decision_dialog; policy.set_claim_status
writes it). A township sees its claims and their decisions, read only."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ...domain.policy_records import CLAIM_STATUSES
from ...services import policy
from ...services.ledger import reference
from ..common import APP_TITLE, Column, DictTableModel, make_table, wan
from ..enterprise.claims import claim_decision_dialog
from ..enterprise.records import RecordDialog


class ClaimsReview(QDialog):
    def __init__(self, window, year: int | None = None, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.county = window.site["role"] != "township"
        self.decision: RecordDialog | None = None
        self.setWindowTitle(f"奖补申报审核 — {APP_TITLE}")
        self.year = QComboBox()
        self.year.addItem("全部年度", None)
        years = sorted({c["year"] for c in policy.list_claims(window.ledger)} | {window.today.year}, reverse=True)
        for y in years:
            self.year.addItem(f"{y}年", y)
        self.year.setCurrentIndex(max(0, self.year.findData(year)) if year is not None else 0)
        self.status = QComboBox()
        self.status.addItem("全部状态", None)
        for code, label in CLAIM_STATUSES.items():
            self.status.addItem(label, code)
        self.decide_button = QPushButton("审核 / 兑现…")
        self.decide_button.setToolTip("对所选申报作出决定：审核、兑现或不予（写明理由）")
        self.decide_button.clicked.connect(self.decide)
        bar = QHBoxLayout()
        for w in (QLabel("年度"), self.year, QLabel("状态"), self.status):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.decide_button)
        self.tally = QLabel("")
        self.tally.setWordWrap(True)
        self.model = DictTableModel([
            Column("year", "年度", lambda v: f"{v}年", width=56),
            Column("enterprise_name", "企业", width=170),
            Column("township_name", "乡镇", width=70),
            Column("what", "申报类别 / 奖补项目", width=170),
            Column("description", "项目或合同名称", width=160),
            Column("amount", "金额(万元)", wan, True, 90),
            Column("status_label", "状态", width=45),
            Column("recorded_on", "申报日期", width=86),
            Column("decided_on", "决定日期", width=86),
            Column("decision_note", "审核意见", width=160)], self)
        self.table = make_table(self.model, empty="")
        self.table.doubleClicked.connect(lambda _ix: self.decide())
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.tally)
        layout.addWidget(self.table, 1)
        if not self.county:
            self.decide_button.setEnabled(False)
            note = QLabel("乡镇登记申报（企业窗口的“奖补申报”页）；审核、兑现和不予由县级决定，同步后在此显示。")
            note.setWordWrap(True)
            layout.addWidget(note)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        closing = QHBoxLayout()
        closing.addStretch(1)
        closing.addWidget(close)
        layout.addLayout(closing)
        self.year.currentIndexChanged.connect(lambda _i: self.load())
        self.status.currentIndexChanged.connect(lambda _i: self.load())
        self.resize(1000, 560)
        self.load()

    def load(self) -> None:
        towns = {t["code"]: t["name"] for t in reference.list_townships(self.window_.ledger)}
        rows = policy.list_claims(self.window_.ledger, year=self.year.currentData(),
                                  status=self.status.currentData())
        for r in rows:
            r["township_name"] = towns.get(r["township_code"], r["township_code"] or "")
            r["what"] = r["rule_name"] if r["kind"] == "award" and r["rule_name"] else r["kind_label"]
        self.model.set_rows(rows)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r["status_label"]] = counts.get(r["status_label"], 0) + 1
        if rows:
            self.tally.setText(f"共{len(rows)}项：" + "，".join(
                f"{label}{counts[label]}项" for label in CLAIM_STATUSES.values() if label in counts)
                + ("。选中一项后点“审核 / 兑现…”（或双击）作出决定。" if self.county else ""))
        else:
            self.tally.setText("没有符合条件的奖补申报。乡镇在企业窗口的“奖补申报”页登记，随同步包报到县级。")
        self.decide_button.setEnabled(self.county and bool(rows))
        if rows:
            self.table.selectRow(0)

    def selected(self) -> dict | None:
        picked = self.table.selectionModel().selectedRows()
        return self.model.row(picked[0].row()) if picked else None

    def decide(self) -> RecordDialog | None:
        row = self.selected()
        if row is None or not self.county:
            return None
        dialog = claim_decision_dialog(self, self.window_, row)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._decided(row))
        self.decision = dialog
        dialog.open()
        return dialog

    def _decided(self, row: dict) -> None:
        self.load()
        self.window_.bus.tell({"reward_claims"}, {row["enterprise_id"]})
