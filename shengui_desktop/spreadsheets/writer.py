"""Writing the tables offices hand on: a title row, Chinese headers, money as numbers in 万元
with a number format (not text, so sums work in Excel and WPS), a frozen header, an
auto-filter and column widths that fit the content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

WAN_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text | wan (value in yuan, shown in 万元) | int | date | percent
    width: float | None = None  # None: fit the content


def _display_width(value) -> int:
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell_value(kind: str, value):
    if value is None or value == "":
        return None
    if kind == "wan":
        # 万元 with up to four decimals keeps every yuan: the export reads back exactly
        return value / 10_000
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


_FORMATS = {"wan": WAN_FORMAT, "int": INT_FORMAT, "date": DATE_FORMAT, "percent": PERCENT_FORMAT}


class TableBook:
    """A workbook of one or more titled tables, streamed (openpyxl's write-only mode), so a
    county's 100,000 monthly rows export in seconds."""

    SAMPLE_ROWS = 2000  # column widths are fitted to the first rows

    def __init__(self, office: str, today: date | None = None):
        self.workbook = Workbook(write_only=True)
        self.office = office
        self.today = today or date.today()

    def add_table(self, sheet: str, title: str, columns: list[Col], rows: Iterable[list],
                  *, note: str = "") -> int:
        from openpyxl.cell import WriteOnlyCell

        ws = self.workbook.create_sheet(sheet[:31])
        n = max(len(columns), 1)
        rows = iter(rows)
        sample = [[_cell_value(col.kind, v) for col, v in zip(columns, row)]
                  for row in islice(rows, self.SAMPLE_ROWS)]
        widths = [_display_width(col.header) + 2 for col in columns]
        for row in sample:
            for c, (col, value) in enumerate(zip(columns, row)):
                if value is not None:
                    shown = f"{value:,.2f}" if col.kind == "wan" else (
                        "2024-01-01" if col.kind == "date" else value)
                    widths[c] = max(widths[c], _display_width(shown) + 2)
        for c, col in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(c)].width = col.width or min(max(widths[c - 1], 6), 50)
        ws.freeze_panes = "A4"
        ws.print_title_rows = "3:3"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

        head = WriteOnlyCell(ws, title)
        head.font = Font(bold=True, size=14)
        head.alignment = Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 28
        ws.append([head])
        line = f"填报单位：{self.office}    导出日期：{self.today.isoformat()}"
        if any(c.kind == "wan" for c in columns):
            line += "    金额单位：万元"
        if note:
            line += f"    {note}"
        sub = WriteOnlyCell(ws, line)
        sub.font = Font(size=10, color="595959")
        ws.append([sub])
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, col.header)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            header.append(cell)
        ws.append(header)
        formats = [_FORMATS.get(col.kind) for col in columns]
        # One styled cell per formatted column, given each row's number in turn: ws.append
        # writes the row out at once, so the cell is free again for the next row, and the
        # style is looked up once per column instead of once per cell. Made at the column's
        # first number, so the workbook's styles are registered in the same order as before.
        shared: list = [None] * len(formats)
        _numbers = (int, float)

        def out(values: list) -> list:
            row = []
            for c, (fmt, value) in enumerate(zip(formats, values)):
                if fmt and type(value) in _numbers:
                    cell = shared[c]
                    if cell is None:
                        cell = shared[c] = WriteOnlyCell(ws, value)
                        cell.number_format = fmt
                    else:
                        cell.value = value
                    row.append(cell)
                elif fmt and value is not None:
                    cell = WriteOnlyCell(ws, value)
                    cell.number_format = fmt
                    row.append(cell)
                elif isinstance(value, str) and value[:1] == "=":
                    cell = WriteOnlyCell(ws, value)
                    cell.data_type = "s"  # text that looks like a formula stays text
                    row.append(cell)
                else:
                    row.append(value)
            return row

        count = 0
        for values in sample:
            ws.append(out(values))
            count += 1
        for row in rows:
            ws.append(out([_cell_value(col.kind, v) for col, v in zip(columns, row)]))
            count += 1
        last_column = get_column_letter(n)
        ws.merged_cells.add(f"A1:{last_column}1")
        ws.merged_cells.add(f"A2:{last_column}2")
        ws.auto_filter.ref = f"A3:{last_column}{3 + max(count, 1)}"
        return count

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.workbook.worksheets:
            self.workbook.create_sheet("Sheet1")
        self.workbook.save(path)
        return path
