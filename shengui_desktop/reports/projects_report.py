"""The key-project list (重点项目清单及推进台账, 湖南's 重点项目库): every project of kind
重点项目 with its dates, milestones (节点任务), responsible unit and its enterprise's pool and
revenue, then what is late — a milestone past its due date and not done, a planned
production date passed with no actual one — ready to sign (landscape A4)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..domain.key_projects import KeyProject, KeyProjectList, key_project_list
from ..domain.money import format_wan
from . import layout, sources, text
from .facts import PolicyFacts
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FONT_SIZE = 7.5
PAD = 5  # left + right cell padding, points
# 序号, 项目名称, 企业名称, 库别, 上年营收, 本年累计营收, 预计达产年产值, 计划投产, 实际投产, 责任单位,
# 节点任务 (273 mm)
WIDTHS_MM = [7, 38, 42, 15, 17, 17, 16, 17, 17, 22, 65]
# the late items: 序号, 项目名称, 企业名称, 乡镇, 逾期事项, 计划日期, 逾期天数, 责任单位 (273 mm)
LATE_MM = [9, 52, 52, 22, 60, 22, 18, 38]


class KeyProjectData:
    """What the report prints: the list and the office."""

    def __init__(self, office: str, projects: KeyProjectList):
        self.office = office
        self.projects = projects


def collect(ledger: Ledger, facts: PolicyFacts | None, filters: sources.Filters,
            job: Job | None = None) -> KeyProjectData:
    """The key projects of the enterprises the filters select; lateness as of filters.today,
    revenue of filters.year (last year's total, this year's months so far)."""
    job = as_job(job)
    job.report("读取重点项目", 0, 2)
    rows = sources.key_projects(ledger, filters)
    milestones = sources.project_milestones(ledger, [r["id"] for r in rows])
    ids = sorted({r["enterprise_id"] for r in rows})
    revenue = {r["id"]: r for r in sources.revenue_by_enterprise(ledger, filters.year, ids)} if ids else {}
    job.report("判断逾期", 1, 2)
    return KeyProjectData(sources.office_name(ledger),
                          key_project_list(rows, milestones, revenue, filters.today, filters.year,
                                           sources.scope_text(ledger, filters)))


def _date(value: str | None) -> str:
    return value or ""


def _milestones_cell(p: KeyProject, style) -> Paragraph | str:
    """One line per milestone, the late ones in red (a Paragraph: key projects are few)."""
    if not p.milestones:
        return "（未登记节点任务）"
    lines = []
    for m in p.milestones:
        due = f"计划{m.due_date}，" if m.due_date else ""
        done = f"{m.done_date}完成" if m.done_date else m.state
        line = layout.escape(f"{'✓' if m.done_date else '○'} {m.name}：{due}{done}")
        lines.append(f"<font color=\"#{layout.ALERT.hexval()[2:]}\">{line}</font>" if m.late else line)
    return Paragraph("<br/>".join(lines), style)


def _project_cell(p: KeyProject, avail: float) -> str:
    lines = [text.wrap(p.name, avail, FONT_SIZE), text.wrap(p.status_label, avail, FONT_SIZE)]
    if p.investment is not None:
        lines[-1] += f"　总投资{format_wan(p.investment)}万元"
    return "\n".join(lines)


def _table(data: KeyProjectData) -> Table:
    widths = [w * mm for w in WIDTHS_MM]
    avail = [w - PAD for w in widths]
    year = data.projects.year
    header = ["序号", "项目名称\n状态", "企业名称\n乡镇", "库别", f"{year - 1}年\n营业收入", f"{year}年\n累计营收",
              "预计达产\n年产值", "计划投产", "实际投产", "责任单位", "节点任务（○未完成　✓已完成）"]
    rows: list[list] = [header]
    cell = layout.paragraph_style("milestones", FONT_SIZE, 9.5)
    style = layout.grid_style(size=FONT_SIZE, leading=9.5) + [
        ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (4, 1), (6, -1), "RIGHT"),
        ("VALIGN", (0, 1), (-1, -1), "TOP")]
    for n, p in enumerate(data.projects.projects, 1):
        ytd = format_wan(p.ytd_revenue)
        if p.ytd_months and ytd:
            ytd += f"\n（{p.ytd_months}个月）"
        rows.append([str(n), _project_cell(p, avail[1]),
                     text.wrap(p.enterprise_name, avail[2], FONT_SIZE) + "\n" + text.wrap(p.township, avail[2], FONT_SIZE),
                     text.wrap(p.enterprise_status, avail[3], FONT_SIZE), format_wan(p.prior_year_revenue), ytd,
                     format_wan(p.expected_output), _date(p.planned_production_date), _date(p.production_date),
                     text.wrap(p.responsible_unit or "未指定", avail[9], FONT_SIZE),
                     _milestones_cell(p, cell)])
        if p.late:
            style.append(("TEXTCOLOR", (1, n), (1, n), layout.ALERT))
        if any(i.what == "计划投产" for i in p.late_items):
            style.append(("TEXTCOLOR", (7, n), (7, n), layout.ALERT))
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(style))
    return t


def _late_table(data: KeyProjectData) -> Table:
    widths = [w * mm for w in LATE_MM]
    avail = [w - PAD for w in widths]
    rows = [["序号", "项目名称", "企业名称", "乡镇", "逾期事项", "计划日期", "逾期天数", "责任单位"]]
    n = 0
    for p in data.projects.projects:
        for item in p.late_items:
            n += 1
            rows.append([str(n), text.wrap(p.name, avail[1], FONT_SIZE), text.wrap(p.enterprise_name, avail[2], FONT_SIZE),
                         text.wrap(p.township, avail[3], FONT_SIZE), text.wrap(item.what, avail[4], FONT_SIZE),
                         item.due_date, str(item.days_late), text.wrap(p.responsible_unit or "未指定", avail[7], FONT_SIZE)])
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(layout.grid_style(size=FONT_SIZE, leading=9.5) + [
        ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (6, 1), (6, -1), "RIGHT"),
        ("TEXTCOLOR", (6, 1), (6, -1), layout.ALERT)]))
    return t


def render(data: KeyProjectData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    job = as_job(job)
    st = layout.Styles()
    listed = data.projects
    width = sum(WIDTHS_MM) * mm
    title = f"{data.office}工业重点项目清单及推进台账"
    sub = "　".join(x for x in (f"逾期判断截至{listed.today}", listed.scope, f"共 {len(listed.projects)} 个项目") if x)
    story: list = [Paragraph(layout.escape(title), st.title), Paragraph(layout.escape(sub), st.subtitle),
                   Paragraph("依据：建立重点项目库，全面落实项目推进责任制，建立工业重点项目清单和推进台账，"
                             "明确建设目标、节点任务、工作责任。", st.note)]
    if not listed.projects:
        story += [Spacer(1, 3 * mm), Paragraph("暂无重点项目：没有类别为“重点项目”的项目"
                                               + ("符合所选条件" if listed.scope else "") + "。", st.body)]
    else:
        story += [Paragraph("一、重点项目清单", st.heading),
                  Paragraph(f"金额单位：万元。营业收入为项目所属企业的营业收入（{listed.year}年为已报月份累计）。",
                            st.note), Spacer(1, 1 * mm), _table(data)]
        job.check()
        story += [CondPageBreak(30 * mm), Paragraph("二、逾期事项", st.heading)]
        if listed.late_projects:
            story += [Paragraph(f"逾期项目 {listed.late_projects} 个，其中逾期未完成的节点任务 "
                                f"{listed.late_milestones} 项。逾期指节点任务过了计划完成日期仍未完成，"
                                "或过了计划投产日期仍未投产（已终止的项目不计）。", st.body),
                      Spacer(1, 1 * mm), _late_table(data)]
        else:
            story.append(Paragraph("没有逾期的节点任务和投产计划。", st.body))
    story += [Spacer(1, 6 * mm), KeepTogether([layout.signature_block(st, width)])]
    info = layout.PageInfo(data.office, "工业重点项目清单及推进台账", printed_on, landscape=True)
    return layout.build(path, story, info, job, expected_pages=len(listed.projects) // 10 + 1)
