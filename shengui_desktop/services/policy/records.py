"""Records the policy rules read: projects, earlier above-scale periods, reward claims.

Every write goes through the ledger's write API (synced tables, change log).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ...domain.policy import BID_REGIONS
from ...domain.records import narrative, parse_iso_date
from ...domain.text import clean, clean_name
from ...errors import UserError, ValidationError

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

PROJECT_STATUSES = {"planned": "在谈", "signed": "已签约", "under_construction": "在建",
                    "in_production": "已投产", "abandoned": "已终止"}
CLAIM_KINDS = {"tech_upgrade": "技术改造投资", "bid_contract": "省外或本省其他地市中标合同",
               "local_contribution": "新增地方经济贡献（财政部门核定）"}


def _enterprise(ledger: Ledger, enterprise_id: str) -> dict:
    row = ledger.get("enterprises", enterprise_id)
    if row is None:
        raise UserError("企业不存在")
    return row


def add_project(ledger: Ledger, enterprise_id: str, record: dict) -> str:
    """A project of the enterprise (new build, attracted project, spin-off)."""
    _enterprise(ledger, enterprise_id)
    problems: dict[str, str] = {}
    name = clean_name(record.get("name"))
    if not name:
        problems["name"] = "项目名称不能为空"
    milestones = narrative(record.get("milestones"), "节点任务", problems, "milestones")
    note = narrative(record.get("note"), "备注", problems, "note")
    status = record.get("status", "planned")
    if status not in PROJECT_STATUSES:
        problems["status"] = f"项目状态“{status}”无效，应为：{'、'.join(PROJECT_STATUSES.values())}"
    start = parse_iso_date(record.get("production_start_date"), "投产日期", problems,
                           "production_start_date")
    if problems:
        raise ValidationError(problems)
    return ledger.insert("projects", {
        "enterprise_id": enterprise_id, "name": name, "status": status,
        "production_start_date": start,
        "expected_to_reach_scale": 1 if record.get("expected_to_reach_scale") else 0,
        "expected_scale_year": record.get("expected_scale_year"),
        "department_id": record.get("department_id"), "milestones": milestones or None,
        "note": note or None})


def record_scale_period(ledger: Ledger, credit_code: str, name: str, entered_on: str,
                        exited_on: str | None = None, enterprise_id: str | None = None,
                        note: str | None = None) -> str:
    """An earlier above-scale period of a credit code, under the name it had then."""
    problems: dict[str, str] = {}
    entered = parse_iso_date(entered_on, "入规日期", problems, "entered_on")
    exited = parse_iso_date(exited_on, "退规日期", problems, "exited_on")
    if not entered and "entered_on" not in problems:
        problems["entered_on"] = "入规日期不能为空"
    if entered and exited and exited < entered:
        problems["exited_on"] = "退规日期不能早于入规日期"
    if not clean_name(name):
        problems["name"] = "当时的企业名称不能为空"
    if problems:
        raise ValidationError(problems)
    return ledger.insert("scale_history", {
        "enterprise_id": enterprise_id, "credit_code": clean(credit_code).upper(), "name": clean_name(name),
        "entered_on": entered, "exited_on": exited, "note": note})


def add_reward_claim(ledger: Ledger, enterprise_id: str, record: dict) -> str:
    """An amount the enterprise claims under a reward rule (闽侯: 技改, 中标, 地方贡献)."""
    _enterprise(ledger, enterprise_id)
    problems: dict[str, str] = {}
    kind = record.get("kind")
    if kind not in CLAIM_KINDS:
        problems["kind"] = f"申报类别“{kind}”无效，应为：{'、'.join(CLAIM_KINDS.values())}"
    year = record.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems["year"] = "年度应为2000–2100之间的整数"
    amount = record.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        problems["amount"] = "金额应为不小于0的整数（元）"
    region = record.get("bid_region")
    if kind == "bid_contract" and region not in BID_REGIONS:
        problems["bid_region"] = f"中标项目所在地应为：{'、'.join(BID_REGIONS.values())}"
    description = clean_name(record.get("description"))
    if not description:
        problems["description"] = "项目或合同名称不能为空"
    if problems:
        raise ValidationError(problems)
    return ledger.insert("reward_claims", {
        "enterprise_id": enterprise_id, "year": year, "kind": kind, "description": description,
        "amount": amount, "bid_region": region if kind == "bid_contract" else None,
        "public_tender": 1 if record.get("public_tender", kind == "bid_contract") else 0,
        "recorded_on": record.get("recorded_on") or date.today().isoformat()})


# -- lists (the enterprise window's tabs) ------------------------------------------------
def _enterprise_where(ledger: Ledger, credit_code: str | None) -> tuple[str, tuple]:
    if not credit_code:
        return "", ()
    found = ledger.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (clean(credit_code).upper(),))
    if found is None:
        raise UserError(f"没有统一社会信用代码为{clean(credit_code).upper()}的企业")
    return " WHERE enterprise_id = ?", (found,)


def list_projects(ledger: Ledger, *, credit_code: str | None = None) -> list[dict]:
    """Projects (all, or one enterprise's by its credit code) with their status label."""
    where, params = _enterprise_where(ledger, credit_code)
    rows = ledger.rows(f"SELECT * FROM projects{where} ORDER BY name, id", params)
    for r in rows:
        r.pop("log_seq", None)
        r["status_label"] = PROJECT_STATUSES.get(r["status"], r["status"])
    return rows


def list_claims(ledger: Ledger, *, year: int | None = None, credit_code: str | None = None) -> list[dict]:
    """Reward claims (all, a year's, one enterprise's) with their kind and region labels."""
    where, params = _enterprise_where(ledger, credit_code)
    if year is not None:
        where = (where + " AND" if where else " WHERE") + " year = ?"
        params = (*params, year)
    rows = ledger.rows(f"SELECT * FROM reward_claims{where} ORDER BY year, recorded_on, id", params)
    for r in rows:
        r.pop("log_seq", None)
        r["kind_label"] = CLAIM_KINDS.get(r["kind"], r["kind"])
        r["bid_region_label"] = BID_REGIONS.get(r["bid_region"]) if r["bid_region"] else None
    return rows


def list_scale_periods(ledger: Ledger, *, credit_code: str | None = None) -> list[dict]:
    """Earlier above-scale periods (all, or of one credit code), oldest first."""
    where, params = "", ()
    if credit_code:
        where, params = " WHERE credit_code = ?", (clean(credit_code).upper(),)
    rows = ledger.rows(f"SELECT * FROM scale_history{where} ORDER BY credit_code, entered_on", params)
    for r in rows:
        r.pop("log_seq", None)
    return rows
