"""Monthly figures checked row by row: the enterprise a row is about, its month (or a month
a column), amounts in their units; the months compared with the ledger's at the end (the way
every row can take; figures_bulk takes the usual rows a faster way to the same plan)."""

from __future__ import annotations

from collections import Counter
from itertools import chain, compress, groupby, repeat
from operator import contains, itemgetter, not_

from ...domain import credit_code as cc
from ...domain.money import UNIT_FACTORS, format_wan
from ...domain.records import figure_year_problem, figure_years
from ...domain.text import match_key
from ...spreadsheets import cells
from ...spreadsheets.columns import FIGURE_FIELDS, LABELS, MONEY_FIELDS, electricity_factor, money_factor_unit
from ...spreadsheets.layout import Column, Layout
from ...storage.ledger import monthly_figure_id
from .plan import MonthRun, Plan
from .results import Change
from .vocabulary import DEFAULT_MONEY_UNIT, FIELD_LABELS, IMPLAUSIBLE_YUAN


def _show_figure(key: str, value) -> str:
    """A figure in a listed change: 万元 to two decimals, or four where the yuan need them
    (a change of 328.9512 to 328.9519 is not shown as 328.95 → 328.95)."""
    if value is None:
        return ""
    if key not in MONEY_FIELDS:
        return f"{value:,}"
    return f"{format_wan(value, 2 if value % 100 == 0 else 4)}万元"


class FigureRows:
    """Plans the rows of monthly-figures sheets one at a time into `plan`; at the end of
    the sheets, compares the checked months with the ledger's (plan_pending_months)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self._month_cache: dict[str, dict[str, dict]] = {}  # enterprise id → period → row
        self._column_specs: dict[int, tuple] = {}  # id(column) → column_spec
        self._sheet_rows: dict[int, list[int]] = {}  # id(layout) → its data rows
        self._column_steps: dict[int, int] = {}  # id(column) → the step most cells carry
        self._figure_specs: dict[int, list] = {}  # id(layout) → [(field, column)]
        self._names_by_id: dict[str, str] | None = None

    def check_layout(self, layout: Layout, rows: list[int]) -> None:
        """Report what the sheet as a whole lacks; `rows` are its data rows (grid indices),
        whose cells say the precision each figure column carries."""
        self._sheet_rows[id(layout)] = rows
        fields = layout.by_field()
        sheet = layout.grid.name
        if "credit_code" not in fields and "name" not in fields:
            self.plan.problem(sheet, layout.header_rows[-1], None, "",
                              "月度数据表需要“统一社会信用代码”或“企业名称”列")
        if not layout.month_columns and not any(f in fields for f in FIGURE_FIELDS):
            self.plan.problem(sheet, layout.header_rows[-1], None, "",
                              "月度数据表中没有可导入的指标列（主营业务收入、工业总产值、税收、用电量、从业人员）")
        for col in layout.month_columns:
            if col.header.month[0] is None and layout.year is None and "year" not in fields:
                self.plan.problem(sheet, layout.header_rows[-1], col, col.header.text,
                                  "无法确定年份：请在表头写明年月（如“2024年3月”）或在标题中写明年份")
                break

    def plan_row(self, layout: Layout, r: int) -> None:
        sheet = layout.grid.name
        cols = layout.by_field()
        row = layout.grid.rows[r]

        def cell(col: Column | None):
            return row[col.index] if col is not None and col.index < len(row) else None

        enterprise_id = self._enterprise_for(sheet, r, cols, cell)
        # (period → {field: value}) for this row, from the long or the wide layout
        months: dict[str, dict] = {}
        steps: dict[str, dict] = {}  # period → {field: the step its cell carries}
        problems_before = len(self.plan.result.problems)
        if layout.month_columns:
            year_value = cell(cols.get("year"))
            row_year = layout.year
            if not cells.is_blank(year_value):
                try:
                    row_year = cells.parse_count(year_value)
                except ValueError:
                    row_year = None
                if row_year is None or figure_year_problem(row_year):
                    first, last = figure_years()
                    self.plan.problem(sheet, r, cols.get("year"), year_value,
                                      f"年份“{cells.text(year_value)}”无效（应为{first}至{last}之间的四位数字）")
                    return
            for col in layout.month_columns:
                if not col.field:
                    continue
                year, month = col.header.month
                if year is None:
                    year = row_year
                if year is None:
                    continue
                if figure_year_problem(year):
                    self.plan.problem(sheet, r, col, cell(col), f"“{col.header.text}”：{figure_year_problem(year)}")
                    continue
                period = f"{year:04d}-{month:02d}"
                value = self._figure_value(layout, sheet, r, col, cell(col))
                if value is not None:
                    months.setdefault(period, {})[col.field] = value
                    steps.setdefault(period, {})[col.field] = self.cell_step(layout, col, cell(col))
        else:
            period = self._period(layout, sheet, r, cols, cell)
            values, given_steps = {}, {}
            figure_columns = self._figure_specs.get(id(layout))
            if figure_columns is None:
                figure_columns = self._figure_specs[id(layout)] = [
                    (f, cols[f]) for f in FIGURE_FIELDS if cols.get(f) is not None]
            for f, col in figure_columns:
                value = self._figure_value(layout, sheet, r, col, cell(col))
                if value is not None:
                    values[f] = value
                    given_steps[f] = self.cell_step(layout, col, cell(col))
            if period and values:
                months[period] = values
                steps[period] = given_steps
        if len(self.plan.result.problems) > problems_before or enterprise_id is None:
            return
        for period, values in months.items():
            key = (enterprise_id, period)
            if key in self.plan.seen_months:
                self.plan.problem(sheet, r, cols.get("period"), period,
                                  f"{period}的数据与第{self.plan.seen_months[key]}行重复")
                continue
            self.plan.seen_months[key] = r + 1
            self.plan.pending_months.append((sheet, r, enterprise_id, period, values,
                                             tuple(steps[period].get(f, 1) for f in FIGURE_FIELDS)))

    def _enterprise_for(self, sheet, r, cols, cell) -> str | None:
        code = cells.credit_code(cell(cols.get("credit_code")))
        name = cells.text(cell(cols.get("name")))
        if code:
            if code in self.plan.new:
                return self.plan.new[code].id
            if code in self.plan.existing:
                return self.plan.existing[code]["id"]
            check = cc.check(code)
            message = check.error or f"台账和本文件的企业名单中都没有统一社会信用代码为{code}的企业"
            self.plan.problem(sheet, r, cols.get("credit_code"), code, message)
            return None
        if name:
            key = match_key(name)
            found = [e["id"] for e in self.plan.existing_names.get(key, [])]
            found += [self.plan.new[c].id for c in self.plan.new_names.get(key, [])]
            if len(found) == 1:
                return found[0]
            self.plan.problem(sheet, r, cols.get("name"), name,
                              "台账中有多家同名企业，请填写统一社会信用代码" if found else
                              "台账和本文件的企业名单中都没有这家企业，请核对名称或填写统一社会信用代码")
            return None
        self.plan.problem(sheet, r, cols.get("credit_code") or cols.get("name"), "",
                          "统一社会信用代码和企业名称都为空")
        return None

    def _period(self, layout, sheet, r, cols, cell) -> str | None:
        period, problem = self.period_of(layout, cols, cell)
        if problem:
            self.plan.problem(sheet, r, *problem)
        return period

    @staticmethod
    def period_of(layout, cols, cell) -> tuple[str | None, tuple | None]:
        """(the row's month, or None with (column, value, message) to report)."""
        col = cols.get("period")
        try:
            if col is not None:
                value = cell(col)
                period = cells.parse_period(value, layout.year)
                if period is None:
                    return None, (col, "", "月份不能为空")
                problem = figure_year_problem(int(period[:4]))
                if problem:
                    return None, (col, value, problem)
                return period, None
            year, month = cell(cols.get("year")), cell(cols.get("month"))
            col = cols.get("month")
            y, m = cells.parse_count(year), cells.parse_count(month)
            if y is None or m is None or not 1 <= m <= 12 or figure_year_problem(y):
                return None, (col, f"{cells.text(year)}年{cells.text(month)}月", "年份或月份无效")
            return f"{y:04d}-{m:02d}", None
        except ValueError as e:
            return None, (col, cell(col), str(e))

    def _figure_value(self, layout: Layout, sheet: str, r: int, col: Column, value):
        try:
            return self.number(layout, col, value)
        except ValueError as e:
            self.plan.problem(sheet, r, col, value, str(e))
            return None

    def column_spec(self, layout: Layout, col: Column) -> tuple[str, str | None, int]:
        """("money", unit, factor to yuan) or ("count", None, factor) of a figure column."""
        spec = self._column_specs.get(id(col))
        if spec is None:
            if col.field in MONEY_FIELDS:
                unit = money_factor_unit(col.header.unit) or layout.unit or DEFAULT_MONEY_UNIT
                spec = ("money", unit, UNIT_FACTORS[unit])
            elif col.field == "electricity_kwh":
                spec = ("count", None, electricity_factor(col.header.unit))
            else:
                spec = ("count", None, 1)
            self._column_specs[id(col)] = spec
        return spec

    def cell_step(self, layout: Layout, col: Column, value) -> int:
        """The precision a figure cell carries, in yuan (kWh, people): the finer of its own
        and its column's (cells.common_step). A value within half a step of the ledger's is
        the ledger's value as the file writes it, not a change."""
        kind, _unit, factor = self.column_spec(layout, col)
        if factor == 1 and kind == "count":
            return 1
        column = self.column_step(layout, col)
        own = cells.carried_step(value, factor)
        return column if own is None else min(own, column)

    def column_step(self, layout: Layout, col: Column, tally: Counter | None = None) -> int:
        """The step most of a figure column's number cells carry in the sheet's data rows
        (cells.common_step of their carried_step: the most cells, the finer on a tie),
        worked out once per column; `tally`: how many of those cells carry each step, when
        the caller has counted them (figures_bulk)."""
        column = self._column_steps.get(id(col))
        if column is None:
            if tally is None:
                tally = self._step_tally(layout, col)
            tally.pop(None, None)
            column = self._column_steps[id(col)] = (
                min(tally, key=lambda s: (-tally[s], s)) if tally else 1)
        return column

    def _step_tally(self, layout: Layout, col: Column) -> Counter:
        """How many of the column's cells in the sheet's data rows carry each step (None:
        no number), each distinct cell worked out once (by_value's keys: 1, 1.0 and True
        apart)."""
        _kind, _unit, factor = self.column_spec(layout, col)
        grid, index = layout.grid.rows, col.index
        values = [grid[r][index] if index < len(grid[r]) else None
                  for r in self._sheet_rows.get(id(layout), ())]
        mixed = len(set(map(type, values)) - {type(None)}) > 1
        counts = Counter(zip(map(type, values), values) if mixed else values)
        tally: Counter = Counter()
        for key, n in counts.items():
            tally[cells.carried_step(key[1] if mixed else key, factor)] += n
        return tally

    def number(self, layout: Layout, col: Column, value):
        """A figure cell as an integer (yuan, kWh, people); None when blank; ValueError
        with the message to report."""
        if value is None or value == "":
            return None
        kind, unit, factor = self.column_spec(layout, col)
        number = cells.scaled_number(value, factor) if type(value) is float else None
        if number is None:
            number = (cells.parse_money(value, unit) if kind == "money"
                      else cells.parse_count(value, factor))
        if kind == "money" and number is not None and abs(number) >= IMPLAUSIBLE_YUAN:
            raise ValueError(f"按{unit}计为{number:,}元，明显过大：请核对金额单位")
        if number is not None and number < 0:
            raise ValueError(f"{LABELS[col.field]}不能为负数")
        return number

    def _months_of(self, enterprise_id: str) -> dict[str, dict]:
        """An enterprise's recorded months, read once (not one query per row)."""
        if enterprise_id not in self._month_cache:
            self._month_cache[enterprise_id] = {m["period"]: m for m in self.plan.ledger.rows(
                "SELECT * FROM monthly_figures WHERE enterprise_id = ?", (enterprise_id,))}
        return self._month_cache[enterprise_id]

    def _load_months(self, enterprise_ids) -> None:
        """The recorded months of many enterprises, 500 enterprises a query (not one each)."""
        wanted = [e for e in dict.fromkeys(enterprise_ids)
                  if e not in self._month_cache and e not in self.plan.new_ids]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for e in chunk:
                self._month_cache[e] = {}
            for m in self.plan.ledger.rows("SELECT * FROM monthly_figures WHERE enterprise_id IN "
                                      f"({','.join('?' * len(chunk))})", chunk):
                self._month_cache[m["enterprise_id"]][m["period"]] = m

    def plan_pending_months(self) -> None:
        """Compare the checked months with the ledger, in row order, after one bulk read.

        A month the ledger does not hold is an insert (in row order); the others are
        compared one by one (_plan_month: changes, unchanged). The column check's months
        come as runs of columns (MonthRun), the per-row check's one a row; both are planned
        a column at a time: the inserts' ids (monthly_figure_id) by map, each insert a tuple
        made by zip from the columns."""
        pending, self.plan.pending_months = self.plan.pending_months, []
        self._load_months(chain.from_iterable(e.ids if type(e) is MonthRun else (e[2],)
                                              for e in pending))
        for is_run, entries in groupby(pending, key=lambda e: type(e) is MonthRun):
            if is_run:
                for run in entries:
                    self._plan_run(run)
            else:
                self._plan_run(_rows_as_run(list(entries)))

    def _plan_run(self, run: MonthRun) -> None:
        # a month of an enterprise new in this file, or one the ledger lacks (new
        # enterprises have no recorded months: _load_months leaves them out)
        cache = self._month_cache
        if any(map(cache.get, set(run.ids))):  # some of these enterprises have months
            recorded = list(map(cache.get, run.ids, repeat({})))
            new = list(map(not_, map(contains, recorded, run.periods)))
        else:  # none (a first import, new enterprises): every month is new
            new = [True] * len(run.ids)
        everything = all(new)
        if everything:
            ids, periods, numbers = run.ids, run.periods, run.numbers
        else:
            ids, periods = list(compress(run.ids, new)), list(compress(run.periods, new))
            numbers = [list(compress(c, new)) for c in run.numbers]
        self.plan.figure_inserts.extend(zip(map(monthly_figure_id, ids, periods), ids, periods,
                                            *numbers))
        self.plan.result.enterprise_ids.update(ids)
        self.plan.result.figures_created += len(ids)
        if everything:
            return
        for i in compress(range(len(new)), map(not_, new)):
            self._plan_month(run.sheets[i], run.rows[i], run.ids[i], run.periods[i],
                             {f: c[i] for f, c in zip(FIGURE_FIELDS, run.numbers)
                              if c[i] is not None},
                             {f: c[i] for f, c in zip(FIGURE_FIELDS, run.steps)})

    def _name_of(self, enterprise_id: str):
        if self._names_by_id is None:
            self._names_by_id = {e["id"]: e["name"] for e in self.plan.existing.values()}
        if enterprise_id in self._names_by_id:
            return self._names_by_id[enterprise_id]
        return self.plan.ledger.scalar("SELECT name FROM enterprises WHERE id = ?", (enterprise_id,))

    def _plan_month(self, sheet, r, enterprise_id, period, values, steps) -> None:
        row_id = monthly_figure_id(enterprise_id, period)
        existing = None if enterprise_id in self.plan.new_ids else self._months_of(enterprise_id).get(period)
        if existing is None:
            self.plan.figure_inserts.append((row_id, enterprise_id, period,
                                             *map(values.get, FIGURE_FIELDS)))
            self.plan.result.figures_created += 1
        else:
            # a value the file carries at a coarser step than the ledger (2-decimal 万元) is
            # unchanged when it is the ledger's value at that step; a change is stored as given
            diff = {k: v for k, v in values.items()
                    if not cells.equal_at_step(existing.get(k), v, steps[k])}
            if diff:
                self.plan.figure_updates.append((row_id, diff))
                name = self._name_of(enterprise_id)
                self.plan.result.figures_updated.append(Change(sheet, r + 1, f"{name} {period}", {
                    FIELD_LABELS[k]: (_show_figure(k, existing.get(k)), _show_figure(k, v))
                    for k, v in diff.items()}))
            else:
                self.plan.result.figures_unchanged += 1
        self.plan.result.enterprise_ids.add(enterprise_id)


def _rows_as_run(entries: list[tuple]) -> MonthRun:
    """The per-row check's months ((sheet, r, id, period, values, steps): values a dict by
    field, or a tuple in FIGURE_FIELDS order) as one MonthRun."""
    values = [tuple(map(e[4].get, FIGURE_FIELDS)) if type(e[4]) is dict else e[4]
              for e in entries]
    width = len(FIGURE_FIELDS)
    return MonthRun(list(map(itemgetter(0), entries)), list(map(itemgetter(1), entries)),
                    list(map(itemgetter(2), entries)), list(map(itemgetter(3), entries)),
                    list(zip(*values)) or [()] * width,
                    list(zip(*map(itemgetter(5), entries))) or [()] * width)
