"""审计日志: who did what and when (services/office/audit.py), filtered by person, action,
office and date; 验证 checks every office's hash chain and names the first broken entry;
导出 writes the listed entries to xlsx. Listing, verifying and exporting run on the worker."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from ...services.office import audit, site
from ..common import Column, DictTableModel, ask_save_file, make_table
from ..jobs import JobRunner, run_with_progress

ALL = "（全部）"
LIMIT = 5000  # newest entries listed; the export takes all that match
EMPTY_TEXT = "没有符合条件的审计记录。请放宽筛选条件（人员、操作、日期）。"
BROKEN_BRUSH = QBrush(QColor("#fde2e1"))


def _day(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


class AuditTab(QWidget):
    def __init__(self, page):
        super().__init__()
        self.page = page
        self.window_ = page.window_
        # its own worker: a restore (备份与恢复) waits while the audit log is being read
        self.runner = JobRunner(self)
        self.busy = False
        self.pending = False  # the filter changed while the worker was busy: list again
        self.loaded = False
        self.broken: set[tuple[str, str, int]] = set()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        filters = QHBoxLayout()
        self.person = QComboBox()
        self.action = QComboBox()
        self.office = QComboBox()
        for box, width in ((self.person, 110), (self.action, 110), (self.office, 100)):
            box.setMinimumWidth(width)
            box.addItem(ALL, None)
        for name in audit.ACTIONS:
            self.action.addItem(name, name)
        self.by_date = QCheckBox("日期")
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-30))
        self.until = QDateEdit(today)
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.by_date.toggled.connect(self.since.setEnabled)
        self.by_date.toggled.connect(self.until.setEnabled)
        for label, widget in (("人员", self.person), ("操作", self.action), ("单位", self.office)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
            filters.addSpacing(6)
        filters.addWidget(self.by_date)
        filters.addWidget(self.since)
        filters.addWidget(QLabel("至"))
        filters.addWidget(self.until)
        filters.addStretch(1)
        layout.addLayout(filters)
        for box in (self.person, self.action, self.office):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.by_date.toggled.connect(lambda _on: self.refresh())
        self.since.dateChanged.connect(lambda _d: self.refresh() if self.by_date.isChecked() else None)
        self.until.dateChanged.connect(lambda _d: self.refresh() if self.by_date.isChecked() else None)

        buttons = QHBoxLayout()
        self.verify_button = QPushButton("验证")
        self.verify_button.setToolTip("校验每个单位审计日志的哈希链：记录被改动、删除或插入时指出第一处断开的记录")
        self.export_button = QPushButton("导出…")
        self.export_button.setToolTip("把下表筛选出的审计记录导出为Excel（xlsx）")
        self.refresh_button = QPushButton("刷新")
        for b in (self.verify_button, self.export_button, self.refresh_button):
            b.setMinimumHeight(28)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        self.refresh_button.clicked.connect(self.refresh)
        self.count = QLabel("")
        buttons.addWidget(self.verify_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.count, 1)
        layout.addLayout(buttons)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setVisible(False)
        layout.addWidget(self.result)

        self.model = DictTableModel([
            Column("time", "时间", width=140),
            Column("copy", "单位", width=150),  # 秀水镇（设备1a2b）: the copy whose chain
            Column("person", "人员", width=75),
            Column("action", "操作", width=80),
            Column("object", "对象", width=170),
            Column("detail", "详情", width=330),
        ], self, row_brush=lambda r: BROKEN_BRUSH if (r["office_id"], r["origin"], r["no"]) in self.broken
           else None)
        self.table = make_table(self.model, empty="正在读取审计日志…")
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        note = QLabel("审计日志记录每次解锁（含密码错误）、修改、导入导出、打印、备份恢复、用户与密钥的变动；"
                      "记录只增不改，每条带前一条的摘要，任何改动都能被“验证”发现。乡镇的审计日志随同步包报送县级。")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)

    # -- the filter ------------------------------------------------------------------------
    def current_filter(self, limit: int | None = LIMIT) -> audit.Filter:
        dated = self.by_date.isChecked()
        return audit.Filter(person=self.person.currentData(), action=self.action.currentData(),
                            office=self.office.currentData(),
                            since=_day(self.since) if dated else None,
                            until=_day(self.until) if dated else None, limit=limit)

    def _set_choices(self, box: QComboBox, items: list[tuple[str, str]]) -> None:
        """Offer `items` (text, value), keeping the current choice, without a refresh."""
        chosen = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(ALL, None)
        for text, value in items:
            box.addItem(text, value)
        box.setCurrentIndex(max(0, box.findData(chosen)) if chosen is not None else 0)
        box.blockSignals(False)

    def _enable(self) -> None:
        for w in (self.verify_button, self.export_button, self.refresh_button):
            w.setEnabled(not self.busy)

    def _idle(self) -> None:
        """The worker is free again: a filter changed meanwhile is applied now."""
        self.busy = False
        self._enable()
        if self.pending:
            self.pending = False
            self.refresh()

    # -- listing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.busy:
            self.pending = True
            return
        which = self.current_filter()
        if which.since and which.until and which.since > which.until:
            self.count.setText("起始日期晚于截止日期。")
            self.model.set_rows([])
            return
        self.busy = True
        self._enable()

        def work(ledger, _progress, _cancelled):
            return (audit.entries(ledger, which), audit.people(ledger), audit.offices(ledger))

        self.runner.start(self.window_.ledger, work, name="audit", latest=True, on_done=self._listed,
                          on_error=self._failed)

    def _listed(self, found) -> None:
        entries, people, offices = found
        self.loaded = True
        self._set_choices(self.person, [(p, p) for p in people])
        self._set_choices(self.office, [(o["office"], o["office_id"]) for o in offices])
        self.office.setVisible(len(offices) > 1)
        rows = [e.as_dict() for e in reversed(entries)]  # newest first
        self.model.set_rows(rows)
        self.table.empty_hint.set_text(EMPTY_TEXT if self._filtered() else
                                       "审计日志为空：解锁、修改、导入导出等操作会在此留下记录。")
        more = "（只列出最近的5000条，导出包括全部）" if len(rows) >= LIMIT else ""
        self.count.setText(f"共{len(rows)}条记录{more}" if rows else "")
        self._idle()

    def _filtered(self) -> bool:
        f = self.current_filter()
        return any((f.person, f.action, f.office, f.since, f.until))

    def _failed(self, message: str) -> None:
        self._idle()
        QMessageBox.warning(self, "审计日志", message)

    # -- 验证 ------------------------------------------------------------------------------
    def verify(self) -> None:
        if self.busy:
            return
        self.busy = True
        self._enable()

        def work(ledger, _progress, _cancelled):
            return audit.verify(ledger)

        self.runner.start(self.window_.ledger, work, name="audit-verify", on_done=self._verified,
                          on_error=self._failed)

    def _verified(self, result) -> None:
        # each copy of an office's ledger has its own chain: a break marks its entry only
        self.broken = {(b.office_id, b.origin, b.no) for b in result.breaks}
        self.result.setStyleSheet("color: #2e7d32;" if result.ok else
                                  "color: #b00020; font-weight: bold;")
        self.result.setText(result.message)
        self.result.setVisible(True)
        self.model.layoutChanged.emit()
        self._idle()

    # -- 导出 ------------------------------------------------------------------------------
    def export(self) -> None:
        if self.busy:
            return
        office = site.this_site(self.window_.ledger)
        name = f"{office['name'] if office else ''}审计日志{date.today():%Y%m%d}.xlsx"
        path = ask_save_file(self, "导出审计日志", name, "Excel 工作簿 (*.xlsx)", "xlsx")
        if not path:
            return
        which = self.current_filter(limit=None)
        self.busy = True
        self._enable()

        def work(ledger, _progress, _cancelled):
            return audit.export_xlsx(ledger, path, which)

        def done(result) -> None:
            self.busy = False
            self.pending = False  # listed again below
            self._enable()
            state = "" if result["verified"] else "\n注意：审计日志校验不通过，请点击“验证”查看。"
            self.result.setStyleSheet("" if result["verified"] else "color: #b00020;")
            self.result.setText(f"已导出审计日志{result['rows']}条：{result['path']}{state}")
            self.result.setVisible(True)
            self.refresh()

        run_with_progress(self, self.runner, self.window_.ledger, work, "正在导出审计日志…", done,
                          self._failed)
