"""The import: read the file, check every row of every sheet against the ledger, and only
when no row has a problem write the plan, in one transaction.

The Planner finds each sheet's table, reads the ledger's enterprises the file names, and
hands the rows to the planners it holds: enterprise lists to EnterpriseColumns (the usual
rows, a column at a time) and EnterpriseRows (every other row, one at a time), then their
annual figures (营业收入 … of a year) to AnnualRows; monthly figures to FigureColumns and
FigureRows likewise. All of them fill one Plan (plan.py),
which the Planner writes at the end.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from itertools import compress
from operator import itemgetter, not_
from pathlib import Path

from ...domain.text import MATCH_KEY_CHANGES_GLOB, match_key
from ...gc_pause import collector_paused
from ...progress import Cancel, ImportCancelled, Job, Progress
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cut_columns
from ...spreadsheets.columns import CUMULATIVE_NOTE, FIGURE_FIELDS, LABELS, MONEY_FIELDS, money_factor_unit
from ...spreadsheets.layout import NO_OVERRIDES, Layout, Overrides, data_rows, find_layout
from ...spreadsheets.reader import Grid, read_workbook
from ...spreadsheets.record_columns import record_kind
from ...spreadsheets.report import Finding, write_marked_copy
from ...storage import audit
from ...storage.ledger import Ledger, reference_id
from .annual_rows import YEARS, AnnualRows
from .enterprise_bulk import EnterpriseColumns
from .enterprise_rows import EnterpriseRows
from .figure_rows import FigureRows
from .figures_bulk import FigureColumns
from .plan import Plan
from .record_sheets import RECORD_KINDS, RecordSheets
from .results import ImportResult, SheetSummary
from .vocabulary import ANNUAL_INSERT_COLUMNS, DEFAULT_MONEY_UNIT, FIGURE_INSERT_COLUMNS
from ..office.permissions import require


def import_file(ledger: Ledger, path: Path | str, *, sheet: str | None = None,
                kind: str | None = None, dry_run: bool = False, report: Path | str | None = None,
                create_townships: bool = False,
                progress: Progress | None = None, cancel: Cancel = None,
                year: int | None = None, columns: dict[str, str | None] | None = None,
                units: dict[str, str] | None = None) -> ImportResult:
    """Read, check and (unless dry_run or any problem) write the file's enterprises, their
    annual figures (年度数, from an enterprise list's 营业收入 … columns) and monthly figures.
    Problems never raise: they are in the result (`ok` is False), and with `report` a
    marked-up copy of the file is written. A cancel raises ImportCancelled and leaves the
    ledger as it was.

    A township name the ledger's list does not know is a problem (the result's
    `unknown_townships` has each, with the known names nearest to it) unless
    `create_townships`: the person confirmed creating them (townships.py).

    `year`: the year of a list's annual figures when neither its headers, a 年度 column nor
    its title say it (result.needs_year tells a dry run that found none).

    `columns`: the field of a column by its header text as shown (None: 不导入), for a
    header the import does not recognise or recognises wrongly; `units`: the money unit
    (亿元, 万元, 千元, 元) of a figure column by its header text (inspect_file shows both)."""
    require(ledger, "import")
    path = Path(path)
    overrides = Overrides(dict(columns or {}), dict(units or {}))
    job = Job(progress, cancel, error=ImportCancelled)
    job.tell("读取文件", 0, 1)
    grids = read_workbook(path, sheet)
    job.tell("读取文件", 1, 1)
    job.check()
    planner = Planner(ledger, ImportResult(str(path), dry_run), job,
                      create_townships=create_townships, year=year, source=path.name,
                      overrides=overrides)
    # one pause of the cycle collector for the check and the write, which resumes once the
    # planner and its rows are freed: the collector then walks what is left, not them
    with collector_paused():
        result = _check_and_apply(planner, grids, kind=kind, sheet_named=sheet is not None,
                                  dry_run=dry_run)
        del planner
    if report and (result.problems or dry_run):
        result.report_path = str(write_marked_copy(path, grids, result.problems,
                                                   result.warnings, Path(report)))
    return result


def _check_and_apply(planner: Planner, grids: list[Grid], *, kind: str | None,
                     sheet_named: bool, dry_run: bool) -> ImportResult:
    """Check every row; write the plan unless dry_run or any problem (see import_file)."""
    planner.run(grids, kind=kind, sheet_named=sheet_named)
    result = planner.result
    result.unknown_townships = list(planner.plan.townships.unknown.values())
    if not result.problems and not dry_run:
        planner.apply()
        result.applied = True
    return result


# The new records of a file for the log's owner index to be built at the end of its write,
# if they are also at least as many as the log holds (Ledger.log_indexes_deferred): a county's
# first 月度数据 sheet.
LOG_INDEX_DEFERRED_FROM = 5_000

_SHEET_ORDER = {"enterprises": 0, "figures": 1, "projects": 2, "milestones": 3, "claims": 4,
                "scale_periods": 5}


class Planner:
    """Checks every row against the ledger and collects the writes to make (see the
    module's docstring). `bulk` False leaves every row to the per-row checks (tests compare
    the two ways)."""

    bulk = True

    def __init__(self, ledger: Ledger, result: ImportResult, job: Job, *,
                 create_townships: bool = False, year: int | None = None, source: str = "",
                 overrides: Overrides = NO_OVERRIDES):
        self.ledger = ledger
        self.overrides = overrides
        self.result = result
        self.job = job
        self.year = year
        self.plan = Plan(ledger, result, create_townships=create_townships)
        self.enterprise_rows = EnterpriseRows(self.plan)
        self.figure_rows = FigureRows(self.plan)
        self.enterprise_columns = EnterpriseColumns(self.plan, self.enterprise_rows, job)
        self.figure_columns = FigureColumns(self.plan, self.figure_rows, job)
        self.annual_rows = AnnualRows(self.plan, self.figure_rows, job, year,
                                      source or Path(result.path).name)
        self.records = RecordSheets(self.plan)  # projects, milestones, claims, earlier periods

    # -- sheets -------------------------------------------------------------------------
    def run(self, grids: list[Grid], *, kind: str | None, sheet_named: bool) -> None:
        plan = self.plan
        layouts = []
        for grid in grids:
            layout = find_layout(grid, self.overrides)
            if layout is None:
                self.result.sheets.append(SheetSummary(grid.name, None))
                if sheet_named or len(grids) == 1:
                    plan.problem(grid.name, None, None, "",
                                 "没有找到表头：表头行应包含“企业名称”或“统一社会信用代码”等列名")
                continue
            layouts.append((layout, kind or record_kind([c.header.text for c in layout.columns])
                            or layout.kind))
        if not layouts and not self.result.problems:
            plan.problem("", None, None, "", "文件中没有找到可导入的表格（表头应包含“企业名称”或"
                                             "“统一社会信用代码”）")
        if self.year is not None and self.year not in YEARS:
            plan.problem("", None, None, str(self.year),
                         f"指定的年份{self.year}无效（应为2000至2100之间的四位数字）")
        # enterprises first: figures and the other records may belong to enterprises new in
        # the same file; projects before their milestones
        layouts.sort(key=lambda lk: _SHEET_ORDER.get(lk[1], 1))
        self._load_existing(layouts)
        total = sum(len(lk[0].grid.rows) for lk in layouts)
        done = 0
        for layout, sheet_kind in layouts:
            rows, skipped = data_rows(layout)
            summary = SheetSummary(layout.grid.name, sheet_kind, layout.header_rows[0] + 1,
                                   len(rows), self._sheet_unit(layout, sheet_kind))
            summary.skipped = [Finding(layout.grid.name, s.row + 1, None, "", "", s.reason)
                               for s in skipped]
            self.result.sheets.append(summary)
            if sheet_kind in RECORD_KINDS:
                summary.unused_columns = self.records.plan_sheet(sheet_kind, layout, rows)
                done += len(layout.grid.rows)
                continue
            summary.unused_columns = self._unused_columns(layout, sheet_kind)
            if sheet_kind == "enterprises":
                summary.annual = self.annual_rows.check_sheet(layout, rows)
                if not (self.bulk and self.enterprise_columns.plan_rows(layout, rows, done, total)):
                    self._row_by_row(self.enterprise_rows.plan_row, layout, rows, done, total)
                self.annual_rows.plan_rows(layout, rows)
            else:
                self.figure_rows.check_layout(layout, rows)
                if not (self.bulk and self.figure_columns.plan_rows(layout, rows, done, total)):
                    self._row_by_row(self.figure_rows.plan_row, layout, rows, done, total)
            done += len(layout.grid.rows)
        self.figure_rows.plan_pending_months()
        self.annual_rows.plan_pending_years()
        self.result.records = self.records.counts
        self.job.tell("检查数据", total, total)

    def _row_by_row(self, plan_row, layout: Layout, rows: list[int], done: int, total: int) -> None:
        job = self.job
        for i, r in enumerate(rows):
            plan_row(layout, r)
            if i % 500 == 0:
                job.check()
                job.tell("检查数据", done + i, total)

    def _load_existing(self, layouts: list[tuple[Layout, str]]) -> None:
        """The ledger's enterprises that the file's rows name, by credit code and by name
        (every field of them: a list is compared field by field). Only those: a list of
        10,000 against a ledger of 10,000 took 70 ms to load them all, a county's 100,000
        ten times that. A row of a figures sheet that has a code is looked up by code only.
        A ledger not much bigger than the enterprise lists of the file is read whole: that
        costs less than gathering the codes and names to ask for."""
        existing, existing_names = self.plan.existing, self.plan.existing_names
        lists = sum(len(layout.grid.rows) for layout, kind in layouts if kind == "enterprises")
        if lists and self.ledger.scalar("SELECT count(*) FROM enterprises") <= 2 * lists:
            for row in self.ledger.rows("SELECT * FROM enterprises"):
                existing[row["credit_code"]] = row
                existing_names.setdefault(match_key(row["name"]), []).append(row)
            return
        codes, names = set(), set()
        for layout, kind in layouts:
            cols = layout.by_field()
            found = cut_columns(layout.grid.rows, range(layout.first_data_row, len(layout.grid.rows)),
                                [cols[f].index if f in cols else 0 for f in ("credit_code", "name")])
            row_codes = by_value(found[0], cells.credit_code) if "credit_code" in cols \
                else [""] * len(found[0])
            codes.update(row_codes)
            if "name" in cols:
                given = found[1] if kind == "enterprises" else \
                    list(compress(found[1], map(not_, row_codes)))
                names.update(by_value(given, lambda v: match_key(cells.text(v))))
        # both sets go in as JSON arrays: one statement, one pass over the table (names
        # have no index of their own), only the rows asked for made into dicts. Names are
        # matched by match_key: a name that is its own key is compared as it is, only the
        # others (（山西）, full-width digits …) are keyed in Python
        codes.discard("")
        names.discard("")
        if not names:  # every row has its code (a figures sheet as usual): by the code's index
            # monthly figures need an enterprise's id and name (in a listed change) only
            fields = "id, credit_code, name" if all(kind == "figures" for _l, kind in layouts) else "*"
            for row in self.ledger.rows(
                    f"SELECT {fields} FROM enterprises WHERE credit_code IN (SELECT value FROM json_each(?1))",
                    (json.dumps(sorted(codes), ensure_ascii=False),)):
                existing[row["credit_code"]] = row
            return
        self.ledger.conn.create_function("match_key", 1, match_key, deterministic=True)
        for row in self.ledger.rows(
                "SELECT * FROM enterprises WHERE credit_code IN (SELECT value FROM json_each(?1))"
                " OR name IN (SELECT value FROM json_each(?2))"
                " OR (name GLOB ?3 AND match_key(name) IN (SELECT value FROM json_each(?2)))",
                (json.dumps(sorted(codes), ensure_ascii=False),
                 json.dumps(sorted(names), ensure_ascii=False), MATCH_KEY_CHANGES_GLOB)):
            if row["credit_code"] in codes:
                existing[row["credit_code"]] = row
            key = match_key(row["name"])
            if key in names:
                existing_names.setdefault(key, []).append(row)

    def _sheet_unit(self, layout: Layout, kind: str) -> str | None:
        if kind == "figures":
            money = [c for c in layout.columns if c.field in MONEY_FIELDS]
        else:  # an enterprise list's annual figures
            money = [c for c in self.annual_rows.columns(layout)[0] if c.field in MONEY_FIELDS]
        if not money:
            return None
        units = {money_factor_unit(c.header.unit) for c in money} - {None}
        if len(units) == 1:
            return units.pop()
        if units:
            return "按各列表头"
        if layout.unit:
            return layout.unit
        self.plan.warn(layout.grid.name, None, None, "",
                       f"表中未注明金额单位，按{DEFAULT_MONEY_UNIT}导入；如不是{DEFAULT_MONEY_UNIT}，"
                       "请在表头注明单位（如“营业收入（元）”）或在表头上方写“单位：元”")
        return DEFAULT_MONEY_UNIT

    def _unused_columns(self, layout: Layout, kind: str) -> list[Finding]:
        out, seen = [], set()
        sheet = layout.grid.name
        annual, repeated = self.annual_rows.columns(layout) if kind == "enterprises" else ([], [])
        annual_ids = {id(c) for c in annual}
        repeated_why = {id(c): why for c, why in repeated}
        for col in layout.columns:
            reason = None
            f = col.field
            if col.header.note:
                reason = col.header.note
            elif id(col) in annual_ids:
                continue
            elif id(col) in repeated_why:
                reason = repeated_why[id(col)]
            elif col.header.annual:  # a year's amount in a monthly sheet
                reason = CUMULATIVE_NOTE
            elif f in ("year", "annual_source") and annual:
                continue  # the year, and the list, of the annual figures
            elif f == "annual_source" and kind == "enterprises":
                reason = "没有年度数（营业收入等）列，此列不导入"
            elif f == "seq":
                continue
            elif col.header.month:
                if kind != "figures":
                    reason = "企业名单中的月度数据不导入，请使用月度数据表"
                elif not f:
                    reason = "无法确定该月份列是哪项指标（请在表头写明，如“3月营业收入”）"
                else:
                    continue
            elif f is None:
                reason = "无法识别的列名"
            elif f in seen:
                reason = f"与前面的“{LABELS[f]}”列重复，只导入第一列"
            elif kind == "enterprises" and f in ("period", "year", "month"):
                reason = "企业名单中没有月份，此列不导入（月度数据请使用月度数据表）"
            elif kind == "figures" and f not in (*FIGURE_FIELDS, "period", "year", "month",
                                                  "name", "credit_code"):
                reason = "月度数据表中此列不导入（企业信息请使用企业名单表）"
            if f and not col.header.month:
                seen.add(f)
            if reason:
                out.append(Finding(sheet, layout.header_rows[-1] + 1, col.index, col.shown, "", reason))
        return out

    # -- writing ----------------------------------------------------------------------------
    def apply(self) -> None:
        """Write the plan in one transaction (a cancel on the way rolls all of it back)."""
        ledger, plan, job = self.ledger, self.plan, self.job
        new_townships = plan.townships.created
        total = (len(plan.new) + len(plan.updates) + len(plan.figure_inserts)
                 + len(plan.figure_updates) + len(new_townships) + len(plan.annual_inserts)
                 + len(plan.annual_updates) + len(self.records.inserts) + len(self.records.updates))
        done = 0
        job.tell("写入台账", 0, total)
        inserts = len(plan.new) + len(plan.figure_inserts) + len(plan.annual_inserts)
        with ledger.transaction(), (ledger.log_indexes_deferred(inserts)
                                    if inserts >= LOG_INDEX_DEFERRED_FROM else nullcontext()):
            # one audit entry for the whole import (instead of 修改台账), with it or not at all
            ledger.audit(audit.IMPORT_SHEET, Path(self.result.path).name,
                         f"新增企业{len(plan.new)}家，修改企业{len(plan.updates)}家，"
                         f"新增月度数据{len(plan.figure_inserts)}条，修改{len(plan.figure_updates)}条，"
                         f"年度数据{len(plan.annual_inserts) + len(plan.annual_updates)}条，"
                         f"其他记录{len(self.records.inserts) + len(self.records.updates)}条")
            for name, code in new_townships.items():
                ledger.insert("townships", {"id": reference_id("township", code), "code": code,
                                            "name": name})
                done += 1
            job.check()
            # each table's new rows in one executemany, their change-log entries written
            # from the rows (Ledger.insert_rows); a table with none is left alone
            if plan.new:
                columns = ledger.spec("enterprises").columns
                ledger.insert_rows("enterprises", ("id", *columns),
                                   (n.insert_row(columns) for n in plan.new.values()),
                                   progress=lambda n: job.tell("写入台账", done + n, total))
            done += len(plan.new)
            job.check()
            for i, (enterprise_id, diff) in enumerate(plan.updates):
                ledger.update("enterprises", enterprise_id, diff)
                if i % 200 == 0:
                    job.check()
                    job.tell("写入台账", done + i, total)
            done += len(plan.updates)
            if plan.figure_inserts:
                # in the order of their ids, which start with the enterprise's: the indexes
                # take an enterprise's months side by side, not 10,000 keys at random places
                ledger.insert_rows("monthly_figures", FIGURE_INSERT_COLUMNS,
                                   sorted(plan.figure_inserts, key=itemgetter(0)),
                                   progress=lambda n: job.tell("写入台账", done + n, total))
            done += len(plan.figure_inserts)
            job.check()
            for i, (row_id, diff) in enumerate(plan.figure_updates):
                ledger.update("monthly_figures", row_id, diff)
                if i % 200 == 0:
                    job.check()
                    job.tell("写入台账", done + i, total)
            done += len(plan.figure_updates)
            if plan.annual_inserts:
                ledger.insert_rows("annual_figures", ANNUAL_INSERT_COLUMNS, plan.annual_inserts,
                                   progress=lambda n: job.tell("写入台账", done + n, total))
            done += len(plan.annual_inserts)
            job.check()
            for i, (row_id, diff) in enumerate(plan.annual_updates):
                ledger.update("annual_figures", row_id, diff)
                if i % 200 == 0:
                    job.check()
                    job.tell("写入台账", done + i, total)
            self.records.apply()
        self.result.enterprise_ids |= self.records.enterprise_ids
        self.result.enterprise_ids |= {n.id for n in plan.new.values()}
        self.result.enterprise_ids |= {e for e, _ in plan.updates}
        job.tell("写入台账", total, total)
