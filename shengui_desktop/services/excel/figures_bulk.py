"""The usual rows of a monthly-figures sheet (one month a row), checked a column at a time.

Like enterprise_bulk for enterprise lists: each column's distinct values are read once with
the functions the per-row check uses (figure_rows), and a row with anything to report — an
unknown enterprise, a bad month or amount, a month given twice — goes through the per-row
check, so findings and their order are the per-row check's.
tests/test_excel_bulk.py compares both ways on generated rows.
"""

from __future__ import annotations

from ...domain.text import match_key
from ...progress import Job
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cut_columns
from ...spreadsheets.columns import FIGURE_FIELDS
from ...spreadsheets.layout import Layout
from .figure_rows import FigureRows
from .plan import UNUSUAL, Plan
from .vocabulary import IMPLAUSIBLE_YUAN

_BY_NAME = object()  # no credit code in the row: its enterprise is found by name


class FigureColumns:
    """Plans the usual rows of monthly-figures sheets into `plan` a column at a time,
    handing the others to `rows` (the per-row check) in their turn."""

    def __init__(self, plan: Plan, rows: FigureRows, job: Job):
        self.plan, self.rows, self.job = plan, rows, job

    def plan_rows(self, layout: Layout, rows: list[int], done: int, total: int) -> bool:
        """Check the rows (grid indices) of a figures sheet, in order; False (nothing done)
        for a sheet of a month a column: the per-row check takes those rows."""
        if layout.month_columns:
            return False
        plan, job, plan_row = self.plan, self.job, self.rows.plan_row
        ids, periods, values, steps = self._usual_figure_columns(layout, rows)
        job.check()
        unusual = set()
        for column in (ids, periods, *values):
            if UNUSUAL in column:
                unusual.update(i for i, v in enumerate(column) if v is UNUSUAL)
        sheet = layout.grid.name
        seen, pending = plan.seen_months, plan.pending_months
        blank = (None,) * len(FIGURE_FIELDS)
        for i, (r, enterprise_id, period, numbers, given_steps) in enumerate(
                zip(rows, ids, periods, zip(*values), zip(*steps))):
            if i % 500 == 0:
                job.check()
                job.tell("检查数据", done + i, total)
            if i in unusual:
                plan_row(layout, r)
                continue
            if numbers == blank:
                continue  # nothing for that month: nothing to check or write
            key = (enterprise_id, period)
            if key in seen:
                plan_row(layout, r)  # reports the month given twice
                continue
            seen[key] = r + 1
            # the numbers in FIGURE_FIELDS order (plan_pending_months takes either form), and
            # the precision each cell carries (1 where there is no number)
            pending.append((sheet, r, enterprise_id, period, numbers,
                            tuple(1 if n is None else s for n, s in zip(numbers, given_steps))))
        return True

    def _usual_figure_columns(self, layout: Layout, rows: list[int]):
        """Per row: the enterprise id, the month, each figure column's number (UNUSUAL where
        the per-row check has something to report) and the step each number carries."""
        cols = layout.by_field()
        wanted = [cols.get(f) for f in ("credit_code", "name", "period", "year", "month")]
        figures = [(f, cols[f]) for f in FIGURE_FIELDS if cols.get(f) is not None]
        present = [c for c in wanted + [c for _, c in figures] if c is not None]
        cut = dict(zip(map(id, present), cut_columns(layout.grid.rows, rows,
                                                     [c.index for c in present])))
        blank = (None,) * len(rows)

        def column(col):
            return blank if col is None else cut[id(col)]

        code_col, name_col, period_col, year_col, month_col = wanted
        ids = by_value(by_value(column(code_col), cells.credit_code), self._usual_enterprise)
        if _BY_NAME in ids:
            names = by_value(column(name_col), cells.text)
            by_name = by_value([names[i] for i, e in enumerate(ids) if e is _BY_NAME],
                               self._usual_enterprise_named)
            found = iter(by_name)
            ids = [next(found) if e is _BY_NAME else e for e in ids]

        def period_of(cell):
            period, problem = self.rows.period_of(layout, cols, cell)
            return UNUSUAL if problem else period

        if period_col is not None:
            periods = by_value(column(period_col),
                               lambda v: period_of(lambda col: None if col is None else v))
        else:
            periods = by_value(list(zip(column(year_col), column(month_col))), lambda pair: period_of(
                lambda col: pair[0] if col is year_col and col is not None else
                pair[1] if col is month_col and col is not None else None))

        given = dict(figures)
        values = [blank if f not in given else self._usual_numbers(layout, given[f], column(given[f]))
                  for f in FIGURE_FIELDS]
        ones = (1,) * len(rows)
        steps = [ones if f not in given else by_value(
            column(given[f]), lambda v, col=given[f]: self.rows.cell_step(layout, col, v))
            for f in FIGURE_FIELDS]
        return ids, periods, values, steps

    def _usual_numbers(self, layout: Layout, col, values) -> list:
        """FigureRows.number of each cell (UNUSUAL where it reports a problem); in a column of
        numbers, each distinct one scaled inline the way FigureRows.number scales it."""
        def number(v):
            try:
                return self.rows.number(layout, col, v)
            except ValueError:
                return UNUSUAL

        kinds = set(map(type, values)) - {type(None)}
        if kinds - {int, float}:
            return by_value(values, number)
        kind, _unit, factor = self.rows.column_spec(layout, col)
        distinct = set(values)  # numbers: equal values scale alike (1 and 1.0 included)
        if kinds == {int}:
            memo = {v: None if v is None else v * factor for v in distinct}
        else:  # as cells.scaled_number: the product when it is plainly whole
            try:
                memo = {v: None if v is None else w
                        if abs((s := v * factor) - (w := round(s))) <= abs(s) * 1e-12 + 1e-9
                        else UNUSUAL for v in distinct}
            except (ValueError, OverflowError):  # NaN or infinity: cell by cell
                return by_value(values, number)
        limit = IMPLAUSIBLE_YUAN if kind == "money" else None
        for v, n in memo.items():
            # the exact decimal way decides; a negative number or an implausible amount is
            # a problem FigureRows.number reports
            if n is UNUSUAL or (n is not None and (n < 0 or (limit and n >= limit))):
                memo[v] = number(v)
        return list(map(memo.__getitem__, values))

    def _usual_enterprise(self, code: str):
        if not code:
            return _BY_NAME
        if code in self.plan.new:
            return self.plan.new[code].id
        if code in self.plan.existing:
            return self.plan.existing[code]["id"]
        return UNUSUAL

    def _usual_enterprise_named(self, name: str):
        if not name:
            return UNUSUAL
        key = match_key(name)
        found = [e["id"] for e in self.plan.existing_names.get(key, [])]
        found += [self.plan.new[c].id for c in self.plan.new_names.get(key, [])]
        return found[0] if len(found) == 1 else UNUSUAL
