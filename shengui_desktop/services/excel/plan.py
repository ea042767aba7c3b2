"""The plan of one import: what the checks look rows up in (the ledger's enterprises,
departments and townships), the findings so far, and every write to make.

The row checks (enterprise_rows, figure_rows) and their column-at-a-time fast paths
(enterprise_bulk, figures_bulk) all read and fill one Plan; the Planner (planner.py) makes
it, hands the sheets to them and writes the plan when nothing is wrong.
"""

from __future__ import annotations

from ...domain.text import match_key
from ...spreadsheets import cells
from ...spreadsheets.layout import Column
from ...spreadsheets.report import Finding
from ...storage.ledger import Ledger
from .results import ImportResult
from .townships import Townships

# a cell (or a row) the per-row check must see: the column check leaves it to that
UNUSUAL = object()


class Plan:
    """Lookups, findings and planned writes of one import (see the module's docstring)."""

    def __init__(self, ledger: Ledger, result: ImportResult, *, create_townships: bool = False):
        self.ledger = ledger
        self.result = result
        self.townships = Townships(ledger, create=create_townships)
        # departments and enterprises are looked up by the match_key of their names (a list
        # writing (山西) or 工 信 局 finds the record stored as （山西）, 工信局)
        departments = ledger.rows("SELECT id, name FROM departments")
        self.departments = {match_key(r["name"]): r["id"] for r in departments}
        self.department_names = {r["id"]: r["name"] for r in departments}
        # the ledger's enterprises the file names, read by the planner once it knows the sheets
        self.existing: dict[str, dict] = {}  # credit code → row
        self.existing_names: dict[str, list[dict]] = {}  # match key of the name → rows
        self.new: dict[str, NewEnterprise] = {}  # credit code → planned insert
        self.new_ids: set[str] = set()
        self.new_names: dict[str, list[str]] = {}  # match key → credit codes of planned inserts
        self.seen_codes: dict[str, tuple[str, int]] = {}  # credit code → (sheet, row)
        self.updates: list[tuple[str, dict]] = []  # (enterprise id, changed fields)
        self.figure_inserts: list[tuple] = []  # vocabulary.FIGURE_INSERT_COLUMNS
        self.figure_updates: list[tuple[str, dict]] = []
        self.seen_months: dict[tuple[str, str], int] = {}  # (enterprise id, period) → row
        # checked months, compared with the ledger at the end: MonthRun (the column check's
        # usual rows) or (sheet, r, id, period, values, steps) of one row (the per-row check)
        self.pending_months: list = []
        # annual figures (年度数) of enterprise lists, likewise: (sheet, r, id, year, values)
        self.pending_years: list[tuple] = []
        self.annual_inserts: list[tuple] = []  # vocabulary.ANNUAL_INSERT_COLUMNS
        self.annual_updates: list[tuple[str, dict]] = []
        self._insert_columns: frozenset | None = None

    def enterprise_columns(self) -> frozenset:
        """The columns of the enterprises table (what a planned insert may fill)."""
        if self._insert_columns is None:
            self._insert_columns = frozenset(self.ledger.spec("enterprises").columns)
        return self._insert_columns

    # -- findings -----------------------------------------------------------------------
    def problem(self, sheet: str, r: int | None, col: Column | None, value, message: str) -> None:
        self.result.problems.append(_finding(sheet, r, col, value, message))

    def warn(self, sheet: str, r: int | None, col: Column | None, value, message: str) -> None:
        self.result.warnings.append(_finding(sheet, r, col, value, message))


def _finding(sheet, r, col, value, message) -> Finding:
    return Finding(sheet, None if r is None else r + 1, col.index if col else None,
                   col.shown if col else "", cells.text(value), message)


class MonthRun:
    """Checked months a column at a time, in row order: the sheet and grid row of each, the
    enterprise's id, the month, and the figures and the step each cell carries as columns in
    FIGURE_FIELDS order (None and 1 where the row has no number). No object per row: the
    inserts are made from the columns (FigureRows.plan_pending_months)."""

    __slots__ = ("sheets", "rows", "ids", "periods", "numbers", "steps")

    def __init__(self, sheets: list[str], rows: list[int], ids: list[str], periods: list[str],
                 numbers: list, steps: list):
        self.sheets, self.rows, self.ids, self.periods = sheets, rows, ids, periods
        self.numbers, self.steps = numbers, steps


class NewEnterprise:
    """A planned insert: its record given (the per-row check), or the row `index` of a
    CleanColumns (the column check), whose record is made only when asked for."""

    __slots__ = ("id", "row", "sheet", "_record", "_columns", "_index")

    def __init__(self, id: str, record: dict | None, row: int, sheet: str,
                 columns: CleanColumns | None = None, index: int = 0):
        self.id, self.row, self.sheet = id, row, sheet
        self._record, self._columns, self._index = record, columns, index

    @property
    def record(self) -> dict:
        if self._record is None:
            self._record = self._columns.record(self._index)
        return self._record

    def insert_row(self, columns: tuple[str, ...]) -> tuple:
        """(id, *values) in the order of `columns`, None for the ones not given."""
        if self._record is None:
            return self._columns.insert_row(self._index, columns)
        return (self.id, *map(self._record.get, columns))


class CleanColumns:
    """The clean values of a sheet's rows, a list per key, as the column check leaves them."""

    def __init__(self, keys: list[str], columns: list[list], ids: list[str]):
        self.keys, self.columns, self.ids = keys, columns, ids
        self.townships: list = [None] * len(ids)  # filled as rows are planned
        self._rows: list[tuple] | None = None
        self._rows_for: tuple | None = None

    def record(self, i: int) -> dict:
        found = {k: values[i] for k, values in zip(self.keys, self.columns)
                 if values[i] is not None}
        found["township_code"] = self.townships[i]
        return found

    def insert_row(self, i: int, columns: tuple[str, ...]) -> tuple:
        if self._rows_for != columns:  # every row at once, by zip, when the first is asked
            given = dict(zip(self.keys, self.columns))
            given["township_code"] = self.townships
            blank = [None] * len(self.ids)
            self._rows = list(zip(self.ids, *[given.get(c, blank) for c in columns]))
            self._rows_for = columns
        return self._rows[i]
