"""The monthly monitoring table (企业月度监测表, 月监测) and the quarterly comparison with the
line (季对标): landscape A4, one table per township with its subtotal, the rules' flags
spelled out under it, then every watched enterprise against the line, ready to sign."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..domain.evaluation import FLAG_NAMES
from ..domain.money import format_wan, format_wan_short
from ..domain.monitoring import MEASURES, QUARTER_STATUSES, MeasureLine, MonitorRow, MonitorTable, total_line
from . import layout, sources, text
from .facts import PolicyFacts
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FONT_SIZE = 7.5
PAD = 5  # left + right cell padding, points
# 序号, 企业名称, then per measure 当月, 同比, 环比, 累计, 累计同比, then 提示: 273 mm
MEASURE_MM = [12, 8.5, 8.5, 13.5, 9.5]
WIDTHS_MM = [7, 37] + MEASURE_MM * 4 + [21]
WIDTHS_MM[-1] = 273 - sum(WIDTHS_MM[:-1])
UNITS = {"output_value": "万元", "revenue": "万元", "electricity_kwh": "万千瓦时", "tax_paid": "万元"}
# the quarterly comparison: 序号, 企业名称, 乡镇, 库别, 累计营收, 序时完成, 本年预计, 占标准线,
# 距标准线, 测算方法 (273 mm)
QUARTER_MM = [9, 50, 20, 20, 24, 16, 24, 16, 24, 70]


@dataclass
class TownshipBlock:
    name: str
    rows: list[MonitorRow]


@dataclass
class MonitorData:
    office: str
    table: MonitorTable
    townships: list[TownshipBlock]
    source: str  # "policy" or "ledger"


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> MonitorData:
    job = as_job(job)
    job.report("汇总月度数据", 0, 2)
    table = facts.monitoring(filters)
    blocks: dict[str, TownshipBlock] = {}
    for r in table.rows:
        blocks.setdefault(r.township_code, TownshipBlock(r.township or r.township_code, [])).rows.append(r)
    job.report("整理分组", 1, 2)
    return MonitorData(sources.office_name(ledger), table, list(blocks.values()), facts.source)


# -- cells ----------------------------------------------------------------------------------------
def _rate(value: float | None) -> str:
    """A growth rate as a percentage without its sign's plus (the header says 同比%); whole
    percents from 100 on, so −100 (a month of nothing) fits its cell."""
    if value is None:
        return ""
    percent = value * 100
    return (f"{percent:.0f}" if abs(percent) >= 99.95 else f"{percent:.1f}").replace("-", "−")


def _amount(key: str, value: int | None, avail: float) -> str:
    if value is None:
        return ""
    # electricity in 万千瓦时 (10,000 kWh) as the statistics tables print it
    shown = format_wan(value)
    if text.width(shown, FONT_SIZE) > avail:  # a large total: whole units
        shown = format_wan(value, 0)
    return shown


def _measure_cells(key: str, m: MeasureLine) -> list[str]:
    avail = [w * mm - PAD for w in MEASURE_MM]
    return [_amount(key, m.month, avail[0]), _rate(m.yoy), _rate(m.mom),
            _amount(key, m.cumulative, avail[3]), _rate(m.cumulative_growth)]


def _header(month: int) -> list[list[str]]:
    span = "1月" if month == 1 else f"1–{month}月\n累计"
    top = ["序号", "企业名称"]
    second = ["", ""]
    for key, name in MEASURES.items():
        top += [f"{name}（{UNITS[key]}）", "", "", "", ""]
        second += ["当月", "同比\n%", "环比\n%", span, "累计\n同比%"]
    return [top + ["提示"], second + [""]]


def _header_style() -> list[tuple]:
    style = [("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (-1, 0), (-1, 1)),
             ("BACKGROUND", (0, 0), (-1, 1), layout.HEADER_BG), ("ALIGN", (0, 0), (-1, 1), "CENTER")]
    for i in range(len(MEASURES)):
        first = 2 + 5 * i
        style.append(("SPAN", (first, 0), (first + 4, 0)))
    return style


def _marks(row: MonitorRow, month: int) -> str:
    marks = [] if row.reported else [f"{month}月未报"]
    if row.months_missing and row.reported:
        marks.append(f"缺{len(row.months_missing)}个月")
    marks += [FLAG_NAMES.get(f.code, f.code) for f in row.flags]
    return "、".join(dict.fromkeys(marks))


def _name_cell(row: MonitorRow) -> str:
    avail = WIDTHS_MM[1] * mm - PAD
    return text.wrap(row.name, avail, FONT_SIZE) + "\n" + text.wrap(row.status_text, avail, FONT_SIZE)


def _total_row(label: str, rows: list[MonitorRow]) -> list[str]:
    cells = ["", f"{label}（{len(rows)}户）"]
    for key in MEASURES:
        cells += _measure_cells(key, total_line([r.measures[key] for r in rows]))
    return cells + [""]


def _township_table(block: TownshipBlock, start: int, month: int, widths: list[float]) -> Table:
    rows = _header(month)
    avail_marks = widths[-1] - PAD
    for n, r in enumerate(block.rows, start):
        cells = [str(n), _name_cell(r)]
        for key in MEASURES:
            cells += _measure_cells(key, r.measures[key])
        rows.append(cells + [text.wrap(_marks(r, month), avail_marks, FONT_SIZE)])
    rows.append(_total_row("小计", block.rows))
    last = len(rows) - 1
    style = layout.grid_style(header_rows=0, size=FONT_SIZE, leading=9.5) + _header_style() + [
        ("ALIGN", (0, 2), (0, -1), "CENTER"), ("ALIGN", (2, 2), (-2, -1), "RIGHT"),
        ("BACKGROUND", (0, last), (-1, last), layout.TOTAL_BG)]
    for r_index, r in enumerate(block.rows, 2):
        for i, key in enumerate(MEASURES):
            m = r.measures[key]
            for offset, value in ((1, m.yoy), (2, m.mom), (4, m.cumulative_growth)):
                if value is not None and value < 0:
                    col = 2 + 5 * i + offset
                    style.append(("TEXTCOLOR", (col, r_index), (col, r_index), layout.ALERT))
        if r.flags or not r.reported:
            style.append(("TEXTCOLOR", (-1, r_index), (-1, r_index), layout.ALERT))
    t = Table(rows, colWidths=widths, repeatRows=2)
    t.setStyle(TableStyle(style))
    return t


def _flag_lines(data: MonitorData, st: layout.Styles) -> list:
    out = []
    for block in data.townships:
        for r in block.rows:
            for f in r.flags:
                out.append(Paragraph(layout.escape(f"{r.name}：{FLAG_NAMES.get(f.code, f.code)}——{f.text}"),
                                     st.small))
    return out


def _quarter_story(data: MonitorData, st: layout.Styles) -> list:
    q = data.table.quarter
    if q is None:
        return []
    counts = "，".join(f"{QUARTER_STATUSES[k]} {v} 户" for k, v in q.counts.items())
    span = "1月" if q.through_month == 1 else f"1–{q.through_month}月"
    story: list = [CondPageBreak(40 * mm), Paragraph(f"二、{q.title}", st.heading),
                   Paragraph(f"标准线：全年营业收入{format_wan_short(q.line)}；序时完成 = {span}累计营业收入 ÷ 序时进度线"
                             f"（标准线 × {q.through_month} ÷ 12 = {format_wan(q.line * q.through_month // 12)}万元）。"
                             f"{counts}。", st.body),
                   Spacer(1, 2 * mm)]
    header = ["序号", "企业名称", "乡镇", "库别", f"{span}累计\n营业收入", "序时\n完成%",
              "本年预计", "占标准\n线%", "距标准线", "本年预计测算方法"]
    widths = [w * mm for w in QUARTER_MM]
    rows = [header]
    style = layout.grid_style(size=FONT_SIZE, leading=9.5) + [("ALIGN", (0, 1), (0, -1), "CENTER"),
                                                              ("ALIGN", (4, 1), (8, -1), "RIGHT")]
    for n, x in enumerate(q.lines, 1):
        status = sources.status_label(x.pool, x.stat_status)
        rows.append([str(n), text.wrap(x.name, widths[1] - PAD, FONT_SIZE), text.wrap(x.township, widths[2] - PAD, FONT_SIZE),
                     text.wrap(status, widths[3] - PAD, FONT_SIZE), format_wan(x.cumulative_revenue),
                     _rate(x.pace_rate), format_wan(x.projected_revenue),
                     _rate(x.share_of_line), "已达线" if x.status == "reached" else format_wan(x.gap),
                     text.wrap(x.projection_text or QUARTER_STATUSES[x.status], widths[9] - PAD, FONT_SIZE)])
        if x.status == "reached":
            style.append(("TEXTCOLOR", (8, n), (8, n), layout.ALERT))
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle(style))
    story += [t, Paragraph("说明：按本年预计由高到低排列；本年预计按同期比例推算（无上年同期数据时按已报月份年化），"
                           "已达线的规下企业应指导其及时申报入统。", st.note)]
    return story


def render(data: MonitorData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    job = as_job(job)
    st = layout.Styles()
    t = data.table
    widths = [w * mm for w in WIDTHS_MM]
    width = sum(widths)
    title = f"{data.office}{t.period_text}企业月度监测表"
    sub = "　".join(x for x in (f"监测范围：{t.watch_text}", t.scope, f"共 {len(t.rows)} 户") if x)
    story: list = [Paragraph(layout.escape(title), st.title), Paragraph(layout.escape(sub), st.subtitle)]
    if t.watch.quote:
        story.append(Paragraph(layout.escape(f"依据：{t.watch.quote}"), st.note))
    story.append(Paragraph("一、月度监测", st.heading))
    if not t.rows:
        story.append(Paragraph("暂无监测企业：没有符合监测范围的企业。", st.body))
    numerals = "一二三四五六七八九十"
    number = 1
    rows_out = 0
    for gi, block in enumerate(data.townships):
        job.check()
        prefix = f"（{numerals[gi]}）" if gi < len(numerals) else f"（{gi + 1}）"
        story += [CondPageBreak(36 * mm),
                  Paragraph(f"{prefix}{layout.escape(block.name)}（{len(block.rows)} 户）", st.small),
                  _township_table(block, number, t.month, widths)]
        number += len(block.rows)
        rows_out += len(block.rows)
    if len(data.townships) > 1:
        total = Table(_header(t.month) + [_total_row("合计", t.rows)], colWidths=widths)
        total.setStyle(TableStyle(layout.grid_style(header_rows=0, size=FONT_SIZE, leading=9.5) + _header_style()
                                  + [("ALIGN", (2, 2), (-2, -1), "RIGHT"),
                                     ("BACKGROUND", (0, 2), (-1, 2), layout.TOTAL_BG)]))
        story += [Spacer(1, 2 * mm), KeepTogether([total])]
    notes = [f"注：{n}。" for n in t.notes] + [
        "同比为当月较上年同月，环比为当月较上月（1月较上年12月）；累计同比按本年已报月份与上年相同月份比较，"
        "上年缺其中任一月时不计算；合计的增速只计两期均有数据的企业；用电量单位为万千瓦时。"]
    if data.source == "ledger":
        notes.append("注：未使用政策规则，提示只含达规未入统和规上预计不足2000万元。")
    story += [Spacer(1, 1 * mm), *[Paragraph(layout.escape(n), st.note) for n in notes]]
    flags = _flag_lines(data, st)
    if flags:
        story += [Paragraph("提示明细", st.small), *flags]
    story += _quarter_story(data, st)
    story += [Spacer(1, 5 * mm), KeepTogether([layout.signature_block(st, width)])]
    info = layout.PageInfo(data.office, f"{t.period_text}企业月度监测表", printed_on, landscape=True)
    return layout.build(path, story, info, job, expected_pages=rows_out // 14 + 2)
