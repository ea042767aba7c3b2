"""Exporting tables to .xlsx (the export of services.excel): Chinese headers, 万元 numbers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ...domain import industry
from ...domain.records import POOLS, SOURCES, STAT_STATUSES
from ...errors import UserError
from ...spreadsheets.columns import MONEY_FIELDS
from ...progress import Cancel, ImportCancelled, Job, Progress
from ...storage import audit
from ..ledger.figures import YearRevenue, year_revenues
from ..office.site import this_site
from .activity_export import IssueFilter, write_issues, write_visits

if TYPE_CHECKING:
    from ...storage.ledger import Ledger


# ------------------------------------------------------------------------------------
EXPORT_TITLES = {"enterprises": "企业名单", "figures": "企业月度数据", "visits": "走访记录",
                 "issues": "问题台账", "pools": "企业库别", "targets": "目标任务完成情况",
                 "rewards": "奖补测算", "annual": "企业年度数据", "monitor": "企业月度监测表",
                 "projects": "重点项目清单"}
# the exports that read one year (`year`: targets, rewards, the projects' revenue) or one
# month (`period`: the monitoring table) of export_table's parameters; the others take neither
EXPORT_TAKES = {"targets": "year", "rewards": "year", "projects": "year", "monitor": "period"}
_FIGURE_HEADERS = {"revenue": "主营业务收入（万元）", "output_value": "工业总产值（万元）",
                   "tax_paid": "税收（万元）", "electricity_kwh": "用电量（千瓦时）",
                   "employees": "从业人员（人）"}


def export_enterprises(ledger: Ledger, out: Path | str, *, enterprise_ids: list[str] | None = None,
                       with_figures: bool = False, progress: Progress | None = None,
                       cancel: Cancel = None) -> dict:
    """The enterprise list (only `enterprise_ids`, in that order, when given), with their
    monthly figures on a second sheet when `with_figures`: the window's "export selection"."""
    return export_table(ledger, "enterprises", out, enterprise_ids=enterprise_ids,
                        with_figures=with_figures, progress=progress, cancel=cancel)


def export_table(ledger: Ledger, what: str, out: Path | str, *, year: int | None = None,
                 today: date | None = None, enterprise_ids: list[str] | None = None,
                 with_figures: bool = False, progress: Progress | None = None,
                 cancel: Cancel = None, period: str | None = None,
                 filters: IssueFilter | None = None,
                 monitor_filters: dict[str, str] | None = None) -> dict:
    """Write one export; returns {"path", "title", "rows", "notes"}.

    `enterprise_ids` limits an enterprise, figure, visit or issue export to those
    enterprises. The monthly figures are an export of their own ("figures"); the
    enterprise list carries them on a second sheet only `with_figures` (a county's
    10,000-row monthly sheet printed along with every list). `period` ('YYYY-MM') is the
    month of the monitoring table (default: the latest month with figures);
    `monitor_filters` narrows it as services.policy.monitoring.monitoring_table's township,
    pool, department and flag do (the window's 月度监测 page exports what it shows).
    `filters`: the issues' (department, status, overdue), as the 问题台账 page sets them."""
    from ...spreadsheets.writer import TableBook

    if what not in EXPORT_TITLES:
        raise UserError(f"不支持导出“{what}”，可选：{'、'.join(EXPORT_TITLES)}")
    if filters is not None and what != "issues":
        raise UserError("责任单位、办理状态和逾期只用于筛选问题台账（issues）")
    if monitor_filters and what != "monitor":
        raise UserError("乡镇、库别、责任单位和提示的筛选只用于企业月度监测表（monitor）")
    if with_figures and what != "enterprises":
        raise UserError("只有企业名单可以附带月度数据（月度数据可单独导出：figures）")
    today = today or date.today()
    year = year or today.year
    # (a cancelled export has always said what a cancelled import says: the window, the
    # only place that cancels one, does not show it)
    job = Job(progress, cancel, error=ImportCancelled)
    site = this_site(ledger)
    office = site["name"] if site else ""
    # rows streamed (constant memory); every few hundred rows, and every megabyte of the
    # compressed file, the cancel is checked and the progress told (a province's export
    # writes 3.7 million rows for minutes: a cancel stops it within a fraction of a second)
    book = TableBook(office, today, beside=Path(out), watch=job.report)
    try:
        return _write(ledger, what, book, Path(out), job, year=year, today=today,
                      enterprise_ids=enterprise_ids, with_figures=with_figures, period=period,
                      filters=filters, monitor_filters=monitor_filters)
    finally:
        book.discard()


def _write(ledger: Ledger, what: str, book, out: Path, job: Job, *, year: int, today: date,
           enterprise_ids: list[str] | None, with_figures: bool, period: str | None,
           filters: IssueFilter | None, monitor_filters: dict[str, str] | None) -> dict:
    job.tell("读取台账", 0, 1)
    notes: list[str] = []
    selection = _Selection(enterprise_ids)
    extra = {"with_figures": with_figures} if what == "enterprises" else \
        {"period": period, "filters": monitor_filters} if what == "monitor" else \
        {"filters": filters} if what == "issues" else {}
    rows = globals()[f"_export_{what}"](ledger, book, year=year, today=today, notes=notes,
                                        check_cancel=job.check, selection=selection, **extra)
    job.tell("写入文件", 0, 1)
    job.check()
    path = book.save(Path(out))
    ledger.audit(audit.EXPORT_SHEET, EXPORT_TITLES[what], f"{Path(path).name}，{rows}行")
    job.tell("写入文件", 1, 1)
    return {"path": str(path), "title": EXPORT_TITLES[what], "rows": rows, "notes": notes}


class _Selection:
    """Which enterprises an export covers (all when ids is None), and their order."""

    def __init__(self, ids: list[str] | None):
        self.ids = ids
        self.order = None if ids is None else {e: i for i, e in enumerate(ids)}

    def filter(self, rows: list[dict], key: str = "id", keep_order: bool = False) -> list[dict]:
        if self.order is None:
            return rows
        kept = [r for r in rows if r[key] in self.order]
        if keep_order:
            kept.sort(key=lambda r: self.order[r[key]])
        return kept


# The export's statements (tests/test_export_progress.py checks their plans): the list in the
# ledger page's order through enterprises_ledger_order (only the credit code sorted within a
# township's names), a selection through the primary key, each enterprise's months through
# its (enterprise, period) index: no statement sorts the ledger's months or reads one
# enterprise's rows more than once.
ENTERPRISES_SQL = "SELECT e.* FROM enterprises e ORDER BY e.township_code, e.name, e.credit_code"
SELECTED_ENTERPRISES_SQL = ("SELECT e.* FROM json_each(?) j CROSS JOIN enterprises e ON e.id = j.value"
                            " GROUP BY e.id ORDER BY max(j.key)")
MONTHS_SQL = ("SELECT period, revenue, output_value, tax_paid, electricity_kwh, employees"
              " FROM monthly_figures WHERE enterprise_id = ? ORDER BY period")


def _enterprise_count(ledger: Ledger, selection: _Selection) -> int:
    if selection.ids is None:
        return ledger.scalar("SELECT count(*) FROM enterprises")
    return ledger.scalar("SELECT count(*) FROM enterprises WHERE id IN (SELECT value FROM json_each(?))",
                         (json.dumps(selection.ids),))


def _month_count(ledger: Ledger, selection: _Selection) -> int:
    """The monthly rows the export will write (the progress's total): counted on the
    enterprise index, a selection's through its enterprises' entries."""
    if selection.ids is None:
        return ledger.scalar("SELECT count(*) FROM monthly_figures")
    return ledger.scalar("SELECT count(*) FROM monthly_figures WHERE enterprise_id IN"
                         " (SELECT value FROM json_each(?))", (json.dumps(selection.ids),))


def _enterprise_rows(ledger: Ledger, selection: _Selection) -> Iterator[dict]:
    """The enterprises of the list as dicts, one at a time: all by township, name and credit
    code, or those selected in the selection's order (chosen in SQL)."""
    if selection.ids is None:
        cursor = ledger.conn.execute(ENTERPRISES_SQL)
    else:  # an id given twice counts where it was given last
        cursor = ledger.conn.execute(SELECTED_ENTERPRISES_SQL, (json.dumps(selection.ids),))
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row))


def _figure_rows(ledger: Ledger, selection: _Selection) -> Iterator[list]:
    """Each enterprise's months (of the selected ones, if a selection is given), by township,
    name and credit code, month after month: the enterprises in that order, then each one's
    months through its (enterprise, period) index. One join ordered the same way sorted all
    3.6 million months of a province in a temporary B-tree first."""
    where, params = ("", ()) if selection.ids is None else (
        " WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(selection.ids),))
    order = ledger.conn.execute(f"SELECT id, credit_code, name FROM enterprises{where}"
                                " ORDER BY township_code, name, credit_code", params).fetchall()
    execute = ledger.conn.execute
    for enterprise_id, code, name in order:
        for row in execute(MONTHS_SQL, (enterprise_id,)):
            yield [code, name, *row]


def _labels(ledger: Ledger) -> tuple[dict, dict]:
    townships = {r["code"]: r["name"] for r in ledger.rows("SELECT code, name FROM townships")}
    departments = {r["id"]: r["name"] for r in ledger.rows("SELECT id, name FROM departments")}
    return townships, departments


def _tags_text(value) -> str | None:
    if not value:
        return None
    try:
        items = json.loads(value)
    except ValueError:
        return value
    return "、".join(items) if isinstance(items, list) else str(items)


def _export_enterprises(ledger: Ledger, book, *, year, today, notes, check_cancel, selection,
                        with_figures: bool = False) -> int:
    from ...spreadsheets.writer import Col

    townships, departments = _labels(ledger)
    prior = str(today.year - 1)
    columns = [Col("序号", "int", 6), Col("统一社会信用代码"), Col("企业名称"), Col("乡镇（街道）"),
               Col("乡镇代码"), Col("行业代码"), Col("行业名称"), Col("统计状态"), Col("库别"),
               Col("来源"), Col("责任单位"), Col("包联干部"), Col("法定代表人"), Col("联系人"),
               Col("联系电话"), Col("地址"), Col("成立日期", "date"), Col("入统日期", "date"),
               Col("退规日期", "date"), Col("企业资质"),
               Col(f"{prior}年主营业务收入（万元）", "wan"), Col(f"{prior}年收入来源"), Col("备注")]
    enterprises = _enterprise_rows(ledger, selection)
    # twelve months, else the year's annual figure (年度数), else the months there are
    revenues = year_revenues(ledger, int(prior))
    none = YearRevenue(None, None, 0)
    check_cancel()

    def rows():
        for i, e in enumerate(enterprises, start=1):
            division = industry.DIVISIONS.get((e["industry_code"] or "")[:2])
            yield [i, e["credit_code"], e["name"], townships.get(e["township_code"], ""),
                   e["township_code"], e["industry_code"], division[1] if division else None,
                   STAT_STATUSES.get(e["stat_status"]), POOLS.get(e["pool"]),
                   SOURCES.get(e["source"], e["source"]), departments.get(e["department_id"]),
                   e["liaison_cadre"], e["legal_person"], e["contact_person"], e["contact_phone"],
                   e["address"], e["established_date"], e["entered_stats_date"],
                   e["exited_stats_date"], _tags_text(e["tags"]),
                   (prior_revenue := revenues.get(e["id"], none)).revenue,
                   prior_revenue.source_text or None, e["note"]]
    total = _enterprise_count(ledger, selection)
    check_cancel()
    count = book.add_table("企业名单", f"{book.office}小升规企业名单", columns, rows(),
                           title_columns=3, total=total)
    check_cancel()
    if with_figures:
        _export_figures(ledger, book, year=year, today=today, notes=notes,
                        check_cancel=check_cancel, selection=selection, sheet="月度数据")
    return count


def _export_figures(ledger: Ledger, book, *, year, today, notes, check_cancel, selection,
                    sheet: str = "企业月度数据") -> int:
    """Each enterprise's months, in the list's order (township, name, then credit code: two
    enterprises of one name do not alternate), month after month."""
    from ...spreadsheets.writer import Col

    columns = [Col("统一社会信用代码"), Col("企业名称"), Col("月份"),
               *(Col(h, "wan" if k in MONEY_FIELDS else "int", total=k != "employees")
                 for k, h in _FIGURE_HEADERS.items())]
    total = _month_count(ledger, selection)
    check_cancel()
    count = book.add_table(sheet, f"{book.office}企业月度数据", columns, _figure_rows(ledger, selection),
                           note="各月为当月数", title_columns=2, total=total)
    check_cancel()
    return count


def _export_annual(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    """The annual figures (年度数) as the lists gave them: a row per enterprise, a column per
    year and figure ("2025年主营业务收入（万元）"), so it imports back as an enterprise list."""
    from ...spreadsheets.writer import Col

    townships, _ = _labels(ledger)
    figures = ledger.rows(
        "SELECT a.*, e.credit_code, e.name, e.township_code FROM annual_figures a"
        " JOIN enterprises e ON e.id = a.enterprise_id ORDER BY e.township_code, e.name,"
        " e.credit_code, a.year")
    figures = selection.filter(figures, "enterprise_id")
    check_cancel()
    # only the years and figures some enterprise has
    wanted = sorted({(f["year"], k) for f in figures for k in _FIGURE_HEADERS if f[k] is not None},
                    key=lambda p: (p[0], list(_FIGURE_HEADERS).index(p[1])))
    columns = [Col("序号", "int", 6), Col("统一社会信用代码"), Col("企业名称"), Col("乡镇（街道）"),
               *(Col(f"{y}年{_FIGURE_HEADERS[k]}", "wan" if k in MONEY_FIELDS else "int")
                 for y, k in wanted), Col("年度数来源", width=30)]
    by_enterprise: dict[str, list[dict]] = {}
    for f in figures:
        by_enterprise.setdefault(f["enterprise_id"], []).append(f)
    if selection.order is not None:
        by_enterprise = dict(sorted(by_enterprise.items(), key=lambda kv: selection.order[kv[0]]))

    def rows():
        for i, years in enumerate(by_enterprise.values(), start=1):
            first, values = years[0], {(f["year"], k): f[k] for f in years for k in _FIGURE_HEADERS}
            sources = "；".join(dict.fromkeys(f["source"] for f in years if f["source"]))
            yield [i, first["credit_code"], first["name"], townships.get(first["township_code"]),
                   *(values.get(w) for w in wanted), sources or None]
    return book.add_table("年度数据", f"{book.office}企业年度数据", columns, rows(),
                          note="全年数，按统计局、税务局等名单；该年12个月月度数据齐全时以月度合计为准")


def _export_visits(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    return write_visits(ledger, book, enterprise_ids=selection.ids, check_cancel=check_cancel)


def _export_issues(ledger: Ledger, book, *, year, today, notes, check_cancel, selection,
                   filters=None) -> int:
    return write_issues(ledger, book, today=today, filters=filters, enterprise_ids=selection.ids,
                        check_cancel=check_cancel)


def _facts(ledger: Ledger, today: date, notes: list[str]):
    # the same adapter the PDF reports use: services.policy where present, else the
    # ledger-only fallback (which never invents reward amounts)
    try:
        from ..reports import facts_for

        facts = facts_for(ledger, today)
    except ImportError:
        from ...reports.facts import LedgerFacts

        facts = LedgerFacts(ledger, today)
    if facts.source != "policy":
        notes.append("政策规则模块尚未提供，建议库别、预计数和奖补按台账数据计算（不含奖补金额）")
    return facts


def _export_pools(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ...domain.evaluation import FLAG_NAMES
    from ...spreadsheets.writer import Col

    townships, _ = _labels(ledger)
    evaluations = _facts(ledger, today, notes).evaluate()
    check_cancel()
    enterprises = ledger.rows("SELECT * FROM enterprises ORDER BY township_code, pool, name")
    columns = [Col("序号", "int", 6), Col("企业名称"), Col("统一社会信用代码"), Col("乡镇（街道）"),
               Col("统计状态"), Col("当前库别"), Col("建议库别"), Col("建议理由", width=40),
               Col("上年主营业务收入（万元）", "wan"), Col("本年预计（万元）", "wan"),
               Col("预计增长", "percent"), Col("提示", width=40)]

    def rows():
        for i, e in enumerate(enterprises, start=1):
            ev = evaluations.get(e["id"])
            yield [i, e["name"], e["credit_code"], townships.get(e["township_code"]),
                   STAT_STATUSES.get(e["stat_status"]), POOLS.get(e["pool"]),
                   POOLS.get(ev.suggested_pool) if ev and ev.has_suggestion else None,
                   (ev.suggested_pool_reason or None) if ev and ev.has_suggestion else None,
                   ev.prior_year_revenue if ev else None, ev.projected_revenue if ev else None,
                   ev.growth_rate if ev else None,
                   "；".join(f"{FLAG_NAMES.get(f.code, f.code)}：{f.text}" for f in ev.flags)
                   if ev and ev.flags else None]
    count = book.add_table("企业库别", f"{book.office}小升规企业分库名单", columns, rows(),
                           title_columns=2)
    moves = ledger.rows(
        "SELECT p.*, e.name, e.credit_code FROM pool_events p JOIN enterprises e"
        " ON e.id = p.enterprise_id ORDER BY p.moved_on DESC, e.name")
    book.add_table("调库记录", f"{book.office}企业调库记录", [
        Col("调整日期", "date"), Col("企业名称"), Col("统一社会信用代码"), Col("原库别"),
        Col("调入库别"), Col("理由", width=40), Col("决定人"), Col("已确认")], (
        [m["moved_on"], m["name"], m["credit_code"], POOLS.get(m["from_pool"]),
         POOLS.get(m["to_pool"]), m["reason"], m["decided_by"], "是" if m["confirmed"] else "否"]
        for m in moves))
    return count


def _export_targets(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    """The PDF's tables as one sheet. First the year's 净增: each scope's lines and its 合计
    (the same numbers, a target not set shown — and one set to 0 shown 0, as reports.facts
    says), then the county's line with the county's target. Then every other target that
    applies to the year (新增, 累计新增, 规上企业总数, a higher level's), one row per unit;
    the kind and the period in the first columns."""
    from ...reports.facts import NOT_SET, target_total
    from ...spreadsheets.writer import Col

    progress = _facts(ledger, today, notes).target_progress(year)
    columns = [Col("目标类别"), Col("期间"), Col("范围"), Col("乡镇（街道）/责任单位"), Col("目标（户）", "int"),
               Col("新增入规（户）", "int"), Col("退规（户）", "int"), Col("完成数（户）", "int"),
               Col("完成率", "percent"), Col("完成数口径", width=24)]
    net_kind = ("净增", f"{year}年")

    def line(scope, name, target, entries, exits):
        net = entries - exits
        return [*net_kind, scope, name, NOT_SET if target is None else target, entries, exits, net,
                net / target if target else NOT_SET, "净增 = 新增入规 − 退规"]

    rows = []
    for scope, lines in (("乡镇", progress.townships), ("部门", progress.departments)):
        rows += [line(scope, t.name if t.registered else f"{t.name}（未登记）", t.target, t.entries, t.exits)
                 for t in lines]
        if lines:
            rows.append(line(scope, "合计", target_total(lines), sum(t.entries for t in lines),
                             sum(t.exits for t in lines)))
    town = progress.townships
    if town:
        rows.append(line("全县合计", "", progress.county_target, sum(t.entries for t in town),
                         sum(t.exits for t in town)))
    for k in progress.others:
        period = f"{k.first_year}–{k.last_year}年" if k.last_year != k.first_year else f"{k.first_year}年"
        kind = k.kind_name + (f"（{k.area}目标）" if k.area else "")
        units = [("乡镇", t) for t in k.townships if t.target is not None or t.achieved or not t.registered]
        units += [("部门", d) for d in k.departments]
        units.append(("全县合计" if not k.area else k.area, k.county))
        for scope, x in units:
            name = "" if x is k.county else (x.name if x.registered else f"{x.name}（未登记）")
            entries = x.achieved if k.kind in ("new", "cumulative") else None
            rate = x.completion_rate if x.completion_rate is not None else NOT_SET
            rows.append([kind, period, scope, name, NOT_SET if x.target is None else x.target, entries, None,
                         x.achieved, rate,
                         k.achieved_label if x.counted else f"{k.achieved_label}（完成率由上级统计）"])
    note = "" if progress.county_target is None else f"全县目标：净增{progress.county_target}户"
    return book.add_table("目标任务", f"{book.office}{year}年小升规目标任务完成情况", columns, rows,
                          note=note, title_columns=4)


def _export_rewards(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from ..policy.reward_lines import reward_overview
    from .rewards_export import write_rewards

    return write_rewards(book, reward_overview(ledger, year, today, cancel=_cancelled(check_cancel)), notes)


def _cancelled(check_cancel):
    """A cancel flag for work that polls one, from an export's check_cancel (which raises)."""
    def flag() -> bool:
        check_cancel()
        return False
    return flag


def _export_monitor(ledger: Ledger, book, *, year, today, notes, check_cancel, selection, period,
                    filters) -> int:
    from .monitor_export import write_monitor

    return write_monitor(ledger, book, period=period, today=today, notes=notes, check_cancel=check_cancel,
                         filters=filters)[1]


def _export_projects(ledger: Ledger, book, *, year, today, notes, check_cancel, selection) -> int:
    from .projects_export import write_projects

    return write_projects(ledger, book, year=year, today=today, notes=notes, check_cancel=check_cancel)


def write_import_template(kind: str, out: Path | str, ledger: Ledger | None = None) -> Path:
    """An import template with drop-down lists and notes; with a ledger, its townships and
    departments in the lists instead of the samples."""
    from ...spreadsheets.templates import write_template
    from ..ledger.reference import department_names, list_townships

    townships: list[tuple[str, str]] | None = None
    departments: list[str] | None = None
    if ledger is not None:
        townships = [(t["code"], t["name"]) for t in list_townships(ledger)]
        departments = department_names(ledger)
    return write_template(kind, Path(out), townships=townships, departments=departments)
