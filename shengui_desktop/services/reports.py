"""Printing reports: the use cases the CLI and the window call (the window on a worker
thread, passing a progress callback and a cancel flag).

The policy rules (services.policy, issue 3) are read through `facts_for`: every function
the policy service provides is used; anything it lacks falls back to `LedgerFacts`
(computed from the ledger alone, no reward amounts), and the report says so.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from ..domain.evaluation import Evaluation
from ..domain.policy import REWARD_STATUSES
from ..domain.records import POOLS
from ..errors import UserError
from ..reports import dossier, issues_report, ledger_report, targets_report, visits_report
from ..reports.facts import (ChecklistItem, LedgerFacts, PolicyFacts, RewardLine, TargetLine, TargetProgress)
from ..reports.job import Job
from ..reports.sources import Filters
from ..storage.ledger import Ledger
from .ledger.reference import department_by_name, township_by_name

KINDS = {"ledger": "台账", "dossier": "一户一册", "visits": "走访记录", "issues": "问题台账",
         "targets": "目标任务完成情况"}
_MODULES = {"ledger": ledger_report, "dossier": dossier, "visits": visits_report,
            "issues": issues_report, "targets": targets_report}


@dataclass
class ReportResult:
    kind: str
    path: Path
    pages: int
    policy_source: str  # "policy" or "ledger"


# -- the policy rules, or the ledger-only fallback -----------------------------------------
def _get(item: Any, *names: str, default=None):
    for name in names:
        if isinstance(item, dict) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return default


class PolicyServiceFacts:
    """PolicyFacts over services.policy, falling back per function to LedgerFacts."""

    def __init__(self, ledger: Ledger, today: date, module, job: Job | None = None):
        self.ledger, self.today, self.module, self.job = ledger, today, module, job
        self.fallback = LedgerFacts(ledger, today)
        self.source = "policy" if self._fn("evaluate") else "ledger"
        self.reward_note = "本年度暂无应享奖补。" if self._fn("rewards") else self.fallback.reward_note

    def _call(self, fn: Callable, *args):
        """Call fn(ledger, *args), passing today= where it takes it."""
        import inspect
        try:
            takes_today = "today" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            takes_today = False
        return fn(self.ledger, *args, today=self.today) if takes_today else fn(self.ledger, *args)

    def _fn(self, *names: str) -> Callable | None:
        for name in names:
            fn = getattr(self.module, name, None) if self.module else None
            if callable(fn):
                return fn
        return None

    def evaluate(self, enterprise_ids: list[str] | None = None) -> dict[str, Evaluation]:
        fn = self._fn("evaluate")
        if fn is None:
            return self.fallback.evaluate(enterprise_ids)
        kwargs: dict[str, Any] = {"enterprise_ids": enterprise_ids, "today": self.today}
        if self.job is not None and self.job.cancelled is not None:
            import inspect
            if "cancelled" in inspect.signature(fn).parameters:
                kwargs["cancelled"] = self.job.cancelled
        result = fn(self.ledger, **kwargs)
        if self.job is not None:
            self.job.check()  # evaluate() stops early when cancelled: never print a partial list
        return result

    def rewards(self, year: int) -> list[RewardLine]:
        fn = self._fn("rewards")
        if fn is None:
            return self.fallback.rewards(year)
        result = self._call(fn, year)
        if isinstance(result, dict) and "lines" in result:
            if result.get("profile") is None and result.get("notes"):
                self.reward_note = "；".join(result["notes"]) + "。"
            items = result["lines"]
        else:
            items = result.values() if isinstance(result, dict) else result
        out = []
        for line in items or []:
            status = _get(line, "status_text", default=None) or REWARD_STATUSES.get(
                _get(line, "status", default=""), "")
            reason = _get(line, "reason", "note", default="") or ""
            out.append(RewardLine(
                enterprise_id=_get(line, "enterprise_id"),
                item=_get(line, "rule_name", "item", "rule", default="奖补"),
                amount=_get(line, "amount"), note="；".join(x for x in (status, reason) if x),
                amount_text=_get(line, "amount_text", default="") or ""))
        return out

    def target_progress(self, year: int) -> TargetProgress:
        fn = self._fn("target_progress")
        if fn is None:
            return self.fallback.target_progress(year)
        result = self._call(fn, year)
        out = TargetProgress(year=year)

        def line(scope: str, item) -> TargetLine:
            return TargetLine(scope, str(_get(item, "code", "township_code", "department_id", "key", default="")),
                              str(_get(item, "name", default="")),
                              _get(item, "target", "net_increase_target"),
                              int(_get(item, "entries", "new_entries", default=0) or 0),
                              int(_get(item, "exits", default=0) or 0))

        out.townships = [line("township", t) for t in _get(result, "townships", "by_township", default=[]) or []]
        out.departments = [line("department", d) for d in
                           _get(result, "departments", "by_department", default=[]) or []]
        county = _get(result, "county", "total", default=None)
        out.county_target = _get(county, "target") if county is not None else None
        if not out.townships and not out.departments:
            return self.fallback.target_progress(year)
        return out

    def checklist(self, enterprise_id: str) -> list[ChecklistItem]:
        fn = self._fn("entry_checklist", "checklist")
        if fn is None:
            return self.fallback.checklist(enterprise_id)
        out = []
        for i in self._call(fn, enterprise_id) or []:
            applicable = _get(i, "applicable", default=True)
            note = "；".join(str(x) for x in (
                "" if applicable else "本企业不适用", _get(i, "done_on", default="") and f"{_get(i, 'done_on')}完成",
                _get(i, "note", default=""), _get(i, "auto", default="")) if x)
            done = _get(i, "done")
            out.append(ChecklistItem(str(_get(i, "label", "name", "item", default="")),
                                     # an unticked item prints as a box to tick by hand
                                     True if done else None, note))
        return out


def facts_for(ledger: Ledger, today: date, job: Job | None = None) -> PolicyFacts:
    try:
        module = importlib.import_module("shengui_desktop.services.policy")
    except ImportError:
        module = None
    return PolicyServiceFacts(ledger, today, module, job)


# -- filters as people type them -------------------------------------------------------------
def resolve_filters(ledger: Ledger, *, year: int | None = None, township: str | None = None,
                    pool: str | None = None, department: str | None = None,
                    credit_code: str | None = None, group_by: str = "township",
                    period_from: str | None = None, period_to: str | None = None,
                    today: date | None = None) -> Filters:
    """Turn names (秀水镇, 培育库, 工信局) or codes into a Filters; Chinese errors otherwise."""
    today = today or date.today()
    f = Filters(year=year or today.year, today=today, group_by=group_by,
                period_from=period_from, period_to=period_to)
    if township:
        row = ledger.one("SELECT code FROM townships WHERE code = ?", (township,)) \
            or township_by_name(ledger, township)
        if row is None:
            raise UserError(f"台账中没有乡镇“{township}”")
        f.township_code = row["code"]
    if pool:
        reverse = {v: k for k, v in POOLS.items()} | {"规上": "above_scale", "规上企业": "above_scale"}
        value = pool if pool in POOLS or pool == "above_scale" else reverse.get(pool)
        if value is None:
            raise UserError(f"库别“{pool}”无效，应为：{'、'.join(POOLS.values())}、规上")
        f.pool = value
    if department:
        row = ledger.one("SELECT id FROM departments WHERE id = ?", (department,)) \
            or department_by_name(ledger, department)
        if row is None:
            raise UserError(f"台账中没有责任单位“{department}”")
        f.department_id = row["id"]
    if credit_code:
        from ..domain.credit_code import normalise
        code = normalise(credit_code)
        row = ledger.one("SELECT id FROM enterprises WHERE credit_code = ?", (code,))
        if row is None:
            raise UserError(f"台账中没有统一社会信用代码为{code}的企业")
        f.enterprise_ids = [row["id"]]
    if group_by not in ("township", "pool"):
        raise UserError("分组方式应为 township（按乡镇）或 pool（按库别）")
    for label, value in (("起始日期", period_from), ("截止日期", period_to)):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise UserError(f"{label}“{value}”不是有效日期（应为YYYY-MM-DD）") from None
    return f


# -- the use cases -----------------------------------------------------------------------------
def print_report(ledger: Ledger, kind: str, out: str | Path, filters: Filters, *,
                 progress: Callable[[str, int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, blank_form: bool = False,
                 printed_on: date | None = None) -> ReportResult:
    """Write one report to `out`. Raises ReportCancelled when `cancelled()` turns true;
    `out` is then left as it was."""
    if kind not in _MODULES:
        raise UserError(f"未知的报表类型“{kind}”，应为：{'、'.join(KINDS)}")
    job = Job(progress=progress, cancelled=cancelled)
    module = _MODULES[kind]
    printed_on = printed_on or date.today()
    if kind == "dossier" and filters.enterprise_ids is None and not (filters.pool or filters.township_code
                                                                     or filters.department_id):
        raise UserError("一户一册须指定企业（--credit-code）或库别、乡镇、责任单位")
    facts = facts_for(ledger, filters.today, job)
    job.check()
    if kind == "visits" and blank_form:
        enterprise = None
        if filters.enterprise_ids:  # a form for one enterprise comes with its name filled in
            enterprise = ledger.one(
                "SELECT e.name, e.credit_code, t.name AS township FROM enterprises e"
                " LEFT JOIN townships t ON t.code = e.township_code WHERE e.id = ?",
                (filters.enterprise_ids[0],))
        path = visits_report.render_blank_form(ledger, out, printed_on, job, enterprise)
    else:
        data = module.collect(ledger, facts, filters, job)
        path = module.render(data, out, printed_on, job)
    return ReportResult(kind=kind, path=Path(path), pages=count_pages(path),
                        policy_source=facts.source)


def count_pages(path: str | Path) -> int:
    """Pages of a PDF we wrote (reportlab writes one /Type /Page object per page)."""
    import re
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(path).read_bytes()))
