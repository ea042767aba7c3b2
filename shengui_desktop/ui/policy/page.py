"""政策配置: the profile in force in plain Chinese (services.policy.describe_profile, the same
text as `shengui profile show`); at the county the shipped profiles to choose from, with a
confirmation naming what changes; a township reads its county's choice only (it arrives in the
county's packages)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox,
                               QPushButton, QTextBrowser, QVBoxLayout, QWidget)

from ...services import policy
from ..common import APP_TITLE, guarded


class PolicyPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window
        self.county = window.site["role"] == "county"
        self.shipped = policy.shipped_profiles()
        self.active = None

        title = QLabel("政策配置")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.summary = QTextBrowser()
        self.summary.setOpenLinks(False)
        self.summary_title = QLabel()
        self.summary_title.setStyleSheet("font-weight: bold;")

        right = QVBoxLayout()
        right.addWidget(self.summary_title)
        right.addWidget(self.summary, 1)
        body = QHBoxLayout()
        self.profiles: QListWidget | None = None
        self.choose: QPushButton | None = None
        self.copy_button: QPushButton | None = None
        self.edit_button: QPushButton | None = None
        if self.county:
            left = QVBoxLayout()
            left.addWidget(QLabel("随程序发布的政策配置："))
            self.profiles = QListWidget()
            self.profiles.setWordWrap(True)
            # two lines per profile: spaced and ruled so each reads as one entry
            self.profiles.setStyleSheet(
                "QListWidget::item { padding: 6px 4px; border-bottom: 1px solid #d8d8d8; color: black; }"
                "QListWidget::item:selected { background: #3b82c4; color: white; }")
            self.profiles.setMinimumWidth(240)
            self.profiles.setMaximumWidth(320)
            self.profiles.currentItemChanged.connect(lambda *_a: self._preview())
            left.addWidget(self.profiles, 1)
            self.choose = QPushButton("选用")
            self.choose.setToolTip("本县改用所选配置；随县级同步包发往各乡镇")
            self.choose.clicked.connect(self.choose_selected)
            left.addWidget(self.choose)
            self.copy_button = QPushButton("复制为本县修订版")
            self.copy_button.setToolTip("把使用中的配置复制为本县自己的版本，以便按本县实际调整参数")
            self.copy_button.clicked.connect(self.copy_active)
            left.addWidget(self.copy_button)
            self.edit_button = QPushButton("修改本县配置…")
            self.edit_button.setToolTip("修改本县修订版的门槛、库容、预警、奖补金额、目标和日程")
            self.edit_button.clicked.connect(self.edit_active)
            left.addWidget(self.edit_button)
            body.addLayout(left)
        body.addLayout(right, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.state)
        layout.addLayout(body, 1)
        self.refresh()

    def showEvent(self, event) -> None:
        # a package may have brought another profile since the page was last shown
        super().showEvent(event)
        self.refresh()

    # -- reading -------------------------------------------------------------------------
    def refresh(self) -> None:
        self.active = policy.active_profile(self.main.ledger)
        a = self.active
        if a is None:
            self.state.setText("本台账尚未选择政策配置。" + ("请在左侧选择本县执行的配置并点“选用”。" if self.county
                               else "县级选用后，随县级同步包下发到本乡镇。"))
        elif self.county:
            self.state.setText(f"使用中：{a.name}（版本{a.version}）。选用的配置随县级同步包发往各乡镇。")
        else:
            self.state.setText(f"使用中：{a.name}（版本{a.version}）。本配置由县级选用，随同步包下发，乡镇只能查看。")
        if self.profiles is None:
            self._show(a, "使用中的配置" if a else "")
            return
        current = self.profiles.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current else (a.code if a else None)
        self.profiles.blockSignals(True)
        self.profiles.clear()
        choices = list(self.shipped.values())
        if a is not None and a.code not in self.shipped:
            choices.insert(0, a)  # a local copy of the county's
        for p in choices:
            in_use = a is not None and p.code == a.code and p.version == a.version
            text = f"{p.name}{'【使用中】' if in_use else ''}\n{p.data['locality']}　版本{p.version}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p.code)
            item.setToolTip(p.data["document"])
            self.profiles.addItem(item)
            if p.code == keep:
                self.profiles.setCurrentItem(item)
        self.profiles.blockSignals(False)
        self._preview()

    def selected_code(self) -> str | None:
        item = self.profiles.currentItem() if self.profiles is not None else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _profile(self, code: str | None):
        if self.active is not None and code == self.active.code:
            return self.active
        return self.shipped.get(code) if code else None

    def _preview(self) -> None:
        code = self.selected_code()
        profile = self._profile(code)
        in_use = profile is not None and profile is self.active
        self._show(profile, "使用中的配置" if in_use else "预览（尚未选用）" if profile else "")
        if self.choose is not None:
            self.choose.setEnabled(profile is not None and not in_use)
        own = self.active is not None and self.active.code not in self.shipped
        if self.copy_button is not None and self.edit_button is not None:
            self.copy_button.setEnabled(self.active is not None and not own)
            self.edit_button.setEnabled(own)

    def _show(self, profile, heading: str) -> None:
        self.changes: list[dict] = []
        self.summary_title.setText(f"{heading}：{profile.name}" if profile else "")
        if profile is None:
            self.sections = []
            self.summary.setHtml("")
            return
        self.sections = policy.describe_profile(profile)
        self.changes = policy.parameter_changes(profile)
        html = []
        original = policy.original_profile(profile)
        if self.changes and original is not None:
            html.append(f"<h3 style='margin-bottom:2px'>本县修订：与原文件（{escape(original.name)}）不同的"
                        f"{len(self.changes)}项</h3><ul style='margin-top:0'>")
            html += [f"<li><b>{escape(c['label'])}</b>：原文件{escape(_shown(c['original'], c['unit']))}"
                     f" → 本县{escape(_shown(c['current'], c['unit']))}<br>"
                     f"<span style='color:#666'>原文：{escape(c['quote'])}</span></li>" for c in self.changes]
            html.append("</ul>")
        elif original is not None:
            html.append(f"<p>本县修订版，各项参数与原文件（{escape(original.name)}）相同。</p>")
        for section, lines in self.sections:
            html.append(f"<h3 style='margin-bottom:2px'>{escape(section)}</h3><ul style='margin-top:0'>")
            html += [f"<li>{escape(line.strip())}</li>" for line in lines]
            html.append("</ul>")
        self.summary.setHtml("".join(html))

    # -- choosing (the county) -----------------------------------------------------------
    def choose_selected(self) -> None:
        code = self.selected_code()
        new = self._profile(code)
        if new is None:
            return
        changes = policy.profile_changes(self.active, new)
        answer = QMessageBox.question(self, APP_TITLE, f"选用“{new.name}”？\n\n" + "\n".join(changes),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        result = guarded(self, lambda: policy.choose_profile(self.main.ledger, new.code), "无法选用")
        if result is None:
            return
        self.refresh()
        notices = [t["notice"] for t in result["targets"] if t.get("notice")]
        self.main.statusBar().showMessage(f"已选用政策配置：{result['name']}（版本{result['version']}）"
                                          + ("；" + "；".join(notices) if notices else ""), 10000)
        # every enterprise's suggestion and flags follow the profile: reload as after a sync
        self.main.sync_changed()

    # -- the county's own version ----------------------------------------------------------
    def copy_active(self) -> None:
        if self.active is None:
            return
        answer = QMessageBox.question(
            self, APP_TITLE, f"把“{self.active.name}”复制为本县修订版并开始使用？\n\n"
            "复制后可修改各项参数；原文件的规定仍可随时对照，也可重新选用原配置。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        result = guarded(self, lambda: policy.copy_profile(self.main.ledger), "无法复制")
        if result is None:
            return
        self.profiles_reselect(result["code"])
        self.main.statusBar().showMessage(f"已复制为“{result['name']}”并开始使用，可点“修改本县配置”调整参数", 10000)
        self.main.sync_changed()

    def edit_active(self) -> None:
        from .editor import ProfileEditor

        dialog = ProfileEditor(self.main.ledger, self)
        if not dialog.exec() or dialog.saved is None:
            return
        self.refresh()
        self.main.statusBar().showMessage(f"已保存本县配置（版本{dialog.saved['version']}），随县级同步包发往各乡镇",
                                          10000)
        self.main.sync_changed()

    def profiles_reselect(self, code: str) -> None:
        self.refresh()
        if self.profiles is None:
            return
        for i in range(self.profiles.count()):
            if self.profiles.item(i).data(Qt.ItemDataRole.UserRole) == code:
                self.profiles.setCurrentRow(i)


def _shown(text: str | None, unit: str) -> str:
    if text is None:
        return "未规定"
    if not text:
        return "（空）"
    return f"{text}{'' if unit == '月份' else unit}" if unit != "月份" else f"{text}月"
