"""Targets (目标任务) by township and by department, with a bar chart, and the pool funnel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..domain.policy_results import KindLine, KindTargets
from ..domain.records import POOLS
from . import charts, layout, sources
from .facts import NOT_SET, PolicyFacts, TargetLine, TargetProgress, target_total
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

FUNNEL = ("base", "reserve", "cultivation", "entry")
NUMERALS = "一二三四五六七八九十"
# how completion is worked out, for each kind of target
RULES = {"new": "新增目标：完成率 = 新增入规 ÷ 目标（不扣退规）",
         "cumulative": "累计新增目标：完成率 = 期间累计新增入规 ÷ 目标",
         "stock": "规上企业总数目标：完成率 = 年底规上企业数 ÷ 目标"}


@dataclass
class TargetsData:
    office: str
    year: int
    progress: TargetProgress
    pools: dict[str, int]
    above_scale: int
    source: str
    scope: str = ""  # the filters in words; "" for the whole ledger


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> TargetsData:
    job = as_job(job)
    job.report("统计目标完成情况", 0, 2)
    progress = facts.target_progress(filters.year)
    if filters.township_code:
        progress.townships = [t for t in progress.townships if t.key == filters.township_code]
        for k in progress.others:
            k.townships = [t for t in k.townships if t.key == filters.township_code]
    if filters.department_id:
        progress.departments = [d for d in progress.departments if d.key == filters.department_id]
        for k in progress.others:
            k.departments = [d for d in k.departments if d.key == filters.department_id]
    pools = sources.pool_counts(ledger, filters)
    above = sources.above_scale_count(ledger, filters)
    job.report("统计库别", 1, 2)
    return TargetsData(sources.office_name(ledger), filters.year, progress, pools, above, facts.source,
                       sources.scope_text(ledger, filters))


def _pct(value: float | None) -> str:
    return NOT_SET if value is None else f"{value * 100:.0f}%"


def _target(value: int | None) -> str:
    return NOT_SET if value is None else str(value)


def _table(title: str, lines: list[TargetLine], st: layout.Styles) -> Table:
    rows = [[title, "目标（净增）", "新增入规", "退规", "净增", "完成率"]]
    for x in lines:
        rows.append([x.name if x.registered else f"{x.name}（未登记）", _target(x.target), str(x.entries), str(x.exits),
                     f"{x.net:+d}" if x.net else "0", _pct(x.completion)])
    target = target_total(lines)
    entries, exits = sum(x.entries for x in lines), sum(x.exits for x in lines)
    rows.append(["合计", _target(target), str(entries), str(exits), f"{entries - exits:+d}" if entries - exits else "0",
                 _pct((entries - exits) / target if target else None)])
    style = layout.grid_style() + [("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                                   ("BACKGROUND", (0, -1), (-1, -1), layout.TOTAL_BG)]
    for r, x in enumerate(lines, 1):
        if x.completion is not None and x.completion < 1:
            style.append(("TEXTCOLOR", (5, r), (5, r), layout.ALERT))
    t = Table(rows, colWidths=[46 * mm] + [28 * mm] * 5, repeatRows=1)
    t.setStyle(TableStyle(style))
    return t


def _kind_table(k: KindTargets, st: layout.Styles) -> Table:
    """One target of another kind: the county, then the townships and departments with a
    target or something achieved (a higher level's target has only its own line)."""
    rows = [["单位", f"目标（{k.kind_name}）", k.achieved_label, "完成率"]]
    lines: list[tuple[str, KindLine]] = [("", k.county)]
    lines += [("乡镇 · ", t) for t in k.townships if t.target is not None or t.achieved or not t.registered]
    lines += [("部门 · ", d) for d in k.departments]
    for prefix, x in lines:
        name = x.name if x.registered else f"{x.name}（未登记）"
        rate = _pct(x.completion_rate) if x.counted else "由上级统计"
        rows.append([prefix + name, _target(x.target), str(x.achieved), rate])
    style = layout.grid_style() + [("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                                   ("BACKGROUND", (0, 1), (-1, 1), layout.TOTAL_BG)]
    for r, (_prefix, x) in enumerate(lines, 1):
        if x.completion_rate is not None and x.completion_rate < 1:
            style.append(("TEXTCOLOR", (3, r), (3, r), layout.ALERT))
    t = Table(rows, colWidths=[62 * mm, 38 * mm, 50 * mm, 36 * mm], repeatRows=1)
    t.setStyle(TableStyle(style))
    return t


def _kind_section(number: str, k: KindTargets, st: layout.Styles) -> list:
    out: list = [Paragraph(f"{number}、{k.title}目标完成情况", st.heading), _kind_table(k, st)]
    notes = [x for x in (k.note, f"原文：“{k.quote}”" if k.quote else "") if x]
    if any(not x.registered for x in (*k.townships, *k.departments)):
        notes.append("标“未登记”的尚未加入本台账，其目标按政策配置分解列示，加入后自动计入。")
    out += [Paragraph("注：" + "；".join(notes), st.note)] if notes else []
    return out


def _unregistered_note(lines: list[TargetLine], st: layout.Styles) -> list:
    """A note under a table that lists townships (units) not in the ledger yet."""
    if all(x.registered for x in lines):
        return []
    return [Paragraph("注：标“未登记”的尚未加入本台账，其目标按政策配置分解列示，加入后自动计入。", st.note)]


def _chart(title: str, lines: list[TargetLine], width: float, st: layout.Styles):
    """The bars of target and net increase, or a sentence when every one of them is 0."""
    categories = [x.name for x in lines]
    series = [("目标（净增）", [x.target or 0 for x in lines]), ("实际净增", [x.net for x in lines])]
    if not charts.has_bars(categories, series):
        return Paragraph("暂无目标和入规、退规数据，未绘制柱状图。", st.body)
    return KeepTogether([Paragraph(title, st.small),
                         charts.grouped_bars(categories, series, width=width, height=190)])


def render(data: TargetsData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    st = layout.Styles()
    width = 186 * mm
    p = data.progress
    rules = ["净增 = 新增入规 − 退规；完成率 = 净增 ÷ 目标"]
    rules += list(dict.fromkeys(RULES[k.kind] for k in p.others if k.kind in RULES))
    story = [Paragraph(f"{data.office}{data.year}年小升规目标任务完成情况", st.title),
             *(Paragraph(rule, st.subtitle) for rule in rules)]
    if p.county_target is not None:
        story.append(Paragraph(f"全县目标：净增 {p.county_target} 户。", st.body))
    story += [Paragraph("一、分乡镇完成情况", st.heading)]
    if p.townships:
        story += [_table("乡镇", p.townships, st), *_unregistered_note(p.townships, st), Spacer(1, 3 * mm),
                  _chart("分乡镇目标与实际净增（户）", p.townships, width, st)]
    else:
        story.append(Paragraph("本年度未下达乡镇目标。", st.body))
    story += [Paragraph("二、分责任单位完成情况", st.heading)]
    if p.departments:
        story += [_table("责任单位", p.departments, st), *_unregistered_note(p.departments, st),
                  Spacer(1, 3 * mm),
                  _chart("分责任单位目标与实际净增（户）", p.departments, width, st)]
    else:
        story.append(Paragraph("本年度未下达部门目标。", st.body))
    for n, k in enumerate(p.others, start=3):
        story += _kind_section(NUMERALS[n - 1] if n <= len(NUMERALS) else str(n), k, st)
    funnel_number = len(p.others) + 3
    stages = [(POOLS[k], data.pools.get(k, 0)) for k in FUNNEL]
    stages.append((f"{data.year}年新增入规", sum(x.entries for x in p.townships)))
    rows = [["库别", "企业数（户）"]] + [[name, str(n)] for name, n in stages[:-1]] + [
        [POOLS["exit_risk"], str(data.pools.get("exit_risk", 0))], ["规上企业", str(data.above_scale)]]
    t = Table(rows, colWidths=[40 * mm, 30 * mm], hAlign="LEFT")
    t.setStyle(TableStyle(layout.grid_style() + [("ALIGN", (1, 1), (1, -1), "RIGHT")]))
    if not sum(data.pools.values()):
        funnel = Paragraph(sources.no_enterprises(data.scope), st.body)
    elif not any(n for _name, n in stages):
        funnel = Paragraph("暂无入库企业，未绘制漏斗图。", st.body)
    else:
        funnel = charts.funnel(stages, width=width, height=170)
    heading = NUMERALS[funnel_number - 1] if funnel_number <= len(NUMERALS) else str(funnel_number)
    story += [KeepTogether([Paragraph(f"{heading}、培育梯队（库别漏斗）", st.heading), t, Spacer(1, 3 * mm),
                            funnel])]
    if data.source == "ledger":
        story.append(Paragraph("注：新增入规、退规按企业的入统日期、退规日期统计。", st.note))
    story += [Spacer(1, 6 * mm), layout.signature_block(st, width)]
    info = layout.PageInfo(data.office, f"{data.year}年小升规目标任务完成情况", printed_on)
    return layout.build(path, story, info, job, expected_pages=3)
