"""A filled form's sheet as a plain grid for its PDF (reports/form_pdf.py): the texts as
Excel would show them (number formats; the formulas forms_formula.py can compute, the rest
FORMULA_MARK), column widths, merges, borders, bold, alignment and the print titles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from .forms_formula import FormulaError, Uncomputable, evaluate


# -- a filled sheet as a plain grid (for printing) -----------------------------------------------
@dataclass
class SheetGrid:
    """What a filled sheet shows, cell by cell, for the PDF: texts as Excel would display them
    (the formulas of forms_formula.py computed), column widths in Excel's units, merges, bordered and bold cells,
    and the rows repeated on every page (the print titles)."""

    title: str
    rows: list[list[str]]
    widths: list[float]
    merges: list[tuple[int, int, int, int]]  # (first row, first column, last row, last column), from 0
    bordered: set[tuple[int, int]]
    bold: set[tuple[int, int]]
    numbers: set[tuple[int, int]]  # right-aligned
    centered: set[tuple[int, int]]
    large: set[tuple[int, int]]  # type of 14 pt or more: a title
    title_rows: int
    landscape: bool
    uncomputed: list[str] = field(default_factory=list)  # cells of formulas shown as FORMULA_MARK


# a formula the PDF cannot compute (forms_formula.py) shows this, never a number it cannot vouch for
FORMULA_MARK = "#无法计算"


def display(value: Any, number_format: str) -> str:
    from datetime import date as date_type
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date_type):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    fmt = number_format or "General"
    decimals = len(fmt.split(".")[1].rstrip("%;")) if "." in fmt else 0
    decimals = min(decimals, 6)
    if "%" in fmt:
        return f"{value:.{decimals}%}"
    if fmt == "General":
        return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
    grouped = "," if "," in fmt else ""
    return f"{value:{grouped}.{decimals}f}"


def sheet_grid(ws) -> SheetGrid:
    max_row, max_col = ws.max_row, ws.max_column
    if ws.print_area:
        area = (ws.print_area if isinstance(ws.print_area, str) else ws.print_area[0]).split(",")[0]
        lo_col, lo_row, hi_col, hi_row = range_boundaries(area.split("!")[-1].replace("$", ""))
        max_row, max_col = min(max_row, hi_row or max_row), min(max_col, hi_col or max_col)
    # drop empty trailing rows and columns
    while max_row > 1 and all(ws.cell(max_row, c).value in (None, "") for c in range(1, max_col + 1)):
        max_row -= 1

    computed: dict[tuple[int, int], Any] = {}
    computing: set[tuple[int, int]] = set()

    def value_at(row: int, col: int) -> Any:
        """A cell's value, a formula's computed (forms_formula.py: a cell it cannot compute
        makes every formula that reads it uncomputable too, as a circle does)."""
        v = ws.cell(row, col).value
        if not (isinstance(v, str) and v.startswith("=")):
            return v
        if (row, col) in computed:
            return computed[(row, col)]
        if (row, col) in computing or len(computing) > 64:
            raise Uncomputable("circular")
        computing.add((row, col))
        try:
            result = computed[(row, col)] = evaluate(v, value_at)
        finally:
            computing.discard((row, col))
        return result

    rows, bordered, bold, numbers, centered, large = [], set(), set(), set(), set(), set()
    uncomputed: list[str] = []
    for r in range(1, max_row + 1):
        line = []
        for c in range(1, max_col + 1):
            cell = ws.cell(r, c)
            value = cell.value
            if isinstance(value, str) and value.startswith("="):
                try:
                    value = value_at(r, c)
                except FormulaError as e:  # what Excel shows: #DIV/0!, #VALUE!
                    value = str(e)
                except Uncomputable:
                    value = FORMULA_MARK
                    uncomputed.append(f"{get_column_letter(c)}{r}")
            line.append(display(value, cell.number_format))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                numbers.add((r - 1, c - 1))
            if cell.has_style:
                b = cell.border
                if any(getattr(b, side).style for side in ("left", "right", "top", "bottom")):
                    bordered.add((r - 1, c - 1))
                if cell.font is not None and cell.font.b:
                    bold.add((r - 1, c - 1))
                if cell.font is not None and (cell.font.sz or 11) >= 14:
                    large.add((r - 1, c - 1))
                if cell.alignment is not None and cell.alignment.horizontal in ("center", "centerContinuous"):
                    centered.add((r - 1, c - 1))
        rows.append(line)
    merges = []
    for m in ws.merged_cells.ranges:
        if m.min_row <= max_row and m.min_col <= max_col:
            merges.append((m.min_row - 1, m.min_col - 1, min(m.max_row, max_row) - 1, min(m.max_col, max_col) - 1))
            if (m.min_row - 1, m.min_col - 1) in bordered:
                bordered |= {(r, c) for r in range(m.min_row - 1, min(m.max_row, max_row))
                             for c in range(m.min_col - 1, min(m.max_col, max_col))}
    widths = [ws.column_dimensions[get_column_letter(c)].width or 9.0 for c in range(1, max_col + 1)]
    title_rows = 0
    if ws.print_title_rows:
        title_rows = int(ws.print_title_rows.split(":")[-1].replace("$", ""))
    return SheetGrid(ws.title, rows, widths, merges, bordered, bold, numbers, centered, large, title_rows,
                     ws.page_setup.orientation == "landscape" or sum(widths) > 100, uncomputed)
