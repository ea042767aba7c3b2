"""Checking a spreadsheet row by row and planning what to write (the import of services.excel)."""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Callable

from ...domain import industry
from ...domain.records import POOLS, SOURCES, STAT_STATUSES, validate_enterprise
from ...domain.text import MATCH_KEY_CHANGES_GLOB, clean, match_key
from ...errors import UserError, ValidationError
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cut_columns
from ...spreadsheets.columns import FIGURE_FIELDS, LABELS, MONEY_FIELDS, money_factor_unit
from ...spreadsheets.layout import Column, Layout, data_rows, find_layout
from ...spreadsheets.reader import Grid
from ...spreadsheets.report import Finding
from ...storage.ledger import Ledger, new_id
from ..office.site import this_site

from . import (_CODE_DIGITS, _DATE_FIELDS, _DIVISION_PREFIX, _NINE_DIGITS, _POOL_WORDS, _STATUS_WORDS, _TAG_SEPARATORS, _TEXT_FIELDS, DEFAULT_MONEY_UNIT, ENTERPRISE_FIELDS, Change, ImportResult, Progress, SheetSummary)
from .enterprise_bulk import _BulkEnterpriseRows, _NewEnterprise
from .figures_bulk import _BulkFigureRows
from .figures_plan import _FIELD_LABELS, _FigureRows


class _Planner(_FigureRows, _BulkEnterpriseRows, _BulkFigureRows):
    """Checks every row against the ledger and collects the writes to make."""

    def __init__(self, ledger: Ledger, result: ImportResult, progress: Progress,
                 check_cancel: Callable[[], None]):
        self.ledger = ledger
        self.result = result
        self.progress = progress
        self.check_cancel = check_cancel
        self.role = ledger.meta("role")
        site = this_site(ledger)
        self.own_code = site["area_code"] if site else ""
        self.townships = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
        self.township_names = {match_key(name): code for code, name in self.townships.items()}
        departments = ledger.rows("SELECT id, name FROM departments")
        self.departments = {match_key(r["name"]): r["id"] for r in departments}
        self.department_names = {r["id"]: r["name"] for r in departments}
        self.existing: dict[str, dict] = {}  # read by run(), once it knows the sheets
        self.existing_names: dict[str, list[dict]] = {}
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
        self.figure_inserts: list[tuple] = []  # FIGURE_INSERT_COLUMNS
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
            summary.unused_columns = self._unused_columns(layout, sheet_kind)
            if sheet_kind == "enterprises":
                self._enterprise_rows(layout, rows, done, total)
            else:
                self._check_figure_layout(layout)
                self._figure_rows(layout, rows, done, total)
            done += len(layout.grid.rows)
        self._plan_pending_months()
        self.progress("检查数据", total, total)

    def _load_existing(self, layouts: list[tuple[Layout, str]]) -> None:
        """The ledger's enterprises that the file's rows name, by credit code and by name
        (every field of them: a list is compared field by field). Only those: a list of
        10,000 against a ledger of 10,000 took 70 ms to load them all, a county's 100,000
        ten times that. A row of a figures sheet that has a code is looked up by code only.
        A ledger not much bigger than the enterprise lists of the file is read whole: that
        costs less than gathering the codes and names to ask for."""
        lists = sum(len(layout.grid.rows) for layout, kind in layouts if kind == "enterprises")
        if lists and self.ledger.scalar("SELECT count(*) FROM enterprises") <= 2 * lists:
            for row in self.ledger.rows("SELECT * FROM enterprises"):
                self.existing[row["credit_code"]] = row
                self.existing_names.setdefault(match_key(row["name"]), []).append(row)
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
                    [v for v, c in zip(found[1], row_codes) if not c]
                names.update(by_value(given, lambda v: match_key(cells.text(v))))
        # both sets go in as JSON arrays: one statement, one pass over the table (names
        # have no index of their own), only the rows asked for made into dicts. Names are
        # matched by match_key: a name that is its own key is compared as it is, only the
        # others (（山西）, full-width digits …) are keyed in Python
        codes.discard("")
        names.discard("")
        self.ledger.conn.create_function("match_key", 1, match_key, deterministic=True)
        for row in self.ledger.rows(
                "SELECT * FROM enterprises WHERE credit_code IN (SELECT value FROM json_each(?1))"
                " OR name IN (SELECT value FROM json_each(?2))"
                " OR (name GLOB ?3 AND match_key(name) IN (SELECT value FROM json_each(?2)))",
                (json.dumps(sorted(codes), ensure_ascii=False),
                 json.dumps(sorted(names), ensure_ascii=False), MATCH_KEY_CHANGES_GLOB)):
            if row["credit_code"] in codes:
                self.existing[row["credit_code"]] = row
            key = match_key(row["name"])
            if key in names:
                self.existing_names.setdefault(key, []).append(row)

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

        record["name"] = cells.name_text(raw.get("name"))
        record["credit_code"] = cells.credit_code(raw.get("credit_code"))
        for f in text_fields:
            if not is_blank(raw[f]):
                record[f] = _TEXT_CELLS.get(f, cells.name_text)(raw[f])
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
            if match_key(department) in self.departments:
                record["department_id"] = self.departments[match_key(department)]
            else:
                fail("department", f"未知的责任单位“{department}”，请先在部门列表中添加，"
                                   f"或改为：{'、'.join(list(self.department_names.values())[:8])}")
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
        same_name = self.existing_names.get(match_key(record["name"]))
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
        self.new_names.setdefault(match_key(record["name"]), []).append(record["credit_code"])
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
            if existing.get(key) != value and not (
                    key in _WRITTEN_FIELDS and match_key(existing.get(key)) == match_key(value)):
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
        return self._industry_pair(raw.get("industry_code"), raw.get("industry_name"))

    def _industry_pair(self, code, name) -> str | None:
        """The industry code of a row's two cells, worked out once for each distinct pair."""
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
        name = cells.name_text(raw.get("township"))
        code = cells.text(raw.get("township_code")).replace(" ", "")
        found, failure, create = self._township_decision(layout, name, code, required=required)
        if failure:
            fail(*failure)
            return None
        if create:
            return self._create_township(layout, *create)
        return found

    def _township_decision(self, layout: Layout, name: str, code: str, *, required: bool):
        """(code found, (field, problem) or None, (name, code or None) to create or None),
        without reporting or creating anything."""
        if _NINE_DIGITS.fullmatch(match_key(name)):
            code, name = match_key(name), ""
        found = None
        if code:
            if not _NINE_DIGITS.fullmatch(code):
                return None, ("township_code", f"乡镇代码“{code}”应为9位数字"), None
            found = code if code in self.townships or code in self.new_township_codes.values() else None
            if found is None:
                if self.role == "county" and name:
                    return None, None, (name, code)
                elif self.role == "county":
                    return None, ("township_code",
                                  f"乡镇代码{code}不在本台账的乡镇列表中，请同时填写乡镇名称"), None
        elif name:
            found = self._township_by_name(name)
            if found is None:
                if self.role == "county":
                    return None, None, (name, None)
                return None, ("township", f"本乡镇台账只能导入本乡镇（{self.townships.get(self.own_code, self.own_code)}）"
                                          f"的企业，此行属于“{name}”"), None
        else:
            if not required:
                return None, None, None
            if self.role == "township":
                return self.own_code, None, None
            office = self._township_by_name(layout.office or "") if layout.office else None
            if office:
                return office, None, None
            return None, ("township", "乡镇（街道）不能为空" if "township" in layout.by_field()
                          else "表中没有“乡镇（街道）”列，无法确定企业所属乡镇"), None
        if self.role == "township" and found != self.own_code:
            return None, ("township", f"本乡镇台账只能导入本乡镇（{self.townships.get(self.own_code, self.own_code)}）"
                                      f"的企业，此行属于“{name or self.townships.get(found, found)}”"), None
        return found, None, None

    def _township_by_name(self, name: str) -> str | None:
        name = match_key(name)  # the keys of township_names are too
        if name in self.township_names:
            return self.township_names[name]
        for given, code in self.new_township_codes.items():
            if match_key(given) == name:
                return code
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
            columns = ledger.spec("enterprises").columns
            ledger.insert_rows("enterprises", ("id", *columns),
                               (n.insert_row(columns) for n in self.new.values()),
                               progress=lambda n: self.progress("写入台账", done + n, total))
            done += len(self.new)
            self.check_cancel()
            for i, (enterprise_id, diff) in enumerate(self.updates):
                ledger.update("enterprises", enterprise_id, diff)
                if i % 200 == 0:
                    self.check_cancel()
                    self.progress("写入台账", done + i, total)
            done += len(self.updates)
            ledger.insert_rows("monthly_figures", FIGURE_INSERT_COLUMNS, self.figure_inserts,
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


FIGURE_INSERT_COLUMNS = ("id", "enterprise_id", "period", *FIGURE_FIELDS)
# cells read as written (cells.name_text unless named here); a difference only in width,
# brackets or spaces from what the ledger holds is no change (the name stays as stored)
_TEXT_CELLS = {"address": cells.narrative_text, "note": cells.narrative_text}
_WRITTEN_FIELDS = frozenset(("name", *_TEXT_FIELDS))
_ALTERNATE_COLUMN = {"township_code": "township", "township": "township_code",
                     "industry_code": "industry_name", "department_id": "department"}
_DIVISION_NAMES = {name: code for code, (_section, name) in industry.DIVISIONS.items()}


def _division_by_name(text: str) -> str | None:
    text = clean(text).replace(" ", "")
    text = _DIVISION_PREFIX.sub("", text)
    if not text:
        return None
    return _DIVISION_NAMES.get(text)
