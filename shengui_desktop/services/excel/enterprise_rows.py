"""An enterprise list checked row by row: each row cleaned, validated with the domain's
rules, and planned as a new enterprise or a change to one of the ledger's (the way every
row can take; enterprise_columns takes the usual rows a faster way to the same plan)."""

from __future__ import annotations

import json
from operator import itemgetter

from ...domain import industry
from ...domain.records import POOLS, SOURCES, STAT_STATUSES, validate_enterprise
from ...domain.text import match_key
from ..ledger.reference import unknown_department_message
from ...errors import ValidationError
from ...spreadsheets import cells
from ...spreadsheets.layout import Layout
from ...storage.ledger import new_id
from .plan import NewEnterprise, Plan
from .results import Change
from .vocabulary import (ALTERNATE_COLUMN, CODE_DIGITS, DATE_FIELDS, ENTERPRISE_FIELDS, FIELD_LABELS,
                         NARRATIVE_FIELDS, POOL_WORDS, STATUS_WORDS, TAG_SEPARATORS, TEXT_FIELDS, WRITTEN_FIELDS,
                         division_by_name)

# how a text field's cell is read: as written (cells.name_text), a narrative with its line
# breaks (cells.narrative_text)
_TEXT_CELLS = {f: cells.narrative_text for f in NARRATIVE_FIELDS}


class EnterpriseRows:
    """Plans the rows of enterprise sheets one at a time into `plan`."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._specs: dict[int, tuple] = {}  # id(layout) → columns to read
        self._industry_seen: dict[tuple, str | None] = {}

    def _spec(self, layout: Layout) -> tuple:
        """The enterprise columns of a layout, worked out once per sheet (not per row):
        (fields, getter of their cells, width a row needs, text fields, date fields)."""
        spec = self._specs.get(id(layout))
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
                    tuple(f for f in TEXT_FIELDS if f in fields),
                    tuple(f for f in DATE_FIELDS if f in fields))
            self._specs[id(layout)] = spec
        return spec

    def plan_row(self, layout: Layout, r: int) -> None:
        """Check grid row `r` and plan it, or report its problems."""
        plan = self.plan
        sheet = layout.grid.name
        cols = layout.by_field()
        row = layout.grid.rows[r]
        fields, getter, width, text_fields, date_fields = self._spec(layout)
        if len(row) < width:
            row = [*row, *([None] * (width - len(row)))]
        raw = dict(zip(fields, getter(row)))
        text, is_blank = cells.text, cells.is_blank
        record: dict = {}
        bad = False

        def fail(f: str, message: str) -> None:
            nonlocal bad
            bad = True
            col = cols.get(f) or cols.get(ALTERNATE_COLUMN.get(f, ""))
            plan.problem(sheet, r, col, raw.get(col.field) if col else "", message)

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
        code = self.industry_pair(raw.get("industry_code"), raw.get("industry_name"))
        if code is not None:
            record["industry_code"] = code
        status = text(raw.get("stat_status"))
        if status:
            record["stat_status"] = STATUS_WORDS.get(status, status)
        pool = text(raw.get("pool"))
        if pool:
            record["pool"] = POOL_WORDS.get(pool, pool)
        source = text(raw.get("source"))
        if source:
            record["source"] = source
        department = text(raw.get("department")) if "department" in raw else ""
        if department:
            if match_key(department) in plan.departments:
                record["department_id"] = plan.departments[match_key(department)]
            else:
                fail("department", unknown_department_message(department, list(plan.department_names.values())))
        tags = text(raw.get("tags")) if "tags" in raw else ""
        if tags:
            record["tags"] = json.dumps([t for t in TAG_SEPARATORS.split(tags) if t],
                                        ensure_ascii=False)
        existing = plan.existing.get(record["credit_code"])
        township = self._township(layout, r, raw, fail, required=existing is None)
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
            plan.warn(sheet, r, cols.get("credit_code") if "信用代码" in w else
                      cols.get("industry_code") or cols.get("industry_name"), "", w)

        first = plan.seen_codes.get(clean_record["credit_code"])
        if first:
            where = f"第{first[1]}行" if first[0] == sheet else f"工作表“{first[0]}”第{first[1]}行"
            plan.problem(sheet, r, cols.get("credit_code"), clean_record["credit_code"],
                         f"统一社会信用代码与{where}重复（同一企业只能出现一次）")
            return
        plan.seen_codes[clean_record["credit_code"]] = (sheet, r + 1)
        if existing is None:
            self._plan_create(sheet, r, cols, clean_record)
        else:
            self._plan_update(sheet, r, existing, clean_record)

    def _plan_create(self, sheet: str, r: int, cols: dict, record: dict) -> None:
        plan = self.plan
        same_name = plan.existing_names.get(match_key(record["name"]))
        if same_name:
            plan.warn(sheet, r, cols.get("name"), record["name"],
                      f"台账中已有同名企业（统一社会信用代码{same_name[0]['credit_code']}），"
                      "请核对是否为同一企业")
        columns = plan.enterprise_columns()
        values = {k: v for k, v in record.items() if k in columns and v not in (None, "")}
        values.setdefault("pool", "none")
        values.setdefault("stat_status", "below_scale")
        planned = NewEnterprise(new_id(), values, r + 1, sheet)
        plan.new[record["credit_code"]] = planned
        plan.new_ids.add(planned.id)
        plan.new_names.setdefault(match_key(record["name"]), []).append(record["credit_code"])
        plan.result.created.append({"sheet": sheet, "row": r + 1, "name": record["name"],
                                    "credit_code": record["credit_code"],
                                    "township_code": record["township_code"]})

    def _plan_update(self, sheet: str, r: int, existing: dict, record: dict) -> None:
        plan = self.plan
        diff, shown = {}, {}
        for key, value in record.items():
            if key in ("credit_code",) or value in (None, ""):
                continue
            if key == "pool":
                if value != existing["pool"]:
                    plan.warn(sheet, r, None, "", f"“{existing['name']}”表中库别为{POOLS.get(value, value)}，"
                              f"台账中为{POOLS[existing['pool']]}：导入不调整库别，请使用“调整库别”")
                continue
            if existing.get(key) != value and not (
                    key in WRITTEN_FIELDS and match_key(existing.get(key)) == match_key(value)):
                diff[key] = value
                shown[FIELD_LABELS.get(key, key)] = (self._show(key, existing.get(key)),
                                                     self._show(key, value))
        if diff:
            plan.updates.append((existing["id"], diff))
            plan.result.updated.append(Change(sheet, r + 1,
                                              f"{existing['name']}（{existing['credit_code']}）", shown))
        else:
            plan.result.unchanged += 1

    def _show(self, key: str, value) -> str:
        if value is None:
            return ""
        if key == "township_code":
            return f"{self.plan.townships.name_of(value)}（{value}）"
        if key == "department_id":
            return self.plan.department_names.get(value, value)
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

    def industry_pair(self, code, name) -> str | None:
        """The industry code of a row's two cells, worked out once for each distinct pair."""
        key = (type(code), code, type(name), name)
        try:
            return self._industry_seen[key]
        except KeyError:
            found = self._industry_seen[key] = _industry_of(code, name)
            return found

    def _township(self, layout: Layout, r: int, raw: dict, fail, *, required: bool) -> str | None:
        """The row's township code; at a county, a township name the list does not know is a
        problem, or planned as new when the person confirmed creating townships."""
        townships = self.plan.townships
        name = cells.name_text(raw.get("township"))
        code = cells.text(raw.get("township_code")).replace(" ", "")
        found, failure, create = townships.decision(layout, name, code, required=required)
        if failure:
            fail(*failure)
            townships.note_unknown(name, code)
            return None
        if create:
            name, given = create
            code = townships.create(name, given)
            self.plan.result.new_townships.append({"name": name, "code": code,
                                                   "allocated": given is None,
                                                   "sheet": layout.grid.name, "row": r + 1})
            return code
        return found


def _industry_of(code, name) -> str | None:
    if not cells.is_blank(code):
        text = cells.text(code)
        by_name = division_by_name(text)
        normal = industry.normalise(text)
        if not CODE_DIGITS.fullmatch(normal) and by_name:
            return by_name
        return normal
    name = cells.text(name)
    if name:
        return division_by_name(name) or industry.normalise(name)
    return None
