"""Recording visits (走访) and the issues raised in them, in one transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ...domain.records import OPEN_ISSUE_STATUSES, split_visitors, validate_issue, validate_visit
from ...errors import UserError, ValidationError
from .enterprises import enterprise_by_credit_code
from .reference import department_id
from ..office.permissions import require

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


def add_issue(ledger: Ledger, enterprise_id: str, record: dict, visit_id: str | None = None) -> str:
    require(ledger, "issues")
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
    require(ledger, "issues")
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
    require(ledger, "visits")
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
        for name in split_visitors(clean["visitors"]):
            ledger.conn.execute(
                "INSERT INTO recent_visitors(name, last_used) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET last_used = excluded.last_used", (name, now))
    return visit_id, issue_ids


def add_visit_by_credit_code(ledger: Ledger, credit_code: str, record: dict,
                             issues: list[dict] | None = None, *,
                             department: str | None = None) -> tuple[dict, str, list[str]]:
    """`shengui visit add`: the enterprise named by its credit code, the issues' responsible
    department by its name. Returns (enterprise, visit id, issue ids)."""
    require(ledger, "visits")
    enterprise = enterprise_by_credit_code(ledger, credit_code)
    responsible = department_id(ledger, department) if issues else None
    visit_id, issue_ids = add_visit(ledger, enterprise["id"], record,
                                    [{**issue, "department_id": responsible} for issue in issues or []])
    return enterprise, visit_id, issue_ids


def list_visits(ledger: Ledger, *, enterprise_id: str | None = None, limit: int = 2000) -> list[dict]:
    """Latest visits first, with the enterprise's name."""
    where, params = "", []
    if enterprise_id:
        where, params = "WHERE v.enterprise_id = ?", [enterprise_id]
    return ledger.rows(
        "SELECT v.id, v.enterprise_id, e.name AS enterprise_name, v.visit_date, v.kind, v.visitors,"
        " v.summary, v.demands, v.recorded_by,"
        " (SELECT count(*) FROM issues i WHERE i.visit_id = v.id) AS issue_count"
        f" FROM visits v LEFT JOIN enterprises e ON e.id = v.enterprise_id {where}"
        " ORDER BY v.visit_date DESC, v.rowid DESC LIMIT ?", [*params, limit])


def overdue_sql(alias: str | None = None) -> str:
    """domain.records.is_overdue as an SQL condition on the issues table (`alias`: its name in
    the query), with one `?` for the day: still open and the deadline before that day."""
    column = f"{alias}." if alias else ""
    statuses = ", ".join(f"'{status}'" for status in OPEN_ISSUE_STATUSES)
    return f"{column}status IN ({statuses}) AND {column}deadline < ?"


def list_issues(ledger: Ledger, *, enterprise_id: str | None = None,
                department_id: str | None = None, statuses: tuple[str, ...] | None = None,
                overdue_on: str | None = None, limit: int = 5000) -> list[dict]:
    """Issues with enterprise and department names; `overdue_on` (a date) keeps only the
    unresolved ones past their deadline on that day."""
    where, params = [], []
    if enterprise_id:
        where.append("i.enterprise_id = ?")
        params.append(enterprise_id)
    if department_id:
        where.append("i.department_id = ?")
        params.append(department_id)
    if statuses:
        where.append(f"i.status IN ({', '.join('?' * len(statuses))})")
        params.extend(statuses)
    if overdue_on:
        where.append(overdue_sql("i"))
        params.append(overdue_on)
    return ledger.rows(
        "SELECT i.*, e.name AS enterprise_name, d.name AS department_name"
        " FROM issues i LEFT JOIN enterprises e ON e.id = i.enterprise_id"
        " LEFT JOIN departments d ON d.id = i.department_id"
        f" {'WHERE ' + ' AND '.join(where) if where else ''}"
        " ORDER BY i.deadline IS NULL, i.deadline, i.raised_date LIMIT ?", [*params, limit])


def issue_counts(ledger: Ledger, today: str | None = None) -> dict[str, int]:
    """Counts per status, plus 'overdue' (unresolved past the deadline)."""
    today = today or date.today().isoformat()
    counts = dict(ledger.conn.execute("SELECT status, count(*) FROM issues GROUP BY status").fetchall())
    counts["overdue"] = ledger.scalar(
        f"SELECT count(*) FROM issues WHERE {overdue_sql()}",
        (today,)) or 0
    return counts


def recent_visitors(ledger: Ledger, limit: int = 30) -> list[str]:
    return [r[0] for r in ledger.conn.execute(
        "SELECT name FROM recent_visitors ORDER BY last_used DESC LIMIT ?", (limit,))]


# -- drafts: unfinished forms kept inside the encrypted ledger (local, never synced) ---------
def save_draft(ledger: Ledger, kind: str, content: dict, draft_id: str | None = None) -> str:
    require(ledger, "drafts")
    import json
    import uuid

    draft_id = draft_id or uuid.uuid4().hex
    with ledger.transaction():
        ledger.conn.execute(
            "INSERT INTO drafts(id, kind, username, content, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET content = excluded.content,"
            " updated_at = excluded.updated_at",
            (draft_id, kind, ledger.user or "", json.dumps(content, ensure_ascii=False),
             datetime.now().isoformat(timespec="seconds")))
    return draft_id


def list_drafts(ledger: Ledger, kind: str) -> list[dict]:
    """This user's drafts of one kind, newest first; content decoded."""
    import json

    rows = ledger.rows("SELECT id, content, updated_at FROM drafts WHERE kind = ? AND username = ?"
                       " ORDER BY updated_at DESC", (kind, ledger.user or ""))
    for row in rows:
        row["content"] = json.loads(row["content"])
    return rows


def delete_draft(ledger: Ledger, draft_id: str) -> None:
    require(ledger, "drafts")
    with ledger.transaction():
        ledger.conn.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
