"""An enterprise list's annual figures (年度数): which year each figure column is of, each
row's amounts in their units, planned for the row's enterprise once the list's rows are
planned, and compared with the ledger's annual figures at the end.

The lists a county starts from (统计局, 税务局, 工信) give a year's 营业收入, 工业总产值 … per
enterprise. The year of a column is, first found:

1. the year its header writes ("2025年营业收入", "营业收入（2025年）", "2025年1-12月…");
2. the row's 年度/年份 column (a header counted from the list's year, "上年营业收入", counts
   from it);
3. the year the person gave (`year`, ``shengui excel import --year``): the figures' year;
4. the title's year ("2025年规下工业企业名单"), counted from likewise.

When none says it, the sheet has a problem that asks for the year (ImportResult.needs_year),
and nothing is written. Amounts follow the header's unit, or the "单位：" line, as monthly
figures do (figure_rows.FigureRows.number). Both ways of planning an enterprise list (the
per-row check and the column check) leave the same rows planned for the same enterprises;
this pass reads those, so it adds the same to either.
"""

from __future__ import annotations

from ...domain.money import format_wan
from ...progress import Job
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cut_columns
from ...spreadsheets.columns import FIGURE_FIELDS, LABELS, MONEY_FIELDS
from ...spreadsheets.layout import Column, Layout
from ...storage.ledger import annual_figure_id
from .figure_rows import FigureRows
from .plan import Plan
from .results import Change
from .vocabulary import FIELD_LABELS

YEARS = range(2000, 2101)
_MONTHLY_SOURCE = "月报"  # an export's 收入来源 "月报合计…": the ledger's months, not a list's year
_PLAIN_SOURCE = {"", "年报"}


def year_problem(shown: str) -> str:
    return (f"无法确定“{shown}”是哪一年的数据：请在表头写明年份（如“2025年营业收入”）、"
            "增加“年度”列或在标题中写明年份，或在导入时指定年份（命令行加 --year 2025）")


def _show(key: str, value) -> str:
    """As a listed change shows a figure: 万元 to two decimals, four where the yuan need them."""
    if value is None:
        return ""
    if key not in MONEY_FIELDS:
        return f"{value:,}"
    return f"{format_wan(value, 2 if value % 100 == 0 else 4)}万元"


def _year_cell(value) -> int | None:
    """A 年度 cell as a year: 2025, 2025.0, "2025", "2025年", "2025年度"; ValueError when it
    is not one of 2000…2100; None when blank."""
    if cells.is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        if float(value).is_integer() and int(value) in YEARS:
            return int(value)
        raise ValueError
    text = cells.text(value).replace(" ", "").removesuffix("年度").removesuffix("年")
    if text.isdigit() and len(text) == 4 and int(text) in YEARS:
        return int(text)
    raise ValueError


class AnnualRows:
    """Plans the annual figures of enterprise sheets into `plan` (see the module's
    docstring). `year`: the year the person gave; `source`: what the records say they came
    from (the file's name)."""

    def __init__(self, plan: Plan, figures: FigureRows, job: Job, year: int | None, source: str):
        self.plan, self.figures, self.job = plan, figures, job
        self.year, self.source = year, source
        self._used: dict[int, list[Column]] = {}  # id(layout) → the annual columns imported
        self._names: dict[str, str] | None = None

    # -- the sheet ----------------------------------------------------------------------
    def columns(self, layout: Layout) -> tuple[list[Column], list[tuple[Column, str]]]:
        """(the annual columns imported, [(column, why not)] for repeated ones): a column
        that names the same figure of the same year as one before it is not imported."""
        used, repeated, seen = [], [], {}
        for col in layout.annual_columns():
            h = col.header
            key = (col.field, h.figure_year, h.year_offset or 0 if h.figure_year is None else None)
            if key in seen:
                repeated.append((col, f"与前面的“{seen[key].shown}”列重复，只导入第一列"))
                continue
            seen[key] = col
            used.append(col)
        return used, repeated

    def check_sheet(self, layout: Layout, rows: list[int]) -> str | None:
        """Find the sheet's annual columns and their year; a problem asking for the year when
        nothing says it (and some row has an amount in such a column). Returns what they
        are, in words, for the sheet's summary."""
        used, _ = self.columns(layout)
        self._used[id(layout)] = used
        if not used:
            return None
        by_row = "year" in layout.by_field()
        undated = [c for c in used if c.header.figure_year is None]
        if undated and not by_row and self.year is None and layout.year is None:
            filled = cut_columns(layout.grid.rows, rows, [c.index for c in undated])
            undated = [c for c, values in zip(undated, filled)
                       if not all(map(cells.is_blank, values))]
        if undated and not by_row and self.year is None and layout.year is None:
            self.plan.problem(layout.grid.name, layout.header_rows[-1], undated[0],
                              undated[0].header.text, year_problem(undated[0].shown))
            self.plan.result.needs_year = True
        parts: dict[str, list[str]] = {}
        for col in used:
            parts.setdefault(self._year_words(layout, col, by_row), []).append(LABELS[col.field])
        return "；".join(f"{'、'.join(dict.fromkeys(labels))}，{words}"
                        for words, labels in parts.items())

    def _year_words(self, layout: Layout, col: Column, by_row: bool) -> str:
        h = col.header
        if h.figure_year is not None:
            return f"{h.figure_year}年（见表头）"
        offset = h.year_offset or 0
        if by_row:
            return "按“年度”列" + ("的上一年" if offset == -1 else "")
        if self.year is not None:
            return f"{self.year}年（导入时指定）"
        if layout.year is not None:
            said = next((t for t in layout.title.split() if str(layout.year) in t), layout.title)
            return f"{layout.year + offset}年（按标题“{_short(said)}”）"
        return "年份未知"

    # -- the rows -----------------------------------------------------------------------
    def plan_rows(self, layout: Layout, rows: list[int]) -> None:
        """Check the annual amounts of the sheet's rows (grid indices) and plan them for the
        enterprises the rows were planned as (after the sheet's rows are planned). Each
        column's cells are read once per distinct value (a list repeats its years and
        sources, and often its amounts); findings come in row order, then column order."""
        used = self._used.get(id(layout))
        if not used:
            return
        plan, sheet = self.plan, layout.grid.name
        fields = layout.by_field()
        year_col, source_col = fields.get("year"), fields.get("annual_source")
        blank = (None,) * len(rows)
        present = [c for c in (*used, year_col, source_col) if c is not None]
        cut = dict(zip(map(id, present), cut_columns(layout.grid.rows, rows,
                                                     [c.index for c in present])))

        def column(col: Column | None):
            return blank if col is None else cut[id(col)]

        def number(col: Column):
            def read(value):
                try:
                    return self.figures.number(layout, col, value)
                except ValueError as e:
                    return e
            return read

        def year_of(value):
            try:
                return _year_cell(value)
            except ValueError as e:
                return e

        amounts = [by_value(column(col), number(col)) for col in used]
        steps = [self._steps(layout, col, column(col)) for col in used]
        row_years = by_value(column(year_col), year_of)
        sources = by_value(column(source_col), lambda v: cells.text(v).replace(" ", ""))
        enterprises = self._row_enterprises(sheet)
        for i, r in enumerate(rows):
            if i % 500 == 0:
                self.job.check()
            source = sources[i]
            if source.startswith(_MONTHLY_SOURCE):
                continue  # the sum of the ledger's own months, written out by an export
            problems = len(plan.result.problems)
            row_year = row_years[i]
            if isinstance(row_year, ValueError):
                plan.problem(sheet, r, year_col, column(year_col)[i],
                             f"年份“{cells.text(column(year_col)[i])}”无效（应为2000至2100之间的四位数字）")
                continue
            years: dict[int, dict[str, tuple[int, Column, int]]] = {}
            for col, values, col_steps in zip(used, amounts, steps):
                value = values[i]
                if isinstance(value, ValueError):
                    plan.problem(sheet, r, col, column(col)[i], str(value))
                    continue
                if value is None:
                    continue
                year = self._year_of(layout, col, row_year)
                if year is None:
                    if year_col is not None:  # (without one the sheet has said so once)
                        plan.problem(sheet, r, year_col, "", "“年度”为空，无法确定本行年度数的年份")
                    break
                if year not in YEARS:
                    plan.problem(sheet, r, col, column(col)[i], f"{year}年超出合理范围（2000至2100年）")
                    continue
                given = years.setdefault(year, {})
                if col.field in given and given[col.field][0] != value:
                    plan.problem(sheet, r, col, column(col)[i],
                                 f"与“{given[col.field][1].shown}”列同为{year}年的{LABELS[col.field]}，"
                                 "但数值不同")
                    continue
                given.setdefault(col.field, (value, col, col_steps[i]))
            enterprise_id = enterprises.get(r + 1)
            if len(plan.result.problems) > problems or enterprise_id is None:
                continue
            for year, given in years.items():
                plan.pending_years.append((sheet, r, enterprise_id, year,
                                           {f: v for f, (v, _c, _s) in given.items()},
                                           self.source if source in _PLAIN_SOURCE else source,
                                           {f: step for f, (_v, _c, step) in given.items()}))

    def _steps(self, layout: Layout, col: Column, values) -> list[int]:
        """The precision each cell carries, in yuan (kWh, people): the finer of its own and
        the column's, as monthly figures take it (FigureRows.cell_step): a list saved "as
        shown" (万元 to two decimals) gives the ledger's amounts back, not changes."""
        kind, _unit, factor = self.figures.column_spec(layout, col)
        if factor == 1 and kind == "count":
            return [1] * len(values)
        own = by_value(values, lambda v: cells.carried_step(v, factor))
        column = cells.common_step(own)
        return [column if step is None else min(step, column) for step in own]

    def _year_of(self, layout: Layout, col: Column, row_year: int | None) -> int | None:
        h = col.header
        if h.figure_year is not None:
            return h.figure_year
        offset = h.year_offset or 0
        if row_year is not None:
            return row_year + offset
        if self.year is not None:
            return self.year
        if layout.year is not None:
            return layout.year + offset
        return None

    def _row_enterprises(self, sheet: str) -> dict[int, str]:
        """Row number (Excel's) → the enterprise the row was planned as, new or of the ledger."""
        plan = self.plan
        out = {}
        for code, (where, row) in plan.seen_codes.items():
            if where != sheet:
                continue
            if code in plan.new:
                out[row] = plan.new[code].id
            elif code in plan.existing:
                out[row] = plan.existing[code]["id"]
        return out

    # -- against the ledger -------------------------------------------------------------------
    def plan_pending_years(self) -> None:
        """Compare the checked years with the ledger's annual figures, in row order, after
        one read per 500 enterprises."""
        plan = self.plan
        pending, plan.pending_years = plan.pending_years, []
        wanted = list(dict.fromkeys(p[2] for p in pending if p[2] not in plan.new_ids))
        recorded: dict[tuple[str, int], dict] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for a in plan.ledger.rows("SELECT * FROM annual_figures WHERE enterprise_id IN"
                                      f" ({','.join('?' * len(chunk))})", chunk):
                recorded[(a["enterprise_id"], a["year"])] = a
        result, seen = plan.result, {}
        for sheet, r, enterprise_id, year, values, source, steps in pending:
            key = (enterprise_id, year)
            if key in seen:
                plan.problem(sheet, r, None, "", f"{year}年的年度数与第{seen[key]}行重复（同一企业同一年度）")
                continue
            seen[key] = r + 1
            row_id = annual_figure_id(enterprise_id, year)
            current = recorded.get(key)
            if current is None:
                plan.annual_inserts.append((row_id, enterprise_id, year,
                                            *map(values.get, FIGURE_FIELDS), source))
                result.annual_created += 1
                result.enterprise_ids.add(enterprise_id)
                continue
            # equal at the precision the file carries is no change (cells.equal_at_step)
            diff = {k: v for k, v in values.items()
                    if not cells.equal_at_step(current.get(k), v, steps[k])}
            if not diff:
                result.annual_unchanged += 1
                continue
            shown = {FIELD_LABELS[k]: (_show(k, current.get(k)), _show(k, v)) for k, v in diff.items()}
            if source != current.get("source"):
                diff["source"] = source
            plan.annual_updates.append((row_id, diff))
            result.annual_updated.append(Change(sheet, r + 1, f"{self._name(enterprise_id)} {year}年",
                                                shown))
            result.enterprise_ids.add(enterprise_id)

    def _name(self, enterprise_id: str) -> str:
        if self._names is None:
            self._names = {e["id"]: e["name"] for e in self.plan.existing.values()}
        if enterprise_id in self._names:
            return self._names[enterprise_id]
        return self.plan.ledger.scalar("SELECT name FROM enterprises WHERE id = ?",
                                       (enterprise_id,)) or ""


def _short(text: str, limit: int = 24) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "…"
