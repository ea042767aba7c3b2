"""The key-project list (重点项目清单) as xlsx: one sheet of projects with their enterprise's
pool and revenue and what is late, one of their milestones (节点任务). The same collection
as the PDF (reports/projects_report.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...progress import Cancel, Job, Progress
from ...reports.projects_report import collect
from ...reports.sources import Filters

if TYPE_CHECKING:
    from ...domain.key_projects import KeyProjectList
    from ...spreadsheets.writer import TableBook
    from ...storage.ledger import Ledger


def write_projects(ledger: Ledger, book: TableBook, *, year: int, today: date, notes: list[str],
                   check_cancel: Callable[[], None], listed: KeyProjectList | None = None) -> int:
    """The 重点项目 and 节点任务 sheets (of `listed`, the 重点项目 page's choice, when given;
    else every key project); returns the number of projects."""
    from ...spreadsheets.writer import Col

    if listed is None:
        listed = collect(ledger, None, Filters(year=year, today=today)).projects
    year = listed.year
    check_cancel()
    columns = [Col("序号", "int", 6), Col("项目名称"), Col("项目状态"), Col("企业名称"), Col("统一社会信用代码"),
               Col("乡镇（街道）"), Col("库别/统计状态"), Col(f"{year - 1}年营业收入（万元）", "wan"),
               Col(f"{year}年累计营业收入（万元）", "wan"), Col(f"{year}年已报月数", "int", total=False),
               Col("总投资（万元）", "wan"), Col("预计达产年产值（万元）", "wan"), Col("计划开工", "date"),
               Col("实际开工", "date"), Col("计划竣工", "date"), Col("实际竣工", "date"), Col("计划投产", "date"),
               Col("实际投产", "date"), Col("责任单位"), Col("节点任务（项）", "int", total=True),
               Col("逾期节点任务（项）", "int", total=True), Col("逾期情况", width=50)]
    rows = [[n, p.name, p.status_label, p.enterprise_name, p.credit_code, p.township, p.enterprise_status,
             p.prior_year_revenue, p.ytd_revenue, p.ytd_months or None, p.investment, p.expected_output,
             p.planned_start_date, p.actual_start_date, p.planned_completion_date, p.actual_completion_date,
             p.planned_production_date, p.production_date, p.responsible_unit or None, len(p.milestones),
             sum(1 for m in p.milestones if m.late),
             "\n".join(f"{i.what}：计划{i.due_date}，逾期{i.days_late}天" for i in p.late_items) or None]
            for n, p in enumerate(listed.projects, 1)]
    scope = f"（{listed.scope}）" if listed.scope else ""
    count = book.add_table("重点项目", f"{book.office}工业重点项目清单{scope}", columns, rows,
                           note=f"逾期判断截至{listed.today}", title_columns=2)
    m_columns = [Col("序号", "int", 6), Col("项目名称"), Col("企业名称"), Col("节点任务"), Col("计划完成日期", "date"),
                 Col("实际完成日期", "date"), Col("状态"), Col("逾期天数", "int", total=False), Col("责任单位"),
                 Col("备注", width=40)]
    m_rows = []
    for p in listed.projects:
        for m in p.milestones:
            m_rows.append([len(m_rows) + 1, p.name, p.enterprise_name, m.name, m.due_date, m.done_date,
                           m.state, m.days_late or None, p.responsible_unit or None, m.note])
    book.add_table("节点任务", f"{book.office}工业重点项目节点任务", m_columns, m_rows,
                   note=f"逾期判断截至{listed.today}")
    if not listed.projects:
        notes.append("没有符合所选条件的重点项目" if listed.scope else "台账中没有类别为“重点项目”的项目")
    return count


def export_projects(ledger: Ledger, out: Path | str, listed: KeyProjectList, *, today: date | None = None,
                    progress: Progress | None = None, cancel: Cancel = None) -> dict:
    """Write the key projects of `listed` (services.policy.key_projects) to `out`: the
    重点项目 page's export. Returns {"path", "title", "rows", "notes"}."""
    from ...spreadsheets.writer import TableBook
    from ..office.site import this_site

    job = Job(progress, cancel)
    site = this_site(ledger)
    book = TableBook(site["name"] if site else "", today or date.today())
    notes: list[str] = []
    rows = write_projects(ledger, book, year=listed.year, today=today or date.today(), notes=notes,
                          check_cancel=job.check, listed=listed)
    job.report("写入文件", 0, 1)
    path = book.save(Path(out))
    job.tell("写入文件", 1, 1)
    return {"path": str(path), "title": "重点项目清单", "rows": rows, "notes": notes}
