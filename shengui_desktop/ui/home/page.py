"""首页: counts per pool, target progress, what needs action, calendar reminders.

Every number is a button that opens the filtered list behind it.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ...domain.evaluation import FLAG_NAMES
from ...domain.records import POOLS, STAT_STATUSES
from ...services import policy
from ...services.ledger import visits
from ..policy_text import reminder_lines, target_lines
from ..jobs import JobRunner
from ..ledger.index import POOL, STAT
from ..ledger.page import NO_ENTERPRISES, NO_ENTERPRISES_TOWNSHIP

LINK_STYLE = ("QPushButton { text-align: left; border: none; padding: 4px 6px; color: #1a5fb4; }"
              " QPushButton:hover { background: #e8f0fb; }")


def home_stats(today):
    """A job function: what the dashboard needs from the ledger besides the index."""
    def work(ledger, _progress, _cancelled):
        profile = policy.active_profile(ledger)
        return {
            # the pools to list: the profile's own (every pool without a profile)
            "pools": set(POOLS) if profile is None else {"none", *profile.data.get("pools", ())},
            "issues": visits.issue_counts(ledger, today.isoformat()),
            "targets": policy.target_progress(ledger, today.year),
            "reminders": policy.calendar_reminders(ledger, today),
        }
    return work


class HomePage(QWidget):
    navigate = Signal(str, dict)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.stats: dict = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.grid = QGridLayout(body)
        self.grid.setContentsMargins(16, 16, 16, 16)
        self.grid.setSpacing(14)
        title = QLabel(f"{window.site['name']} · 小升规企业培育工作台")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.grid.addWidget(title, 0, 0, 1, 2)
        self.boxes = {}
        for i, (key, name) in enumerate([("pools", "各库企业"), ("actions", "需要处理"),
                                          ("targets", f"{window.today.year}年目标进度"),
                                          ("calendar", "日历提醒")]):
            box = QGroupBox(name)
            box.setStyleSheet("QGroupBox { font-weight: bold; }")
            box.setLayout(QVBoxLayout())
            box.layout().setAlignment(Qt.AlignmentFlag.AlignTop)
            self.boxes[key] = box
            self.grid.addWidget(box, 1 + i // 2, i % 2)
        self.grid.setRowStretch(3, 1)
        self.buttons: dict[str, QPushButton] = {}

    # -- drawing -------------------------------------------------------------------------
    def _clear(self, key: str) -> QVBoxLayout:
        layout = self.boxes[key].layout()
        while layout.count():
            item = layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        return layout

    def _link(self, layout, name: str, text: str, page: str, filters: dict) -> QPushButton:
        button = QPushButton(text)
        button.setStyleSheet(LINK_STYLE)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.navigate.emit(page, filters))
        layout.addWidget(button)
        self.buttons[name] = button
        return button

    def _note(self, layout, text: str) -> None:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet("color: #555; padding: 4px 6px;")
        layout.addWidget(label)

    def refresh(self) -> None:
        self.draw_index()
        self.runner.start(self.window_.ledger, home_stats(self.window_.today), name="home",
                          on_done=self._stats_loaded)

    def _stats_loaded(self, stats: dict) -> None:
        listed = self.stats.get("pools")
        self.stats = stats
        if stats["pools"] != listed:
            self.draw_index()
        self.draw_actions()
        self.draw_lines("targets", target_lines(stats["targets"]))
        self.draw_lines("calendar", reminder_lines(stats["reminders"]))

    def draw_index(self) -> None:
        index = self.window_.index
        layout = self._clear("pools")
        if not self.window_.index_ready:
            self._note(layout, "正在读取台账…")
            return
        pools = Counter(r[POOL] for r in index.rows)
        stats = Counter(r[STAT] for r in index.rows)
        self._link(layout, "all", f"全部企业　{len(index):,}户", "企业台账", {})
        if not len(index):
            self._note(layout, NO_ENTERPRISES_TOWNSHIP if self.window_.site["role"] == "township"
                       else NO_ENTERPRISES)
        for code, label in STAT_STATUSES.items():
            if stats.get(code):
                self._link(layout, f"stat:{code}", f"{label}　{stats[code]:,}户", "企业台账",
                           {"stat_status": code})
        listed = self.stats.get("pools") or set(POOLS)
        for code, label in POOLS.items():
            if code in listed or pools.get(code):  # a pool the profile lacks only when someone is in it
                self._link(layout, f"pool:{code}", f"{label}　{pools.get(code, 0):,}户", "企业台账",
                           {"pool": code})
        self.draw_actions()

    def draw_actions(self) -> None:
        layout = self._clear("actions")
        index = self.window_.index
        issues = self.stats.get("issues") or {}
        if issues:
            self._link(layout, "overdue", f"逾期未办结问题　{issues.get('overdue', 0):,}个", "问题台账",
                       {"overdue": True})
            open_count = issues.get("open", 0) + issues.get("in_progress", 0)
            self._link(layout, "open_issues", f"未办结问题　{open_count:,}个", "问题台账", {})
        if not self.window_.figures_ready:
            self._note(layout, "正在按政策规则评估企业…")
            return
        if not index.evaluations:  # nothing to evaluate: no enterprise yet
            return
        flags = Counter(code for ev in index.evaluations.values() for code in ev.flag_codes)
        differs = sum(1 for r in index.rows if (ev := index.evaluations.get(r[0])) is not None
                      and ev.suggested_pool != r[POOL])
        self._link(layout, "differs", f"建议调整库别　{differs:,}户", "企业台账", {"suggested_differs": True})
        for code, label in FLAG_NAMES.items():
            if flags.get(code):
                self._link(layout, f"flag:{code}", f"{label}　{flags[code]:,}户", "企业台账", {"flag": code})

    def draw_lines(self, key: str, lines: list[str]) -> None:
        layout = self._clear(key)
        if not lines:
            self._note(layout, "本月暂无" if key == "calendar" else "暂无")
        for line in lines[:14]:
            self._note(layout, line)
