"""Form templates (一表通): an ordinary .xlsx whose cells hold placeholders, filled in place.

The file-format side of services/excel/forms.py: reading a template's placeholders and its
repeated region, and writing a filled copy that keeps what the department's form has —
formatting, merged cells, column widths, formulas, data validation, conditional formats,
print setup and print titles, page breaks (the rows inserted and what lies below them moved:
forms_rows.py). What a field means is not known here: the service checks the names and
computes the values; a filled sheet for its PDF is forms_grid.py's.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from ..errors import UserError
from .forms_rows import Shift, copy_row, insert_region_rows

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
            shift = insert_region_rows(book, ws, region.row, count, REGION)
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
