"""一表通 (#22): any department's Excel form filled from the ledger.

A form template is an .xlsx made in Excel or WPS (spreadsheets/forms.py reads and writes it);
here are the fields a placeholder may name, their modifiers, the region's filters, the checks
(each message names its cell) and the values, computed as the exports compute them: a month's
figures and their year-on-year rates by domain/monitoring.py (the 月度监测 table's
arithmetic), a year's revenue by services.ledger.figures.year_revenues.

    {{单位}} {{期间}} {{填报日期}} {{户数}} {{合计.营业收入}} {{合计.营业收入:累计:元}}
    {{#企业 乡镇=秀水镇 库别=培育库、储备库}} {{序号}} {{企业名称}} … {{营业收入:2026-10:万元}} {{/企业}}

Modifiers follow the field after a colon, in any order: a period (本月 — the form's month, the
default —, 上月, 上年同月, 累计 — January to the form's month —, 上年同期, 全年, 上年, a month
2026-10 or a year 2026) and a unit (万元 — the default — or 元; 千瓦时 or 万千瓦时 for 用电量).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ...domain import industry
from ...domain.annual import year_total
from ...domain.evaluation import FLAG_NAMES
from ...domain.monitoring import measure_line, month_end, months_of, parse_period, period_of
from ...domain.records import POOLS, STAT_STATUSES
from ...domain.size_class import SIZE_NAMES, size_class
from ...errors import UserError
from ...paths import write_replacing
from ...progress import Cancel, ImportCancelled, Job, Progress
from ...spreadsheets.forms import (
    Expr, FieldValue, FormTemplate, fill_book, preview_rows, problem, read_template,
)
from ..office.site import this_site
from ..policy.monitoring import default_period, resolve_department, resolve_flag, resolve_pool, resolve_township

if TYPE_CHECKING:
    from ...storage.ledger import Ledger

WAN = "#,##0.00"
INT = "#,##0"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text | date | number | measure | growth | serial
    help: str
    measure: str | None = None  # monthly_figures column of a measure or growth
    region: bool = True  # a field of the repeated row (False: a single value of the form)


MEASURE_FIELDS = {"营业收入": "revenue", "工业总产值": "output_value", "用电量": "electricity_kwh",
                  "税收": "tax_paid", "从业人员": "employees"}
MONEY = {"revenue", "output_value", "tax_paid"}

FIELDS: dict[str, FieldSpec] = {f.name: f for f in [
    FieldSpec("序号", "serial", "1, 2, 3 …"),
    FieldSpec("企业名称", "text", "企业名称"),
    FieldSpec("统一社会信用代码", "text", "18位统一社会信用代码"),
    FieldSpec("所属乡镇", "text", "乡镇（街道）名称"),
    FieldSpec("乡镇代码", "text", "9位乡镇代码"),
    FieldSpec("行业", "text", "国民经济行业大类名称"),
    FieldSpec("行业代码", "text", "国民经济行业代码"),
    FieldSpec("库别", "text", "当前所在库（基础信息库、培育库…；未入库）"),
    FieldSpec("统计状态", "text", "规上、规下、已退规"),
    FieldSpec("规模", "text", "大型、中型、小型、微型（统计上大中小微型企业划分办法：上年营业收入和最近一月从业人员；"
                              "上年无数据时按本年累计折算全年）"),
    FieldSpec("责任单位", "text", "包联的责任单位"),
    FieldSpec("联系干部", "text", "包联干部"),
    FieldSpec("法定代表人", "text", "法定代表人"),
    FieldSpec("联系人", "text", "企业联系人"),
    FieldSpec("联系电话", "text", "企业联系电话"),
    FieldSpec("地址", "text", "企业地址"),
    FieldSpec("成立日期", "date", "成立日期"),
    FieldSpec("入统日期", "date", "纳入规上统计的日期"),
    *(FieldSpec(name, "measure", f"{name}（{'人' if key == 'employees' else '千瓦时，可改万千瓦时' if key == 'electricity_kwh' else '万元，可改元'}）；"
                "期间修饰：本月（默认）、上月、上年同月、累计、上年同期、全年、上年、2026-10、2026", key)
      for name, key in MEASURE_FIELDS.items()),
    FieldSpec("同比", "growth", "营业收入同比增长（本月，或“累计”）", "revenue"),
    *(FieldSpec(f"{name}同比", "growth", f"{name}同比增长（本月，或“累计”）", key)
      for name, key in MEASURE_FIELDS.items() if key != "employees"),
    FieldSpec("营业收入环比", "growth", "营业收入比上月增长", "revenue"),
    FieldSpec("提示", "text", "政策规则的提示（退规风险、达规未入统…）"),
    FieldSpec("最近走访", "date", "最近一次走访日期"),
    FieldSpec("走访次数", "number", "全部走访次数"),
    FieldSpec("未办结问题", "number", "未办结问题件数"),
    FieldSpec("未办结问题内容", "text", "未办结问题的内容，用“；”分开"),
    FieldSpec("单位", "text", "填报单位：本台账的单位，或所选乡镇", region=False),
    FieldSpec("期间", "text", "报表月份，如“2026年10月”", region=False),
    FieldSpec("年份", "number", "报表年份", region=False),
    FieldSpec("月份", "number", "报表月份（1–12）", region=False),
    FieldSpec("填报日期", "date", "今天", region=False),
    FieldSpec("户数", "number", "重复区域的企业户数", region=False),
]}
# 合计.X: a measure or number summed over the region's enterprises (its filters included)
TOTALS = [n for n, f in FIELDS.items() if f.kind in ("measure", "number") and f.region]
ALIASES = {"乡镇": "所属乡镇", "乡镇（街道）": "所属乡镇", "企业": "企业名称", "信用代码": "统一社会信用代码",
           "行业名称": "行业", "主营业务收入": "营业收入", "包联干部": "联系干部", "总产值": "工业总产值",
           "税金": "税收", "纳税": "税收", "用工": "从业人员", "从业人数": "从业人员"}
PERIOD_WORDS = ("本月", "上月", "上年同月", "累计", "上年同期", "全年", "上年")
GROWTH_WORDS = ("本月", "累计")
UNITS = {"money": ("万元", "元"), "electricity_kwh": ("千瓦时", "万千瓦时"), "employees": ("人",)}
FILTERS = {"乡镇": "乡镇名称或代码", "库别": "库名或“规上”", "统计状态": "规上、规下、已退规",
           "规模": "大型、中型、小型、微型（同“规模”字段的划分；缺营业收入或从业人员的企业不列入）",
           "责任单位": "责任单位名称", "提示": "有提示、当月未报以外的规则提示，如退规风险"}
# 规模 as written in a filter: 大型 or 大, the code too
SIZE_WORDS = {**{v: k for k, v in SIZE_NAMES.items()}, **{v[0]: k for k, v in SIZE_NAMES.items()},
              **{k: k for k in SIZE_NAMES}}


def field_help() -> list[tuple[str, str, str]]:
    """(field, where it may stand, what it gives) for every field, the 字段说明 sheet's rows."""
    out = [(n, "重复区域" if f.region else "任意单元格", f.help) for n, f in FIELDS.items()]
    out += [(f"合计.{n}", "任意单元格", f"重复区域企业的{n}合计，可带与{n}相同的修饰") for n in TOTALS]
    out += [(f"{{{{#企业 {k}=…}}}}", "重复区域开始", f"筛选：{v}；多个值用“、”分开") for k, v in FILTERS.items()]
    out.append(("{{/企业}}", "重复区域结束", "写在重复行最后一个单元格"))
    return out


# -- checking -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """A checked placeholder: its field and what its modifiers chose."""

    field: FieldSpec
    total: bool = False
    period: str = "本月"  # a word of PERIOD_WORDS, "YYYY-MM" or "YYYY"
    unit: str | None = None


def resolve_field(name: str) -> str:
    return ALIASES.get(name, name)


def check_expr(e: Expr) -> tuple[Spec | None, str | None]:
    name = e.field
    total = False
    for prefix in ("合计.", "合计．"):
        if name.startswith(prefix):
            total, name = True, name[len(prefix):]
    name = resolve_field(name)
    spec = FIELDS.get(name)
    if total and (spec is None or name not in TOTALS):
        return None, problem(e.where, f"不能合计“{e.field[3:]}”，可合计：{'、'.join(TOTALS)}")
    if spec is None:
        pool = [n for n, f in FIELDS.items() if f.region == e.in_region or not f.region]
        near = difflib.get_close_matches(name, list(FIELDS) + list(ALIASES), n=1, cutoff=0.3)
        hint = f"是否是“{resolve_field(near[0])}”？" if near else ""
        return None, problem(e.where, f"未知字段“{e.field}”，{hint}可用：{'、'.join(pool)}")
    if spec.region and not total and not e.in_region:
        hint = f"；整张表的数可写合计.{name}" if name in TOTALS else ""
        return None, problem(e.where, f"“{name}”是每户企业的字段，只能写在重复区域（{{{{#企业}}}}所在行）里{hint}")
    period, unit = "本月", None
    kind = spec.kind
    for m in e.modifiers:
        if kind == "measure":
            units = UNITS["money"] if spec.measure in MONEY else UNITS[spec.measure or ""]
            if m in units:
                unit = m
                continue
            if m in PERIOD_WORDS or is_period(m):
                period = m
                continue
            return None, problem(e.where, f"“{e.field}”的修饰“{m}”无效，可用：{'、'.join(PERIOD_WORDS)}、"
                                          f"月份（如2026-10）、年份（如2026）；单位{'、'.join(units)}")
        if kind == "growth" and m in GROWTH_WORDS and not spec.name.endswith("环比"):
            period = m
            continue
        allowed = "、".join(GROWTH_WORDS) if kind == "growth" and not spec.name.endswith("环比") else "无"
        return None, problem(e.where, f"“{e.field}”的修饰“{m}”无效，可用：{allowed}")
    return Spec(spec, total, period, unit), None


def is_period(text: str) -> bool:
    if len(text) == 4 and text.isdigit():
        return 2000 <= int(text) <= 2100
    try:
        parse_period(text)
    except (UserError, ValueError):
        return False
    return True


@dataclass
class Scope:
    """Which enterprises a region covers: its filters resolved."""

    townships: set[str] = field(default_factory=set)
    pools: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    sizes: set[str] = field(default_factory=set)

    def keeps(self, e: dict, flags: set[str], size: str | None = None) -> bool:
        if self.townships and e["township_code"] not in self.townships:
            return False
        if self.pools and e["pool"] not in self.pools and not ("above_scale" in self.pools
                                                                and e["stat_status"] == "above_scale"):
            return False
        if self.statuses and e["stat_status"] not in self.statuses:
            return False
        if self.departments and e["department_id"] not in self.departments:
            return False
        if self.flags and not (flags & self.flags or ("any" in self.flags and flags)):
            return False
        if self.sizes and size not in self.sizes:
            return False
        return True


STATUS_WORDS = {**{v: k for k, v in STAT_STATUSES.items()}, "退规": "exited", **{k: k for k in STAT_STATUSES}}


def resolve_scope(ledger: Ledger, filters: list[tuple[str, str]], where: str) -> tuple[Scope, list[str]]:
    scope, problems = Scope(), []
    for key, text in filters:
        if key not in FILTERS:
            problems.append(problem(where, f"未知筛选“{key}”，可用：{'、'.join(FILTERS)}"))
            continue
        for value in [v.strip() for v in text.replace(",", "、").replace("，", "、").split("、") if v.strip()]:
            try:
                if key == "乡镇":
                    scope.townships.add(resolve_township(ledger, value)[0] or "")
                elif key == "库别":
                    scope.pools.add(resolve_pool(value) or "")
                elif key == "统计状态":
                    if value not in STATUS_WORDS:
                        raise UserError(f"统计状态“{value}”无效，应为：规上、规下、已退规")
                    scope.statuses.add(STATUS_WORDS[value])
                elif key == "责任单位":
                    scope.departments.add(resolve_department(ledger, value)[0] or "")
                elif key == "规模":
                    if value not in SIZE_WORDS:
                        raise UserError(f"规模“{value}”无效，应为：{'、'.join(SIZE_NAMES.values())}")
                    scope.sizes.add(SIZE_WORDS[value])
                else:
                    code = resolve_flag(value) or ""
                    if code == "unreported":
                        raise UserError("提示筛选不含“当月未报”：请用政策规则的提示，如退规风险，或“有提示”")
                    scope.flags.add(code)
            except UserError as e:
                problems.append(problem(where, str(e)))
    return scope, problems


# -- the values -----------------------------------------------------------------------------------
class Book:
    """The ledger's side of one filling: the enterprises, their figures, visits and issues."""

    def __init__(self, ledger: Ledger, year: int, month: int, today: date, extra_years: set[int],
                 need_flags: bool, cancelled: Callable[[], bool] | None = None):
        self.year, self.month, self.today = year, month, today
        self.sizes: dict[str, str | None] = {}
        self.enterprises = ledger.rows(
            "SELECT e.*, t.name AS township, d.name AS department FROM enterprises e"
            " LEFT JOIN townships t ON t.code = e.township_code LEFT JOIN departments d ON d.id = e.department_id"
            " ORDER BY e.township_code, e.name, e.credit_code")
        years = {year, year - 1} | extra_years
        self.figures: dict[str, dict[str, dict]] = {}
        for row in ledger.rows("SELECT * FROM monthly_figures WHERE period BETWEEN ? AND ?",
                               (f"{min(years)}-01", f"{max(years)}-12")):
            self.figures.setdefault(row["enterprise_id"], {})[row["period"]] = row
        self.annual: dict[tuple[str, int], dict] = {
            (r["enterprise_id"], r["year"]): r for r in ledger.rows(
                f"SELECT * FROM annual_figures WHERE year IN ({','.join('?' * len(years))})", sorted(years))}
        self.last_visit = dict(ledger.conn.execute(
            "SELECT enterprise_id, max(visit_date) FROM visits GROUP BY enterprise_id").fetchall())
        self.visits = dict(ledger.conn.execute(
            "SELECT enterprise_id, count(*) FROM visits GROUP BY enterprise_id").fetchall())
        self.open_issues: dict[str, list[str]] = {}
        for r in ledger.rows("SELECT enterprise_id, description FROM issues WHERE status IN ('open', 'in_progress')"
                             " ORDER BY raised_date, id"):
            self.open_issues.setdefault(r["enterprise_id"], []).append(r["description"])
        self.flags: dict[str, list] = {}
        if need_flags and self.enterprises:
            from ..policy.evaluation import evaluate

            as_of = min(today, month_end(year, month))
            self.flags = {k: list(v.flags) for k, v in evaluate(ledger, [e["id"] for e in self.enterprises],
                                                                today=as_of, cancelled=cancelled).items()}

    def flag_codes(self, ent: str) -> set[str]:
        return {f.code for f in self.flags.get(ent, [])}

    def size(self, ent: str) -> str | None:
        """大中小微 (domain/size_class.py) from last year's revenue (this year's so far, made a
        whole year, when last year has none) and the latest employees reported (this year up
        to the form's month, else last year's months or annual figures)."""
        if ent in self.sizes:
            return self.sizes[ent]
        revenue = self.amount(ent, "revenue", "上年")
        if revenue is None:
            so_far = [v for v in months_of(self.figures.get(ent, {}), self.year, "revenue")[:self.month]
                      if v is not None]
            revenue = round(sum(so_far) * 12 / len(so_far)) if so_far else None
        figures = self.figures.get(ent, {})
        reported = [v for v in months_of(figures, self.year, "employees")[:self.month] if v is not None] or \
                   [v for v in months_of(figures, self.year - 1, "employees") if v is not None]
        employees = reported[-1] if reported else self.annual.get((ent, self.year - 1), {}).get("employees")
        found = self.sizes[ent] = size_class(employees, revenue)
        return found

    # a measure's amount (integer yuan, kWh, people) for a period modifier
    def amount(self, ent: str, key: str, period: str) -> int | None:
        figures = self.figures.get(ent, {})
        y, m = self.year, self.month
        if period in ("全年", "上年") or (len(period) == 4 and period.isdigit()):
            year = y if period == "全年" else y - 1 if period == "上年" else int(period)
            values = [v for v in months_of(figures, year, key) if v is not None]
            annual = self.annual.get((ent, year), {}).get(key)
            return year_total(sum(values) if values else None, len(values), annual)[0]
        if period not in PERIOD_WORDS:
            row = figures.get(period)
            return row.get(key) if row else None
        line = measure_line(months_of(figures, y, key), months_of(figures, y - 1, key), m)
        return {"本月": line.month, "上月": line.previous_month, "上年同月": line.same_month_last_year,
                "累计": line.cumulative, "上年同期": line.cumulative_last_year}[period]

    def growth(self, ent: str, spec: FieldSpec, period: str) -> float | None:
        figures = self.figures.get(ent, {})
        key = spec.measure or "revenue"
        line = measure_line(months_of(figures, self.year, key), months_of(figures, self.year - 1, key), self.month)
        if spec.name.endswith("环比"):
            return line.mom
        return line.cumulative_growth if period == "累计" else line.yoy


def amount_value(spec: Spec, amount: int | None) -> FieldValue:
    key = spec.field.measure
    if amount is None:
        return FieldValue(None, text="")
    if key in MONEY:
        if spec.unit == "元":
            return FieldValue(amount, INT, f"{amount:,}")
        return FieldValue(amount / 10_000, WAN, f"{amount / 10_000:,.2f}")
    if key == "electricity_kwh" and spec.unit == "万千瓦时":
        return FieldValue(amount / 10_000, WAN, f"{amount / 10_000:,.2f}")
    return FieldValue(amount, INT, f"{amount:,}")


def date_value(text: str | None) -> FieldValue:
    if not text:
        return FieldValue(None, text="")
    try:
        return FieldValue(date.fromisoformat(text[:10]), DATE, text[:10])
    except ValueError:
        return FieldValue(text)


def enterprise_value(book: Book, e: dict, serial: int, spec: Spec) -> FieldValue:
    f = spec.field
    name = f.name
    if f.kind == "serial":
        return FieldValue(serial, text=str(serial))
    if f.kind == "measure":
        return amount_value(spec, book.amount(e["id"], f.measure or "", spec.period))
    if f.kind == "growth":
        g = book.growth(e["id"], f, spec.period)
        return FieldValue(g, PERCENT, "" if g is None else f"{g:.1%}")
    if f.kind == "date":
        column = {"成立日期": "established_date", "入统日期": "entered_stats_date"}.get(name)
        return date_value(book.last_visit.get(e["id"]) if name == "最近走访" else e[column] if column else None)
    if name == "走访次数":
        n = book.visits.get(e["id"], 0)
        return FieldValue(n, text=str(n))
    if name == "未办结问题":
        n = len(book.open_issues.get(e["id"], []))
        return FieldValue(n, text=str(n))
    division = industry.DIVISIONS.get((e["industry_code"] or "")[:2])
    text = {"企业名称": e["name"], "统一社会信用代码": e["credit_code"], "所属乡镇": e["township"],
            "乡镇代码": e["township_code"], "行业": division[1] if division else None,
            "行业代码": e["industry_code"], "库别": POOLS.get(e["pool"]),
            "统计状态": STAT_STATUSES.get(e["stat_status"]), "责任单位": e["department"],
            "规模": SIZE_NAMES.get(book.size(e["id"]) or ""),
            "联系干部": e["liaison_cadre"], "法定代表人": e["legal_person"], "联系人": e["contact_person"],
            "联系电话": e["contact_phone"], "地址": e["address"],
            "提示": "；".join(f"{FLAG_NAMES.get(x.code, x.code)}：{x.text}" for x in book.flags.get(e["id"], [])),
            "未办结问题内容": "；".join(book.open_issues.get(e["id"], []))}[name]
    return FieldValue(text or None, text=text or "")


# -- checking and filling a template ----------------------------------------------------------------
@dataclass
class FormCheck:
    """A template checked against the ledger: the problems (each naming its cell), or how
    many rows each region gets and the first rows filled."""

    template: FormTemplate
    problems: list[str]
    period: str
    unit: str
    rows: dict[str, int] = field(default_factory=dict)  # sheet → enterprises of its region
    header: list[str] = field(default_factory=list)
    preview: list[list[str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(e.key for e in self.template.exprs))

    def problem_text(self) -> str:
        return "\n".join(self.problems)


@dataclass
class Prepared:
    check: FormCheck
    single: Callable[[Expr], FieldValue] | None = None
    rows: dict[str, list[Callable[[Expr], FieldValue]]] = field(default_factory=dict)


def prepare(ledger: Ledger, template: Path | str, *, period: str | None = None, township: str | None = None,
            today: date | None = None, cancelled: Callable[[], bool] | None = None) -> Prepared:
    today = today or date.today()
    parsed = read_template(template)
    problems = list(parsed.problems)
    period = period or default_period(ledger, today)
    try:
        year, month = parse_period(period)
    except UserError as e:
        raise UserError(f"报表月份无效：{e}") from e
    period = period_of(year, month)
    township_code, township_name = resolve_township(ledger, township)
    site = this_site(ledger)
    unit = township_name or (site["name"] if site else "")
    specs: dict[Expr, Spec] = {}
    for e in parsed.exprs:
        spec, bad = check_expr(e)
        if bad:
            problems.append(bad)
        elif spec is not None:
            specs[e] = spec
    scopes: dict[str, Scope] = {}
    for sheet, region in parsed.regions.items():
        scopes[sheet], bad_filters = resolve_scope(ledger, region.filters, region.where)
        problems += bad_filters
    if not parsed.exprs and not parsed.regions and not problems:
        problems.append(f"模板“{Path(template).name}”里没有任何{{{{字段}}}}：请在要填的单元格里写上字段，如{{{{企业名称}}}}、"
                        "{{营业收入}}（可先生成空白模板看看写法）")
    check = FormCheck(parsed, problems, period, unit)
    if problems:
        return Prepared(check)
    extra_years = {int(s.period[:4]) for s in specs.values() if s.period[:1].isdigit()}
    need_flags = any(s.field.name == "提示" for s in specs.values()) or any(sc.flags for sc in scopes.values())
    book = Book(ledger, year, month, today, extra_years, need_flags, cancelled)
    chosen: dict[str, list[dict]] = {}
    for sheet, scope in scopes.items():
        chosen[sheet] = [e for e in book.enterprises if (township_code is None or e["township_code"] == township_code)
                         and scope.keeps(e, book.flag_codes(e["id"]), book.size(e["id"]) if scope.sizes else None)]
    first = next(iter(chosen.values()), None)
    everyone = [e for e in book.enterprises if township_code is None or e["township_code"] == township_code]

    def row_function(e: dict, serial: int) -> Callable[[Expr], FieldValue]:
        return lambda expr: enterprise_value(book, e, serial, specs[expr])

    rows = {sheet: [row_function(e, i) for i, e in enumerate(ents, 1)] for sheet, ents in chosen.items()}

    def single(expr: Expr) -> FieldValue:
        spec = specs[expr]
        members = chosen.get(expr.sheet, first if first is not None else everyone)
        name = spec.field.name
        if spec.total:
            if spec.field.kind == "measure":
                values = [book.amount(e["id"], spec.field.measure or "", spec.period) for e in members]
            else:
                values = [enterprise_value(book, e, 0, Spec(spec.field)).value for e in members]
            known = [v for v in values if v is not None]
            if spec.field.kind == "measure":
                return amount_value(spec, sum(known) if known else None)
            return FieldValue(sum(known), text=str(sum(known)))
        if name == "单位":
            return FieldValue(unit, text=unit)
        if name == "期间":
            text = f"{year}年{month}月"
            return FieldValue(text, text=text)
        if name == "年份":
            return FieldValue(year, text=str(year))
        if name == "月份":
            return FieldValue(month, text=str(month))
        if name == "填报日期":
            return date_value(today.isoformat())
        return FieldValue(len(members), text=str(len(members)))  # 户数

    check.rows = {sheet: len(ents) for sheet, ents in chosen.items()}
    check.header, check.preview = preview_rows(parsed, rows)
    return Prepared(check, single, rows)


def check_form(ledger: Ledger, template: Path | str, *, period: str | None = None, township: str | None = None,
               today: date | None = None) -> FormCheck:
    """The template's problems, or its preview: nothing is written."""
    return prepare(ledger, template, period=period, township=township, today=today).check


def fill_form(ledger: Ledger, template: Path | str, out: Path | str, *, period: str | None = None,
              township: str | None = None, today: date | None = None, progress: Progress | None = None,
              cancel: Cancel = None) -> dict:
    """Fill `template` from the ledger into `out` (.xlsx); returns {"path", "rows", "period",
    "unit"}. A template with a problem raises UserError listing every problem by cell, and no
    file is written; a cancelled fill writes nothing either."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件“{out.name}”应以.xlsx结尾")
    if Path(template).resolve() == out.resolve():
        raise UserError("输出文件不能是模板本身：请另选文件名")
    job = Job(progress, cancel, error=ImportCancelled)
    check, book = filled(ledger, template, job, period=period, township=township, today=today)
    job.report("写入文件", 0, 1)
    write_replacing(out, book.save)
    job.tell("写入文件", 1, 1)
    return {"path": str(out), "rows": sum(check.rows.values()), "period": check.period, "unit": check.unit}


def filled(ledger: Ledger, template: Path | str, job: Job, *, period: str | None, township: str | None,
           today: date | None):
    """(the check, the filled openpyxl workbook); a template with a problem raises UserError."""
    job.tell("检查模板", 0, 1)
    prepared = prepare(ledger, template, period=period, township=township, today=today,
                       cancelled=job.cancelled)
    check = prepared.check
    if not check.ok or prepared.single is None:
        raise UserError("模板有问题，未生成报表：\n" + check.problem_text())
    book = fill_book(check.template, prepared.single, prepared.rows,
                     lambda done, total: job.report("填写报表", done, total))
    return check, book


def print_form(ledger: Ledger, template: Path | str, out: Path | str, *, period: str | None = None,
               township: str | None = None, today: date | None = None, progress: Progress | None = None,
               cancel: Cancel = None) -> dict:
    """The filled form as a PDF (its first sheet with a repeated row, else its first sheet):
    the cells as they show, the print titles on every page, and the signature and stamp
    lines under it unless the form has its own. Returns {"path", "rows", "period", "unit"}."""
    from ...reports.form_pdf import render
    from ...reports.job import report_job
    from ...spreadsheets.forms import HELP_SHEET
    from ...spreadsheets.forms_grid import sheet_grid

    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise UserError(f"输出文件“{out.name}”应以.pdf结尾")
    job = report_job(progress, cancel)
    today = today or date.today()
    check, book = filled(ledger, template, job, period=period, township=township, today=today)
    sheets = [ws for ws in book.worksheets if ws.title != HELP_SHEET]
    ws = next((w for w in sheets if w.title in check.template.regions), sheets[0] if sheets else book.active)
    render(sheet_grid(ws), out, office=check.unit, title=Path(template).stem, today=today, job=job)
    return {"path": str(out), "rows": sum(check.rows.values()), "period": check.period, "unit": check.unit}


def write_blank_template(out: Path | str, *, title: str = "小升规企业情况表") -> Path:
    """A blank form with a title, 单位 and 期间, a one-row region with common columns and a
    合计 row, and the 字段说明 sheet listing every field, modifier and filter."""
    from ...spreadsheets.forms_blank import write_blank

    columns = ["序号", "企业名称", "统一社会信用代码", "所属乡镇", "库别", "统计状态", "营业收入", "营业收入:累计",
               "同比", "责任单位", "联系干部", "最近走访", "未办结问题"]
    return write_blank(Path(out), title, columns, field_help(), totals={"营业收入", "营业收入:累计", "未办结问题"})


__all__ = ["FIELDS", "FILTERS", "FieldSpec", "FormCheck", "check_form", "print_form", "field_help", "fill_form",
           "write_blank_template"]
