"""Records the policy rules read: projects and their milestones (节点任务), reward claims and
their status, earlier above-scale periods. Entering, changing and listing them.

Every write goes through the ledger's write API (synced tables, change log) after the
validation of domain/policy_records.py (the same messages the spreadsheet import gives).
What only the county decides is refused at a township where it is typed, with the reason:
a claim's 审核 / 兑现 / 不予, and earlier above-scale periods (a stats history entry).
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from ...domain.policy import BID_REGIONS
from ...domain.policy_records import (CLAIM_KINDS, CLAIM_STATUSES, PROJECT_KINDS, PROJECT_STATUSES,
                                      choice_code, milestone_late, validate_claim, validate_milestone,
                                      validate_project, validate_scale_period)
from ...domain.credit_code import normalise
from ...domain.text import clean, clean_name
from ...errors import UserError, ValidationError
from ...sync.rules import check_local_write
from ..ledger.lookup import enterprise_by_credit_code
from .profiles import active_profile
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

_PROJECT_FIELDS = ("name", "kind", "status", "investment", "planned_start_date", "actual_start_date",
                   "planned_completion_date", "actual_completion_date", "planned_production_date",
                   "production_start_date", "expected_output", "expected_to_reach_scale",
                   "expected_scale_year", "responsible_unit", "note")
_CLAIM_FIELDS = ("kind", "rule", "year", "description", "amount", "bid_region", "public_tender",
                 "recorded_on", "evidence", "status", "decided_on", "decision_note")


def _enterprise(ledger: Ledger, enterprise_id: str) -> dict:
    row = ledger.get("enterprises", enterprise_id)
    if row is None:
        raise UserError("企业不存在")
    return row


def _only_county(ledger: Ledger, table: str, fields: dict, what: str) -> None:
    problems = check_local_write(ledger, table, fields)
    if problems:
        raise UserError(f"{what}由县级决定，乡镇台账不能录入（{problems[0]}）")


def _find(ledger: Ledger, table: str, ref: str, what: str, where: str = "", params: tuple = ()) -> dict:
    """A record named by its id, a unique start of its id (as lists print it) or its exact
    name; a Chinese UserError when none or several match."""
    ref = clean(ref)
    if not ref:
        raise UserError(f"请指定{what}（编号或名称）")
    found = ledger.rows(f"SELECT * FROM {table} WHERE (id = ?1 OR (length(?1) >= 4 AND id LIKE ?1 || '%')"
                        f" OR name = ?2){where}", (ref.lower(), clean_name(ref), *params))
    if not found:
        raise UserError(f"没有找到{what}“{ref}”")
    exact = [r for r in found if r["id"] == ref.lower()]
    if len(found) > 1 and not exact:
        raise UserError(f"“{ref}”对应{len(found)}个{what}，请用列表中的编号指定")
    return exact[0] if exact else found[0]


# -- projects -----------------------------------------------------------------------------
def add_project(ledger: Ledger, enterprise_id: str, record: dict) -> str:
    """A project of the enterprise (新建项目, 技改项目, 重点项目). `record["milestones"]`
    may list its milestones ({"name", "due_date", "done_date", "note"}), written with it."""
    require(ledger, "records")
    _enterprise(ledger, enterprise_id)
    problems: dict[str, str] = {}
    try:
        values = validate_project(record)
    except ValidationError as e:
        problems.update(e.problems)
        values = {}
    milestones = []
    for i, m in enumerate(record.get("milestones") or []):
        try:
            milestones.append(validate_milestone(m))
        except ValidationError as e:
            problems.update({f"milestones[{i}].{k}": f"第{i + 1}个节点任务：{v}" for k, v in e.problems.items()})
    if problems:
        raise ValidationError(problems)
    with ledger.transaction():
        project_id = ledger.insert("projects", {"enterprise_id": enterprise_id,
                                                "department_id": record.get("department_id"), **values})
        for m in milestones:
            ledger.insert("project_milestones", {"project_id": project_id, "enterprise_id": enterprise_id, **m})
    return project_id


def add_project_by_credit_code(ledger: Ledger, credit_code: str, record: dict) -> tuple[dict, str]:
    require(ledger, "records")
    enterprise = enterprise_by_credit_code(ledger, credit_code)
    return enterprise, add_project(ledger, enterprise["id"], record)


def find_project(ledger: Ledger, ref: str) -> dict:
    return _find(ledger, "projects", ref, "项目")


def update_project(ledger: Ledger, project_id: str, changes: dict) -> dict:
    """Change fields of a project; returns the fields that changed. Entering the actual
    production date of a project still under way marks it 已投产 (unless a status is given)."""
    require(ledger, "records")
    current = ledger.get("projects", project_id)
    if current is None:
        raise UserError("项目不存在")
    unknown = set(changes) - set(_PROJECT_FIELDS)
    if unknown:
        raise ValueError(f"unknown project fields: {sorted(unknown)}")
    merged = {k: current.get(k) for k in _PROJECT_FIELDS}
    merged.update(changes)
    if changes.get("production_start_date") and "status" not in changes \
            and current["status"] in ("planned", "signed", "under_construction"):
        merged["status"] = "in_production"
    elif changes.get("actual_start_date") and "status" not in changes \
            and current["status"] in ("planned", "signed"):
        merged["status"] = "under_construction"
    values = validate_project(merged)
    return ledger.update("projects", project_id, {k: v for k, v in values.items() if current.get(k) != v})


def add_milestone(ledger: Ledger, project_id: str, record: dict) -> str:
    require(ledger, "records")
    project = ledger.get("projects", project_id)
    if project is None:
        raise UserError("项目不存在")
    values = validate_milestone(record)
    if ledger.scalar("SELECT 1 FROM project_milestones WHERE project_id = ? AND name = ?",
                     (project_id, values["name"])):
        raise ValidationError({"name": f"项目“{project['name']}”已有节点任务“{values['name']}”"})
    return ledger.insert("project_milestones", {"project_id": project_id,
                                                "enterprise_id": project["enterprise_id"], **values})


def find_milestone(ledger: Ledger, project_id: str, ref: str) -> dict:
    return _find(ledger, "project_milestones", ref, "节点任务", " AND project_id = ?3", (project_id,))


def complete_milestone(ledger: Ledger, milestone_id: str, done_date: str | None = None,
                       note: str | None = None) -> dict:
    """Mark a milestone done on `done_date` (today when not given); returns the milestone."""
    require(ledger, "records")
    current = ledger.get("project_milestones", milestone_id)
    if current is None:
        raise UserError("节点任务不存在")
    values = validate_milestone({**current, "done_date": done_date or date.today().isoformat(),
                                 "note": current["note"] if note is None else note})
    ledger.update("project_milestones", milestone_id,
                  {k: v for k, v in values.items() if current.get(k) != v})
    return {**current, **values}


def list_projects(ledger: Ledger, *, credit_code: str | None = None, kind: str | None = None,
                  township_code: str | None = None, late_only: bool = False,
                  today: date | None = None) -> list[dict]:
    """Projects with their enterprise, labels and milestones (each marked late when its due
    date has passed undone), by township, enterprise and name."""
    today = today or date.today()
    where, params = ["1 = 1"], []
    if credit_code:
        where.append("e.id = ?")
        params.append(enterprise_by_credit_code(ledger, credit_code)["id"])
    if kind:
        code = choice_code("project_kind", kind)
        if code is None:
            raise UserError(f"项目类别“{kind}”无效，应为：{'、'.join(PROJECT_KINDS.values())}")
        where.append("p.kind = ?")
        params.append(code)
    if township_code:
        where.append("e.township_code = ?")
        params.append(township_code)
    rows = ledger.rows(
        "SELECT p.*, e.name AS enterprise_name, e.credit_code, e.township_code, t.name AS township_name"
        " FROM projects p JOIN enterprises e ON e.id = p.enterprise_id"
        " LEFT JOIN townships t ON t.code = e.township_code"
        f" WHERE {' AND '.join(where)} ORDER BY e.township_code, e.name, p.name, p.id", params)
    milestones: dict[str, list[dict]] = {}
    if rows:
        for m in ledger.rows("SELECT * FROM project_milestones WHERE project_id IN"
                             " (SELECT value FROM json_each(?)) ORDER BY coalesce(due_date, '9999'), name",
                             (json.dumps([r["id"] for r in rows]),)):
            m["late"] = milestone_late(m, today)
            milestones.setdefault(m["project_id"], []).append(m)
    out = []
    for r in rows:
        r.pop("log_seq", None)
        r["kind_label"] = PROJECT_KINDS.get(r["kind"], r["kind"])
        r["status_label"] = PROJECT_STATUSES.get(r["status"], r["status"])
        r["milestones"] = [{k: v for k, v in m.items() if k != "log_seq"} for m in milestones.get(r["id"], [])]
        r["late_milestones"] = sum(1 for m in r["milestones"] if m["late"])
        if not late_only or r["late_milestones"]:
            out.append(r)
    return out


# -- reward claims --------------------------------------------------------------------------
def _reward_rules(ledger: Ledger) -> dict[str, str]:
    profile = active_profile(ledger)
    return {} if profile is None else {r["code"]: r["name"] for r in profile.data["rewards"]}


def add_reward_claim(ledger: Ledger, enterprise_id: str, record: dict) -> str:
    """An amount the enterprise claims under a reward rule (闽侯: 技改, 中标, 地方贡献), or
    a claim under any reward rule of the profile (kind 'award', `rule` its code or name),
    with its evidence. A township files claims (申报); the other statuses are the county's."""
    require(ledger, "records")
    _enterprise(ledger, enterprise_id)
    values = validate_claim(record, _reward_rules(ledger))
    if values["status"] != "claimed" or values["decided_on"] or values["decision_note"]:
        _only_county(ledger, "reward_claims", {"status": values["status"]}, "奖补申报的审核、兑现和不予")
    values["recorded_on"] = values["recorded_on"] or date.today().isoformat()
    if values["status"] != "claimed" and not values["decided_on"]:
        values["decided_on"] = date.today().isoformat()
    return ledger.insert("reward_claims", {"enterprise_id": enterprise_id, **values})


def add_claim_by_credit_code(ledger: Ledger, credit_code: str, record: dict) -> tuple[dict, str]:
    require(ledger, "records")
    enterprise = enterprise_by_credit_code(ledger, credit_code)
    return enterprise, add_reward_claim(ledger, enterprise["id"], record)


def find_claim(ledger: Ledger, ref: str) -> dict:
    return _find(ledger, "(SELECT *, description AS name FROM reward_claims)", ref, "奖补申报")


def set_claim_status(ledger: Ledger, claim_id: str, status: str, *, decided_on: str | None = None,
                     note: str | None = None) -> dict:
    """The county's decision on a claim: 审核 (under review), 兑现 (paid) or 不予 (refused),
    dated (today when not given), with its note; back to 申报 clears the decision."""
    require(ledger, "records")
    current = ledger.get("reward_claims", claim_id)
    if current is None:
        raise UserError("奖补申报不存在")
    code = choice_code("claim_status", status)
    if code is None:
        raise ValidationError({"status": f"状态“{status}”无效，应为：{'、'.join(CLAIM_STATUSES.values())}"})
    _only_county(ledger, "reward_claims", {"status": code}, "奖补申报的审核、兑现和不予")
    merged = {k: current.get(k) for k in _CLAIM_FIELDS}
    merged.update(status=code, decided_on=None if code == "claimed" else decided_on or date.today().isoformat(),
                  decision_note=None if code == "claimed" else (current["decision_note"] if note is None else note))
    rules = _reward_rules(ledger)
    if current["rule"]:  # a rule the profile has since dropped still names the claim
        rules.setdefault(current["rule"], current["description"])
    values = validate_claim(merged, rules)
    ledger.update("reward_claims", claim_id, {k: v for k, v in values.items() if current.get(k) != v})
    return {**current, **values}


def list_claims(ledger: Ledger, *, year: int | None = None, credit_code: str | None = None,
                status: str | None = None, claim_id: str | None = None) -> list[dict]:
    """Claims with their enterprise and labels, by year, township and enterprise."""
    where, params = ["1 = 1"], []
    if claim_id is not None:
        where.append("c.id = ?")
        params.append(claim_id)
    if year is not None:
        where.append("c.year = ?")
        params.append(year)
    if credit_code:
        where.append("c.enterprise_id = ?")
        params.append(enterprise_by_credit_code(ledger, credit_code)["id"])
    if status:
        code = choice_code("claim_status", status)
        if code is None:
            raise UserError(f"状态“{status}”无效，应为：{'、'.join(CLAIM_STATUSES.values())}")
        where.append("c.status = ?")
        params.append(code)
    rules = _reward_rules(ledger)
    rows = ledger.rows(
        "SELECT c.*, e.name AS enterprise_name, e.credit_code, e.township_code FROM reward_claims c"
        " JOIN enterprises e ON e.id = c.enterprise_id"
        f" WHERE {' AND '.join(where)} ORDER BY c.year, e.township_code, e.name, c.recorded_on, c.id", params)
    for r in rows:
        r.pop("log_seq", None)
        r["kind_label"] = CLAIM_KINDS.get(r["kind"], r["kind"])
        r["rule_name"] = rules.get(r["rule"], r["rule"]) if r["rule"] else None
        r["status_label"] = CLAIM_STATUSES.get(r["status"], r["status"])
        r["bid_region_label"] = BID_REGIONS.get(r["bid_region"]) if r["bid_region"] else None
    return rows


# -- earlier above-scale periods --------------------------------------------------------------
def record_scale_period(ledger: Ledger, credit_code: str, name: str, entered_on: str,
                        exited_on: str | None = None, enterprise_id: str | None = None,
                        note: str | None = None) -> str:
    """An earlier above-scale period of a credit code, under the name it had then (county)."""
    require(ledger, "county_fields")
    values = validate_scale_period({"credit_code": credit_code, "name": name, "entered_on": entered_on,
                                    "exited_on": exited_on, "note": note})
    _only_county(ledger, "scale_history", {}, "入规历史")
    if enterprise_id is None:
        enterprise_id = ledger.scalar("SELECT id FROM enterprises WHERE credit_code = ?",
                                      (values["credit_code"],))
    if ledger.scalar("SELECT 1 FROM scale_history WHERE credit_code = ? AND entered_on = ?",
                     (values["credit_code"], values["entered_on"])):
        raise ValidationError({"entered_on": f"该信用代码已登记{values['entered_on']}入规的在规时段"})
    return ledger.insert("scale_history", {"enterprise_id": enterprise_id, **values})


def list_scale_periods(ledger: Ledger, *, credit_code: str | None = None) -> list[dict]:
    """Earlier above-scale periods, with the enterprise that holds the code today (if any)."""
    where, params = "", ()
    if credit_code:
        where, params = " WHERE h.credit_code = ?", (normalise(credit_code),)
    rows = ledger.rows(
        "SELECT h.*, e.name AS current_name, e.entered_stats_date AS current_entered"
        " FROM scale_history h LEFT JOIN enterprises e ON e.credit_code = h.credit_code"
        f"{where} ORDER BY h.credit_code, h.entered_on", params)
    for r in rows:
        r.pop("log_seq", None)
    return rows
