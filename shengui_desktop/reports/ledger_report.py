"""The 台账: one row per enterprise, grouped by township or pool with subtotals, on
landscape A4 with the header repeated on every page, ready to sign."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..domain.annual import ANNUAL
from ..domain.evaluation import FLAG_NAMES
from ..domain.industry import DIVISIONS, division_of
from ..domain.money import format_wan
from ..domain.records import POOLS
from . import layout, sources, text
from .facts import PolicyFacts
from .fonts import FONT
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

HEADER = ["序号", "企业名称", "统一社会信用代码", "乡镇", "行业", "库别", "上年主营\n业务收入",
          "本年预计", "同比", "标记", "包联干部/\n责任单位", "最近走访"]
WIDTHS_MM = [9, 48, 35, 17, 27, 16, 19, 19, 13, 27, 25, 18]  # 273 mm: landscape A4 less margins
FONT_SIZE = 8
PAD = 5  # left + right cell padding, points
POOL_ORDER = ["entry", "cultivation", "reserve", "base", "exit_risk", "none"]
ANNUAL_MARK = "*"  # after a prior-year revenue that is the year's annual figure (年报)


@dataclass
class LedgerLine:
    name: str
    credit_code: str
    township: str
    industry: str
    status: str
    prior: int | None
    projected: int | None
    growth: float | None
    flags: str
    liaison: str
    last_visit: str | None
    group_key: str = ""
    prior_annual: bool = False  # prior is the year's annual figure (年报), not its months


@dataclass
class Group:
    title: str
    lines: list[LedgerLine] = field(default_factory=list)


@dataclass
class LedgerData:
    office: str
    year: int
    as_of: str  # 数据截至…
    scope: str
    group_by: str
    groups: list[Group]


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> LedgerData:
    job = as_job(job)
    where = filters.where()[0]
    rows = sources.ledger_lines(ledger, filters)
    job.report("读取台账", 0, 3)
    evaluations = facts.evaluate([r["id"] for r in rows] if filters.enterprise_ids or where != "1 = 1" else None)
    job.report("计算预计数", 1, 3)
    towns = sources.township_names(ledger)
    depts = sources.department_names(ledger)
    groups: dict[str, Group] = {}
    if filters.group_by == "pool":
        for pool in POOL_ORDER:
            groups[pool] = Group(POOLS[pool] if pool != "none" else "未入库（含规上）")
    else:
        for code in sorted(towns):
            groups[code] = Group(towns[code])
    for r in rows:
        ev = evaluations.get(r["id"])
        flags = []
        if ev:
            flags = [FLAG_NAMES.get(f.code, f.code) for f in ev.flags]
            if ev.suggested_pool and ev.suggested_pool != r["pool"] and ev.suggested_pool in POOLS:
                flags.append(f"建议{POOLS[ev.suggested_pool]}")
        division = DIVISIONS.get(division_of(r["industry_code"] or "") or "")
        key = r["pool"] if filters.group_by == "pool" else r["township_code"]
        line = LedgerLine(
            name=r["name"], credit_code=r["credit_code"],
            township=towns.get(r["township_code"], r["township_code"]),
            industry=division[1] if division else (r["industry_code"] or ""),
            status=sources.status_label(r["pool"], r["stat_status"]),
            prior=ev.prior_year_revenue if ev else None,
            prior_annual=bool(ev and ev.prior_year_source == ANNUAL),
            projected=ev.projected_revenue if ev else None,
            growth=ev.growth_rate if ev else None, flags="、".join(flags),
            liaison="/".join(x for x in (r["liaison_cadre"], depts.get(r["department_id"])) if x),
            last_visit=r["last_visit"], group_key=key)
        groups.setdefault(key, Group(key)).lines.append(line)
    for g in groups.values():
        # nearest the threshold first within a group: what a leader reads for
        g.lines.sort(key=lambda x: (x.projected is None, -(x.projected or 0), x.name))
    job.report("整理分组", 2, 3)
    year_as_of = sources.latest_period(ledger, filters.year)
    return LedgerData(office=sources.office_name(ledger), year=filters.year,
                      as_of=sources.period_text(year_as_of), scope=sources.scope_text(ledger, filters),
                      group_by=filters.group_by,
                      groups=[g for g in groups.values() if g.lines])


def _growth(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%".replace("-", "−")


def _sum(values) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _amount(yuan: int | None, avail: float) -> str:
    """万元 with two decimals, or whole 万元 when a large total would not fit its cell."""
    shown = format_wan(yuan)
    return shown if text.width(shown, FONT_SIZE) <= avail else format_wan(yuan, 0)


def _subtotal(label: str, lines: list[LedgerLine]) -> list[str]:
    prior = _sum(x.prior for x in lines)
    projected = _sum(x.projected for x in lines)
    # growth over enterprises with both figures, so a newcomer does not inflate it
    both = [x for x in lines if x.prior and x.projected is not None]
    growth = (sum(x.projected for x in both) / sum(x.prior for x in both) - 1) if both else None
    avail = WIDTHS_MM[6] * mm - PAD
    return ["", f"{label}　共 {len(lines)} 户", "", "", "", "", _amount(prior, avail),
            _amount(projected, avail), _growth(growth), "", "", ""]


@dataclass
class Block:
    """One group's table (header, rows, subtotal) with its heading above it."""

    heading: str
    rows: list[list[str]]
    style: list[tuple]


def blocks(data: LedgerData) -> list[Block]:
    """One table per group, then the grand total (a last block without heading).

    Separate tables rather than one with spanning group rows: reportlab recomputes spans
    over the whole remainder at every page break, which made a 1,000-row ledger 4x slower
    than a bare table. Each group starts with the column header, which also repeats on
    every page the group continues on.
    """
    avail = [w * mm - PAD for w in WIDTHS_MM]
    out: list[Block] = []
    number = 0
    numerals = "一二三四五六七八九十"
    all_lines = []
    for gi, group in enumerate(data.groups):
        prefix = numerals[gi] if gi < len(numerals) else str(gi + 1)
        rows: list[list[str]] = [HEADER]
        for x in group.lines:
            number += 1
            rows.append([
                str(number), text.wrap(x.name, avail[1], FONT_SIZE), x.credit_code,
                text.wrap(x.township, avail[3], FONT_SIZE), text.wrap(x.industry, avail[4], FONT_SIZE),
                text.wrap(x.status, avail[5], FONT_SIZE), prior_text(x), format_wan(x.projected),
                _growth(x.growth), text.wrap(x.flags, avail[9], FONT_SIZE),
                text.wrap(x.liaison, avail[10], FONT_SIZE), x.last_visit or "未走访"])
        all_lines += group.lines
        rows.append(_subtotal(f"{group.title}小计", group.lines))
        r = len(rows) - 1
        out.append(Block(f"{prefix}、{group.title}（{len(group.lines)} 户）", rows, [
            ("SPAN", (1, r), (5, r)), ("BACKGROUND", (0, r), (-1, r), layout.TOTAL_BG),
            ("ALIGN", (1, r), (5, r), "RIGHT")]))
    out.append(Block("", [_subtotal("合计", all_lines)], [
        ("SPAN", (1, 0), (5, 0)), ("BACKGROUND", (0, 0), (-1, 0), layout.TOTAL_BG),
        ("ALIGN", (1, 0), (5, 0), "RIGHT")]))
    return out


def prior_text(line: LedgerLine) -> str:
    """上年主营业务收入 as printed: an annual figure (年报) marked with ANNUAL_MARK."""
    shown = format_wan(line.prior)
    return shown + ANNUAL_MARK if line.prior_annual and line.prior is not None else shown


def table_rows(data: LedgerData) -> list[list[str]]:
    """Every cell the report prints, as one list of rows (for the benchmark's bare table)."""
    return [row for block in blocks(data) for row in block.rows]


def render(data: LedgerData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    job = as_job(job)
    styles = layout.Styles()
    heading = layout.paragraph_style("group", 10, 14, spaceBefore=2 * mm, spaceAfter=1 * mm)
    base = layout.grid_style(size=FONT_SIZE) + [
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (6, 1), (8, -1), "RIGHT"),
        ("ALIGN", (11, 1), (11, -1), "CENTER"),
    ]
    widths = [w * mm for w in WIDTHS_MM]
    width = sum(widths)
    title = f"{data.office}小升规企业培育台账"
    grouped = "按乡镇分组" if data.group_by == "township" else "按库别分组"
    sub = f"{data.year}年度　数据截至{data.as_of}　{grouped}" + (f"　{data.scope}" if data.scope else "")
    head = Table([[sub_left(data), "单位：万元"]], colWidths=[width / 2, width / 2])
    head.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 9), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [Paragraph(title, styles.title), Paragraph(sub, styles.subtitle), head]
    if not data.groups:  # a new ledger, or filters nobody matches: no table of empty rows
        story += [Spacer(1, 3 * mm), Paragraph(sources.no_enterprises(data.scope), styles.body), Spacer(1, 6 * mm),
                  layout.signature_block(styles, width)]
        info = layout.PageInfo(office=data.office, title="小升规企业培育台账", printed_on=printed_on,
                               landscape=True)
        return layout.build(path, story, info, job)
    parts = blocks(data)
    rows = 0
    for block in parts:
        job.check()
        if block.heading:
            # a heading never ends a page: it needs room for itself, the header and a few rows
            story.append(CondPageBreak(32 * mm))
            story.append(Paragraph(block.heading, heading))
            table = Table(block.rows, colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle(base + block.style))
        else:  # the grand total, ruled off from the last group, kept with the signatures
            # with the column header again: the total may land alone on the last page
            total = Table([HEADER] + block.rows, colWidths=widths)
            total.setStyle(TableStyle(base + [("BOX", (0, 1), (-1, 1), 1.2, layout.GRID),
                                              ("SPAN", (1, 1), (5, 1)),
                                              ("BACKGROUND", (0, 1), (-1, 1), layout.TOTAL_BG),
                                              ("ALIGN", (1, 1), (5, 1), "RIGHT")]))
            rows += 1
            continue
        story.append(table)
        rows += len(block.rows)
    notes = Paragraph(
        f"说明：上年主营业务收入为上年各月合计，上年12个月月报不全而有年报数的取年报数（标“{ANNUAL_MARK}”，"
        "即统计局、税务局等年度名单所列）；本年预计按同期比例推算（无上年同期数据时按已报月份年化）；"
        "同比为本年预计较上年；组内按本年预计由高到低排列；标记和建议库别由政策规则给出，"
        "调整库别须经审定并记录理由。", styles.note)
    story.append(KeepTogether([Spacer(1, 2 * mm), total, Spacer(1, 2 * mm), notes, Spacer(1, 4 * mm),
                               layout.signature_block(styles, width)]))
    info = layout.PageInfo(office=data.office, title="小升规企业培育台账", printed_on=printed_on,
                           landscape=True)
    return layout.build(path, story, info, job, expected_pages=rows // 26 + 1)


def sub_left(data: LedgerData) -> str:
    count = sum(len(g.lines) for g in data.groups)
    return f"共 {count} 户企业"
