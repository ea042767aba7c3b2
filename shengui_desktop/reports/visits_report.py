"""Visit records for a period (landscape), and the blank 走访记录表 to fill in by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from ..domain.records import VISIT_KINDS
from . import layout, sources
from .facts import PolicyFacts
from .fonts import FONT
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

WIDTHS_MM = [10, 20, 50, 18, 16, 28, 72, 59]  # 273 mm


@dataclass
class VisitsData:
    office: str
    period_from: str
    period_to: str
    scope: str
    visits: list[dict]
    enterprises: int = 0  # enterprises within the filters, visited or not


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> VisitsData:
    job = as_job(job)
    start = filters.period_from or f"{filters.year}-01-01"
    end = filters.period_to or min(filters.today, date(filters.year, 12, 31)).isoformat()
    job.report("读取走访记录", 0, 1)
    visits = sources.visits(ledger, filters, start, end)
    return VisitsData(sources.office_name(ledger), start, end, sources.scope_text(ledger, filters), visits,
                      sources.enterprise_count(ledger, filters))


def render(data: VisitsData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    st = layout.Styles()
    enterprises = len({v["enterprise_id"] for v in data.visits})
    onsite = sum(1 for v in data.visits if v["kind"] == "onsite")
    rows = [["序号", "走访日期", "企业名称", "乡镇", "方式", "走访人员", "走访情况", "企业诉求"]]
    for n, v in enumerate(data.visits, 1):
        rows.append([str(n), v["visit_date"], Paragraph(layout.escape(v["name"]), st.cell),
                     v["township"] or "", VISIT_KINDS.get(v["kind"], v["kind"]),
                     Paragraph(layout.escape(v["visitors"]), st.cell),
                     Paragraph(layout.paragraphs(v["summary"]), st.cell),
                     Paragraph(layout.paragraphs(v["demands"] or "—"), st.cell)])
    table = Table(rows, colWidths=[w * mm for w in WIDTHS_MM], repeatRows=1)
    table.setStyle(TableStyle(layout.grid_style() + [("ALIGN", (0, 1), (1, -1), "CENTER")]))
    sub = f"{data.period_from} 至 {data.period_to}" + (f"　{data.scope}" if data.scope else "")
    story = [Paragraph(f"{data.office}小升规企业走访记录", st.title), Paragraph(sub, st.subtitle),
             Paragraph(f"共走访 {len(data.visits)} 次，涉及企业 {enterprises} 户，其中上门走访 {onsite} 次。",
                       st.body), Spacer(1, 2 * mm)]
    if data.visits:
        story.append(table)
    elif data.enterprises:
        story.append(Paragraph("本期暂无走访记录。", st.body))
    else:
        story.append(Paragraph(sources.no_enterprises(data.scope) + "本期暂无走访记录。", st.body))
    story += [Spacer(1, 6 * mm), layout.signature_block(st, 273 * mm)]
    info = layout.PageInfo(data.office, "小升规企业走访记录", printed_on, landscape=True)
    return layout.build(path, story, info, job, expected_pages=len(data.visits) // 12 + 1)


def render_blank_form(ledger: Ledger, path: str | Path, printed_on, job: Job | None = None,
                      enterprise: dict | None = None) -> Path:
    """One portrait page with fields to fill by hand and boxes to sign (走访记录表)."""
    st = layout.Styles()
    office = sources.office_name(ledger)
    e = enterprise or {}
    width = 186 * mm
    box = "□"
    label = 30 * mm
    half = (width - 2 * label) / 2
    rows = [
        ["企业名称", e.get("name", ""), "", ""],
        ["统一社会信用代码", e.get("credit_code", ""), "所属乡镇", e.get("township", "")],
        ["走访日期", "　　　　年　　月　　日", "走访方式",
         "　".join(f"{box}{k}" for k in VISIT_KINDS.values())],
        ["走访人员", "", "企业接待人\n及职务、电话", ""],
        ["生产经营情况", "本年1—　月主营业务收入　　　　万元，工业总产值　　　　万元，\n"
                         "用电量　　　　千瓦时，纳税　　　　万元，从业人员　　　　人；\n"
                         "预计全年主营业务收入　　　　万元。\n\n其他情况：", "", ""],
        ["企业诉求及问题", "", "", ""],
        ["建议责任单位\n及办结时限", "", "", ""],
        ["下一步工作", "", "", ""],
    ]
    heights = [11 * mm, 11 * mm, 11 * mm, 13 * mm, 62 * mm, 52 * mm, 18 * mm, 26 * mm]
    table = Table(rows, colWidths=[label, half, label, half], rowHeights=heights)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 10, 16),
        ("GRID", (0, 0), (-1, -1), 0.6, layout.GRID),
        ("BACKGROUND", (0, 0), (0, -1), layout.HEADER_BG),
        ("BACKGROUND", (2, 1), (2, 3), layout.HEADER_BG),
        ("VALIGN", (0, 0), (-1, 3), "MIDDLE"),
        ("VALIGN", (0, 4), (-1, -1), "TOP"),
        ("VALIGN", (0, 4), (0, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (0, -1), "CENTER"),
        ("ALIGN", (2, 0), (2, -1), "CENTER"),
        ("SPAN", (1, 0), (3, 0)),
        ("TOPPADDING", (0, 4), (-1, -1), 5),
    ]
    for r in range(4, 8):
        style.append(("SPAN", (1, r), (3, r)))
    table.setStyle(TableStyle(style))
    signs = Table([["走访人员（签字）：", "企业负责人（签字/盖章）："],
                   ["", ""], ["　　　年　　月　　日", "　　　年　　月　　日"]],
                  colWidths=[width / 2, width / 2], rowHeights=[9 * mm, 14 * mm, 8 * mm])
    signs.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 10.5),
                               ("BOX", (0, 0), (0, -1), 0.6, layout.GRID),
                               ("BOX", (1, 0), (1, -1), 0.6, layout.GRID),
                               ("ALIGN", (0, 2), (-1, 2), "RIGHT"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 6),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 10)]))
    story = [Paragraph(f"{office}小升规企业走访记录表", st.title),
             Paragraph("编号：＿＿＿＿＿＿", st.right), Spacer(1, 2 * mm), table,
             Spacer(1, 4 * mm), signs, Spacer(1, 3 * mm),
             Paragraph("注：一企一表；企业诉求须明确责任单位和办结时限，走访后录入系统跟踪办理。", st.note)]
    info = layout.PageInfo(office, "小升规企业走访记录表", printed_on)
    return layout.build(path, story, info, job)
