"""一户一册: everything about one enterprise, on portrait A4; a pool prints one section
per enterprise, each starting on a new page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from ..domain.evaluation import Evaluation
from ..domain.industry import describe
from ..domain.money import format_wan
from ..domain.records import (ISSUE_CATEGORIES, ISSUE_STATUSES, POOLS, SOURCES, STAT_STATUSES, VISIT_KINDS)
from . import charts, layout, sources
from .facts import ChecklistItem, PolicyFacts, RewardLine
from .job import Job, as_job

if TYPE_CHECKING:
    from ..storage.ledger import Ledger

METHODS = {"same_period_ratio": "按上年同期比例推算", "annualised": "按已报月份年化", "none": "无本年数据"}


@dataclass
class Dossier:
    enterprise: dict
    township: str
    department: str
    evaluation: Evaluation | None
    years: list[int]
    figures: dict[str, dict]  # period → row
    pool_history: list[dict] = field(default_factory=list)
    visits: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    rewards: list[RewardLine] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)


@dataclass
class DossierData:
    office: str
    as_of: str
    dossiers: list[Dossier]
    reward_note: str


def collect(ledger: Ledger, facts: PolicyFacts, filters: sources.Filters, job: Job | None = None) -> DossierData:
    job = as_job(job)
    enterprises = sources.enterprises(ledger, filters)
    ids = [e["id"] for e in enterprises]
    evaluations = facts.evaluate(ids) if ids else {}
    rewards = facts.rewards(filters.year) if ids else []
    towns, depts = sources.township_names(ledger), sources.department_names(ledger)
    years = [filters.year - 2, filters.year - 1, filters.year]
    out = []
    for i, e in enumerate(enterprises):
        job.report("读取企业资料", i, len(enterprises))
        figures = {r["period"]: r for r in sources.figures_since(ledger, e["id"], f"{years[0]}-01")}
        history = sources.pool_history(ledger, e["id"])
        visits = sources.enterprise_visits(ledger, e["id"])
        issues = sources.enterprise_issues(ledger, e["id"])
        out.append(Dossier(
            enterprise=e, township=towns.get(e["township_code"], e["township_code"]),
            department=depts.get(e["department_id"], ""), evaluation=evaluations.get(e["id"]),
            years=years, figures=figures, pool_history=history, visits=visits, issues=issues,
            rewards=[r for r in rewards if r.enterprise_id == e["id"]],
            checklist=facts.checklist(e["id"])))
    return DossierData(office=sources.office_name(ledger),
                       as_of=sources.period_text(sources.latest_period(ledger, filters.year)),
                       dossiers=out, reward_note=facts.reward_note)


def _p(text, style) -> Paragraph:
    return Paragraph(layout.paragraphs(text or "—"), style)


def _table(rows, widths_mm, styles_extra=(), header_rows=1, repeat=True) -> Table:
    t = Table(rows, colWidths=[w * mm for w in widths_mm], repeatRows=header_rows if repeat else 0)
    t.setStyle(TableStyle(layout.grid_style(header_rows=header_rows) + list(styles_extra)))
    return t


def _basic(d: Dossier, st: layout.Styles, width: float) -> Table:
    e, ev = d.enterprise, d.evaluation
    tags = e.get("tags")
    if tags and tags.startswith("["):
        tags = "、".join(json.loads(tags))
    projected = "—"
    if ev and ev.projected_revenue is not None:
        projected = f"{format_wan(ev.projected_revenue)}万元（{METHODS.get(ev.projection_method, '')}）"
    growth = f"{ev.growth_rate * 100:+.1f}%" if ev and ev.growth_rate is not None else "—"
    suggested = "—"
    if ev and ev.has_suggestion and ev.suggested_pool:
        suggested = POOLS.get(ev.suggested_pool, ev.suggested_pool)
        if ev.suggested_pool_reason:
            suggested += f"：{ev.suggested_pool_reason}"
    pairs = [
        ("企业名称", e["name"]), ("统一社会信用代码", e["credit_code"]),
        ("所属乡镇", d.township), ("行业", describe(e["industry_code"] or "")),
        ("统计状态", STAT_STATUSES.get(e["stat_status"], e["stat_status"])),
        ("当前库别", POOLS.get(e["pool"], e["pool"])),
        ("建议库别", suggested), ("来源", SOURCES.get(e.get("source") or "", e.get("source") or "—")),
        ("责任单位", d.department), ("包联干部", e.get("liaison_cadre")),
        ("法定代表人", e.get("legal_person")), ("联系人", e.get("contact_person")),
        ("联系电话", e.get("contact_phone")), ("成立日期", e.get("established_date")),
        ("入统日期", e.get("entered_stats_date")), ("退规日期", e.get("exited_stats_date")),
        ("上年主营业务收入", f"{format_wan(ev.prior_year_revenue)}万元（{ev.prior_year_source_text}）"
         if ev and ev.prior_year_revenue is not None else "—"),
        ("本年预计", projected), ("同比", growth), ("资质标签", tags),
        ("地址", e.get("address")), ("备注", e.get("note")),
    ]
    return layout.key_value_table(pairs, width, columns=2, styles=st)


def _figures(d: Dossier) -> Table:
    fields = (("revenue", "营收"), ("output_value", "产值"), ("tax_paid", "税收"))
    head1 = ["月份"]
    head2 = [""]
    for y in d.years:
        head1 += [f"{y}年", "", "", ""]
        head2 += [name for _k, name in fields] + ["用电\n万kWh"]
    rows = [head1, head2]
    totals = {y: {k: None for k, _n in fields} | {"electricity_kwh": None} for y in d.years}
    for month in range(1, 13):
        row = [f"{month}月"]
        for y in d.years:
            f = d.figures.get(f"{y}-{month:02d}")
            for key in [k for k, _n in fields] + ["electricity_kwh"]:
                value = f.get(key) if f else None
                if value is not None:
                    totals[y][key] = (totals[y][key] or 0) + value
                row.append(format_wan(value, 1) if value is not None else "")
        rows.append(row)
    total = ["合计"]
    for y in d.years:
        for key in [k for k, _n in fields] + ["electricity_kwh"]:
            value = totals[y][key]
            total.append(format_wan(value, 1) if value is not None else "")
    rows.append(total)
    style = [("SPAN", (0, 0), (0, 1)), ("BACKGROUND", (0, 0), (-1, 1), layout.HEADER_BG),
             ("ALIGN", (0, 0), (-1, 1), "CENTER"), ("ALIGN", (1, 2), (-1, -1), "RIGHT"),
             ("FONTSIZE", (0, 0), (-1, -1), 7.5), ("BACKGROUND", (0, -1), (-1, -1), layout.TOTAL_BG),
             ("LEFTPADDING", (0, 0), (-1, -1), 1.5), ("RIGHTPADDING", (0, 0), (-1, -1), 1.5)]
    for i in range(len(d.years)):
        c = 1 + 4 * i
        style += [("SPAN", (c, 0), (c + 3, 0)), ("LINEBEFORE", (c, 0), (c, -1), 1.0, layout.GRID)]
    return _table(rows, [12] + [14] * 12, style, header_rows=2)


def _section(title: str, st: layout.Styles) -> Paragraph:
    return Paragraph(title, st.heading)


def _monthly(d: Dossier, st: layout.Styles, width: float) -> list:
    """Section 二: the figures table and the cumulative chart, or a sentence for what is
    missing (a newly registered enterprise has no month yet)."""
    years = f"{d.years[0]}–{d.years[-1]}年"
    if not d.figures:
        return [_section(f"二、近三年月度数据（{years}）", st),
                Paragraph(f"暂无月度数据：{years}尚未录入本企业的月度数据。", st.body)]
    out = [_section(f"二、近三年月度数据（{years}，单位：万元）", st), _figures(d), Spacer(1, 3 * mm)]
    chart_years = {y: [(d.figures.get(f"{y}-{m:02d}") or {}).get("revenue") for m in range(1, 13)]
                   for y in d.years}
    if charts.has_points(chart_years):
        out.append(KeepTogether([Paragraph("主营业务收入逐月累计与规上标准（2000万元）", st.small),
                                 charts.cumulative_revenue(chart_years, width=width, height=185)]))
    else:
        out.append(Paragraph("暂无主营业务收入数据，未绘制逐月累计图。", st.body))
    return out


def _one(d: Dossier, st: layout.Styles, width: float, reward_note: str) -> list:
    e = d.enterprise
    story = [Paragraph(f"一户一册　{layout.escape(e['name'])}", st.title),
             Paragraph(f"{e['credit_code']}　{d.township}", st.subtitle),
             _section("一、基本情况", st), _basic(d, st, width)]
    if d.evaluation and d.evaluation.flags:
        story.append(Spacer(1, 1.5 * mm))
        story += [Paragraph("<font color='#B00020'>■</font> " + layout.escape(f.text), st.small)
                  for f in d.evaluation.flags]
    story += _monthly(d, st, width)
    story.append(_section("三、入库及调库记录", st))
    if d.pool_history:
        rows = [["日期", "原库别", "调入库别", "理由", "决定人"]] + [
            [h["moved_on"], POOLS.get(h["from_pool"], h["from_pool"]), POOLS.get(h["to_pool"], h["to_pool"]),
             _p(h["reason"], st.cell), _p(h["decided_by"], st.cell)] for h in d.pool_history]
        story.append(_table(rows, [22, 24, 24, 92, 24]))
    else:
        story.append(Paragraph("暂无调库记录。", st.body))
    story.append(_section("四、走访记录", st))
    if d.visits:
        rows = [["日期", "方式", "走访人员", "走访情况", "企业诉求"]] + [
            [v["visit_date"], VISIT_KINDS.get(v["kind"], v["kind"]), _p(v["visitors"], st.cell),
             _p(v["summary"], st.cell), _p(v["demands"], st.cell)] for v in d.visits]
        story.append(_table(rows, [20, 16, 28, 66, 56]))
    else:
        story.append(Paragraph("暂无走访记录。", st.body))
    story.append(_section("五、问题诉求及办理情况", st))
    if d.issues:
        rows = [["提出日期", "类别", "问题", "责任单位", "时限", "状态", "办理结果"]] + [
            [i["raised_date"] or "", ISSUE_CATEGORIES.get(i["category"], i["category"]),
             _p(i["description"], st.cell), _p(i["department"], st.cell), i["deadline"] or "",
             ISSUE_STATUSES.get(i["status"], i["status"]), _p(i["resolution"], st.cell)]
            for i in d.issues]
        story.append(_table(rows, [19, 11, 52, 18, 19, 14, 53]))
    else:
        story.append(Paragraph("暂无问题诉求。", st.body))
    story.append(_section("六、应享奖补", st))
    if d.rewards:
        rows = [["奖补项目", "金额（万元）", "依据及说明"]] + [
            [_p(r.item, st.cell), format_wan(r.amount) if r.amount is not None else (r.amount_text or "—"),
             _p(r.note, st.cell)] for r in d.rewards]
        story.append(_table(rows, [60, 26, 100], [("ALIGN", (1, 1), (1, -1), "RIGHT")]))
    else:
        story.append(Paragraph(layout.escape(reward_note), st.body))
    rows = [["序号", "入规申报材料", "状态", "备注"]] + [
        [str(n), c.item, "√ 已备" if c.done else ("× 未备" if c.done is False else "□"), _p(c.note, st.cell) if c.note else ""]
        for n, c in enumerate(d.checklist, 1)]
    story.append(KeepTogether([_section("七、入规申报材料清单", st),
                               _table(rows, [12, 92, 22, 60], [("ALIGN", (0, 1), (0, -1), "CENTER"),
                                                              ("ALIGN", (2, 1), (2, -1), "CENTER")])]))
    story.append(Spacer(1, 6 * mm))
    story.append(layout.signature_block(st, width, labels=("填报人", "包联干部", "审核人")))
    return story


def render(data: DossierData, path: str | Path, printed_on, job: Job | None = None) -> Path:
    job = as_job(job)
    st = layout.Styles()
    width = 186 * mm
    story: list = []
    for i, d in enumerate(data.dossiers):
        job.report("排版企业资料", i, len(data.dossiers))
        if story:
            story.append(PageBreak())
        story += _one(d, st, width, data.reward_note)
    if not story:
        story = [Paragraph("一户一册", st.title), Paragraph("暂无企业：没有符合条件的企业。", st.body)]
    info = layout.PageInfo(office=data.office, title="企业培育一户一册", printed_on=printed_on)
    return layout.build(path, story, info, job, expected_pages=3 * max(len(data.dossiers), 1))
