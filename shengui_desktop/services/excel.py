"""Spreadsheet import and export: the use cases behind `shengui excel` and the window.

Import is all or nothing: every row of every sheet is read and checked first; only when no
row has a problem is anything written, in one transaction. Both directions take a progress
callback (stage, done, total) and a cancel flag (a callable or a threading.Event), so the
window can run them on a worker thread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Callable

from ..domain import credit_code as cc
from ..domain import industry
from ..domain.records import POOLS, SOURCES, STAT_STATUSES, validate_enterprise
from ..domain.money import UNIT_FACTORS
from ..domain.text import clean
from ..errors import UserError, ValidationError
from ..spreadsheets import cells
from ..spreadsheets.columns import (FIGURE_FIELDS, LABELS, MONEY_FIELDS, electricity_factor,
                                    money_factor_unit)
from ..spreadsheets.layout import Column, Layout, data_rows, find_layout
from ..spreadsheets.reader import Grid, read_workbook
from ..spreadsheets.report import Finding, write_marked_copy
from ..storage.ledger import Ledger, monthly_figure_id, new_id

Progress = Callable[[str, int, int], None]
ENTERPRISE_FIELDS = ("name", "credit_code", "township", "township_code", "industry_code",
                     "industry_name", "stat_status", "pool", "source", "department",
                     "liaison_cadre", "legal_person", "contact_person", "contact_phone",
                     "address", "established_date", "entered_stats_date", "exited_stats_date",
                     "tags", "note")
_TEXT_FIELDS = ("liaison_cadre", "legal_person", "contact_person", "address", "note")
_DATE_FIELDS = ("established_date", "entered_stats_date", "exited_stats_date")
_STATUS_WORDS = {"规上": "above_scale", "规模以上": "above_scale", "是": "above_scale",
                 "规下": "below_scale", "规模以下": "below_scale", "否": "below_scale",
                 "已退规": "exited", "退规": "exited"}
_POOL_WORDS = {**{v: k for k, v in POOLS.items()}, "基础库": "base", "入统": "entry",
               "退规风险": "exit_risk", "无": "none", "": "none"}
DEFAULT_MONEY_UNIT = "万元"
# Beyond this a cell is surely in a smaller unit than assumed (1e12 yuan = 1万亿).
_IMPLAUSIBLE_YUAN = 10 ** 12
_NINE_DIGITS = re.compile(r"\d{9}")
_CODE_DIGITS = re.compile(r"\d{2,4}")
_DIVISION_PREFIX = re.compile(r"^[A-T]?\d{2,4}")
_TAG_SEPARATORS = re.compile(r"[、,，;；/\s]+")


class ImportCancelled(UserError):
    exit_code = 130

    def __init__(self):
        super().__init__("已取消导入，台账未作任何修改")


@dataclass
class SheetSummary:
    name: str
    kind: str | None  # "enterprises" | "figures" | None (not a table)
    header_row: int | None = None  # Excel row number
    rows: int = 0
    unit: str | None = None
    skipped: list[Finding] = field(default_factory=list)
    unused_columns: list[Finding] = field(default_factory=list)


@dataclass
class Change:
    """An existing record the import would change: field label → (old, new) as shown."""

    sheet: str
    row: int
    what: str
    fields: dict[str, tuple[str, str]]

    def text(self) -> str:
        parts = "；".join(f"{k}：{old or '（空）'} → {new}" for k, (old, new) in self.fields.items())
        return f"第{self.row}行 {self.what}：{parts}"


@dataclass
class ImportResult:
    path: str
    dry_run: bool
    applied: bool = False
    sheets: list[SheetSummary] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)  # enterprises
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    figures_created: int = 0
    figures_updated: list[Change] = field(default_factory=list)
    figures_unchanged: int = 0
    new_townships: list[dict] = field(default_factory=list)
    enterprise_ids: set[str] = field(default_factory=set)  # touched, for views to refresh
    report_path: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        many = len({p.sheet for p in self.problems}) > 1
        return [p.text(with_sheet=many) for p in self.problems]

    def summary_lines(self) -> list[str]:
        verb = "将" if self.dry_run or not self.applied else "已"
        lines = []
        for s in self.sheets:
            if s.kind is None:
                lines.append(f"工作表“{s.name}”：未找到表头，已跳过")
                continue
            what = "企业名单" if s.kind == "enterprises" else "月度数据"
            unit = f"，金额单位{s.unit}" if s.unit else ""
            lines.append(f"工作表“{s.name}”：{what}，表头在第{s.header_row}行，数据{s.rows}行{unit}")
            for f in s.skipped:
                lines.append(f"  跳过第{f.row}行：{f.message}")
            for f in s.unused_columns:
                lines.append(f"  未导入的列 {f.column_letter}（{f.header}）：{f.message}")
        for t in self.new_townships:
            lines.append(f"{verb}新建乡镇：{t['name']}（代码{t['code']}，临时分配，请核对）")
        lines.append(f"{verb}新增企业{len(self.created)}户，更新{len(self.updated)}户，"
                     f"无变化{self.unchanged}户")
        for change in self.updated:
            lines.append("  " + change.text())
        if self.figures_created or self.figures_updated or self.figures_unchanged:
            lines.append(f"{verb}新增月度数据{self.figures_created}条，更新{len(self.figures_updated)}条，"
                         f"无变化{self.figures_unchanged}条")
            for change in self.figures_updated:
                lines.append("  " + change.text())
        for w in self.warnings:
            lines.append("提示：" + w.text())
        return lines

    def to_dict(self) -> dict:
        return {
            "path": self.path, "dry_run": self.dry_run, "applied": self.applied, "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
            "sheets": [{"name": s.name, "kind": s.kind, "header_row": s.header_row,
                        "rows": s.rows, "unit": s.unit,
                        "skipped": [f.to_dict() for f in s.skipped],
                        "unused_columns": [f.to_dict() for f in s.unused_columns]}
                       for s in self.sheets],
            "created": self.created,
            "updated": [{"row": c.row, "sheet": c.sheet, "what": c.what,
                         "fields": {k: list(v) for k, v in c.fields.items()}} for c in self.updated],
            "unchanged": self.unchanged,
            "figures_created": self.figures_created,
            "figures_updated": [{"row": c.row, "sheet": c.sheet, "what": c.what,
                                 "fields": {k: list(v) for k, v in c.fields.items()}}
                                for c in self.figures_updated],
            "figures_unchanged": self.figures_unchanged,
            "new_townships": self.new_townships,
            "report_path": self.report_path,
        }


def _cancel_check(cancel) -> Callable[[], None]:
    if cancel is None:
        return lambda: None
    test = cancel.is_set if hasattr(cancel, "is_set") else cancel

    def check() -> None:
        if test():
            raise ImportCancelled()
    return check


# -- import ----------------------------------------------------------------------------------
def import_file(ledger: Ledger, path: Path | str, *, sheet: str | None = None,
                kind: str | None = None, dry_run: bool = False, report: Path | str | None = None,
                progress: Progress | None = None, cancel=None) -> ImportResult:
    """Read, check and (unless dry_run or any problem) write the file's enterprises and
    monthly figures. Problems never raise: they are in the result (`ok` is False), and
    with `report` a marked-up copy of the file is written."""
    path = Path(path)
    check_cancel = _cancel_check(cancel)
    progress = progress or (lambda stage, done, total: None)
    progress("读取文件", 0, 1)
    grids = read_workbook(path, sheet)
    progress("读取文件", 1, 1)
    check_cancel()
    plan = _Planner(ledger, ImportResult(str(path), dry_run), progress, check_cancel)
    plan.run(grids, kind=kind, sheet_named=sheet is not None)
    result = plan.result
    if result.problems:
        if report:
            result.report_path = str(write_marked_copy(path, grids, result.problems,
                                                       result.warnings, Path(report)))
        return result
    if not dry_run:
        plan.apply()
        result.applied = True
    elif report:
        result.report_path = str(write_marked_copy(path, grids, [], result.warnings, Path(report)))
    return result


@dataclass
class _NewEnterprise:
    id: str
    record: dict
    row: int
    sheet: str


class _Planner:
    """Checks every row against the ledger and collects the writes to make."""

    def __init__(self, ledger: Ledger, result: ImportResult, progress: Progress,
                 check_cancel: Callable[[], None]):
        self.ledger = ledger
        self.result = result
        self.progress = progress
        self.check_cancel = check_cancel
        self.role = ledger.meta("role")
        self.own_code = ledger.scalar("SELECT area_code FROM sites WHERE is_self = 1") or ""
        self.townships = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
        self.township_names = {name: code for code, name in self.townships.items()}
        self.departments = {r["name"]: r["id"] for r in ledger.rows("SELECT id, name FROM departments")}
        self.department_names = {v: k for k, v in self.departments.items()}
        self.existing: dict[str, dict] = {}
        self.existing_names: dict[str, list[dict]] = {}
        for row in ledger.rows("SELECT * FROM enterprises"):
            self.existing[row["credit_code"]] = row
            self.existing_names.setdefault(row["name"], []).append(row)
        self.new: dict[str, _NewEnterprise] = {}  # credit code → planned insert
        self.new_ids: set[str] = set()
        self._month_cache: dict[str, dict[str, dict]] = {}
        self._column_specs: dict[int, tuple] = {}
        self._enterprise_specs: dict[int, tuple] = {}  # id(layout) → columns to read
        self._figure_specs: dict[int, list] = {}  # id(layout) → [(field, column)]
        self._pending_months: list[tuple] = []  # checked rows, compared with the ledger at the end
        self._names_by_id: dict[str, str] | None = None
        self._industry_seen: dict[tuple, str | None] = {}
        self._insert_columns: frozenset | None = None
        self._row = 0
        self.new_names: dict[str, list[str]] = {}
        self.seen_codes: dict[str, tuple[str, int]] = {}  # credit code → (sheet, row)
        self.updates: list[tuple[str, dict]] = []  # (enterprise id, changed fields)
        self.figure_inserts: list[dict] = []
        self.figure_updates: list[tuple[str, dict]] = []
        self.seen_months: dict[tuple[str, str], int] = {}
        self.new_township_codes: dict[str, str] = {}  # name → code

    # -- findings -----------------------------------------------------------------------
    def problem(self, sheet: str, r: int | None, col: Column | None, value, message: str) -> None:
        self.result.problems.append(self._finding(sheet, r, col, value, message))

    def warn(self, sheet: str, r: int | None, col: Column | None, value, message: str) -> None:
        self.result.warnings.append(self._finding(sheet, r, col, value, message))

    @staticmethod
    def _finding(sheet, r, col, value, message) -> Finding:
        return Finding(sheet, None if r is None else r + 1, col.index if col else None,
                       col.shown if col else "", cells.text(value), message)

    # -- sheets -------------------------------------------------------------------------
    def run(self, grids: list[Grid], *, kind: str | None, sheet_named: bool) -> None:
        layouts = []
        for grid in grids:
            layout = find_layout(grid)
            if layout is None:
                self.result.sheets.append(SheetSummary(grid.name, None))
                if sheet_named or len(grids) == 1:
                    self.problem(grid.name, None, None, "",
                                 "没有找到表头：表头行应包含“企业名称”或“统一社会信用代码”等列名")
                continue
            layouts.append((layout, kind or layout.kind))
        if not layouts and not self.result.problems:
            self.problem("", None, None, "", "文件中没有找到可导入的表格（表头应包含“企业名称”或"
                                             "“统一社会信用代码”）")
        # enterprises first: figures may belong to enterprises new in the same file
        layouts.sort(key=lambda lk: lk[1] != "enterprises")
        total = sum(len(lk[0].grid.rows) for lk in layouts)
        done = 0
        for layout, sheet_kind in layouts:
            rows, skipped = data_rows(layout)
            summary = SheetSummary(layout.grid.name, sheet_kind, layout.header_rows[0] + 1,
                                   len(rows), self._sheet_unit(layout, sheet_kind))
            summary.skipped = [Finding(layout.grid.name, s.row + 1, None, "", "", s.reason)
                               for s in skipped]
            self.result.sheets.append(summary)
            summary.unused_columns = self._unused_columns(layout, sheet_kind)
            handle = self._enterprise_row if sheet_kind == "enterprises" else self._figure_row
            if sheet_kind == "figures":
                self._check_figure_layout(layout)
            for i, r in enumerate(rows):
                handle(layout, r)
                if i % 500 == 0:
                    self.check_cancel()
                    self.progress("检查数据", done + i, total)
            done += len(layout.grid.rows)
        self._plan_pending_months()
        self.progress("检查数据", total, total)

    def _sheet_unit(self, layout: Layout, kind: str) -> str | None:
        money = [c for c in layout.columns if c.field in MONEY_FIELDS
                 and (kind == "figures")]
        if not money:
            return None
        units = {money_factor_unit(c.header.unit) for c in money} - {None}
        if len(units) == 1:
            return units.pop()
        if units:
            return "按各列表头"
        if layout.unit:
            return layout.unit
        self.warn(layout.grid.name, None, None, "",
                  f"表中未注明金额单位，按{DEFAULT_MONEY_UNIT}导入；如不是{DEFAULT_MONEY_UNIT}，"
                  "请在表头注明单位（如“营业收入（元）”）或在表头上方写“单位：元”")
        return DEFAULT_MONEY_UNIT

    def _unused_columns(self, layout: Layout, kind: str) -> list[Finding]:
        out, seen = [], set()
        sheet = layout.grid.name
        for col in layout.columns:
            reason = None
            f = col.field
            if col.header.note:
                reason = col.header.note
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
            elif kind == "enterprises" and f in (*FIGURE_FIELDS, "period", "year", "month"):
                reason = "企业名单中没有月份，此列不导入（月度数据请使用月度数据表）"
            elif kind == "figures" and f not in (*FIGURE_FIELDS, "period", "year", "month",
                                                  "name", "credit_code"):
                reason = "月度数据表中此列不导入（企业信息请使用企业名单表）"
            if f and not col.header.month:
                seen.add(f)
            if reason:
                out.append(Finding(sheet, layout.header_rows[-1] + 1, col.index, col.shown, "", reason))
        return out

    # -- enterprises ----------------------------------------------------------------------
    def _enterprise_spec(self, layout: Layout) -> tuple:
        """The enterprise columns of a layout, worked out once per sheet (not per row):
        (fields, getter of their cells, width a row needs, text fields, date fields)."""
        spec = self._enterprise_specs.get(id(layout))
        if spec is None:
            pairs = [(f, c.index) for f, c in layout.by_field().items() if f in ENTERPRISE_FIELDS]
            fields = tuple(f for f, _ in pairs)
            indexes = [i for _, i in pairs]
            if len(indexes) > 1:
                getter = itemgetter(*indexes)
            elif indexes:
                only = indexes[0]

                def getter(row, only=only):
                    return (row[only],)
            else:
                def getter(row):
                    return ()
            spec = (fields, getter, max(indexes, default=-1) + 1,
                    tuple(f for f in _TEXT_FIELDS if f in fields),
                    tuple(f for f in _DATE_FIELDS if f in fields))
            self._enterprise_specs[id(layout)] = spec
        return spec

    def _enterprise_row(self, layout: Layout, r: int) -> None:
        sheet = layout.grid.name
        self._row = r
        cols = layout.by_field()
        row = layout.grid.rows[r]
        fields, getter, width, text_fields, date_fields = self._enterprise_spec(layout)
        if len(row) < width:
            row = [*row, *([None] * (width - len(row)))]
        raw = dict(zip(fields, getter(row)))
        text, is_blank = cells.text, cells.is_blank
        record: dict = {}
        bad = False

        def fail(f: str, message: str) -> None:
            nonlocal bad
            bad = True
            col = cols.get(f) or cols.get(_ALTERNATE_COLUMN.get(f, ""))
            self.problem(sheet, r, col, raw.get(col.field) if col else "", message)

        record["name"] = text(raw.get("name"))
        record["credit_code"] = cells.credit_code(raw.get("credit_code"))
        for f in text_fields:
            if not is_blank(raw[f]):
                record[f] = text(raw[f])
        if not is_blank(raw.get("contact_phone")):
            record["contact_phone"] = text(raw["contact_phone"])
        for f in date_fields:
            if not is_blank(raw[f]):
                try:
                    record[f] = cells.parse_date(raw[f])
                except ValueError as e:
                    fail(f, str(e))
        code = self._industry(raw)
        if code is not None:
            record["industry_code"] = code
        status = text(raw.get("stat_status"))
        if status:
            record["stat_status"] = _STATUS_WORDS.get(status, status)
        pool = text(raw.get("pool"))
        if pool:
            record["pool"] = _POOL_WORDS.get(pool, pool)
        source = text(raw.get("source"))
        if source:
            record["source"] = source
        department = text(raw.get("department")) if "department" in raw else ""
        if department:
            if department in self.departments:
                record["department_id"] = self.departments[department]
            else:
                fail("department", f"未知的责任单位“{department}”，请先在部门列表中添加，"
                                   f"或改为：{'、'.join(list(self.departments)[:8])}")
        tags = text(raw.get("tags")) if "tags" in raw else ""
        if tags:
            record["tags"] = json.dumps([t for t in _TAG_SEPARATORS.split(tags) if t],
                                        ensure_ascii=False)
        existing = self.existing.get(record["credit_code"])
        township = self._township(layout, raw, fail, required=existing is None)
        if township:
            record["township_code"] = township
        try:
            if existing is None:
                clean_record, warnings = validate_enterprise(
                    {**record, "township_code": record.get("township_code", "000000000")})
            else:
                given = dict(record)
                clean_record, warnings = validate_enterprise(given, partial=True)
        except ValidationError as e:
            for f, message in e.problems.items():
                if f == "township_code" and "township_code" not in record:
                    continue  # already reported by _township
                fail({"department_id": "department"}.get(f, f), message)
            return
        if bad:
            return
        for w in warnings:
            self.warn(sheet, r, cols.get("credit_code") if "信用代码" in w else
                      cols.get("industry_code") or cols.get("industry_name"), "", w)

        first = self.seen_codes.get(clean_record["credit_code"])
        if first:
            where = f"第{first[1]}行" if first[0] == sheet else f"工作表“{first[0]}”第{first[1]}行"
            self.problem(sheet, r, cols.get("credit_code"), clean_record["credit_code"],
                         f"统一社会信用代码与{where}重复（同一企业只能出现一次）")
            return
        self.seen_codes[clean_record["credit_code"]] = (sheet, r + 1)
        if existing is None:
            self._plan_create(sheet, r, cols, clean_record)
        else:
            self._plan_update(sheet, r, existing, clean_record)

    def _plan_create(self, sheet: str, r: int, cols: dict, record: dict) -> None:
        same_name = self.existing_names.get(record["name"])
        if same_name:
            self.warn(sheet, r, cols.get("name"), record["name"],
                      f"台账中已有同名企业（统一社会信用代码{same_name[0]['credit_code']}），"
                      "请核对是否为同一企业")
        columns = self._insert_columns
        if columns is None:
            columns = self._insert_columns = frozenset(self.ledger.spec("enterprises").columns)
        values = {k: v for k, v in record.items() if k in columns and v not in (None, "")}
        values.setdefault("pool", "none")
        values.setdefault("stat_status", "below_scale")
        planned = _NewEnterprise(new_id(), values, r + 1, sheet)
        self.new[record["credit_code"]] = planned
        self.new_ids.add(planned.id)
        self.new_names.setdefault(record["name"], []).append(record["credit_code"])
        self.result.created.append({"sheet": sheet, "row": r + 1, "name": record["name"],
                                    "credit_code": record["credit_code"],
                                    "township_code": record["township_code"]})

    def _plan_update(self, sheet: str, r: int, existing: dict, record: dict) -> None:
        diff, shown = {}, {}
        for key, value in record.items():
            if key in ("credit_code",) or value in (None, ""):
                continue
            if key == "pool":
                if value != existing["pool"]:
                    self.warn(sheet, r, None, "", f"“{existing['name']}”表中库别为{POOLS.get(value, value)}，"
                              f"台账中为{POOLS[existing['pool']]}：导入不调整库别，请使用“调整库别”")
                continue
            if existing.get(key) != value:
                diff[key] = value
                shown[_FIELD_LABELS.get(key, key)] = (self._show(key, existing.get(key)),
                                                      self._show(key, value))
        if diff:
            self.updates.append((existing["id"], diff))
            self.result.updated.append(Change(sheet, r + 1,
                                              f"{existing['name']}（{existing['credit_code']}）", shown))
        else:
            self.result.unchanged += 1

    def _show(self, key: str, value) -> str:
        if value is None:
            return ""
        if key == "township_code":
            return f"{self.townships.get(value) or self._new_township_name(value)}（{value}）"
        if key == "department_id":
            return self.department_names.get(value, value)
        if key == "stat_status":
            return STAT_STATUSES.get(value, value)
        if key == "source":
            return SOURCES.get(value, value)
        if key == "tags":
            try:
                return "、".join(json.loads(value))
            except ValueError:
                return value
        return str(value)

    def _new_township_name(self, code: str) -> str:
        return next((n for n, c in self.new_township_codes.items() if c == code), "")

    def _industry(self, raw: dict) -> str | None:
        """The row's industry code, worked out once for each distinct pair of cells."""
        code, name = raw.get("industry_code"), raw.get("industry_name")
        key = (type(code), code, type(name), name)
        try:
            return self._industry_seen[key]
        except KeyError:
            found = self._industry_seen[key] = self._industry_of(code, name)
            return found

    @staticmethod
    def _industry_of(code, name) -> str | None:
        if not cells.is_blank(code):
            text = cells.text(code)
            by_name = _division_by_name(text)
            normal = industry.normalise(text)
            if not _CODE_DIGITS.fullmatch(normal) and by_name:
                return by_name
            return normal
        name = cells.text(name)
        if name:
            return _division_by_name(name) or industry.normalise(name)
        return None

    def _township(self, layout: Layout, raw: dict, fail, *, required: bool) -> str | None:
        """The row's township code; at a county, an unknown township name is planned as new."""
        name = cells.text(raw.get("township")).replace(" ", "")
        code = cells.text(raw.get("township_code")).replace(" ", "")
        if _NINE_DIGITS.fullmatch(name):
            code, name = name, ""
        found = None
        if code:
            if not _NINE_DIGITS.fullmatch(code):
                fail("township_code", f"乡镇代码“{code}”应为9位数字")
                return None
            found = code if code in self.townships or code in self.new_township_codes.values() else None
            if found is None:
                if self.role == "county" and name:
                    found = self._create_township(layout, name, code)
                elif self.role == "county":
                    fail("township_code", f"乡镇代码{code}不在本台账的乡镇列表中，请同时填写乡镇名称")
                    return None
        elif name:
            found = self._township_by_name(name)
            if found is None:
                if self.role == "county":
                    found = self._create_township(layout, name, None)
                else:
                    fail("township", f"本乡镇台账只能导入本乡镇（{self.townships.get(self.own_code, self.own_code)}）"
                                     f"的企业，此行属于“{name}”")
                    return None
        else:
            if not required:
                return None
            if self.role == "township":
                return self.own_code
            office = self._township_by_name(layout.office or "") if layout.office else None
            if office:
                return office
            fail("township", "乡镇（街道）不能为空" if "township" in layout.by_field()
                 else "表中没有“乡镇（街道）”列，无法确定企业所属乡镇")
            return None
        if self.role == "township" and found != self.own_code:
            fail("township", f"本乡镇台账只能导入本乡镇（{self.townships.get(self.own_code, self.own_code)}）"
                             f"的企业，此行属于“{name or self.townships.get(found, found)}”")
            return None
        return found

    def _township_by_name(self, name: str) -> str | None:
        if name in self.township_names:
            return self.township_names[name]
        if name in self.new_township_codes:
            return self.new_township_codes[name]
        for known, code in self.township_names.items():
            # "盂县秀水镇" or "秀水" for "秀水镇"
            if known in name or (known.startswith(name) and len(known) - len(name) <= 2
                                 and len(name) >= 2):
                return code
        return None

    def _create_township(self, layout: Layout, name: str, code: str | None) -> str:
        if code is None:
            code = self._allocate_township_code(name)
        self.new_township_codes[name] = code
        self.result.new_townships.append({"name": name, "code": code, "sheet": layout.grid.name,
                                          "row": self._row + 1})
        return code

    def _allocate_township_code(self, name: str) -> str:
        # digits 7–9 of the 统计用区划代码: 001–099 街道, 100–199 镇, 200–399 乡, 400+ others
        if name.endswith(("街道", "办事处")):
            span = range(1, 100)
        elif name.endswith("镇"):
            span = range(100, 200)
        elif name.endswith("乡"):
            span = range(200, 400)
        else:
            span = range(400, 1000)
        county = self.own_code[:6]
        used = set(self.townships) | set(self.new_township_codes.values())
        for n in span:
            code = f"{county}{n:03d}"
            if code not in used:
                return code
        raise UserError(f"无法为乡镇“{name}”分配代码，请在表中填写乡镇代码")

    # -- monthly figures ------------------------------------------------------------------
    def _check_figure_layout(self, layout: Layout) -> None:
        fields = layout.by_field()
        sheet = layout.grid.name
        if "credit_code" not in fields and "name" not in fields:
            self.problem(sheet, layout.header_rows[-1], None, "",
                         "月度数据表需要“统一社会信用代码”或“企业名称”列")
        if not layout.month_columns and not any(f in fields for f in FIGURE_FIELDS):
            self.problem(sheet, layout.header_rows[-1], None, "",
                         "月度数据表中没有可导入的指标列（主营业务收入、工业总产值、税收、用电量、从业人员）")
        for col in layout.month_columns:
            if col.header.month[0] is None and layout.year is None and "year" not in fields:
                self.problem(sheet, layout.header_rows[-1], col, col.header.text,
                             "无法确定年份：请在表头写明年月（如“2024年3月”）或在标题中写明年份")
                break

    def _figure_row(self, layout: Layout, r: int) -> None:
        sheet = layout.grid.name
        cols = layout.by_field()
        row = layout.grid.rows[r]

        def cell(col: Column | None):
            return row[col.index] if col is not None and col.index < len(row) else None

        enterprise_id = self._enterprise_for(sheet, r, cols, cell)
        # (period → {field: value}) for this row, from the long or the wide layout
        months: dict[str, dict] = {}
        problems_before = len(self.result.problems)
        if layout.month_columns:
            year_value = cell(cols.get("year"))
            for col in layout.month_columns:
                if not col.field:
                    continue
                year, month = col.header.month
                if year is None:
                    year = (cells.parse_count(year_value) if not cells.is_blank(year_value)
                            else layout.year)
                if year is None:
                    continue
                period = f"{year:04d}-{month:02d}"
                value = self._figure_value(layout, sheet, r, col, cell(col))
                if value is not None:
                    months.setdefault(period, {})[col.field] = value
        else:
            period = self._period(layout, sheet, r, cols, cell)
            values = {}
            figure_columns = self._figure_specs.get(id(layout))
            if figure_columns is None:
                figure_columns = self._figure_specs[id(layout)] = [
                    (f, cols[f]) for f in FIGURE_FIELDS if cols.get(f) is not None]
            for f, col in figure_columns:
                value = self._figure_value(layout, sheet, r, col, cell(col))
                if value is not None:
                    values[f] = value
            if period and values:
                months[period] = values
        if len(self.result.problems) > problems_before or enterprise_id is None:
            return
        for period, values in months.items():
            key = (enterprise_id, period)
            if key in self.seen_months:
                self.problem(sheet, r, cols.get("period"), period,
                             f"{period}的数据与第{self.seen_months[key]}行重复")
                continue
            self.seen_months[key] = r + 1
            self._pending_months.append((sheet, r, enterprise_id, period, values))

    def _enterprise_for(self, sheet, r, cols, cell) -> str | None:
        code = cells.credit_code(cell(cols.get("credit_code")))
        name = cells.text(cell(cols.get("name")))
        if code:
            if code in self.new:
                return self.new[code].id
            if code in self.existing:
                return self.existing[code]["id"]
            check = cc.check(code)
            message = check.error or f"台账和本文件的企业名单中都没有统一社会信用代码为{code}的企业"
            self.problem(sheet, r, cols.get("credit_code"), code, message)
            return None
        if name:
            found = [e["id"] for e in self.existing_names.get(name, [])]
            found += [self.new[c].id for c in self.new_names.get(name, [])]
            if len(found) == 1:
                return found[0]
            self.problem(sheet, r, cols.get("name"), name,
                         "台账中有多家同名企业，请填写统一社会信用代码" if found else
                         "台账和本文件的企业名单中都没有这家企业，请核对名称或填写统一社会信用代码")
            return None
        self.problem(sheet, r, cols.get("credit_code") or cols.get("name"), "",
                     "统一社会信用代码和企业名称都为空")
        return None

    def _period(self, layout, sheet, r, cols, cell) -> str | None:
        col = cols.get("period")
        try:
            if col is not None:
                value = cell(col)
                period = cells.parse_period(value, layout.year)
                if period is None:
                    self.problem(sheet, r, col, "", "月份不能为空")
                return period
            year, month = cell(cols.get("year")), cell(cols.get("month"))
            col = cols.get("month")
            y, m = cells.parse_count(year), cells.parse_count(month)
            if y is None or m is None or not 1 <= m <= 12 or not 2000 <= y <= 2100:
                self.problem(sheet, r, col, f"{cells.text(year)}年{cells.text(month)}月",
                             "年份或月份无效")
                return None
            return f"{y:04d}-{m:02d}"
        except ValueError as e:
            self.problem(sheet, r, col, cell(col), str(e))
            return None

    def _figure_value(self, layout: Layout, sheet: str, r: int, col: Column, value):
        if value is None or value == "":
            return None
        spec = self._column_specs.get(id(col))
        if spec is None:
            if col.field in MONEY_FIELDS:
                unit = money_factor_unit(col.header.unit) or layout.unit or DEFAULT_MONEY_UNIT
                spec = ("money", unit, UNIT_FACTORS[unit])
            elif col.field == "electricity_kwh":
                spec = ("count", None, electricity_factor(col.header.unit))
            else:
                spec = ("count", None, 1)
            self._column_specs[id(col)] = spec
        kind, unit, factor = spec
        try:
            number = cells.scaled_number(value, factor) if type(value) is float else None
            if number is None:
                number = (cells.parse_money(value, unit) if kind == "money"
                          else cells.parse_count(value, factor))
            if kind == "money" and number is not None and abs(number) >= _IMPLAUSIBLE_YUAN:
                raise ValueError(f"按{unit}计为{number:,}元，明显过大：请核对金额单位")
        except ValueError as e:
            self.problem(sheet, r, col, value, str(e))
            return None
        if number is not None and number < 0:
            self.problem(sheet, r, col, value, f"{LABELS[col.field]}不能为负数")
            return None
        return number

    def _months_of(self, enterprise_id: str) -> dict[str, dict]:
        """An enterprise's recorded months, read once (not one query per row)."""
        if enterprise_id not in self._month_cache:
            self._month_cache[enterprise_id] = {m["period"]: m for m in self.ledger.rows(
                "SELECT * FROM monthly_figures WHERE enterprise_id = ?", (enterprise_id,))}
        return self._month_cache[enterprise_id]

    def _load_months(self, enterprise_ids) -> None:
        """The recorded months of many enterprises, 500 enterprises a query (not one each)."""
        wanted = [e for e in dict.fromkeys(enterprise_ids)
                  if e not in self._month_cache and e not in self.new_ids]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for e in chunk:
                self._month_cache[e] = {}
            for m in self.ledger.rows("SELECT * FROM monthly_figures WHERE enterprise_id IN "
                                      f"({','.join('?' * len(chunk))})", chunk):
                self._month_cache[m["enterprise_id"]][m["period"]] = m

    def _plan_pending_months(self) -> None:
        """Compare the checked rows with the ledger, in row order, after one bulk read."""
        pending, self._pending_months = self._pending_months, []
        self._load_months(p[2] for p in pending)
        for sheet, r, enterprise_id, period, values in pending:
            self._plan_month(sheet, r, enterprise_id, period, values)

    def _name_of(self, enterprise_id: str):
        if self._names_by_id is None:
            self._names_by_id = {e["id"]: e["name"] for e in self.existing.values()}
        if enterprise_id in self._names_by_id:
            return self._names_by_id[enterprise_id]
        return self.ledger.scalar("SELECT name FROM enterprises WHERE id = ?", (enterprise_id,))

    def _plan_month(self, sheet, r, enterprise_id, period, values) -> None:
        row_id = monthly_figure_id(enterprise_id, period)
        existing = None if enterprise_id in self.new_ids else self._months_of(enterprise_id).get(period)
        if existing is None:
            self.figure_inserts.append({"id": row_id, "enterprise_id": enterprise_id,
                                        "period": period, **values})
            self.result.figures_created += 1
        else:
            diff = {k: v for k, v in values.items() if existing.get(k) != v}
            if diff:
                self.figure_updates.append((row_id, diff))
                name = self._name_of(enterprise_id)
                self.result.figures_updated.append(Change(sheet, r + 1, f"{name} {period}", {
                    _FIELD_LABELS[k]: (_show_figure(k, existing.get(k)), _show_figure(k, v))
                    for k, v in diff.items()}))
            else:
                self.result.figures_unchanged += 1
        self.result.enterprise_ids.add(enterprise_id)

    # -- writing ----------------------------------------------------------------------------
    def apply(self) -> None:
        ledger = self.ledger
        total = (len(self.new) + len(self.updates) + len(self.figure_inserts)
                 + len(self.figure_updates) + len(self.new_township_codes))
        done = 0
        self.progress("写入台账", 0, total)
        with ledger.transaction():
            for name, code in self.new_township_codes.items():
                ledger.insert("townships", {"code": code, "name": name})
                done += 1
            self.check_cancel()
            ledger.insert_many("enterprises", ({"id": n.id, **n.record} for n in self.new.values()),
                               progress=lambda n: self.progress("写入台账", done + n, total))
            done += len(self.new)
            self.check_cancel()
            for i, (enterprise_id, diff) in enumerate(self.updates):
                ledger.update("enterprises", enterprise_id, diff)
                if i % 200 == 0:
                    self.check_cancel()
                    self.progress("写入台账", done + i, total)
            done += len(self.updates)
            ledger.insert_many("monthly_figures", self.figure_inserts,
                               progress=lambda n: self.progress("写入台账", done + n, total))
            done += len(self.figure_inserts)
            self.check_cancel()
            for i, (row_id, diff) in enumerate(self.figure_updates):
                ledger.update("monthly_figures", row_id, diff)
                if i % 200 == 0:
                    self.check_cancel()
                    self.progress("写入台账", done + i, total)
        self.result.enterprise_ids |= {n.id for n in self.new.values()}
        self.result.enterprise_ids |= {e for e, _ in self.updates}
        self.progress("写入台账", total, total)


_ALTERNATE_COLUMN = {"township_code": "township", "township": "township_code",
                     "industry_code": "industry_name", "department_id": "department"}
_FIELD_LABELS = {**LABELS, "township_code": "乡镇（街道）", "department_id": "责任单位"}


def _show_figure(key: str, value) -> str:
    from ..domain.money import format_wan

    if value is None:
        return ""
    return f"{format_wan(value)}万元" if key in MONEY_FIELDS else f"{value:,}"


_DIVISION_NAMES = {name: code for code, (_section, name) in industry.DIVISIONS.items()}


def _division_by_name(text: str) -> str | None:
    text = clean(text).replace(" ", "")
    text = _DIVISION_PREFIX.sub("", text)
    if not text:
        return None
    return _DIVISION_NAMES.get(text)


# -- export ------------------------------------------------------------------------------------
EXPORT_TITLES = {"enterprises": "企业名单", "visits": "走访记录", "issues": "问题台账",
                 "pools": "企业库别", "targets": "目标任务完成情况", "rewards": "奖补测算"}
_FIGURE_HEADERS = {"revenue": "主营业务收入（万元）", "output_value": "工业总产值（万元）",
                   "tax_paid": "税收（万元）", "electricity_kwh": "用电量（千瓦时）",
                   "employees": "从业人员（人）"}


def export_enterprises(ledger: Ledger, out: Path | str, *, enterprise_ids: list[str] | None = None,
                       progress: Progress | None = None, cancel=None, cancelled=None) -> dict:
    """The enterprise list (only `enterprise_ids`, in that order, when given) and their
    monthly figures: the window's "export selection"."""
    return export_table(ledger, "enterprises", out, enterprise_ids=enterprise_ids,
                        progress=progress, cancel=cancel if cancel is not None else cancelled)


def export_table(ledger: Ledger, what: str, out: Path | str, *, year: int | None = None,
                 today: date | None = None, enterprise_ids: list[str] | None = None,
                 progress: Progress | None = None, cancel=None) -> dict:
    """Write one export; returns {"path", "title", "rows", "notes"}.

    `enterprise_ids` limits an enterprise, visit or issue export to those enterprises."""
    from ..spreadsheets.writer import TableBook

    if what not in EXPORT_TITLES:
        raise UserError(f"不支持导出“{what}”，可选：{'、'.join(EXPORT_TITLES)}")
    today = today or date.today()
    year = year or today.year
    progress = progress or (lambda stage, done, total: None)
    check_cancel = _cancel_check(cancel)
    office = ledger.scalar("SELECT name FROM sites WHERE is_self = 1") or ""
    book = TableBook(office, today)
    progress("读取台账", 0, 1)
    notes: list[str] = []
    selection = _Selection(enterprise_ids)
    rows = globals()[f"_export_{what}"](ledger, book, year=year, today=today, notes=notes,
                                        check_cancel=check_cancel, selection=selection)
    progress("写入文件", 0, 1)
    check_cancel()
    path = book.save(Path(out))
    progress("写入文件", 1, 1)
    return {"path": str(path), "title": EXPORT_TITLES[what], "rows": rows, "notes": notes}


class _Selection:
    """Which enterprises an export covers (all when ids is None), and their order."""

    def __init__(self, ids: list[str] | None):
        self.order = None if ids is None else {e: i for i, e in enumerate(ids)}

    def filter(self, rows: list[dict], key: str = "id", keep_order: bool = False) -> list[dict]:
        if self.order is None:
            return rows
        kept = [r for r in rows if r[key] in self.order]
        if keep_order:
            kept.sort(key=lambda r: self.order[r[key]])
        return kept


def _labels(ledger: Ledger) -> tuple[dict, dict]:
    townships = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
    departments = {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM departments")}
    return townships, departments


def _tags_text(value) -> str | None:
    if not value:
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return value
    return "、".join(items) if isinstance(items, list) else str(items)


def _export_enterprises(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..spreadsheets.writer import Col

    townships, departments = _labels(ledger)
    prior = str(today.year - 1)
    columns = [Col("序号", "int", 6), Col("统一社会信用代码"), Col("企业名称"), Col("乡镇（街道）"),
               Col("乡镇代码"), Col("行业代码"), Col("行业名称"), Col("统计状态"), Col("库别"),
               Col("来源"), Col("责任单位"), Col("包联干部"), Col("法定代表人"), Col("联系人"),
               Col("联系电话"), Col("地址"), Col("成立日期", "date"), Col("入统日期", "date"),
               Col("退规日期", "date"), Col("企业资质"),
               Col(f"{prior}年主营业务收入（万元）", "wan"), Col("备注")]
    enterprises = ledger.rows(
        "SELECT e.*, (SELECT sum(revenue) FROM monthly_figures f WHERE f.enterprise_id = e.id"
        " AND substr(f.period, 1, 4) = ?) AS prior_revenue FROM enterprises e"
        " ORDER BY e.township_code, e.name", (prior,))
    enterprises = selection.filter(enterprises, keep_order=True)
    check_cancel()

    def rows():
        for i, e in enumerate(enterprises, start=1):
            division = industry.DIVISIONS.get((e["industry_code"] or "")[:2])
            yield [i, e["credit_code"], e["name"], townships.get(e["township_code"], ""),
                   e["township_code"], e["industry_code"], division[1] if division else None,
                   STAT_STATUSES.get(e["stat_status"]), POOLS.get(e["pool"]),
                   SOURCES.get(e["source"], e["source"]), departments.get(e["department_id"]),
                   e["liaison_cadre"], e["legal_person"], e["contact_person"], e["contact_phone"],
                   e["address"], e["established_date"], e["entered_stats_date"],
                   e["exited_stats_date"], _tags_text(e["tags"]), e["prior_revenue"], e["note"]]
    count = book.add_table("企业名单", f"{book.office}小升规企业名单", columns, rows())
    check_cancel()
    figure_columns = [Col("统一社会信用代码"), Col("企业名称"), Col("月份"),
                      *(Col(h, "wan" if k in MONEY_FIELDS else "int") for k, h in _FIGURE_HEADERS.items())]
    cursor = ledger.conn.execute(
        "SELECT e.id, e.credit_code, e.name, f.period, f.revenue, f.output_value, f.tax_paid,"
        " f.electricity_kwh, f.employees FROM monthly_figures f JOIN enterprises e"
        " ON e.id = f.enterprise_id ORDER BY e.township_code, e.name, f.period")
    wanted = selection.order
    book.add_table("月度数据", f"{book.office}企业月度数据", figure_columns,
                   (list(r[1:]) for r in cursor if wanted is None or r[0] in wanted),
                   note="各月为当月数")
    return count


def _export_visits(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..domain.records import VISIT_KINDS
    from ..spreadsheets.writer import Col

    townships, _ = _labels(ledger)
    columns = [Col("序号", "int", 6), Col("走访日期", "date"), Col("企业名称"), Col("统一社会信用代码"),
               Col("乡镇（街道）"), Col("走访方式"), Col("走访人员"), Col("走访情况", width=50),
               Col("企业诉求", width=40), Col("记录人")]
    visits = ledger.rows(
        "SELECT v.*, e.name, e.credit_code, e.township_code FROM visits v"
        " JOIN enterprises e ON e.id = v.enterprise_id ORDER BY v.visit_date DESC, e.name")
    visits = selection.filter(visits, "enterprise_id")
    return book.add_table("走访记录", f"{book.office}企业走访记录", columns, (
        [i, v["visit_date"], v["name"], v["credit_code"], townships.get(v["township_code"]),
         VISIT_KINDS.get(v["kind"], v["kind"]), v["visitors"], v["summary"], v["demands"],
         v["recorded_by"]] for i, v in enumerate(visits, start=1)))


def _export_issues(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..domain.records import ISSUE_CATEGORIES, ISSUE_STATUSES
    from ..spreadsheets.writer import Col

    townships, departments = _labels(ledger)
    columns = [Col("序号", "int", 6), Col("提出日期", "date"), Col("企业名称"), Col("统一社会信用代码"),
               Col("乡镇（街道）"), Col("问题类别"), Col("问题描述", width=50), Col("责任单位"),
               Col("办结时限", "date"), Col("办理状态"), Col("是否超期"), Col("办理结果", width=40),
               Col("办结日期", "date")]
    issues = ledger.rows(
        "SELECT i.*, e.name, e.credit_code, e.township_code FROM issues i"
        " JOIN enterprises e ON e.id = i.enterprise_id ORDER BY i.raised_date DESC, e.name")
    issues = selection.filter(issues, "enterprise_id")
    iso = today.isoformat()

    def overdue(i):
        if i["status"] in ("resolved", "closed") or not i["deadline"]:
            return None
        return "超期" if i["deadline"] < iso else "否"
    return book.add_table("问题台账", f"{book.office}企业问题（诉求）台账", columns, (
        [n, i["raised_date"], i["name"], i["credit_code"], townships.get(i["township_code"]),
         ISSUE_CATEGORIES.get(i["category"], i["category"]), i["description"],
         departments.get(i["department_id"]), i["deadline"],
         ISSUE_STATUSES.get(i["status"], i["status"]), overdue(i), i["resolution"],
         i["resolved_date"]] for n, i in enumerate(issues, start=1)))


def _facts(ledger: Ledger, today: date, notes: list[str]):
    # the same adapter the PDF reports use: services.policy where present, else the
    # ledger-only fallback (which never invents reward amounts)
    try:
        from .reports import facts_for

        facts = facts_for(ledger, today)
    except ImportError:
        from ..reports.facts import LedgerFacts

        facts = LedgerFacts(ledger, today)
    if facts.source != "policy":
        notes.append("政策规则模块尚未提供，建议库别、预计数和奖补按台账数据计算（不含奖补金额）")
    return facts


def _export_pools(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..domain.evaluation import FLAG_NAMES
    from ..spreadsheets.writer import Col

    townships, _ = _labels(ledger)
    evaluations = _facts(ledger, today, notes).evaluate()
    check_cancel()
    enterprises = ledger.rows("SELECT * FROM enterprises ORDER BY township_code, pool, name")
    columns = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
               Col("统计状态"), Col("当前库别"), Col("建议库别"), Col("建议理由", width=40),
               Col("上年主营业务收入（万元）", "wan"), Col("本年预计（万元）", "wan"),
               Col("预计增长", "percent"), Col("提示", width=40)]

    def rows():
        for i, e in enumerate(enterprises, start=1):
            ev = evaluations.get(e["id"])
            yield [i, e["name"], e["credit_code"], townships.get(e["township_code"]),
                   STAT_STATUSES.get(e["stat_status"]), POOLS.get(e["pool"]),
                   POOLS.get(ev.suggested_pool) if ev else None,
                   ev.suggested_pool_reason if ev else None,
                   ev.prior_year_revenue if ev else None, ev.projected_revenue if ev else None,
                   ev.growth_rate if ev else None,
                   "；".join(f"{FLAG_NAMES.get(f.code, f.code)}：{f.text}" for f in ev.flags)
                   if ev and ev.flags else None]
    count = book.add_table("企业库别", f"{book.office}小升规企业分库名单", columns, rows())
    moves = ledger.rows(
        "SELECT p.*, e.name, e.credit_code FROM pool_events p JOIN enterprises e"
        " ON e.id = p.enterprise_id ORDER BY p.moved_on DESC, e.name")
    book.add_table("调库记录", f"{book.office}企业调库记录", [
        Col("调整日期", "date"), Col("企业名称"), Col("统一社会信用代码"), Col("原库别"),
        Col("调入库别"), Col("理由", width=40), Col("决定人"), Col("已确认")], (
        [m["moved_on"], m["name"], m["credit_code"], POOLS.get(m["from_pool"]),
         POOLS.get(m["to_pool"]), m["reason"], m["decided_by"], "是" if m["confirmed"] else "否"]
        for m in moves))
    return count


def _export_targets(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..spreadsheets.writer import Col

    progress = _facts(ledger, today, notes).target_progress(year)
    columns = [Col("范围"), Col("乡镇（街道）/责任单位"), Col("净增目标（户）", "int"),
               Col("新增入规（户）", "int"), Col("退规（户）", "int"), Col("净增（户）", "int"),
               Col("完成率", "percent")]
    lines = [("乡镇", t) for t in progress.townships] + [("部门", d) for d in progress.departments]
    rows = [[scope, t.name, t.target, t.entries, t.exits, t.net, t.completion]
            for scope, t in lines]
    town = progress.townships
    if town:
        entries, exits = sum(t.entries for t in town), sum(t.exits for t in town)
        target = progress.county_target
        rows.append(["全县合计", "", target, entries, exits, entries - exits,
                     (entries - exits) / target if target else None])
    return book.add_table("目标任务", f"{book.office}{year}年小升规目标任务完成情况", columns, rows)


def _export_rewards(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..spreadsheets.writer import Col

    facts = _facts(ledger, today, notes)
    lines = facts.rewards(year)
    townships, _ = _labels(ledger)
    enterprises = {e["id"]: e for e in ledger.rows("SELECT * FROM enterprises")}
    columns = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
               Col("入统日期", "date"), Col("奖补项目", width=30), Col("金额（万元）", "wan"),
               Col("说明", width=40)]
    if lines:
        rows = []
        for i, line in enumerate(lines, start=1):
            e = enterprises.get(line.enterprise_id, {})
            rows.append([i, e.get("name"), e.get("credit_code"), townships.get(e.get("township_code")),
                         e.get("entered_stats_date"), line.item, line.amount, line.note or None])
    elif facts.source == "policy":
        notes.append(f"{year}年没有应发的奖补（或尚未选择政策配置）")
        rows = []
    else:
        # without the policy rules: the enterprises that entered the register in the last
        # three years (the basis of every profile's rewards), amounts left to the rules
        since = str(year - 2)
        entered = ledger.rows(
            "SELECT * FROM enterprises WHERE entered_stats_date IS NOT NULL"
            " AND substr(entered_stats_date, 1, 4) BETWEEN ? AND ? ORDER BY entered_stats_date",
            (since, str(year)))
        rows = [[i, e["name"], e["credit_code"], townships.get(e["township_code"]),
                 e["entered_stats_date"], f"入规第{year - int(e['entered_stats_date'][:4]) + 1}年",
                 None, "金额由政策规则测算" if facts.source != "policy" else None]
                for i, e in enumerate(entered, start=1)]
    return book.add_table("奖补测算", f"{book.office}{year}年小升规奖补测算", columns, rows,
                          note="" if facts.source == "policy" else "奖补金额待政策规则测算")
