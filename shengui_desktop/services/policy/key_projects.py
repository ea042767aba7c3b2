"""The key-project list (重点项目库) as the 重点项目 page, its spreadsheet and the command line
read it: the projects of kind 重点项目 of a township (or the county), of a status, with a
date in a year, each with its milestones, what is late and its enterprise's pool and revenue
(domain/key_projects.py; collected as the PDF collects it, reports/projects_report.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from ...domain.key_projects import KeyProject, KeyProjectList
from ...domain.policy_records import PROJECT_STATUSES
from ...errors import UserError
from ...progress import Cancel, Job, Progress

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

_DATES = ("planned_start_date", "actual_start_date", "planned_completion_date", "actual_completion_date",
          "planned_production_date", "production_date")


def in_year(project: KeyProject, year: int) -> bool:
    """Whether the project has a date in `year`: a planned or actual start, completion or
    production, or a milestone due or done then."""
    prefix = str(year)
    dates = [getattr(project, d) for d in _DATES]
    dates += [d for m in project.milestones for d in (m.due_date, m.done_date)]
    return any(d and d.startswith(prefix) for d in dates)


def key_projects(ledger: Ledger, *, year: int | None = None, today: date | None = None,
                 township_code: str | None = None, status: str | None = None, late_only: bool = False,
                 progress: Progress | None = None, cancel: Cancel = None) -> KeyProjectList:
    """The key projects the filters select, lateness as of `today`. `year`: only projects with
    a date in that year (their enterprise's revenue is that year's); None: every project, with
    this year's revenue. `status`: a key of PROJECT_STATUSES."""
    from ...reports.projects_report import collect
    from ...reports.sources import Filters

    today = today or date.today()
    if status is not None and status not in PROJECT_STATUSES:
        raise UserError(f"项目状态“{status}”无效，应为：{'、'.join(PROJECT_STATUSES.values())}")
    job = Job(progress, cancel)
    job.report("读取重点项目", 0, 1)
    listed = collect(ledger, None, Filters(year=year or today.year, today=today, township_code=township_code)).projects
    job.report("读取重点项目", 1, 1)
    kept = [p for p in listed.projects if (status is None or p.status == status)
            and (year is None or in_year(p, year)) and (not late_only or p.late)]
    scope = [listed.scope, PROJECT_STATUSES[status] if status else "", f"{year}年有计划或完成事项" if year else "",
             "只列逾期项目" if late_only else ""]
    return replace(listed, projects=kept, scope="　".join(s for s in scope if s))
