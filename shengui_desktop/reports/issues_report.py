"""The issue ledger (问题台账): by responsible department, open issues first, overdue marked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, Table, TableStyle

from ..domain.records import ISSUE_CATEGORIES, ISSUE_STATUSES, OPEN_ISSUE_STATUSES, is_overdue
from . import layout, sources
from .facts import PolicyFacts
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

WIDTHS_MM = [10, 46, 16, 12, 72, 19, 19, 22, 57]  # 273 mm


@dataclass
class DepartmentIssues:
    name: str
    issues: list[dict]

    @property
    def open_count(self) -> int:
        return sum(1 for i in self.issues if i["status"] in OPEN_ISSUE_STATUSES)

    @property
    def overdue_count(self) -> int:
        return sum(1 for i in self.issues if i["overdue_days"])


@dataclass
class IssuesData:
    office: str
    today: date
    year: int
    scope: str
    departments: list[DepartmentIssues]
    enterprises: int = 0  # enterprises within the filters, with issues or not


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> IssuesData:
    """Every open issue, whenever raised, and the issues settled or raised in the year."""
    job = as_job(job)
    rows = sources.issues(ledger, filters)
    job.report("读取问题台账", 1, 1)
    groups: dict[str, DepartmentIssues] = {}
    for r in rows:
        late = is_overdue(r, filters.today)
        r["overdue_days"] = (filters.today - date.fromisoformat(r["deadline"])).days if late else 0
        groups.setdefault(r["department"], DepartmentIssues(r["department"], [])).issues.append(r)
    ordered = sorted(groups.values(), key=lambda g: (-g.overdue_count, -g.open_count, g.name))
    # the department filter is the issue's department, not the enterprise's
    registered = sources.enterprise_count(ledger, replace(filters, department_id=None))
    return IssuesData(sources.office_name(ledger), filters.today, filters.year,
                      sources.scope_text(ledger, filters), ordered, registered)


def render(data: IssuesData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    st = layout.Styles()
    width = 273 * mm
    total = sum(len(g.issues) for g in data.departments)
    open_total = sum(g.open_count for g in data.departments)
    overdue_total = sum(g.overdue_count for g in data.departments)
    sub = f"截至{data.today.isoformat()}　含全部未办结问题及{data.year}年提出或办结的问题"
    if data.scope:
        sub += f"　{data.scope}"
    story = [Paragraph(f"{data.office}企业问题诉求办理台账", st.title), Paragraph(sub, st.subtitle)]
    summary = [["责任单位", "问题总数", "未办结", "其中逾期", "已办结"]]
    for g in data.departments:
        summary.append([g.name, str(len(g.issues)), str(g.open_count), str(g.overdue_count),
                        str(len(g.issues) - g.open_count)])
    summary.append(["合计", str(total), str(open_total), str(overdue_total), str(total - open_total)])
    t = Table(summary, colWidths=[40 * mm] + [24 * mm] * 4, hAlign="LEFT", repeatRows=1)
    t.setStyle(TableStyle(layout.grid_style() + [
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("BACKGROUND", (0, -1), (-1, -1), layout.TOTAL_BG),
        ("TEXTCOLOR", (3, 1), (3, -1), layout.ALERT)]))
    story += [Paragraph("一、办理情况汇总", st.heading), t,
              Paragraph("二、问题明细（按责任单位，未办结在前，逾期以红色标出）", st.heading)]
    header = ["序号", "企业名称", "乡镇", "类别", "问题描述", "提出日期", "办结时限", "状态", "办理结果"]
    number = 0
    for g in data.departments:
        story.append(CondPageBreak(30 * mm))
        story.append(Paragraph(f"{layout.escape(g.name)}：共 {len(g.issues)} 件，未办结 {g.open_count} 件"
                               + (f"，<font color='#B00020'>逾期 {g.overdue_count} 件</font>"
                                  if g.overdue_count else ""), st.body))
        rows, style = [header], []
        for i in g.issues:
            number += 1
            status = ISSUE_STATUSES.get(i["status"], i["status"])
            if i["overdue_days"]:
                status += f"\n逾期{i['overdue_days']}天"
                style.append(("TEXTCOLOR", (6, len(rows)), (7, len(rows)), layout.ALERT))
            rows.append([str(number), Paragraph(layout.escape(i["name"]), st.cell), i["township"] or "",
                         ISSUE_CATEGORIES.get(i["category"], i["category"]),
                         Paragraph(layout.paragraphs(i["description"]), st.cell), i["raised_date"] or "",
                         i["deadline"] or "", status,
                         Paragraph(layout.paragraphs(i["resolution"] or ""), st.cell)])
        t = Table(rows, colWidths=[w * mm for w in WIDTHS_MM], repeatRows=1)
        t.setStyle(TableStyle(layout.grid_style() + [("ALIGN", (0, 1), (0, -1), "CENTER")] + style))
        story += [Spacer(1, 1 * mm), t, Spacer(1, 3 * mm)]
    if not data.departments and data.enterprises:
        story.append(Paragraph("暂无问题诉求。", st.body))
    elif not data.departments:
        story.append(Paragraph(sources.no_enterprises(data.scope) + "暂无问题诉求。", st.body))
    story += [Spacer(1, 4 * mm), layout.signature_block(st, width)]
    info = layout.PageInfo(data.office, "企业问题诉求办理台账", printed_on, landscape=True)
    return layout.build(path, story, info, job, expected_pages=total // 12 + 1)
