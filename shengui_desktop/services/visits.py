"""Recording visits (走访) and the issues raised in them, in one transaction."""

from __future__ import annotations

from datetime import date, datetime

from ..domain.records import validate_issue, validate_visit
from ..errors import UserError, ValidationError
from ..storage.ledger import Ledger


def add_issue(ledger: Ledger, enterprise_id: str, record: dict, visit_id: str | None = None) -> str:
    clean = validate_issue(record)
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    if clean.get("department_id") and ledger.get("departments", clean["department_id"]) is None:
        raise ValidationError({"department_id": "责任单位不存在"})
    fields = {k: clean.get(k) for k in ("category", "description", "department_id", "deadline",
                                         "status", "resolution", "resolved_date")}
    fields["raised_date"] = clean.get("raised_date") or date.today().isoformat()
    return ledger.insert("issues", {"enterprise_id": enterprise_id, "visit_id": visit_id, **fields})


def update_issue(ledger: Ledger, issue_id: str, changes: dict) -> dict:
    current = ledger.get("issues", issue_id)
    if current is None:
        raise UserError("问题不存在")
    merged = {**current, **changes}
    clean = validate_issue({k: merged.get(k) for k in (
        "description", "category", "status", "deadline", "raised_date", "resolved_date",
        "resolution")})
    fields = {k: clean.get(k) for k in changes if k in clean or k == "department_id"}
    if "department_id" in changes:
        fields["department_id"] = changes["department_id"]
    if clean["status"] in ("resolved", "closed") and not merged.get("resolved_date"):
        fields["resolved_date"] = date.today().isoformat()
    return ledger.update("issues", issue_id, fields)


def add_visit(ledger: Ledger, enterprise_id: str, record: dict,
              issues: list[dict] | None = None) -> tuple[str, list[str]]:
    """A visit and the issues raised in it, all or nothing. Returns (visit id, issue ids)."""
    clean = validate_visit(record)
    if ledger.get("enterprises", enterprise_id) is None:
        raise UserError("企业不存在")
    for i, issue in enumerate(issues or [], start=1):
        try:
            validate_issue(issue)
        except ValidationError as e:
            raise ValidationError({f"issue{i}.{k}": f"第{i}个问题：{v}" for k, v in e.problems.items()}) from None
    with ledger.transaction():
        visit_id = ledger.insert("visits", {
            "enterprise_id": enterprise_id, "visit_date": clean["visit_date"],
            "kind": clean["kind"], "visitors": clean["visitors"], "summary": clean["summary"],
            "demands": clean.get("demands"), "recorded_by": ledger.user})
        issue_ids = [add_issue(ledger, enterprise_id,
                               {"raised_date": clean["visit_date"], **issue}, visit_id)
                     for issue in issues or []]
        now = datetime.now().isoformat(timespec="seconds")
        for name in [v.strip() for v in clean["visitors"].replace("，", ",").replace("、", ",").split(",")]:
            if name:
                ledger.conn.execute(
                    "INSERT INTO recent_visitors(name, last_used) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET last_used = excluded.last_used", (name, now))
    return visit_id, issue_ids
