"""Form templates (一表通): an ordinary .xlsx whose cells hold placeholders, filled in place.

The file-format side of services/excel/forms.py: reading a template's placeholders and its
repeated region, and writing a filled copy that keeps what the department's form has —
formatting, merged cells, column widths, formulas, data validation, conditional formats,
print setup and print titles, page breaks. What a field means is not known here: the service
checks the names and computes the values.

Syntax (docs in services/excel/forms.py FIELD_HELP and the blank template's 字段说明 sheet):

- `{{字段}}` or `{{字段:修饰:修饰}}` (a full-width colon ： works too) anywhere in a cell's text;
  a cell that is exactly one placeholder gets a typed value (number, date), otherwise the
  placeholder is replaced by its text.
- One repeated row per sheet: a cell of it holds `{{#企业 筛选=值 …}}` and a cell of the same
  row `{{/企业}}` (the two may share a cell with a field, `{{#企业}}{{序号}}`); or a workbook
  name (公式 → 名称管理器) called 企业 that covers one row. That row is repeated once per
  enterprise, each copy with the marked row's style, height, merged cells and formulas.
- Formulas outside the row whose ranges reach it are widened over the rows inserted, so a
  total written as `=SUM(E5:E5)` under a one-row region becomes `=SUM(E5:E44)`.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from openpyxl import load_workbook
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

from ..errors import UserError
from .forms_formula import FormulaError, Uncomputable, evaluate

REGION = "企业"
HELP_SHEET = "字段说明"  # the blank template's list of fields: never read as a form, left as it is
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)
MODIFIER_SPLIT = re.compile(r"[:：]")
FILTER_ITEM = re.compile(r"^([^=＝]+)[=＝](.+)$")


# -- what a template holds ------------------------------------------------------------------
@dataclass(frozen=True)
class Expr:
    """One placeholder: its field, its modifiers, and the cell it is in."""

    where: str  # the cell as messages name it: "B5", or "名单!B5" in a workbook of several sheets
    field: str  # 企业名称, 营业收入, 合计.营业收入, 单位 …
    modifiers: tuple[str, ...] = ()
    in_region: bool = False
    sheet: str = ""

    @property
    def key(self) -> str:
        return ":".join((self.field, *self.modifiers))


@dataclass
class Region:
    """The repeated row of one sheet."""

    sheet: str
    row: int
    where: str  # the cell of its marker (or the workbook name)
    filters: list[tuple[str, str]] = field(default_factory=list)  # (name, value) as written
    headers: dict[int, str] = field(default_factory=dict)  # column → the form's heading above the row


@dataclass
class TemplateCell:
    sheet: str
    row: int
    column: int
    parts: list  # str and Expr, in order
    in_region: bool

    @property
    def exprs(self) -> list[Expr]:
        return [p for p in self.parts if isinstance(p, Expr)]

    @property
    def single(self) -> Expr | None:
        """The placeholder when the cell is exactly one (spaces around it aside)."""
        exprs = self.exprs
        if len(exprs) == 1 and all(isinstance(p, Expr) or not p.strip() for p in self.parts):
            return exprs[0]
        return None


@dataclass
class FormTemplate:
    path: Path
    sheets: list[str]
    cells: list[TemplateCell]
    regions: dict[str, Region]  # by sheet
    problems: list[str]  # syntax problems, each naming its cell ("模板 B5：…")

    @property
    def exprs(self) -> list[Expr]:
        return [e for c in self.cells for e in c.exprs]


@dataclass(frozen=True)
class FieldValue:
    """A computed value: what a cell of its own gets (`value`, with `number_format` when the
    template's cell has none), and `text` when the placeholder sits inside other text."""

    value: Any
    number_format: str | None = None
    text: str | None = None

    def shown(self) -> str:
        if self.text is not None:
            return self.text
        return "" if self.value is None else str(self.value)


def cell_name(sheets: list[str], sheet: str, row: int, column: int) -> str:
    coordinate = f"{get_column_letter(column)}{row}"
    return coordinate if len(sheets) == 1 else f"{sheet}!{coordinate}"


def problem(where: str, text: str) -> str:
    return f"模板 {where}：{text}"


# -- reading ----------------------------------------------------------------------------------
def open_workbook(path: Path | str):
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise UserError(f"“{path.name}”不是.xlsx文件：报表模板请用Excel或WPS另存为.xlsx格式")
    if not path.is_file():
        raise UserError(f"找不到模板文件“{path}”")
    try:
        return load_workbook(path)
    except Exception as e:  # a damaged or foreign file: openpyxl raises many kinds
        raise UserError(f"无法读取模板“{path.name}”（{type(e).__name__}），请用Excel或WPS打开后另存为.xlsx再试") from e


def read_template(path: Path | str) -> FormTemplate:
    """The template's placeholders and regions, with every syntax problem named by cell (the
    service adds those of field names, modifiers and filters)."""
    book = open_workbook(path)
    return parse_book(book, Path(path))


def parse_book(book, path: Path) -> FormTemplate:
    sheets = [ws.title for ws in book.worksheets]
    cells: list[TemplateCell] = []
    regions: dict[str, Region] = {}
    problems: list[str] = []
    for ws in book.worksheets:
        if ws.title == HELP_SHEET:
            continue
        open_at: Region | None = None
        closed_rows: set[int] = set()
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or "{{" not in c.value and "}}" not in c.value:
                    continue
                where = cell_name(sheets, ws.title, c.row, c.column)
                parts, markers, bad = split_cell(c.value, where, ws.title)
                if bad:
                    problems.append(problem(where, bad))
                    continue
                for kind, inner in markers:
                    if kind == "open":
                        name, _, rest = inner.partition(" ")
                        if name.strip() != REGION:
                            problems.append(problem(where, f"重复区域只能是“{REGION}”（写作{{{{#{REGION}}}}}），不是“{name}”"))
                            continue
                        if ws.title in regions:
                            problems.append(problem(where, f"一个工作表只能有一个重复区域，"
                                                           f"{regions[ws.title].where}已经开始了一个"))
                            continue
                        filters, bad_filter = parse_filters(rest)
                        if bad_filter:
                            problems.append(problem(where, bad_filter))
                        open_at = Region(ws.title, c.row, where, filters)
                        regions[ws.title] = open_at
                    else:
                        if inner.strip() != REGION:
                            problems.append(problem(where, f"区域结束应写作{{{{/{REGION}}}}}"))
                        elif open_at is None or open_at.row != c.row:
                            problems.append(problem(where, f"{{{{/{REGION}}}}}前面没有同一行的{{{{#{REGION}}}}}"
                                                    if open_at is None else
                                                    f"区域结束与开始（{open_at.where}）不在同一行：重复区域只能是一行"))
                        else:
                            closed_rows.add(c.row)
                cells.append(TemplateCell(ws.title, c.row, c.column, parts, False))
        for region in list(regions.values()):
            if region.sheet == ws.title and region.row not in closed_rows:
                # (the row is still read as the region: its fields are not reported again)
                problems.append(problem(region.where, f"重复区域没有结束：请在同一行最后一个单元格写上{{{{/{REGION}}}}}"))
    # a workbook name 企业 over one row marks that row, filters none
    defined = book.defined_names.get(REGION) if hasattr(book.defined_names, "get") else None
    if defined is not None:
        for title, ref in defined.destinations:
            lo_col, lo_row, hi_col, hi_row = range_boundaries(ref.replace("$", ""))
            where = f"名称“{REGION}”（{title}!{ref}）"
            if lo_row != hi_row:
                problems.append(problem(where, "名称所指的区域只能是一行"))
            elif title not in regions:
                regions[title] = Region(title, lo_row, where)
    for region in regions.values():
        region.headers = headings(book[region.sheet], region.row)
    for c in cells:
        region = regions.get(c.sheet)
        c.in_region = region is not None and region.row == c.row
        c.parts = [Expr(p.where, p.field, p.modifiers, c.in_region, p.sheet) if isinstance(p, Expr) else p
                   for p in c.parts]
    for c in cells:
        for e in c.exprs:
            if not e.field:
                problems.append(problem(e.where, "占位符{{}}里没有字段名"))
    return FormTemplate(path, sheets, cells, regions, problems)


def headings(ws, row: int) -> dict[int, str]:
    """Each column's heading: the nearest text without placeholders in the three rows above."""
    out: dict[int, str] = {}
    for r in range(row - 1, max(row - 4, 0), -1):
        for c in ws[r]:
            value = c.value
            if c.column not in out and isinstance(value, str) and value.strip() and "{{" not in value:
                out[c.column] = value.strip()
    return out


def split_cell(text: str, where: str = "", sheet: str = "") -> tuple[list, list[tuple[str, str]], str | None]:
    """A cell's text as literal parts and placeholders, its region markers, or the problem."""
    parts: list = []
    markers: list[tuple[str, str]] = []
    at = 0
    for m in PLACEHOLDER.finditer(text):
        literal = text[at:m.start()]
        if "{{" in literal or "}}" in literal:
            return [], [], "“{{”和“}}”不成对"
        if literal:
            parts.append(literal)
        inner = m.group(1).strip()
        if "{{" in inner:
            return [], [], "“{{”和“}}”不成对"
        if inner.startswith(("#", "＃")):
            markers.append(("open", inner[1:].strip()))
        elif inner.startswith("/"):
            markers.append(("close", inner[1:].strip()))
        else:
            name, *mods = [x.strip() for x in MODIFIER_SPLIT.split(inner)]
            parts.append(Expr(where, name, tuple(mods), sheet=sheet))
        at = m.end()
    rest = text[at:]
    if "{{" in rest or "}}" in rest:
        return [], [], "“{{”和“}}”不成对（缺少“}}”或“{{”）"
    if rest:
        parts.append(rest)
    return parts, markers, None


def parse_filters(text: str) -> tuple[list[tuple[str, str]], str | None]:
    out = []
    for item in text.replace("　", " ").split():
        m = FILTER_ITEM.match(item)
        if not m:
            return out, f"筛选条件“{item}”应写作 名称=值（如 库别=培育库），多个条件用空格分开"
        out.append((m.group(1).strip(), m.group(2).strip()))
    return out, None


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


def insert_region_rows(book, ws, row: int, count: int) -> Shift:
    """Make room for `count` copies of row `row` below it, moving and widening everything
    that refers to the rows below."""
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
        if name.attr_text and name.name != REGION:
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


# -- filling ------------------------------------------------------------------------------------
ValueOf = Callable[[Expr], FieldValue]


def fill_book(template: FormTemplate, single: ValueOf, rows: dict[str, list[ValueOf]],
              on_rows: Callable[[int, int], None] = lambda done, total: None):
    """The template's workbook filled: `single` gives a placeholder outside a region its value,
    `rows[sheet]` one function per enterprise of that sheet's region; `on_rows(done, total)`
    is called every 200 rows (progress, and a cancel raised from it stops the filling). The
    template file is read again, so the FormTemplate is not changed."""
    book = open_workbook(template.path)
    for ws in book.worksheets:
        if ws.title == HELP_SHEET:
            continue
        region = template.regions.get(ws.title)
        sheet_cells = [c for c in template.cells if c.sheet == ws.title]
        shift = Shift(ws.title, 0, 0)
        if region is not None:
            values = rows.get(ws.title, [])
            count = max(len(values), 1) - 1
            max_column = max([ws.max_column] + [c.column for c in sheet_cells])
            shift = insert_region_rows(book, ws, region.row, count)
            copy_row(ws, region.row, count, max_column)
            region_cells = [c for c in sheet_cells if c.in_region]
            for i, value_of in enumerate(values):
                if i % 200 == 0:
                    on_rows(i, len(values))
                for c in region_cells:
                    write_cell(ws.cell(region.row + i, c.column), c, value_of)
            if not values:  # no enterprise: the marked row stays, empty
                for c in region_cells:
                    ws.cell(region.row, c.column).value = None
        for c in sheet_cells:
            if not c.in_region:
                write_cell(ws.cell(shift.row_of(c.row), c.column), c, single)
    return book


def write_cell(target, cell: TemplateCell, value_of: ValueOf) -> None:
    one = cell.single
    if one is not None:
        v = value_of(one)
        target.value = v.value
        if v.number_format and target.number_format == "General":
            target.number_format = v.number_format
        return
    text = "".join(p if isinstance(p, str) else value_of(p).shown() for p in cell.parts)
    target.value = text or None


def preview_rows(template: FormTemplate, rows: dict[str, list[ValueOf]], limit: int = 20
                 ) -> tuple[list[str], list[list[str]]]:
    """The first region's header (the cells' placeholders) and its first `limit` rows as text."""
    for sheet in template.sheets:
        region = template.regions.get(sheet)
        if region is None:
            continue
        cells = sorted((c for c in template.cells if c.sheet == sheet and c.in_region), key=lambda c: c.column)
        header = [region.headers.get(c.column)
                  or "".join(p if isinstance(p, str) else p.key for p in c.parts) or get_column_letter(c.column)
                  for c in cells]
        lines = [["".join(p if isinstance(p, str) else value_of(p).shown() for p in c.parts) for c in cells]
                 for value_of in rows.get(sheet, [])[:limit]]
        return header, lines
    return [], []



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
    from datetime import date as date_type, datetime

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
