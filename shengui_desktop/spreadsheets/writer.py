"""Writing the tables offices hand on: a title row, Chinese headers, money as numbers in 万元
with a number format (not text, so sums work in Excel and WPS), a frozen header, an
auto-filter and column widths that fit the content.

XlsxWriter builds the workbook in memory (``in_memory``): openpyxl wrote every sheet to a
temporary file in the system's temp folder first, a plain copy of ledger data that a crash
would have left behind. The finished file is written beside its destination under a
temporary name and renamed, so a failed export never leaves half a file (and it is several
times faster: see bench/bench_excel.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import Iterable

import xlsxwriter

from ..paths import write_replacing

WAN_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
_HEADER = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "border_color": "#A6A6A6",
           "align": "center", "valign": "vcenter", "text_wrap": True}


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text | wan (value in yuan, shown in 万元) | int | date | percent
    width: float | None = None  # None: fit the content


def _display_width(value) -> int:
    """Columns a value needs: a CJK character takes two; a text of several lines, its
    longest line."""
    return max(sum(2 if ord(ch) > 0x2E7F else 1 for ch in line)
               for line in str(value).split("\n"))


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
    """A workbook of one or more titled tables, built in memory and written at save()."""

    SAMPLE_ROWS = 2000  # column widths are fitted to the first rows

    def __init__(self, office: str, today: date | None = None):
        self._buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self._buffer, {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False})
        self.office = office
        self.today = today or date.today()
        add = self.workbook.add_format
        self._title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self._sub = add({"font_size": 10, "font_color": "#595959"})
        self._header = add(_HEADER)
        self._formats = {kind: add({"num_format": fmt}) for kind, fmt in _FORMATS.items()}
        # a text of several paragraphs (a visit's summary) shows them only when the cell wraps
        self._wrap = add({"text_wrap": True, "valign": "top"})

    def add_table(self, sheet: str, title: str, columns: list[Col], rows: Iterable[list],
                  *, note: str = "") -> int:
        ws = self.workbook.add_worksheet(sheet[:31])
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
        for c, col in enumerate(columns):
            ws.set_column(c, c, col.width or min(max(widths[c], 6), 50))
        ws.freeze_panes(3, 0)
        ws.repeat_rows(2)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)

        ws.set_row(0, 28)
        ws.merge_range(0, 0, 0, n - 1, title, self._title)
        line = f"填报单位：{self.office}    导出日期：{self.today.isoformat()}"
        if any(c.kind == "wan" for c in columns):
            line += "    金额单位：万元"
        if note:
            line += f"    {note}"
        ws.merge_range(1, 0, 1, n - 1, line, self._sub)
        for c, col in enumerate(columns):
            ws.write_string(2, c, col.header, self._header)

        formats = [self._formats.get(col.kind) for col in columns]
        write_number, write_string = ws.write_number, ws.write_string
        write_datetime, write_boolean = ws.write_datetime, ws.write_boolean
        wrap = self._wrap

        def out(r: int, values: list) -> None:
            for c, (fmt, value) in enumerate(zip(formats, values)):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    # text that looks like a formula stays text
                    if "\n" in value:
                        write_string(r, c, value, wrap)
                    else:
                        write_string(r, c, value)
                elif kind is bool:
                    write_boolean(r, c, value)
                elif kind is int or kind is float:
                    write_number(r, c, value, fmt)
                elif isinstance(value, (date, datetime)):
                    write_datetime(r, c, value, fmt or self._formats["date"])
                else:
                    write_string(r, c, str(value))

        r = 3
        for values in sample:
            out(r, values)
            r += 1
        for row in rows:
            out(r, [_cell_value(col.kind, v) for col, v in zip(columns, row)])
            r += 1
        count = r - 3
        ws.autofilter(2, 0, 2 + max(count, 1), n - 1)
        return count

    def save(self, path: Path) -> Path:
        """Write the file: under a temporary name beside it, then renamed."""
        if not self.workbook.worksheets():
            self.workbook.add_worksheet("Sheet1")
        self.workbook.close()
        return write_replacing(path, lambda tmp: tmp.write_bytes(self._buffer.getbuffer()))
