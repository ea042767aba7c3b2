"""首页: the pools as a funnel beside their counts, the year's target progress by township as
a bar chart, this month's calendar with the profile's items, what needs action.

Every number, stage, bar and item opens the page or the filtered list behind it: a stage of
the funnel the 培育库 page when the window has one (else 企业台账 filtered by that pool), the
target chart 目标任务, a calendar item the list or page it concerns.
"""

from __future__ import annotations

import html
from collections import Counter

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea,
                               QVBoxLayout, QWidget)

from ...domain.evaluation import FLAG_NAMES
from ...domain.records import POOLS, STAT_STATUSES
from ...services import policy
from ...services.excel import form_templates
from ...services.ledger import visits
from ...services.policy.targets import TargetTable, target_tables
from ..charts import Bar, BarChart, FunnelChart, Stage
from ..jobs import JobRunner
from .calendar import DueFormsList, MonthGrid
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
            "profile": profile is not None,
            "issues": visits.issue_counts(ledger, today.isoformat()),
            "targets": target_tables(ledger, today.year),
            "reminders": policy.calendar_reminders(ledger, today),
            "forms": form_templates.due_forms(ledger, today),  # 待填报表 (#22)
        }
    return work


FUNNEL_POOLS = ("base", "reserve", "cultivation", "entry")  # widest first
RISK = "exit_risk"


def chart_table(tables: list[TargetTable]) -> TargetTable | None:
    """The target the home page draws: the year's 净增, or the first other one that is set."""
    own = [t for t in tables if t.area is None]
    return next((t for t in own if t.has_targets()), own[0] if own else None)


def calendar_target(code: str, flag: str | None, pools: set[str]) -> tuple[str, dict]:
    """The page (and filters) a calendar item of the profile concerns."""
    if "pool_review" in code:
        return "pools", {"pool": "cultivation", "tab": "review_page"}
    if "monitor" in code or "benchmark" in code:
        return "报表打印", {"report": "monitor"}
    if flag:
        return "企业台账", {"flag": flag}
    if "entry" in code and "entry" in pools:
        return "企业台账", {"pool": "entry"}
    return "企业台账", {"stat_status": "below_scale"}


class HomePage(QWidget):
    navigate = Signal(str, dict)

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window_ = window
        self.runner = JobRunner(self)
        self.stats: dict = {}
        self.stale = False  # something changed while the page was hidden: redrawn when shown
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
        self.boxes: dict[str, QWidget] = {}
        self.groups: dict[str, QGroupBox] = {}
        year = window.today.year
        for key, name, row, col in [("pools", "各库企业", 1, 0), ("targets", f"{year}年目标进度", 1, 1),
                                    ("calendar", f"本月日历（{window.today.month}月）", 2, 0),
                                    ("actions", "需要处理", 2, 1)]:
            group = QGroupBox(name)
            group.setStyleSheet("QGroupBox { font-weight: bold; }")
            self.groups[key] = group
            self.grid.addWidget(group, row, col)
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(3, 1)

        # 各库企业: the links (counts) beside the funnel
        self.boxes["pools"] = self._column()
        self.funnel = FunnelChart("培育梯队")
        self.funnel.clicked.connect(self._funnel_clicked)
        self.funnel.setMaximumWidth(480)  # a wide screen gets no banner of a funnel
        row = QHBoxLayout(self.groups["pools"])
        row.addWidget(self.boxes["pools"], 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.funnel, 1, Qt.AlignmentFlag.AlignTop)

        # the year's targets by township
        column = QVBoxLayout(self.groups["targets"])
        self.target_title = QLabel()
        self.target_title.setStyleSheet("font-weight: normal; color: #444;")
        self.target_chart = BarChart(f"{year}年目标进度（按乡镇）", hint="（点击打开目标任务）")
        self.target_chart.clicked.connect(lambda _key: self._open_targets())
        self.boxes["targets"] = self.target_chart
        column.addWidget(self.target_title)
        column.addWidget(self.target_chart)
        self.targets_link = QPushButton("打开目标任务 →")
        self._style_link(self.targets_link)
        self.targets_link.clicked.connect(self._open_targets)
        column.addWidget(self.targets_link, 0, Qt.AlignmentFlag.AlignLeft)
        column.addStretch(1)

        # this month: the days and the profile's items
        self.month = MonthGrid(window.today)
        self.boxes["calendar"] = self._column()
        row = QHBoxLayout(self.groups["calendar"])
        row.addWidget(self.month, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.boxes["calendar"], 1, Qt.AlignmentFlag.AlignTop)

        self.boxes["actions"] = self._column()
        QVBoxLayout(self.groups["actions"]).addWidget(self.boxes["actions"], 0, Qt.AlignmentFlag.AlignTop)
        self.buttons: dict[str, QPushButton] = {}
        self.links: dict[str, QLabel] = {}  # the calendar's items

    @staticmethod
    def _column() -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        return widget

    @staticmethod
    def _style_link(button: QPushButton) -> None:
        button.setStyleSheet(LINK_STYLE)
        button.setCursor(Qt.CursorShape.PointingHandCursor)

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
        self._style_link(button)
        button.clicked.connect(lambda: self.go(page, filters))
        layout.addWidget(button)
        self.buttons[name] = button
        return button

    def _note(self, layout, text: str) -> None:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet("color: #555; padding: 4px 6px;")
        layout.addWidget(label)

    def refresh(self) -> None:
        """Redraw from the index and load the ledger's statistics again; while the page is
        hidden, only when it is shown next. Every save on another page asked for this: at
        the province passes over 100,000 enterprises on the GUI thread, about 105 ms each
        save and 80 ms more when the statistics came back (bench/README.md, session 13)."""
        if self._hidden():
            return
        self.stale = False
        self.draw_index()
        self.runner.start(self.window_.ledger, home_stats(self.window_.today), name="home", latest=True,
                          on_done=self._stats_loaded)

    def evaluations_loaded(self) -> None:
        """The policy evaluations arrived: they change the funnel and 需要处理 only (the
        ledger's statistics came with the rows)."""
        if not self._hidden():
            self.draw_index()

    def _hidden(self) -> bool:
        """True, and the page marked stale, when it is not shown: it redraws when it is."""
        if self.isVisible():
            return False
        self.stale = True
        return True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def _stats_loaded(self, stats: dict) -> None:
        listed = self.stats.get("pools")
        self.stats = stats
        # draw_index draws the actions too (once the index is in): not twice, each a pass
        # over every enterprise (70 ms at the province)
        changed = stats["pools"] != listed
        if changed:
            self.draw_index()
        if not (changed and self.window_.index_ready):
            self.draw_actions()
        self.draw_targets()
        self.draw_calendar()

    # -- where a click goes --------------------------------------------------------------
    def page_name(self, attr: str) -> str | None:
        """The navigation name of the window's page held in `attr`, when it has one."""
        widget = getattr(self.window_, attr, None)
        row = self.window_.stack.indexOf(widget) if widget is not None else -1
        return self.window_.nav.item(row).text() if row >= 0 else None

    def go(self, page: str, filters: dict) -> None:
        """Open `page` ("pools": the 培育库 page, else 企业台账 with `filters`)."""
        if page == "pools":
            name = self.page_name("pools_page")
            if name is not None:
                self.navigate.emit(name, {})
                pools_page = self.window_.pools_page
                tabs, tab = getattr(pools_page, "tabs", None), getattr(pools_page, filters.get("tab", ""), None)
                if tabs is not None and tab is not None:  # its 退规风险 or 季度调整 list
                    tabs.setCurrentWidget(tab)
                return
            page = "企业台账"
            filters = {k: v for k, v in filters.items() if k != "tab"}
        report = filters.get("report")
        self.navigate.emit(page, {} if report else filters)
        if report and hasattr(self.window_, "print_page"):
            self.window_.print_page.select(report)

    def _funnel_clicked(self, key: str) -> None:
        """A pool's list; 退规风险: the 退规风险库 when it is used, else those the rules flag."""
        listed = self.stats.get("pools") or set(POOLS)
        in_pool = any(r[POOL] == RISK for r in self.window_.index.rows)
        if key == RISK and RISK not in listed and not in_pool:
            self.go("pools", {"flag": RISK, "tab": "risks"})
        else:
            self.go("pools", {"pool": key, **({"tab": "risks"} if key == RISK else {})})

    def _open_targets(self) -> None:
        self.navigate.emit(self.page_name("targets_page") or "目标任务", {})

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
        self.draw_funnel(pools, listed)
        self.draw_actions()

    def draw_funnel(self, pools: Counter, listed: set[str]) -> None:
        """The profile's pools widest first; 退规风险 apart: those in the 退规风险库 and those
        the rules flag (once the evaluation is in)."""
        stages = [Stage(POOLS[code], pools.get(code, 0), code) for code in FUNNEL_POOLS
                  if code in listed or pools.get(code)]
        at_risk = {r[0] for r in self.window_.index.rows if r[POOL] == RISK}
        at_risk |= {eid for eid, ev in self.window_.index.evaluations.items() if RISK in ev.flag_codes}
        aside = None
        if RISK in listed or at_risk:
            aside = Stage("退规风险", len(at_risk), RISK,
                          f"退规风险：{len(at_risk):,}户（退规风险库及规则提示有退规风险的企业，点击查看）")
        self.funnel.set_stages(stages, aside, empty_text="本县的政策配置未设培育库")

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

    def draw_targets(self) -> None:
        """The year's target by township, target against achieved (a township: its own)."""
        table = chart_table(self.stats.get("targets") or [])
        county = self.window_.site["role"] == "county"
        if table is None or not table.has_targets():
            self.target_title.setText("")
            self.target_chart.set_bars([], "尚未设定本年度目标：点下方“打开目标任务”设定" if county
                                       else "县级尚未下达本年度目标，目标随县级同步包到达")
            return
        rows = [r for r in table.townships if r.target is not None or r.achieved]
        self.target_title.setText(f"{table.title} · " + ("按乡镇" if county else "本乡镇"))
        self.target_chart.set_bars(
            [Bar(r.name if r.registered else f"{r.name}（未登记）", r.target, r.achieved, r.completion_rate,
                 key=r.key or r.name) for r in rows],
            "各乡镇尚未分解目标：点下方“打开目标任务”设定" if county else "县级尚未下达本乡镇的目标")

    def draw_calendar(self) -> None:
        """This month's items of the profile, each a link to what it concerns."""
        layout = self._clear("calendar")
        self.links = {}
        reminders = self.stats.get("reminders") or []
        self.month.set_busy(bool(reminders))
        if not reminders:
            self._note(layout, "本月没有政策配置规定的申报、调库或报送事项" if self.stats.get("profile")
                       else "尚未选择政策配置：县级在“政策配置”页选用后，这里列出每月的申报、调库和报送事项")
        listed = self.stats.get("pools") or set(POOLS)
        for r in reminders:
            page, filters = calendar_target(r.code, r.related_flag, listed)
            label = QLabel(f'<a href="{r.code}" style="color: #1a5fb4; text-decoration: none;">● '
                           f'{html.escape(r.text)}</a>')
            label.setWordWrap(True)  # an item's text is long: it wraps rather than widening the page
            label.setStyleSheet("padding: 3px 6px;")
            label.setCursor(Qt.CursorShape.PointingHandCursor)
            label.setToolTip(f"{r.quote}（{r.source}）" if r.quote else r.source)
            label.linkActivated.connect(lambda _href, p=page, f=filters: self.go(p, f))
            layout.addWidget(label)
            self.links[f"calendar:{r.code}"] = label
        forms = self.stats.get("forms") or []
        self.month.set_due(forms)
        self.due_forms = None
        if forms:
            self.due_forms = DueFormsList(self.window_.today)
            self.due_forms.set_forms(forms)
            self.due_forms.opened.connect(self._open_form)
            layout.addWidget(self.due_forms)

    def _open_form(self, form_id: str) -> None:
        """A form of 待填报表: the 一表通 page with it chosen."""
        self.navigate.emit(self.page_name("forms_page") or "一表通", {})
        forms_page = getattr(self.window_, "forms_page", None)
        if forms_page is not None and hasattr(forms_page, "show_form"):
            forms_page.show_form(form_id)
