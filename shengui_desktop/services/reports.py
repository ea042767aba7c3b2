"""Printing reports: the use cases the CLI and the window call (the window on a worker
thread, passing a progress callback and a cancel flag).

The reports read the policy rules through `PolicyFacts` (reports/facts.py); `PolicyServiceFacts`
turns the typed results of services.policy into what the reports print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..domain.evaluation import Evaluation
from ..domain.records import POOLS
from ..errors import UserError
from ..domain.monitoring import MonitorTable, parse_period, period_of
from ..reports import (dossier, issues_report, ledger_report, monitor_report, projects_report, rewards_report,
                       targets_report, visits_report)
from ..progress import Cancel, Cancelled, Job, Progress
from ..reports.facts import ChecklistItem, PolicyFacts, RewardLine, TargetLine, TargetProgress
from ..reports.job import report_job
from ..reports.sources import Filters
from ..storage import audit
from . import policy
from .ledger.reference import department_by_name, township_by_name
from .report_kinds import REPORT_KINDS

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

# -- how each report of the catalogue (report_kinds.py) is made ------------------------------
# make(ledger, facts, filters, out, printed_on, job) -> the PDF written
Maker = Callable[["Ledger", PolicyFacts, Filters, "str | Path", date, Job], Path]


def collect_and_render(module) -> Maker:
    """The maker of a report module with `collect` and `render` (reports/<kind>.py)."""
    def make(ledger, facts, filters, out, printed_on, job):
        return module.render(module.collect(ledger, facts, filters, job), out, printed_on, job)
    return make


def blank_visit_form(ledger, _facts, filters, out, printed_on, job):
    """The one-page 走访记录表 to fill in by hand; for one enterprise, its name filled in."""
    enterprise = None
    if filters.enterprise_ids:
        enterprise = ledger.one(
            "SELECT e.name, e.credit_code, t.name AS township FROM enterprises e"
            " LEFT JOIN townships t ON t.code = e.township_code WHERE e.id = ?",
            (filters.enterprise_ids[0],))
    return visits_report.render_blank_form(ledger, out, printed_on, job, enterprise)


def rewards_table(ledger, _facts, filters, out, printed_on, job):
    """奖补测算: the numbers of the 奖补测算 page and `shengui rewards` (reward_overview)."""
    from ..reports.sources import office_name
    from .policy.reward_lines import reward_overview

    try:
        overview = reward_overview(ledger, filters.year, filters.today, township_code=filters.township_code,
                                   cancel=job.cancelled)
    except Cancelled:
        raise job.error() from None
    return rewards_report.render(rewards_report.RewardsData(office_name(ledger), overview), out, printed_on, job)


MAKERS: dict[str, Maker] = {
    "ledger": collect_and_render(ledger_report),
    "dossier": collect_and_render(dossier),
    "visits": collect_and_render(visits_report),
    "visit_form": blank_visit_form,
    "issues": collect_and_render(issues_report),
    "targets": collect_and_render(targets_report),
    "monitor": collect_and_render(monitor_report),
    "projects": collect_and_render(projects_report),
    "rewards": rewards_table,
}


@dataclass
class ReportResult:
    kind: str
    path: Path
    pages: int
    policy_source: str  # "policy" or "ledger"


# -- the policy rules as the reports print them ------------------------------------------------
class PolicyServiceFacts:
    """PolicyFacts over services.policy."""

    source = "policy"

    def __init__(self, ledger: Ledger, today: date, job: Job | None = None):
        self.ledger, self.today, self.job = ledger, today, job
        # printed where a dossier would list rewards and there are none
        self.reward_note = "本年度暂无应享奖补。"

    def evaluate(self, enterprise_ids: list[str] | None = None) -> dict[str, Evaluation]:
        cancelled = self.job.cancelled if self.job is not None else None
        result = policy.evaluate(self.ledger, enterprise_ids=enterprise_ids, today=self.today,
                                 cancelled=cancelled)
        if self.job is not None:
            self.job.check()  # evaluate() stops early when cancelled: never print a partial list
        return result

    def rewards(self, year: int) -> list[RewardLine]:
        result = policy.rewards(self.ledger, year, today=self.today)
        if result.profile is None:
            self.reward_note = "；".join(result.notes) + "。"
        return [RewardLine(enterprise_id=line.enterprise_id, item=line.rule_name, amount=line.amount,
                           note="；".join(x for x in (line.status_text, line.reason) if x),
                           amount_text=line.amount_text)
                for line in result.lines]

    def target_progress(self, year: int) -> TargetProgress:
        result = policy.target_progress(self.ledger, year)

        def line(t) -> TargetLine:
            return TargetLine(t.scope, t.key or "", t.name, t.target, t.entries, t.exits, t.registered)

        return TargetProgress(year=year, townships=[line(t) for t in result.townships],
                              departments=[line(d) for d in result.departments],
                              county_target=result.county.target, others=result.other_targets)

    def checklist(self, enterprise_id: str) -> list[ChecklistItem]:
        out = []
        for i in policy.entry_checklist(self.ledger, enterprise_id, today=self.today):
            note = "；".join(x for x in ("" if i.applicable else "本企业不适用",
                                          f"{i.done_on}完成" if i.done_on else "", i.note, i.auto) if x)
            # an unticked item prints as a box to tick by hand
            out.append(ChecklistItem(i.label, True if i.done else None, note))
        return out


    def monitoring(self, filters: Filters) -> MonitorTable:
        from .policy.monitoring import monitoring_table

        table = monitoring_table(self.ledger, filters.period, quarter=True, township=filters.township_code,
                                 pool=filters.pool, department=filters.department_id, today=filters.today,
                                 cancelled=self.job.cancelled if self.job is not None else None)
        if self.job is not None:
            self.job.check()  # evaluate() stops early when cancelled: never print a partial table
        return table


def facts_for(ledger: Ledger, today: date, job: Job | None = None) -> PolicyFacts:
    return PolicyServiceFacts(ledger, today, job)


# -- filters as people type them -------------------------------------------------------------
def resolve_filters(ledger: Ledger, *, year: int | None = None, township: str | None = None,
                    pool: str | None = None, department: str | None = None,
                    credit_code: str | None = None, group_by: str = "township",
                    period_from: str | None = None, period_to: str | None = None,
                    period: str | None = None, today: date | None = None,
                    enterprise_id: str | None = None) -> Filters:
    """Turn names (秀水镇, 培育库, 工信局) or codes into a Filters; Chinese errors otherwise.
    `enterprise_id` (the window's choice) or `credit_code` narrows it to one enterprise;
    `period` ('YYYY-MM') is the month of the monitoring table."""
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
    if enterprise_id:
        if ledger.one("SELECT id FROM enterprises WHERE id = ?", (enterprise_id,)) is None:
            raise UserError("所选企业已不在台账中（可能已被合并或删除），请重新选择")
        f.enterprise_ids = [enterprise_id]
    if group_by not in ("township", "pool"):
        raise UserError("分组方式应为 township（按乡镇）或 pool（按库别）")
    for label, value in (("起始日期", period_from), ("截止日期", period_to)):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise UserError(f"{label}“{value}”不是有效日期（应为YYYY-MM-DD）") from None
    if period:
        f.period = period_of(*parse_period(period))
    return f


# -- the use cases -----------------------------------------------------------------------------
def needs_choice(kind: str, filters: Filters) -> bool:
    """True when `kind` prints a chosen set (一户一册) and nothing narrows the ledger yet."""
    return (REPORT_KINDS[kind].needs_choice and filters.enterprise_ids is None
            and not (filters.pool or filters.township_code or filters.department_id))


def print_report(ledger: Ledger, kind: str, out: str | Path, filters: Filters, *,
                 progress: Progress | None = None, cancelled: Cancel = None,
                 blank_form: bool = False, printed_on: date | None = None) -> ReportResult:
    """Write one report to `out`. Raises ReportCancelled once `cancelled` is set (a callable
    or a threading.Event, as in shengui_desktop.progress); `out` is then left as it was.
    `blank_form` with "visits" is the 空白走访登记表 ("visit_form")."""
    if kind not in MAKERS:
        raise UserError(f"未知的报表类型“{kind}”，应为：{'、'.join(REPORT_KINDS)}")
    job = report_job(progress, cancelled)
    code = "visit_form" if kind == "visits" and blank_form else kind
    printed_on = printed_on or date.today()
    if needs_choice(code, filters):
        raise UserError("一户一册须指定企业（--credit-code）或库别、乡镇、责任单位")
    facts = facts_for(ledger, filters.today, job)
    job.check()
    path = MAKERS[code](ledger, facts, filters, out, printed_on, job)
    pages = count_pages(path)
    ledger.audit(audit.PRINT, REPORT_KINDS[kind].title, f"{Path(path).name}，{pages}页")
    return ReportResult(kind=kind, path=Path(path), pages=pages, policy_source=facts.source)


def count_pages(path: str | Path) -> int:
    """Pages of a PDF we wrote (reportlab writes one /Type /Page object per page)."""
    import re
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(path).read_bytes()))
