"""The usual rows of a monthly-figures sheet (one month a row), checked a column at a time.

Like enterprise_bulk for enterprise lists: each column's distinct values are read once with
the functions the per-row check uses (figure_rows), and a row with anything to report — an
unknown enterprise, a bad month or amount, a month given twice — goes through the per-row
check, so findings and their order are the per-row check's.
tests/test_excel_bulk.py compares both ways on generated rows.

A column is one pass: its cells are cut from the grid once, a dict maps each distinct
value to its number and to the precision it carries (a 10,000-row sheet of 834 enterprises
has 97 distinct revenues), and the rows are put together by zip. The rows between two that
the per-row check must see are planned as one run (their months checked for repeats as a
set), never a Python object per cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections import Counter
from itertools import chain, compress, repeat
from operator import add, is_not, le, mul, not_, sub, truediv

from ...domain.text import match_key
from ...progress import Job
from ...spreadsheets import cells
from ...spreadsheets.column_values import by_value, cut_columns
from ...spreadsheets.columns import FIGURE_FIELDS
from ...spreadsheets.layout import Layout
from .figure_rows import FigureRows
from .plan import UNUSUAL, MonthRun, Plan
from .vocabulary import IMPLAUSIBLE_YUAN

_BY_NAME = object()  # no credit code in the row: its enterprise is found by name
# rows planned between two looks at the cancel flag (and progress told)
_CHUNK = 2000
# distinct values of a column few enough to count their steps in a Python loop
_FEW = 2000


class FigureColumns:
    """Plans the usual rows of monthly-figures sheets into `plan` a column at a time,
    handing the others to `rows` (the per-row check) in their turn."""

    def __init__(self, plan: Plan, rows: FigureRows, job: Job):
        self.plan, self.rows, self.job = plan, rows, job
        self._given: frozenset[str] = frozenset()  # the figures the sheet has columns for

    def plan_rows(self, layout: Layout, rows: list[int], done: int, total: int) -> bool:
        """Check the rows (grid indices) of a figures sheet, in order; False (nothing done)
        for a sheet of a month a column: the per-row check takes those rows."""
        if layout.month_columns:
            return False
        job = self.job
        ids, periods, values, steps = self._usual_figure_columns(layout, rows)
        job.check()
        unusual: set[int] = set()
        for column in (ids, periods, *values):
            if UNUSUAL in column:
                unusual.update(i for i, v in enumerate(column) if v is UNUSUAL)
        plan_row = self.rows.plan_row
        start = 0
        for stop in (*sorted(unusual), len(rows)):
            # the usual rows before the next unusual one, a chunk at a time
            for first in range(start, stop, _CHUNK):
                self._plan_run(layout, rows, ids, periods, values, steps,
                               first, min(stop, first + _CHUNK))
                job.check()
                job.tell("检查数据", done + min(stop, first + _CHUNK), total)
            if stop < len(rows):
                plan_row(layout, rows[stop])  # reports what the column check left to it
                if stop % _CHUNK == 0:
                    job.check()
                    job.tell("检查数据", done + stop, total)
            start = stop + 1
        return True

    def _plan_run(self, layout: Layout, rows: list[int], ids: list, periods: list,
                  values: list, steps: list, start: int, stop: int) -> None:
        """Plan rows start … stop - 1 (positions in `rows`), none of which has a cell the
        per-row check must see, as FigureRows.plan_row plans them: a row without a number is
        left out, the others' months go to plan.pending_months as one MonthRun. A month
        given twice (in these rows or before) is left to the per-row check, which reports
        it, and the run is then planned row by row."""
        plan, sheet = self.plan, layout.grid.name
        seen = plan.seen_months
        span = slice(start, stop)
        numbers = [c[span] for c in values]
        given = [c for c, f in zip(numbers, FIGURE_FIELDS) if f in self._given]
        if all(None in c for c in given):  # perhaps rows without a number: which have one
            filled: set[int] = set()
            for c in given:
                filled.update(compress(range(start, stop), map(is_not, c, repeat(None))))
            kept: list[int] | range = sorted(filled)
        else:
            kept = range(start, stop)
        if len(kept) < stop - start:
            pick = [i - start for i in kept]

            def cut(column):
                return list(map(column.__getitem__, pick))
            numbers = [cut(c) for c in numbers]
            run_steps = [cut(c[span]) for c in steps]
        else:
            run_steps = [c[span] for c in steps]
        run_ids, run_periods = list(map(ids.__getitem__, kept)), list(map(periods.__getitem__, kept))
        grid_rows = list(map(rows.__getitem__, kept))
        keys = list(zip(run_ids, run_periods))
        fresh = dict(zip(keys, map(add, grid_rows, repeat(1))))
        if len(fresh) == len(keys) and seen.keys().isdisjoint(fresh):
            seen.update(fresh)
            plan.pending_months.append(MonthRun([sheet] * len(keys), grid_rows, run_ids,
                                                run_periods, numbers, run_steps))
            return
        for j, (key, r) in enumerate(zip(keys, grid_rows)):
            if key in seen:
                self.rows.plan_row(layout, r)  # reports the month given twice
                continue
            seen[key] = r + 1
            plan.pending_months.append((sheet, r, run_ids[j], run_periods[j],
                                        tuple(c[j] for c in numbers),
                                        tuple(c[j] for c in run_steps)))

    def _usual_figure_columns(self, layout: Layout, rows: list[int]):
        """Per row: the enterprise id, the month, each figure column's number (UNUSUAL where
        the per-row check has something to report) and the step each number carries (1
        where there is no number)."""
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
        usual_enterprise = self._usual_enterprise
        ids = by_value(column(code_col), lambda v: usual_enterprise(cells.credit_code(v)))
        if _BY_NAME in ids:
            names = column(name_col)
            by_name = by_value([names[i] for i, e in enumerate(ids) if e is _BY_NAME],
                               lambda v: self._usual_enterprise_named(cells.text(v)))
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
        self._given = frozenset(given)
        ones = (1,) * len(rows)
        values, steps = [], []
        for f in FIGURE_FIELDS:
            if f in given:
                numbers, carried = self._numbers_and_steps(layout, given[f], column(given[f]))
            else:
                numbers, carried = blank, ones
            values.append(numbers)
            steps.append(carried)
        return ids, periods, values, steps

    def _numbers_and_steps(self, layout: Layout, col, values) -> tuple[list, list]:
        """FigureRows.number of each cell (UNUSUAL where it reports a problem) and the step
        it carries (FigureRows.cell_step; 1 where there is no number), each worked out once
        per distinct value. A column of numbers (the usual case) is worked out by map over
        its distinct values, the arithmetic of cells.scaled_number and cells.carried_step
        done in the same order (so to the same bits); only the values those call doubtful
        (not plainly whole, negative, implausible) go through FigureRows.number."""
        figure_rows = self.rows
        kind, _unit, factor = figure_rows.column_spec(layout, col)
        ones = factor == 1 and kind == "count"  # every cell carries 1 (cell_step)

        def number(v):
            try:
                return figure_rows.number(layout, col, v)
            except ValueError:
                return UNUSUAL

        kinds = set(map(type, values)) - {type(None)}
        if kinds - {int, float}:  # text, dates, booleans: cell by cell, once per distinct one
            return self._by_cell(layout, col, values, number, ones)
        if ones and kinds == {float} and None not in values and all(map(float.is_integer, values)):
            # counts in their unit (kWh, people) read as whole floats: the numbers themselves
            numbers = list(map(int, values))
            if min(numbers) >= 0:
                return numbers, [1] * len(values)
        # equal numbers scale alike (1 and 1.0 too); the cells of each are counted for
        # the column's step, which a count column in its own unit does not need
        counts = dict.fromkeys(values) if ones else Counter(values)
        counts.pop(None, None)
        distinct = list(counts)
        limit = IMPLAUSIBLE_YUAN if kind == "money" else None
        try:
            products = list(map(mul, distinct, repeat(factor)))
            if kinds <= {int}:
                whole = products
                plain: Iterable = repeat(True)
            elif kinds == {float} and all(map(float.is_integer, products)):
                whole = list(map(int, products))  # counts, kWh: whole, as round would give
                plain = repeat(True)
            else:  # cells.scaled_number: the product when it is plainly whole
                whole = list(map(round, products))
                plain = _within(products, whole)
            memo = dict(zip(distinct, whole))
            # the exact decimal way decides the others; a negative number or an implausible
            # amount is a problem FigureRows.number reports
            doubtful = list(compress(distinct, map(not_, plain)))
            if whole and (min(whole) < 0 or (limit is not None and max(whole) >= limit)):
                doubtful += [v for v, n in zip(distinct, whole) if n < 0 or (limit and n >= limit)]
            # an int carries the column's unit (cells.carried_step)
            own = ({} if ones else dict(zip(distinct, repeat(factor))) if kinds <= {int}
                   else carried_steps(distinct, products, factor))
        except (ValueError, OverflowError):  # NaN, infinity, a huge int: cell by cell
            return self._by_cell(layout, col, values, number, ones)
        for v in doubtful:
            memo[v] = number(v)
        memo[None] = None
        numbers = list(map(memo.__getitem__, values))
        if ones:
            return numbers, [1] * len(values)
        # the column's step from the cells carrying each step
        tally: Counter = Counter()
        if len(distinct) <= _FEW:
            for step, n in zip(map(own.__getitem__, distinct), counts.values()):
                tally[step] += n
        else:  # counted in C: each value's step repeated for its cells
            tally.update(chain.from_iterable(map(repeat, map(own.__getitem__, distinct),
                                                 counts.values())))
        column = figure_rows.column_step(layout, col, tally)
        steps = dict(zip(own, map(min, own.values(), repeat(column))))
        only = set(steps.values())
        if len(only) == 1 and None not in values:  # the usual column: every cell at one step
            return numbers, [only.pop()] * len(values)
        steps[None] = 1
        return numbers, list(map(steps.__getitem__, values))

    def _by_cell(self, layout: Layout, col, values, number, ones: bool) -> tuple[list, list]:
        """(numbers, steps) of the cells, each worked out once per distinct cell (by_value:
        1, 1.0 and True apart)."""
        cell_step = self.rows.cell_step
        pairs = by_value(values, lambda v: (n := number(v), 1 if n is None or n is UNUSUAL or ones
                                            else cell_step(layout, col, v)))
        return [p[0] for p in pairs], [p[1] for p in pairs]

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


def _within(scaled: list, whole: list):
    """abs(s - w) <= abs(s) * 1e-12 + 1e-9 for each pair, by map (the tolerance with which
    cells.scaled_number and cells.carried_step take a product as whole)."""
    return map(le, map(abs, map(sub, scaled, whole)),
               map(add, map(mul, map(abs, scaled), repeat(1e-12)), repeat(1e-9)))


def carried_steps(distinct: list, products: list, factor: int) -> dict:
    """cells.carried_step of each distinct float (the products: each times `factor`), by
    map: the coarsest step at which the product divided by it is whole."""
    found: dict = {}
    step = factor
    while step > 1 and distinct:
        scaled = list(map(truediv, products, repeat(step)))
        whole = list(_within(scaled, list(map(round, scaled))))
        found.update(zip(compress(distinct, whole), repeat(step)))
        rest = list(map(not_, whole))
        distinct, products = list(compress(distinct, rest)), list(compress(products, rest))
        step //= 10
    found.update(zip(distinct, repeat(1)))
    return found
