"""培育库 (the county's desk of pools): the pools the profile defines side by side with their
counts against the profile's sizing; the enterprises whose suggested pool differs from their
pool, with the reason; the quarterly review where the profile has one; the exit-risk list.
Several enterprises are moved at once with one reason (move_dialog.py). A township sees its own
enterprises (its ledger holds only those); the county filters by township.

The board is services.policy.pool_board, computed on the worker (the evaluation takes seconds
on a county's ledger); the page reloads when shown after something changed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFrame, QGroupBox, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from ...domain.records import POOLS
from ...services.ledger import reference
from ...services.policy.pool_board import BoardLine, PoolBoard, PoolCount, pool_board
from ..common import APP_TITLE, Column, DictTableModel, show_error, wan, make_table
from ..jobs import core_progress, run_with_progress
from .move_dialog import PoolMoveDialog

NO_PROFILE_COUNTY = "尚未选择政策配置：请先在“政策配置”页选择本地政策，这里再按政策列出各库和调整建议"
NO_PROFILE_TOWNSHIP = "尚未收到政策配置：政策配置由县级选择，在“数据同步”中导入县级同步包后这里按政策列出各库"
NO_ENTERPRISES = "暂无企业，可在“Excel导入”中导入名单或在“企业台账”中新增企业"
NO_ENTERPRISES_TOWNSHIP = "暂无企业：在“数据同步”中导入县级发来的同步包，或在“Excel导入”中导入名单"

DIFFERS_COLUMNS = [Column("name", "企业名称", width=220), Column("township_name", "乡镇", width=80),
                   Column("pool_name", "现库别", width=80), Column("suggested_pool_name", "建议库别", width=80),
                   Column("projected_revenue", "本年预计营收(万元)", wan, True, 120),
                   Column("reason", "建议理由")]
RISK_COLUMNS = [Column("name", "企业名称", width=220), Column("township_name", "乡镇", width=80),
                Column("pool_name", "现库别", width=80),
                Column("projected_revenue", "本年预计营收(万元)", wan, True, 120),
                Column("prior_year_revenue", "上年营收(万元)", wan, True, 100),
                Column("reason", "退规风险提示")]


def rows(lines: list[BoardLine]) -> list[dict]:
    """Board lines as the tables' rows (their fields are flat: no deep copy needed)."""
    return [vars(line) for line in lines]


class PoolCard(QFrame):
    """One pool: its name, how many enterprises it holds, and the profile's size for it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("poolCard")
        self.setStyleSheet("QFrame#poolCard { border: 1px solid #c8d3e0; border-radius: 6px; background: #f7fafd; }")
        self.setMinimumWidth(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 14px; font-weight: bold; border: none; background: transparent;")
        self.count = QLabel()
        self.count.setStyleSheet("font-size: 22px; color: #1f4e79; border: none; background: transparent;")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.size_text = QLabel()
        self.size_text.setStyleSheet("color: #555; border: none; background: transparent;")
        self.size_text.setWordWrap(True)
        for w in (self.title, self.count, self.bar, self.size_text):
            layout.addWidget(w)

    def show_pool(self, pool: PoolCount) -> None:
        self.title.setText(pool.pool_name)
        self.count.setText(f"{pool.count:,}户")
        if pool.required is not None:
            self.bar.setVisible(True)
            self.bar.setMaximum(max(pool.required, 1))
            self.bar.setValue(min(pool.count, max(pool.required, 1)))
            short = f"，缺{pool.shortfall}户" if pool.shortfall else "，已达到"
            self.size_text.setText(f"应有{pool.required}户{short}")
            self.size_text.setStyleSheet("color: #b00020; border: none; background: transparent;"
                                         if pool.shortfall else "color: #2e7d32; border: none; background: transparent;")
        else:
            self.bar.setVisible(False)
            self.size_text.setText("本地政策未定库容")
            self.size_text.setStyleSheet("color: #777; border: none; background: transparent;")


class LineList(QWidget):
    """A table of board lines that can be chosen one or many at a time, and its button."""

    def __init__(self, page: "PoolsPage", columns, empty: str, button_text: str, preferred=None):
        super().__init__(page)
        self.page = page
        self.preferred = preferred  # pool to offer first: a fixed one, or None for the common suggestion
        self.model = DictTableModel(columns, self)
        self.table = make_table(self.model, self, stretch="reason", empty=empty)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(lambda ix: page.main.open_enterprise(self.model.row(ix.row())["enterprise_id"]))
        self.button = QPushButton(button_text)
        self.button.setToolTip("可按住 Ctrl 或 Shift 选择多户企业，一次调整并填写同一理由")
        self.button.clicked.connect(lambda: page.move_lines(self.selected(), self.preferred))
        self.chosen = QLabel("")
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        row = QHBoxLayout()
        row.addWidget(self.chosen, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self._selection_changed()

    def set_lines(self, lines: list[dict]) -> None:
        self.model.set_rows(lines)
        self._selection_changed()

    def set_empty(self, text: str) -> None:
        self.table.empty_hint.set_text(text)  # type: ignore[attr-defined]

    def selected(self) -> list[dict]:
        rows = sorted(ix.row() for ix in self.table.selectionModel().selectedRows())
        return [self.model.row(r) for r in rows]

    def select_ids(self, ids: set[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for i, line in enumerate(self.model.rows_data):
            if line["enterprise_id"] in ids:
                self.table.selectRow(i)
        self.table.setSelectionMode(mode)

    def _selection_changed(self, *_args) -> None:
        n = len(self.table.selectionModel().selectedRows())
        self.chosen.setText(f"已选{n}户" if n else "选择企业（可多选）后调整库别；双击打开企业")
        self.button.setEnabled(bool(n) and bool(self.page.offered))


class PoolsPage(QWidget):
    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.main = window
        self.county = window.site["role"] == "county"
        self.board: PoolBoard | None = None
        self.offered: tuple[str, ...] = ()
        self.dirty = True
        self.job = None
        self.dialog: PoolMoveDialog | None = None

        title = QLabel("培育库")
        title.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.profile_label = QLabel("")
        self.township = QComboBox()
        self.township.addItem("全部乡镇", None)
        self.township.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.township.setVisible(self.county)  # a township's ledger holds only its own enterprises
        self.township.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addWidget(self.profile_label, 1)
        top.addWidget(self.township)
        top.addWidget(self.refresh_button)

        self.cards_box = QGroupBox("各库企业数")
        self.cards = QHBoxLayout()
        self.card_widgets: list[PoolCard] = []
        self.board_note = QLabel("正在读取…")
        self.board_note.setWordWrap(True)
        self.board_note.setStyleSheet("color: #555;")
        box = QVBoxLayout(self.cards_box)
        box.addLayout(self.cards)
        box.addWidget(self.board_note)

        self.differs = LineList(self, DIFFERS_COLUMNS, "正在按政策规则评估…", "调整库别…")
        self.risks = LineList(self, RISK_COLUMNS, "正在按政策规则评估…", "调整库别…")
        self.review_page = QWidget()
        self.review_text = QLabel("")
        self.review_text.setWordWrap(True)
        self.leaving = LineList(self, DIFFERS_COLUMNS, "本次没有需调出的企业", "调出所选…", preferred="none")
        self.joining = LineList(self, DIFFERS_COLUMNS, "没有按预计数可入库的新企业", "调入所选…")
        split = QSplitter(Qt.Orientation.Vertical)
        for widget, caption in ((self.leaving, "调出：不再符合入库条件（不具备升规潜力）"),
                                (self.joining, "调入：按主营业务收入预计数符合入库条件")):
            group = QGroupBox(caption)
            QVBoxLayout(group).addWidget(widget)
            split.addWidget(group)
        review = QVBoxLayout(self.review_page)
        review.addWidget(self.review_text)
        review.addWidget(split, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.differs, "建议调整")
        self.tabs.addTab(self.review_page, "季度调整")
        self.tabs.addTab(self.risks, "退规风险")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.cards_box)
        layout.addWidget(self.tabs, 1)
        window.bus.changed.connect(self._changed)

    # -- loading -------------------------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.dirty:
            self.reload()

    def _changed(self, _tables: set, _ids: set) -> None:
        self.dirty = True
        if self.isVisible():
            self.reload()

    def _fill_townships(self) -> None:
        current = self.township.currentData()
        self.township.blockSignals(True)
        self.township.clear()
        self.township.addItem("全部乡镇", None)
        for t in reference.list_townships(self.main.ledger):
            self.township.addItem(t["name"], t["code"])
        self.township.setCurrentIndex(max(0, self.township.findData(current)))
        self.township.blockSignals(False)

    def reload(self) -> None:
        """Compute the board on the worker (a progress dialog with 取消 after 300 ms); a
        reload asked while one runs cancels it."""
        if self.job is not None:
            self.job.cancel()
        self.dirty = False
        if self.county:
            self._fill_townships()
        township, today = self.township.currentData(), self.main.today

        def work(ledger, progress, cancelled):
            board = pool_board(ledger, today, township, progress=core_progress(progress), cancelled=cancelled)
            # the tables' rows as dicts, made here rather than on the GUI thread (tens of
            # thousands of lines on a county's ledger)
            review = board.review
            return board, {"differs": rows(board.differs), "risks": rows(board.exit_risks),
                           "leaving": rows(review.leaving) if review else [],
                           "joining": rows(review.joining) if review else []}

        job = run_with_progress(self, self.main.runner, self.main.ledger, work, "正在按政策规则评估各库…",
                                lambda board: self._loaded(job, board),
                                lambda message: self._failed(job, message), loads=True)
        job.on("cancelled", lambda: self._cancelled(job))
        self.job = job
        self.refresh_button.setEnabled(False)

    def _cancelled(self, job) -> None:
        if job is self.job:
            self.job = None
            self.dirty = True
            self.refresh_button.setEnabled(True)
            self.board_note.setText("已取消评估；点“刷新”重新评估")

    def _failed(self, job, message: str) -> None:
        if job is self.job:
            self.job = None
            self.refresh_button.setEnabled(True)
            show_error(self, message, APP_TITLE)

    def _loaded(self, job, result: tuple[PoolBoard, dict[str, list[dict]]]) -> None:
        if job is not self.job:
            return  # an earlier request, overtaken
        self.job = None
        self.refresh_button.setEnabled(True)
        self.show_board(*result)

    # -- showing -------------------------------------------------------------------------
    def show_board(self, board: PoolBoard, lines: dict[str, list[dict]] | None = None) -> None:
        """`lines`: the lists' rows as dicts (made on the worker); from `board` when not given."""
        review = board.review
        lines = lines or {"differs": rows(board.differs), "risks": rows(board.exit_risks),
                          "leaving": rows(review.leaving) if review else [],
                          "joining": rows(review.joining) if review else []}
        self.board = board
        self.offered = board.offered
        self.profile_label.setText(f"政策配置：{board.profile_name}" if board.profile_name else "未选择政策配置")
        while len(self.card_widgets) < len(board.pools):
            card = PoolCard(self)
            self.card_widgets.append(card)
            self.cards.addWidget(card, 1)
        for card, pool in zip(self.card_widgets, board.pools):
            card.show_pool(pool)
            card.setVisible(True)
        for card in self.card_widgets[len(board.pools):]:
            card.setVisible(False)
        self.board_note.setText(self._note(board))

        no_profile = NO_PROFILE_COUNTY if self.county else NO_PROFILE_TOWNSHIP
        no_enterprises = NO_ENTERPRISES if self.county else NO_ENTERPRISES_TOWNSHIP
        if board.profile_name is None:
            empty = {"differs": no_profile, "risks": no_profile}
        elif not board.total:
            empty = {"differs": "该乡镇暂无企业" if board.township_code else no_enterprises,
                     "risks": "该乡镇暂无企业" if board.township_code else no_enterprises}
        else:
            empty = {"differs": "各企业的库别与政策建议一致，暂无需调整的企业",
                     "risks": "暂无退规风险企业（按本地政策的退规风险条件和各库现状）"}
        self.risks.preferred = "exit_risk" if "exit_risk" in board.offered else None
        self.differs.set_empty(empty["differs"])
        self.risks.set_empty(empty["risks"])
        self.differs.set_lines(lines["differs"])
        self.risks.set_lines(lines["risks"])
        self.tabs.setTabText(0, f"建议调整（{len(board.differs)}）")
        self.tabs.setTabText(2, f"退规风险（{len(board.exit_risks)}）")

        self.tabs.setTabVisible(1, review is not None)
        if review is not None:
            self.tabs.setTabText(1, f"季度调整（{len(review.leaving) + len(review.joining)}）")
            names = "、".join(POOLS[p] for p in review.pools)
            months = "、".join(f"{m}月" for m in review.months)
            self.review_text.setText(f"{review.title}。调整月：{months}；{review.when_text}。调整的库：{names}。\n"
                                     f"文件：“{review.quote}”")
            self.joining.preferred = review.pools[0] if len(review.pools) == 1 else None
            self.leaving.set_lines(lines["leaving"])
            self.joining.set_lines(lines["joining"])

    def _note(self, board: PoolBoard) -> str:
        if board.profile_name is None:
            return NO_PROFILE_COUNTY if self.county else NO_PROFILE_TOWNSHIP
        if not board.total:
            return "该乡镇暂无企业" if board.township_code else (
                NO_ENTERPRISES if self.county else NO_ENTERPRISES_TOWNSHIP)
        parts = [f"共{board.total:,}户企业，未入库{board.outside_count:,}户"]
        if board.elsewhere:
            parts.append("另有" + "、".join(f"{POOLS.get(p, p)}{n}户" for p, n in board.elsewhere.items())
                         + "在本地政策未设的库中，可按建议调整")
        if board.sizing_problem:
            parts.append(board.sizing_problem)
        elif board.sizing_text:
            parts.append(board.sizing_text)
        return "；".join(parts)

    # -- moving --------------------------------------------------------------------------
    def move_lines(self, lines: list[dict], preferred: str | None = None) -> PoolMoveDialog | None:
        """The one dialog for moving the chosen enterprises (its pool list: the profile's)."""
        if not lines:
            show_error(self, "请先在列表中选择要调整库别的企业（可按住 Ctrl 或 Shift 多选）", "未调整库别")
            return None
        if not self.offered:
            show_error(self, NO_PROFILE_COUNTY if self.county else NO_PROFILE_TOWNSHIP, "未调整库别")
            return None
        if preferred is None:
            suggested = {line["suggested_pool"] for line in lines}
            preferred = suggested.pop() if len(suggested) == 1 else None
        dialog = PoolMoveDialog(self.main, lines, self.offered, preferred, parent=self)
        dialog.accepted.connect(lambda: self._moved(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _moved(self, dialog: PoolMoveDialog) -> None:
        moves = dialog.moves
        if not moves:
            return
        pool = moves[0]["to_pool"]
        self.main.statusBar().showMessage(
            f"已将{len(moves)}户企业调入{POOLS[pool]}，调库记录已保存，下次导出同步包时发送", 10000)
        self.main.bus.tell({"enterprises", "pool_events"}, {m["enterprise_id"] for m in moves})
