"""Rows inserted into a form template's sheet (forms.py fill_book): the marked row copied
below itself with its style, height, merges and formulas (copy_row), and whatever lay below
it moved down — formulas, data validation, conditional formats, print area and titles, page
breaks, defined names — with the ranges that reached the row widened over the new rows
(insert_region_rows, Shift)."""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass

from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

# -- shifting what lies below the region ---------------------------------------------------------
_REF = re.compile(r"^(?P<sheet>(?:'[^']+'|[^!]+)!)?(?P<a>\$?[A-Z]{1,3}\$?\d+|\$?\d+)"
                  r"(?::(?P<b>\$?[A-Z]{1,3}\$?\d+|\$?\d+))?$")
_POINT = re.compile(r"^(\$?[A-Z]{0,3})(\$?)(\d+)$")


@dataclass(frozen=True)
class Shift:
    """Rows inserted after row `row` of sheet `sheet`: `count` of them."""

    sheet: str
    row: int
    count: int

    def row_of(self, r: int) -> int:
        return r + self.count if r > self.row else r

    def span(self, lo: int, hi: int) -> tuple[int, int]:
        """A range of rows after the insertion: below moves, one reaching the row widens."""
        if lo > self.row:
            return lo + self.count, hi + self.count
        if hi >= self.row:
            return lo, hi + self.count
        return lo, hi

    def ref(self, text: str, here: str) -> str:
        """A reference token (A1, $B$5:E9, 'Sheet'!A1:A3, 3:5) seen from sheet `here`."""
        m = _REF.match(text)
        if not m:
            return text
        sheet = m.group("sheet")
        target = sheet[:-1].strip("'").replace("''", "'") if sheet else here
        if target != self.sheet:
            return text
        a, b = m.group("a"), m.group("b")
        pa, pb = _POINT.match(a), _POINT.match(b) if b else None
        if pa is None or (b and pb is None):
            return text
        lo = int(pa.group(3))
        hi = int(pb.group(3)) if pb else lo
        if pb is None:
            new_lo, new_hi = self.row_of(lo), self.row_of(lo)
        else:
            new_lo, new_hi = self.span(lo, hi)
        out = f"{pa.group(1)}{pa.group(2)}{new_lo}"
        if pb is not None:
            out += f":{pb.group(1)}{pb.group(2)}{new_hi}"
        return (sheet or "") + out

    def formula(self, text: str, here: str) -> str:
        try:
            tokens = Tokenizer(text).items
        except Exception:  # a formula openpyxl cannot read is left as it is
            return text
        changed = False
        for t in tokens:
            if t.type == Token.OPERAND and t.subtype == Token.RANGE:
                new = self.ref(t.value, here)
                if new != t.value:
                    t.value, changed = new, True
        return "=" + "".join(t.value for t in tokens) if changed else text

    def range_text(self, text: str) -> str:
        out = []
        for part in str(text).split():
            lo_col, lo_row, hi_col, hi_row = range_boundaries(part.replace("$", ""))
            if lo_row is None:
                out.append(part)
                continue
            lo, hi = self.span(lo_row, hi_row)
            out.append(CellRange(min_col=lo_col, min_row=lo, max_col=hi_col, max_row=hi).coord
                       if lo_col else f"{lo}:{hi}")
        return " ".join(out)


def insert_region_rows(book, ws, row: int, count: int, region_name: str) -> Shift:
    """Make room for `count` copies of row `row` below it, moving and widening everything
    that refers to the rows below; the workbook name `region_name` (the one that marks the
    row) stays on the marked row."""
    shift = Shift(ws.title, row, count)
    if count <= 0:
        return shift
    merged = [CellRange(str(m)) for m in ws.merged_cells.ranges]
    for m in merged:
        ws.unmerge_cells(m.coord)
    heights = {r: (d.height, d.hidden) for r, d in ws.row_dimensions.items() if r > row}
    ws.insert_rows(row + 1, count)
    for r in sorted(heights, reverse=True):
        dim = ws.row_dimensions[r]
        dim.height, dim.hidden = None, False
    for r, (height, hidden) in heights.items():
        dim = ws.row_dimensions[r + count]
        dim.height, dim.hidden = height, hidden
    for m in merged:
        lo, hi = shift.span(m.min_row, m.max_row)
        if m.min_row == m.max_row == row:
            for i in range(count + 1):
                ws.merge_cells(start_row=row + i, end_row=row + i, start_column=m.min_col, end_column=m.max_col)
        else:
            ws.merge_cells(start_row=lo, end_row=hi, start_column=m.min_col, end_column=m.max_col)
    # formulas of every sheet that may point here
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for c in cells:
                if c.data_type == "f" and isinstance(c.value, str):
                    c.value = shift.formula(c.value, sheet.title)
    for dv in ws.data_validations.dataValidation:
        dv.sqref = MultiCellRange(shift.range_text(dv.sqref))
        for attr in ("formula1", "formula2"):
            value = getattr(dv, attr)
            if value:
                setattr(dv, attr, shift.formula("=" + value, ws.title)[1:])
    shift_conditional_formats(ws, shift)
    if ws.auto_filter.ref:
        ws.auto_filter.ref = shift.range_text(ws.auto_filter.ref)
    if ws.print_area:
        ws.print_area = [shift.range_text(a.split("!")[-1].replace("$", "")) for a in
                         (ws.print_area if isinstance(ws.print_area, list) else ws.print_area.split(","))]
    if ws.print_title_rows:
        lo, hi = (int(x.replace("$", "")) for x in ws.print_title_rows.split(":"))
        lo, hi = shift.span(lo, hi)
        ws.print_title_rows = f"{lo}:{hi}"
    for brk in ws.row_breaks.brk:
        if brk.id > row:
            brk.id += count
    for name in list(book.defined_names.values()) if hasattr(book.defined_names, "values") else []:
        if name.attr_text and name.name != region_name:
            name.attr_text = shift.formula("=" + name.attr_text, "")[1:]
    for sheet in book.worksheets:
        for name in sheet.defined_names.values():
            if name.attr_text:
                name.attr_text = shift.formula("=" + name.attr_text, sheet.title)[1:]
    return shift


def shift_conditional_formats(ws, shift: Shift) -> None:
    old = ws.conditional_formatting
    rules = [(str(cf.sqref), cf.rules) for cf in old]
    if not rules:
        return
    from openpyxl.formatting.formatting import ConditionalFormattingList

    ws.conditional_formatting = ConditionalFormattingList()
    for sqref, items in rules:
        for rule in items:
            rule.formula = [shift.formula("=" + f, ws.title)[1:] for f in rule.formula or []]
            ws.conditional_formatting.add(shift.range_text(sqref), rule)


def copy_row(ws, row: int, count: int, max_column: int) -> None:
    """Give rows row+1 … row+count the marked row's style, height and formulas."""
    height = ws.row_dimensions[row].height
    for i in range(1, count + 1):
        if height is not None:
            ws.row_dimensions[row + i].height = height
        for col in range(1, max_column + 1):
            src = ws.cell(row, col)
            dst = ws.cell(row + i, col)
            if src.has_style:
                # the cell's indices into the workbook's shared styles: the openpyxl idiom for
                # copying a style (setting font, border, fill … one by one took 50 ms a row)
                dst._style = copy(src._style)
            if src.data_type == "f" and isinstance(src.value, str):
                dst.value = Translator(src.value, origin=src.coordinate).translate_formula(dst.coordinate)
