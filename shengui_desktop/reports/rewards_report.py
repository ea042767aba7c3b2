"""奖补测算: each enterprise's reward lines of a year with rule, payer, status, amount and
reason; the totals by township and by year; the clawback cases (追回与不再兑现) apart; ready to
sign (landscape A4). The numbers come computed (services/policy/reward_lines.py
reward_overview, handed in by services/reports.py): this module lays them out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..domain.money import format_wan
from . import layout, text
from .job import Job, as_job

FONT_SIZE = 7.5
PAD = 5  # left + right cell padding, points
# 序号, 企业名称, 乡镇, 入规, 奖补项目, 兑付主体, 状态, 金额, 理由 (273 mm)
WIDTHS_MM = [8, 46, 20, 16, 36, 22, 18, 20, 87]
# 序号, 企业名称, 乡镇, 奖补项目, 处理, 金额, 理由 (273 mm)
BACK_MM = [8, 50, 22, 40, 30, 20, 103]


@dataclass
class RewardsData:
    """What the report prints: the office and a reward overview (its year, lines, totals by
    township and by year, clawback cases; services.policy.reward_lines.RewardOverview)."""

    office: str
    overview: Any


def _amount(line) -> str:
    if line.amount is not None:
        return format_wan(line.amount)
    if line.status == "due":
        return line.amount_text or "金额待定"
    return "—"


def _lines_table(o) -> Table:
    widths = [w * mm for w in WIDTHS_MM]
    avail = [w - PAD for w in widths]
    rows: list[list] = [["序号", "企业名称", "乡镇", "入规年度\n第几年", "奖补项目", "兑付主体", "状态",
                         "应兑现\n（万元）", "理由"]]
    style = layout.grid_style(size=FONT_SIZE, leading=9.5) + [
        ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (7, 1), (7, -1), "RIGHT"),
        ("VALIGN", (0, 1), (-1, -1), "TOP")]
    for n, ln in enumerate(o.lines, 1):
        entry = f"{ln.entry_year}年\n第{ln.reward_year}年" if ln.entry_year else "—"
        rows.append([str(n), text.wrap(ln.name, avail[1], FONT_SIZE), text.wrap(o.township_of(ln), avail[2], FONT_SIZE),
                     entry, text.wrap(ln.rule_name, avail[4], FONT_SIZE), text.wrap(ln.payer, avail[5], FONT_SIZE),
                     text.wrap(ln.status_text, avail[6], FONT_SIZE), text.wrap(_amount(ln), avail[7], FONT_SIZE),
                     text.wrap(ln.reason, avail[8], FONT_SIZE)])
        if ln.status in ("forfeited", "not_eligible"):
            style.append(("TEXTCOLOR", (6, n), (6, n), layout.ALERT))
    t = o.totals
    rows.append(["", "合计", "", "", "", "", f"{t.enterprises}户", format_wan(t.due_amount) or "0.00", ""])
    style += [("BACKGROUND", (0, -1), (-1, -1), layout.TOTAL_BG)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _sums_table(sums, first: str) -> Table:
    rows: list[list] = [[first, "应兑现金额（万元）", "应兑现企业（户）", "金额待定（项）", "奖补条目（项）"]]
    for s in sums:
        rows.append([s.label, format_wan(s.due_amount) or "0.00", str(s.enterprises), str(s.due_without_amount),
                     str(s.lines)])
    table = Table(rows, colWidths=[40 * mm, 36 * mm, 30 * mm, 30 * mm, 30 * mm], repeatRows=1)
    table.setStyle(TableStyle(layout.grid_style(size=8.5, leading=11) + [("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    return table


def _clawback_table(o) -> Table:
    widths = [w * mm for w in BACK_MM]
    avail = [w - PAD for w in widths]
    rows: list[list] = [["序号", "企业名称", "乡镇", "奖补项目", "处理", "金额（万元）", "理由"]]
    for n, c in enumerate(o.clawbacks, 1):
        rows.append([str(n), text.wrap(c.line.name, avail[1], FONT_SIZE), text.wrap(c.township, avail[2], FONT_SIZE),
                     text.wrap(c.line.rule_name, avail[3], FONT_SIZE), text.wrap(c.action_text, avail[4], FONT_SIZE),
                     format_wan(c.amount) or "—", text.wrap(c.line.reason, avail[6], FONT_SIZE)])
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(layout.grid_style(size=FONT_SIZE, leading=9.5) + [
        ("ALIGN", (0, 1), (0, -1), "CENTER"), ("ALIGN", (5, 1), (5, -1), "RIGHT"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"), ("TEXTCOLOR", (4, 1), (4, -1), layout.ALERT)]))
    return table


def render(data: RewardsData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    job = as_job(job)
    st = layout.Styles()
    o = data.overview
    width = sum(WIDTHS_MM) * mm
    title = f"{data.office}{o.year}年小升规奖补测算表"
    policy = f"政策配置：{o.profile.name}" if o.profile else "尚未选择政策配置"
    sub = "　".join(x for x in (o.township_name, policy, f"共 {len(o.lines)} 条") if x)
    story: list = [Paragraph(layout.escape(title), st.title), Paragraph(layout.escape(sub), st.subtitle)]
    if o.profile is None:
        story.append(Paragraph(layout.escape("暂无奖补测算：" + "；".join(o.notes) + "（县级在“政策配置”页选用）。"),
                               st.body))
    elif not o.lines:
        story.append(Paragraph(f"暂无奖补：{o.year}年没有企业处在政策规定的奖补年度内"
                               + ("（所选乡镇）" if o.township_name else "") + "。", st.body))
    else:
        t = o.totals
        story += [Paragraph("一、奖补明细", st.heading),
                  Paragraph(layout.escape(
                      f"应兑现合计 {format_wan(t.due_amount) or '0.00'} 万元（{t.enterprises} 户）"
                      + (f"，另有 {t.due_without_amount} 项金额由上级或财政部门确定" if t.due_without_amount else "")
                      + "。合计只计状态为“应兑现”且文件定有金额的条目。"), st.note),
                  Spacer(1, 1 * mm), _lines_table(o)]
        job.check()
        story += [CondPageBreak(40 * mm), Paragraph("二、按乡镇合计", st.heading), _sums_table(o.townships, "乡镇（街道）"),
                  Paragraph("三、按年度合计", st.heading),
                  Paragraph("各年度按同一政策配置、以今天的台账测算。", st.note), _sums_table(o.years, "年度"),
                  CondPageBreak(30 * mm), Paragraph("四、追回与不再兑现", st.heading)]
        if o.clawbacks:
            story += [Paragraph("已兑现但按规则不予享受的，应追回；入规后规定年限内退出规上的，未兑现部分不再兑现。",
                                st.note), Spacer(1, 1 * mm), _clawback_table(o)]
        else:
            story.append(Paragraph("没有需要追回或不再兑现的奖补。", st.body))
    story += [Spacer(1, 6 * mm), KeepTogether([layout.signature_block(st, width)])]
    info = layout.PageInfo(data.office, "小升规奖补测算表", printed_on, landscape=True)
    return layout.build(path, story, info, job, expected_pages=len(o.lines) // 25 + 1)
