"""The usual rows of an enterprise list, checked a column at a time (the import's fast
path).

A list of thousands of new enterprises is mostly alike: the same townships, statuses,
industries and dates down the columns, and credit codes that pass. Each column is cleaned
and validated once per distinct value here, with the same domain functions the per-row
check calls. A row goes through the per-row check (enterprise_rows.EnterpriseRows.plan_row)
whenever anything about it is out of the ordinary — a problem, a warning, a township to
create, a duplicate code, an enterprise of the ledger that the row would change — so what
is reported, and in which order, is exactly what the per-row check alone would report. (An
enterprise of the ledger that the row leaves as it is, the bulk of a re-sent list, is
counted unchanged here.)
tests/test_excel_bulk.py compares both ways on generated messy rows.
"""

from __future__ import annotations

import json

from ...domain import credit_code as cc
from ...domain.records import phone_problem, validate_enterprise
from ...domain.text import control_characters, match_key, name_problem
from ...errors import ValidationError
from ...progress import Job
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cleaned, cut_columns, texts
from ...spreadsheets.layout import Layout
from ...storage.ledger import new_ids
from .enterprise_rows import EnterpriseRows
from .plan import UNUSUAL, CleanColumns, NewEnterprise, Plan
from .vocabulary import (DATE_FIELDS, ENTERPRISE_FIELDS, NARRATIVE_FIELDS, POOL_WORDS, STATUS_WORDS, TAG_SEPARATORS,
                         TEXT_FIELDS)


def _validated(key: str, value):
    """The clean value of one field, as validate_enterprise gives it; UNUSUAL when the
    field has a problem or a warning."""
    try:
        out, warnings = validate_enterprise({key: value}, partial=True)
    except ValidationError:
        return UNUSUAL
    return UNUSUAL if warnings else out[key]


def _phones(values) -> list:
    given = texts(values)
    phones = cleaned(given)
    return [None if not g else UNUSUAL if problem else phone
            for g, phone, problem in zip(given, phones, map(phone_problem, phones))]


def _date(key: str):
    def parse(v):
        if cells.is_blank(v):
            return None
        try:
            return _validated(key, cells.parse_date(v))
        except ValueError:
            return UNUSUAL
    return parse


def _status(v):
    status = cells.text(v)
    return _validated("stat_status", STATUS_WORDS.get(status, status) if status else None)


def _pool(v):
    pool = cells.text(v)
    return _validated("pool", POOL_WORDS.get(pool, pool) if pool else None)


def _source(v):
    source = cells.text(v)
    return _validated("source", source) if source else None


def _tags(v):
    tags = cells.text(v)
    if not tags:
        return None
    return json.dumps([t for t in TAG_SEPARATORS.split(tags) if t], ensure_ascii=False)


def _same(keys: list[str], columns: list[list], currents: list[dict | None]) -> list[bool]:
    """Per row, would the per-row check find nothing to change in the ledger's enterprise
    (`currents`, None for a new one)? It compares every value it was given; the columns hold
    those, and the defaults of 统计状态 and 库别, which only make this stricter. The
    township is compared as each row is planned."""
    same = [c is not None for c in currents]
    for key, values in zip(keys, columns):
        if key == "credit_code":
            continue
        olds = [c.get(key) if c is not None else None for c in currents]
        same = [s and (v is None or v == "" or v == o) for s, v, o in zip(same, values, olds)]
    return same


def _township_text(v) -> str:
    return cells.text(v).replace(" ", "")


def _person(v):
    """A person's name as given; UNUSUAL when the validation would refuse it (a hidden
    character, too long): the per-row check reports it."""
    text = cells.name_text(v)
    return UNUSUAL if name_problem(text, "", "person") else text or None


def _narrative(v):
    """An address or a note as written; UNUSUAL when the validation would refuse it."""
    text = cells.narrative_text(v)
    return UNUSUAL if control_characters(text) else text or None


class EnterpriseColumns:
    """Plans the usual rows of enterprise sheets into `plan` a column at a time, handing
    the others to `rows` (the per-row check) in their turn."""

    def __init__(self, plan: Plan, rows: EnterpriseRows, job: Job):
        self.plan, self.rows, self.job = plan, rows, job

    def plan_rows(self, layout: Layout, rows: list[int], done: int, total: int) -> bool:
        """Plan the rows (grid indices) of an enterprise sheet, in order; False (nothing
        done) when no row can be planned by column: the per-row check takes them all."""
        columns = self._usual_columns(layout, rows)
        if columns is None:  # (or every enterprise is in the ledger already: all compared)
            return False
        plan, job, plan_row = self.plan, self.job, self.rows.plan_row
        keys, columns, codes, names, towns = columns
        job.check()
        unusual = set()
        for values in columns:
            if UNUSUAL in values:
                unusual.update(i for i, v in enumerate(values) if v is UNUSUAL)
        # each distinct pair of township cells, found as the rows begin; found again as the
        # rows go on once the per-row check has created a township (a name may mean it now)
        created_townships = plan.townships.created
        made = len(created_townships)
        first = by_value(towns, lambda town: self._usual_township(layout, *town))
        townships: dict[tuple[str, str], object] = {}
        cached_at = made
        sheet = layout.grid.name
        seen, new, created = plan.seen_codes, plan.new, plan.result.created
        currents = list(map(plan.existing.get, codes))
        same = _same(keys, columns, currents) if any(currents) else currents
        new_names, planned_ids = plan.new_names, plan.new_ids
        batch = CleanColumns(keys, columns, new_ids(len(rows)))
        ids, row_townships = batch.ids, batch.townships
        for i, r in enumerate(rows):
            if i % 500 == 0:
                job.check()
                job.tell("检查数据", done + i, total)
            code = codes[i]
            if i in unusual or code in seen:
                plan_row(layout, r)
                continue
            count = len(created_townships)
            if count == made:
                township = first[i]
            else:
                if count != cached_at:
                    townships.clear()
                    cached_at = count
                township = townships.get(towns[i])
                if township is None:
                    township = townships[towns[i]] = self._usual_township(layout, *towns[i])
            if township is UNUSUAL:
                plan_row(layout, r)
                continue
            row_townships[i] = township
            current = currents[i]
            if current is not None:
                # an enterprise of the ledger: the column check only tells "unchanged"; any
                # difference (a change to list, a 库别 to warn about) is the per-row check's
                if not (same[i] and township == current["township_code"]):
                    plan_row(layout, r)
                    continue
                seen[code] = (sheet, r + 1)
                plan.result.unchanged += 1
                continue
            seen[code] = (sheet, r + 1)
            name = names[i]
            planned = new[code] = NewEnterprise(ids[i], None, r + 1, sheet, batch, i)
            planned_ids.add(planned.id)
            new_names.setdefault(match_key(name), []).append(code)
            created.append({"sheet": sheet, "row": r + 1, "name": name, "credit_code": code,
                            "township_code": township})
        return True

    def _usual_columns(self, layout: Layout, rows: list[int]):
        """Each column's clean values (UNUSUAL where the per-row check must look), the
        credit codes, names and township cells of the rows; None when no row can be planned
        by column (every code has a problem or is in the ledger)."""
        by_field = layout.by_field()
        fields = [f for f in by_field if f in ENTERPRISE_FIELDS]
        raw = dict(zip(fields, cut_columns(layout.grid.rows, rows,
                                           [by_field[f].index for f in fields])))
        blank = (None,) * len(rows)

        def column(f):
            return raw.get(f, blank)

        existing, existing_names = self.plan.existing, self.plan.existing_names

        codes = [t.replace(" ", "").upper() for t in texts(column("credit_code"))]
        # a code with a problem or a warning: the per-row check
        codes = [code if ok else UNUSUAL for code, ok in zip(codes, cc.clean_codes(codes))]
        if codes.count(UNUSUAL) == len(codes):
            return None
        # a new enterprise's name already in the ledger is a warning: the per-row check gives
        # it (an enterprise of the ledger keeps its own name, or changes it: compared later)
        names = [name if name and (code in existing or match_key(name) not in existing_names)
                 and not name_problem(name, "企业名称", "enterprise")
                 else UNUSUAL for name, code in zip(by_value(column("name"), cells.name_text), codes)]
        keys, columns = ["name"], [names]
        for f in TEXT_FIELDS:
            if f in raw:
                keys.append(f)
                columns.append(by_value(raw[f], _narrative) if f in NARRATIVE_FIELDS else
                               by_value(raw[f], _person))
        if "contact_phone" in raw:
            keys.append("contact_phone")
            columns.append(_phones(raw["contact_phone"]))
        for f, parse in (("stat_status", _status), ("pool", _pool), ("source", _source),
                         ("tags", _tags)):
            if f in raw or f in ("stat_status", "pool"):  # both have a default
                keys.append(f)
                columns.append(by_value(column(f), parse))
        for f in DATE_FIELDS:
            if f in raw:
                keys.append(f)
                columns.append(by_value(raw[f], _date(f)))
        if "industry_code" in raw or "industry_name" in raw:
            pairs = list(zip(column("industry_code"), column("industry_name")))
            keys.append("industry_code")
            columns.append(by_value(pairs, self._usual_industry))
        if "department" in raw:
            keys.append("department_id")
            columns.append(by_value(raw["department"], self._usual_department))
        towns = list(zip(by_value(column("township"), cells.name_text),
                         by_value(column("township_code"), _township_text)))
        known = self.plan.enterprise_columns()
        kept = [n for n, k in enumerate(keys) if k in known]
        keys, columns = [keys[n] for n in kept], [columns[n] for n in kept]
        keys.append("credit_code")
        columns.append(codes)
        return keys, columns, codes, names, towns

    def _usual_industry(self, pair):
        code = self.rows.industry_pair(*pair)
        if code is None:
            return None
        return _validated("industry_code", code)

    def _usual_department(self, v):
        department = cells.text(v)
        if not department:
            return None
        return self.plan.departments.get(match_key(department), UNUSUAL)

    def _usual_township(self, layout: Layout, name: str, code: str):
        """The code the per-row check would find for a new enterprise's township cells;
        UNUSUAL when it would create a township or report a problem."""
        found, failure, create = self.plan.townships.decision(layout, name, code, required=True)
        if failure or create:
            return UNUSUAL
        return _validated("township_code", found)
