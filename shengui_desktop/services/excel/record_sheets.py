"""Import of the sheets for what the policy rules read: projects, their milestones (节点任务),
reward claims and earlier above-scale periods (spreadsheets/record_columns.py).

Row by row (a county has hundreds of these, not the hundred thousand figures the fast paths
are for), each row checked with the validation the command line uses
(domain/policy_records.py), every problem a finding at its row and column. A record the
ledger (or an earlier sheet of the file) already has is updated, never duplicated: a
project by enterprise and name, a milestone by project and name, a claim by enterprise, year,
kind, rule and name, a period by credit code and entry date; blank cells clear nothing.
The writes join the import's one transaction (planner.py), after the enterprises they
may belong to.
"""

from __future__ import annotations

from ...domain.money import UNIT_FACTORS, format_wan_short
from ...domain.policy_records import (CLAIM_KINDS, CLAIM_STATUSES, PROJECT_KINDS, PROJECT_LABELS,
                                      PROJECT_STATUSES, choice_code, rule_code, validate_claim,
                                      validate_milestone, validate_project, validate_scale_period)
from ...domain.policy import BID_REGIONS
from ...domain.text import match_key
from ...errors import ValidationError
from ...spreadsheets import cells
from ...spreadsheets.columns import money_factor_unit, unit_of
from ...spreadsheets.layout import Column, Layout
from ...spreadsheets.record_columns import KIND_LABELS, RECORD_COLUMNS, RecordColumn, column_fields
from ...spreadsheets.report import Finding
from ...storage.ledger import new_id
from ...sync.rules import check_local_write
from .plan import Plan
from .results import Change, RecordCounts

RECORD_KINDS = tuple(RECORD_COLUMNS)
_TABLES = {"projects": "projects", "milestones": "project_milestones", "claims": "reward_claims",
           "scale_periods": "scale_history"}
_YES = {"是", "Y", "YES", "TRUE", "1", "√", "有"}
_NO = {"否", "N", "NO", "FALSE", "0", "×", "无"}
_LABELS = {
    "projects": PROJECT_LABELS,
    "milestones": {"name": "节点任务", "due_date": "计划完成日期", "done_date": "实际完成日期", "note": "备注"},
    "claims": {"kind": "申报类别", "rule": "奖补项目", "year": "年度", "description": "项目或合同名称",
               "amount": "金额", "bid_region": "中标项目所在地", "public_tender": "是否公开招标",
               "recorded_on": "申报日期", "evidence": "证明材料", "status": "状态",
               "decided_on": "决定日期", "decision_note": "审核意见"},
    "scale_periods": {"name": "当时企业名称", "exited_on": "退规日期", "note": "备注"},
}
_SHOWN = {"kind": {**PROJECT_KINDS, **CLAIM_KINDS}, "status": {**PROJECT_STATUSES, **CLAIM_STATUSES},
          "bid_region": BID_REGIONS}


def _shown(field: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and field in ("investment", "expected_output", "amount"):
        return format_wan_short(value)  # money's one rule (domain.money.cut_wan)
    return str(_SHOWN.get(field, {}).get(value, value))


class RecordSheets:
    """Checks the rows of these sheets against the ledger and the file, and holds the writes."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.ledger = plan.ledger
        self.inserts: list[tuple[str, dict]] = []
        self.updates: list[tuple[str, str, dict]] = []
        self.counts: dict[str, RecordCounts] = {}
        self.enterprise_ids: set[str] = set()
        self._existing: dict[str, dict[tuple, dict]] = {}
        self._seen: dict[tuple, int] = {}  # (kind, key) → Excel row of the file that gave it
        self._rules: dict[str, str] | None = None
        self._township = self.ledger.meta("role") == "township"

    # -- what the ledger has ------------------------------------------------------------
    def _known(self, kind: str) -> dict[tuple, dict]:
        if kind not in self._existing:
            found: dict[tuple, dict] = {}
            for row in self.ledger.rows(f"SELECT * FROM {_TABLES[kind]}"):
                found[self._key(kind, row)] = row
            self._existing[kind] = found
        return self._existing[kind]

    @staticmethod
    def _key(kind: str, row: dict) -> tuple:
        if kind == "projects":
            return row["enterprise_id"], match_key(row["name"])
        if kind == "milestones":
            return row["project_id"], match_key(row["name"])
        if kind == "claims":
            return (row["enterprise_id"], row["year"], row["kind"], row["rule"] or "",
                    match_key(row["description"]))
        return row["credit_code"], row["entered_on"]

    def _reward_rules(self) -> dict[str, str]:
        if self._rules is None:
            from ..policy.profiles import active_profile

            profile = active_profile(self.ledger)
            self._rules = {} if profile is None else {r["code"]: r["name"] for r in profile.data["rewards"]}
        return self._rules

    # -- a sheet --------------------------------------------------------------------------
    def plan_sheet(self, kind: str, layout: Layout, rows: list[int]) -> list[Finding]:
        """Check every row; returns the columns not imported (for the sheet's summary)."""
        plan, sheet = self.plan, layout.grid.name
        self.counts.setdefault(kind, RecordCounts())
        headers = {c.index: c for c in layout.columns}
        specs = column_fields(kind, [headers[i].shown if i in headers else ""
                                     for i in range(max(headers, default=-1) + 1)])
        by_field = {spec.field: (i, spec) for i, spec in specs.items() if spec.field}
        unused = [Finding(sheet, layout.header_rows[-1] + 1, c.index, c.shown, "",
                          f"{KIND_LABELS[kind]}表中没有此列，未导入")
                  for c in layout.columns if c.index not in specs]
        missing = [spec.header for spec in RECORD_COLUMNS[kind] if spec.required and spec.field
                   and spec.field not in by_field
                   and not (spec.field == "credit_code" and "enterprise_name" in by_field)]
        if missing:
            plan.problem(sheet, layout.header_rows[-1], None, "",
                         f"{KIND_LABELS[kind]}表缺少必填列：{'、'.join(missing)}")
            return unused
        if kind == "scale_periods" and self._township and rows:
            plan.problem(sheet, None, None, "", "此前在规时段（入规历史）只能由县级录入，乡镇台账不能导入此表")
            return unused
        for r in rows:
            self._plan_row(kind, layout, r, by_field)
        return unused

    def _cell(self, layout: Layout, r: int, where: tuple[int, RecordColumn], layout_unit: str | None):
        index, spec = where
        value = layout.grid.cell(r, index)
        if cells.is_blank(value):
            return None
        if spec.kind == "name":
            return cells.name_text(value)
        if spec.kind == "narrative":
            return cells.narrative_text(value)
        if spec.kind == "date":
            return cells.parse_date(value)  # ValueError: a finding
        if spec.kind == "money":
            column = next((c for c in layout.columns if c.index == index), None)
            unit = money_factor_unit(unit_of(column.header.text) if column else None) or layout_unit or "万元"
            return cells.parse_money(value, unit if unit in UNIT_FACTORS else "万元")
        if spec.kind == "year":
            text = cells.text(value).removesuffix("年")
            if not text.isdigit():
                raise ValueError(f"“{cells.text(value)}”不是年份")
            return int(text)
        if spec.kind == "flag":
            text = cells.text(value).upper()
            if text in _YES:
                return True
            if text in _NO:
                return False
            raise ValueError(f"“{cells.text(value)}”应为“是”或“否”")
        return cells.text(value)

    def _plan_row(self, kind: str, layout: Layout, r: int, by_field: dict) -> None:
        plan, sheet = self.plan, layout.grid.name
        columns = {c.index: c for c in layout.columns}

        def col(field: str) -> Column | None:
            found = by_field.get(field)
            return columns.get(found[0]) if found else None

        before = len(plan.result.problems)
        values: dict = {}
        for field, where in by_field.items():
            try:
                found = self._cell(layout, r, where, money_factor_unit(layout.unit))
            except ValueError as e:
                plan.problem(sheet, r, col(field), layout.grid.cell(r, where[0]), str(e))
                continue
            if found is not None:
                values[field] = found
        if len(plan.result.problems) > before:
            return
        enterprise_id = None
        if kind != "scale_periods":
            enterprise_id = self._enterprise(sheet, r, values, col("credit_code") or col("enterprise_name"))
            if enterprise_id is None:
                return
            self.enterprise_ids.add(enterprise_id)
        values.pop("enterprise_name", None)
        if kind != "scale_periods":
            values.pop("credit_code", None)
        try:
            if kind == "projects":
                self._project(sheet, r, enterprise_id, values, col)
            elif kind == "milestones":
                self._milestone(sheet, r, enterprise_id, values, col)
            elif kind == "claims":
                self._claim(sheet, r, enterprise_id, values, col)
            else:
                self._period(sheet, r, values, col)
        except ValidationError as e:
            for field, message in e.problems.items():
                plan.problem(sheet, r, col(field), values.get(field), message)

    def _enterprise(self, sheet: str, r: int, values: dict, column: Column | None) -> str | None:
        plan = self.plan
        code = cells.credit_code(values.get("credit_code") or "")
        if code:
            found = plan.existing.get(code)
            if found is not None:
                return found["id"]
            new = plan.new.get(code)
            if new is not None:
                return new.id
            plan.problem(sheet, r, column, code, f"台账中没有统一社会信用代码为{code}的企业（本文件的企业名单中也没有）")
            return None
        name = values.get("enterprise_name")
        if not name:
            plan.problem(sheet, r, column, "", "请填写统一社会信用代码或企业名称")
            return None
        key = match_key(name)
        ids = [row["id"] for row in plan.existing_names.get(key, [])]
        ids += [plan.new[c].id for c in plan.new_names.get(key, [])]
        if len(ids) == 1:
            return ids[0]
        plan.problem(sheet, r, column, name, f"台账中有{len(ids)}户名为“{name}”的企业，请填写统一社会信用代码"
                     if ids else f"台账中没有名为“{name}”的企业（本文件的企业名单中也没有），请核对或填写统一社会信用代码")
        return None

    def _once(self, kind: str, key: tuple, sheet: str, r: int, column: Column | None, value, what: str) -> bool:
        seen = self._seen.get((kind, key))
        if seen is not None:
            self.plan.problem(sheet, r, column, value, f"与第{seen}行是同一{what}，请合并为一行")
            return False
        self._seen[(kind, key)] = r + 1
        return True

    def _write(self, kind: str, sheet: str, r: int, current: dict | None, record: dict, what: str) -> str:
        """Plan the insert or the update of one record; returns its id."""
        table, counts = _TABLES[kind], self.counts[kind]
        if current is None:
            row_id = new_id()
            self.inserts.append((table, {"id": row_id, **record}))
            counts.created += 1
            return row_id
        diff = {k: v for k, v in record.items() if current.get(k) != v}
        if diff:
            self.updates.append((table, current["id"], diff))
            labels = _LABELS[kind]
            counts.updated.append(Change(sheet, r + 1, what, {
                labels.get(k, k): (_shown(k, current.get(k)), _shown(k, v)) for k, v in diff.items()}))
        else:
            counts.unchanged += 1
        return current["id"]

    # -- the kinds ------------------------------------------------------------------------
    def _project(self, sheet: str, r: int, enterprise_id: str, values: dict, col) -> None:
        name = values.get("name") or ""
        key = (enterprise_id, match_key(name))
        if name and not self._once("projects", key, sheet, r, col("name"), name, "项目"):
            return
        current = self._known("projects").get(key)
        merged = {**({k: current[k] for k in PROJECT_LABELS} if current else {}), **values}
        if current and "production_start_date" in values and "status" not in values \
                and current["status"] in ("planned", "signed", "under_construction"):
            merged["status"] = None  # judged again from the dates
        record = validate_project(merged)
        if current is None:
            record["enterprise_id"] = enterprise_id
        row_id = self._write("projects", sheet, r, current, record, f"项目“{record['name']}”")
        if current is None:
            self._known("projects")[key] = {"id": row_id, "enterprise_id": enterprise_id, **record}

    def _milestone(self, sheet: str, r: int, enterprise_id: str, values: dict, col) -> None:
        project_name = values.pop("project", "")
        project = self._known("projects").get((enterprise_id, match_key(project_name)))
        if project is None:
            self.plan.problem(sheet, r, col("project"), project_name,
                              f"该企业没有项目“{project_name}”（须在本文件的项目表或台账中）")
            return
        key = (project["id"], match_key(values.get("name") or ""))
        if values.get("name") and not self._once("milestones", key, sheet, r, col("name"), values["name"],
                                                  "节点任务"):
            return
        current = self._known("milestones").get(key)
        merged = {**({k: current[k] for k in ("name", "due_date", "done_date", "note")} if current else {}),
                  **values}
        record = validate_milestone(merged)
        if current is None:
            record.update(project_id=project["id"], enterprise_id=enterprise_id)
        self._write("milestones", sheet, r, current, record, f"项目“{project['name']}”的节点任务“{record['name']}”")

    def _claim(self, sheet: str, r: int, enterprise_id: str, values: dict, col) -> None:
        rules = self._reward_rules()
        kind = choice_code("claim_kind", values.get("kind") or "")
        rule = rule_code(values["rule"], rules) if values.get("rule") else None
        key = (enterprise_id, values.get("year"), kind, rule or "", match_key(values.get("description") or ""))
        current = self._known("claims").get(key) if kind else None
        if not self._once("claims", key, sheet, r, col("description"), values.get("description"), "奖补申报"):
            return
        merged = {**({k: current[k] for k in _LABELS["claims"]} if current else {}), **values}
        record = validate_claim(merged, rules)
        decided = {k: record[k] for k in ("status", "decided_on", "decision_note")
                   if (current.get(k) if current else {"status": "claimed"}.get(k)) != record[k]}
        if decided and self._township and check_local_write(self.ledger, "reward_claims", decided):
            field = "status" if "status" in decided else next(iter(decided))
            self.plan.problem(sheet, r, col(field), values.get(field),
                              "审核、兑现、不予由县级决定，乡镇只能填报“申报”")
            return
        if current is None:
            record["enterprise_id"] = enterprise_id
            if record["status"] != "claimed" and not record["decided_on"]:
                record["decided_on"] = record["recorded_on"]
        self._write("claims", sheet, r, current, record, f"奖补申报“{record['description']}”")

    def _period(self, sheet: str, r: int, values: dict, col) -> None:
        record = validate_scale_period(values)
        key = (record["credit_code"], record["entered_on"])
        if not self._once("scale_periods", key, sheet, r, col("entered_on"), record["entered_on"], "在规时段"):
            return
        current = self._known("scale_periods").get(key)
        if current is None:
            found = self.plan.existing.get(record["credit_code"]) or self.plan.new.get(record["credit_code"])
            record["enterprise_id"] = (found["id"] if isinstance(found, dict) else found.id) if found else \
                self.ledger.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (record["credit_code"],))
        else:
            record = {k: v for k, v in record.items() if k in ("name", "exited_on", "note")}
        self._write("scale_periods", sheet, r, current, record,
                    f"{record.get('name') or current['name']}（{key[0]}）{key[1]}入规的时段")

    # -- writing ---------------------------------------------------------------------------
    def apply(self) -> None:
        """Inside the import's transaction, after the enterprises."""
        for table, record in self.inserts:
            self.ledger.insert(table, record)
        for table, row_id, diff in self.updates:
            self.ledger.update(table, row_id, diff)
