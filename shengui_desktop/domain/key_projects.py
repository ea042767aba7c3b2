"""湖南's key-project list (重点项目库): every project of kind 重点项目 with its milestones
(节点任务), responsible unit, what is late, and its enterprise's pool and revenue.

"建立重点项目库，全面落实项目推进责任制，建立工业重点项目清单和推进台账，明确建设目标、节点任务、
工作责任" (湖南省《深入开展新增规模以上工业企业行动实施方案》). Late is a milestone past its due
date and not done, or a project whose planned production date has passed with no actual one
(an abandoned project is late in nothing). Pure Python: the report and the spreadsheet export
read the rows (reports/sources.py) and hand them in here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from .policy_records import PROJECT_STATUSES
from .records import POOLS, STAT_STATUSES


def days_late(due: str | None, done: str | None, today: date) -> int:
    """Days past `due` (ISO date) of something not done by `today`; 0 when not late."""
    if done or not due or due >= today.isoformat():
        return 0
    return (today - date.fromisoformat(due[:10])).days


@dataclass
class MilestoneLine:
    name: str
    due_date: str | None
    done_date: str | None
    note: str | None
    days_late: int  # 0 when done, not yet due, without a due date, or of an abandoned project
    abandoned: bool = False  # its project was abandoned (已终止)

    @property
    def late(self) -> bool:
        return self.days_late > 0

    @property
    def state(self) -> str:
        if self.done_date:
            return "已完成"
        if self.abandoned:
            return "项目已终止"
        if self.late:
            return f"逾期{self.days_late}天"
        return "未到期" if self.due_date else "未定期限"


@dataclass
class LateItem:
    what: str  # 节点任务“设备安装” / 计划投产
    due_date: str
    days_late: int


@dataclass
class KeyProject:
    project_id: str
    name: str
    status: str
    enterprise_id: str
    enterprise_name: str
    credit_code: str
    township: str
    pool: str
    stat_status: str
    responsible_unit: str  # the project's responsible unit and department, as entered
    investment: int | None
    expected_output: int | None
    planned_start_date: str | None
    actual_start_date: str | None
    planned_completion_date: str | None
    actual_completion_date: str | None
    planned_production_date: str | None
    production_date: str | None  # the actual start of production
    prior_year_revenue: int | None  # the enterprise's, last year
    ytd_revenue: int | None  # the enterprise's, this year so far
    ytd_months: int
    milestones: list[MilestoneLine] = field(default_factory=list)
    late_items: list[LateItem] = field(default_factory=list)

    @property
    def late(self) -> bool:
        return bool(self.late_items)

    @property
    def status_label(self) -> str:
        return PROJECT_STATUSES.get(self.status, self.status)

    @property
    def enterprise_status(self) -> str:
        return POOLS[self.pool] if self.pool and self.pool != "none" else STAT_STATUSES.get(self.stat_status, "")


@dataclass
class KeyProjectList:
    today: str  # lateness is as of this day (ISO)
    year: int  # the revenue columns' year
    scope: str  # the filters in words
    projects: list[KeyProject]

    @property
    def late_projects(self) -> int:
        return sum(1 for p in self.projects if p.late)

    @property
    def late_milestones(self) -> int:
        return sum(1 for p in self.projects for m in p.milestones if m.late)

    def to_dict(self) -> dict:
        return asdict(self)


def key_project(row: dict, milestones: list[dict], revenue: dict | None, today: date) -> KeyProject:
    """One project from its row (projects joined with its enterprise's name, credit code,
    township name, pool and statistics status, and its department's name), its milestone rows
    and its enterprise's revenue row (prior, ytd, months)."""
    abandoned = row["status"] == "abandoned"
    lines = [MilestoneLine(m["name"], m.get("due_date"), m.get("done_date"), m.get("note"),
                           0 if abandoned else days_late(m.get("due_date"), m.get("done_date"), today),
                           abandoned)
             for m in milestones]
    late = [LateItem(f"节点任务“{m.name}”", m.due_date or "", m.days_late) for m in lines if m.late]
    production_late = 0 if abandoned else days_late(row.get("planned_production_date"),
                                                    row.get("production_start_date"), today)
    if production_late:
        late.append(LateItem("计划投产", row["planned_production_date"], production_late))
    units = [row.get("responsible_unit"), row.get("department")]
    revenue = revenue or {}
    return KeyProject(
        row["id"], row["name"], row["status"], row["enterprise_id"], row["enterprise_name"], row["credit_code"],
        row.get("township") or row.get("township_code") or "", row["pool"], row["stat_status"],
        "、".join(dict.fromkeys(u for u in units if u)), row.get("investment"), row.get("expected_output"),
        row.get("planned_start_date"), row.get("actual_start_date"), row.get("planned_completion_date"),
        row.get("actual_completion_date"), row.get("planned_production_date"), row.get("production_start_date"),
        revenue.get("prior"), revenue.get("ytd"), revenue.get("months") or 0, lines, late)


def key_project_list(rows: list[dict], milestones: dict[str, list[dict]], revenue: dict[str, dict],
                     today: date, year: int, scope: str = "") -> KeyProjectList:
    """The list in the order of `rows`; `milestones` by project id (due date order),
    `revenue` by enterprise id."""
    return KeyProjectList(today.isoformat(), year, scope, [
        key_project(r, milestones.get(r["id"], []), revenue.get(r["enterprise_id"]), today) for r in rows])
