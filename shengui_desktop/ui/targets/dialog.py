"""设定目标: the county sets one target (a kind, its year or period, for the county, a
township or a department, the number of enterprises) through services.policy.set_target,
whose checks give the Chinese messages; the dialog stays open on a refusal."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QMessageBox, QSpinBox, QWidget)

from ...domain.records import PERIOD_KINDS, TARGET_KINDS
from ...errors import UserError
from ...services import policy
from ..common import show_error


class TargetDialog(QDialog):
    """`scope` preselects ("township", code) / ("department", name) / ("county", None)."""

    def __init__(self, parent: QWidget, ledger, townships: list[dict], departments: list[dict], *,
                 kind: str = "net", first_year: int, last_year: int, scope: tuple[str, str | None] = ("county", None),
                 value: int | None = None, note: str | None = None,
                 allocated: set[tuple[str, int, int]] | None = None):
        super().__init__(parent)
        self.ledger = ledger
        self.allocated = allocated or set()  # (kind, first, last) the policy profile allocates
        self.result_: dict | None = None
        self.setWindowTitle("设定目标")
        self.kind = QComboBox()
        for code, name in TARGET_KINDS.items():
            self.kind.addItem(name, code)
        self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
        self.first = QSpinBox()
        self.until = QSpinBox()
        for spin, year in ((self.first, first_year), (self.until, last_year)):
            spin.setRange(2000, 2100)
            spin.setSuffix("年")
            spin.setValue(year)
        self.until_label = QLabel("截止年度")
        self.first_label = QLabel("年度")
        self.scope = QComboBox()
        self.scope.addItem("全县", ("county", None))
        for t in townships:
            self.scope.addItem(f"乡镇 · {t['name']}", ("township", t["code"]))
        for d in departments:
            self.scope.addItem(f"部门 · {d['name']}", ("department", d["name"]))
        found = [i for i in range(self.scope.count()) if tuple(self.scope.itemData(i)) == tuple(scope)]
        self.scope.setCurrentIndex(found[0] if found else 0)
        self.value = QSpinBox()
        self.value.setRange(-10000, 100000)
        self.value.setSuffix(" 户")
        self.value.setValue(value or 0)
        self.note = QLineEdit(note or "")
        self.note.setPlaceholderText("可不填，如“以新投产企业为重点”")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        form = QFormLayout(self)
        form.addRow("目标类别", self.kind)
        form.addRow(self.first_label, self.first)
        form.addRow(self.until_label, self.until)
        form.addRow("范围", self.scope)
        form.addRow("目标户数", self.value)
        form.addRow("说明", self.note)
        form.addRow(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self._kind_changed()
        self.setMinimumWidth(380)

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        period = kind in PERIOD_KINDS
        self.until.setVisible(period)
        self.until_label.setVisible(period)
        self.first_label.setText("起始年度" if period else "年度")
        self.hint.setText({"net": "净增 = 当年新增入规 − 退规，可为负数。",
                           "new": "新增：当年新入规企业户数。",
                           "cumulative": "累计新增：起始年度至截止年度新入规企业户数之和。",
                           "stock": "规上企业总数：截止年度年底的规上企业户数。"}[kind])

    def values(self) -> dict:
        """The arguments of set_target the dialog stands for."""
        kind = self.kind.currentData()
        scope, key = self.scope.currentData()
        out: dict = {"kind": kind, "value": self.value.value(), "note": self.note.text().strip() or None}
        if kind in PERIOD_KINDS:
            out.update(first_year=self.first.value(), until=self.until.value())
        else:
            out["year"] = self.first.value()
        if scope == "township":
            out["township"] = key
        elif scope == "department":
            out["department"] = key
        return out

    def in_profile(self) -> bool:
        """Whether the target chosen is one the profile allocates (set_target edits the profile)."""
        v = self.values()
        first = v.get("first_year", v.get("year"))
        return (v["kind"], first, v.get("until", first)) in self.allocated

    def accept(self) -> None:
        if self.in_profile():
            answer = QMessageBox.question(
                self, "修改政策配置中的目标",
                "这一目标由政策配置分解。保存后将修改本县使用的政策配置（首次修改时先复制为本县版本），"
                "并随同步包下发到各乡镇。\n\n要保存吗？")
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.result_ = policy.set_target(self.ledger, **self.values())
        except UserError as e:
            show_error(self, e, "无法设定目标")
            return
        super().accept()
