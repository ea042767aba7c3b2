"""Writing the tables offices hand on: a title row, Chinese headers, money as numbers in 万元
with a number format (not text, so sums work in Excel and WPS), a frozen header, an
auto-filter and column widths that fit the content.

XlsxWriter builds the workbook in memory (``in_memory``): openpyxl wrote every sheet to a
temporary file in the system's temp folder first, a plain copy of ledger data that a crash
would have left behind. A big export streams its rows instead (TableBook's `beside`), to a
hidden folder next to the file the person chose, never to the system's temp folder. The finished file is written beside its destination under a
temporary name and renamed, so a failed export never leaves half a file (and it is several
times faster: see bench/bench_excel.py).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import xml_escapes

from ..paths import write_replacing

WAN_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
_BORDER = {"border": 1, "border_color": "#7F7F7F"}
_HEADER = {"bold": True, "bg_color": "#DDEBF7", **_BORDER,
           "align": "center", "valign": "vcenter", "text_wrap": True}
_TOTAL = {"bold": True, "bg_color": "#F2F2F2", **_BORDER, "valign": "vcenter"}

# -- printing -------------------------------------------------------------------------------
# What an office prints: A4 (paper 9 in Excel's list), the header row on every page, page X
# of Y in the footer, type no smaller than about 8 pt. Widths are Excel's column units
# (characters of the default 11 pt font, 7 pixels each plus 5 of padding) in points.
A4 = 9
_MARGIN_SIDE, _MARGIN_TOP = 0.25, 0.75  # inches: Excel's "narrow" margins
_PRINTABLE = {"portrait": 595.3 - 2 * 72 * _MARGIN_SIDE, "landscape": 841.9 - 2 * 72 * _MARGIN_SIDE}
FONT_POINTS = 11
MIN_PRINT_POINTS = 8
# a table too wide for one page at 8 pt spans pages at this scale (8.25 pt type)
SPAN_SCALE = 75
# a table a little too wide for a portrait page is shrunk to it rather than turned
PORTRAIT_SHRINK = 0.9
FOOTER = "第&P页 共&N页"
WRAP_MIN = 20  # characters: a wrapping column is not narrowed below this
ROW_POINTS = 15  # a line of the default font, the height Excel gives a row


@dataclass(frozen=True)
class Col:
    header: str
    kind: str = "text"  # text | wan (value in yuan, shown in 万元) | int | date | percent
    width: float | None = None  # None: fit the content
    total: bool | None = None  # summed in the 合计 row; None: money (wan) is, nothing else


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


def _shown(kind: str, value) -> object:
    """A cell as its number format shows it (what its column's width is fitted to)."""
    numeric = type(value) is int or type(value) is float
    if kind == "wan" and numeric:
        return f"{value:,.2f}"
    if kind == "int" and numeric:
        return f"{value:,.0f}"
    if kind == "percent" and numeric:
        return f"{value:.1%}"
    if kind == "date" and isinstance(value, (date, datetime)):
        return "2024-01-01"
    return value


def _lines(value, room: int) -> int:
    """How many lines a wrapped cell takes in a column `room` characters wide."""
    if type(value) is not str or not value:
        return 1
    return sum(max(1, -(-_display_width(part) // room)) for part in value.split("\n"))


def _column_points(width: float) -> float:
    return (int(width * 7 + 0.5) + 5) * 0.75


@dataclass(frozen=True)
class PrintSetup:
    """How a table prints: orientation, and either fitted to one page wide (scale chosen by
    Excel, never below MIN_PRINT_POINTS) or spanning pages at `scale` percent."""

    landscape: bool
    fit_width: bool
    scale: int = 100


def print_setup(widths: list[float]) -> PrintSetup:
    """Portrait when the columns fit a portrait A4 at 90 % or more, else landscape; fitted to
    one page wide when that keeps the type at MIN_PRINT_POINTS or more, else spanning pages
    (the caller repeats the title columns on each)."""
    total = sum(map(_column_points, widths))
    if total * PORTRAIT_SHRINK <= _PRINTABLE["portrait"]:
        return PrintSetup(False, True)
    if total * MIN_PRINT_POINTS / FONT_POINTS <= _PRINTABLE["landscape"]:
        return PrintSetup(True, True)
    return PrintSetup(True, False, SPAN_SCALE)


def narrowed(widths: list[float], wraps: list[bool]) -> list[float]:
    """`widths`, the wrapping columns narrowed (to WRAP_MIN at the least) as far as it
    takes for the table to fit a landscape page at MIN_PRINT_POINTS: their text takes more
    lines instead of the table another page across."""
    room = _PRINTABLE["landscape"] * FONT_POINTS / MIN_PRINT_POINTS
    excess = sum(map(_column_points, widths)) - room
    out = list(widths)
    for c in sorted((c for c, w in enumerate(wraps) if w), key=lambda c: -widths[c]):
        if excess <= 0:
            break
        cut = min(out[c] - WRAP_MIN, excess / 5.25 + 1)  # 5.25 points a character
        if cut > 0:
            out[c] -= int(cut)
            excess -= int(cut) * 5.25
    return out


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")


_FORMATS = {"wan": WAN_FORMAT, "int": INT_FORMAT, "date": DATE_FORMAT, "percent": PERCENT_FORMAT}

# watch(stage, done, total): told how far a book has come (total 0: not known); it may raise
# (a cancel) and the book stops there, leaving nothing but what discard() removes
Watch = Callable[[str, int, int], None]
WATCH_ROWS = 256  # rows between two calls of a book's watch while a table is written
WATCH_BYTES = 1 << 20  # bytes of the finished file between two calls while it is compressed
SAVE_STAGE = "压缩并写入文件"


class _WatchedFile(io.FileIO):
    """The finished file as it is compressed into it, telling `watch` every WATCH_BYTES:
    a cancel stops a province's half-minute of compression within a fraction of a second.
    Once `watch` raised, the file takes no more: the zip part being written and the zip
    itself finish into nothing when zipfile closes them (discard() removes the folder)."""

    def __init__(self, path: Path, watch: Watch):
        super().__init__(path, "wb")
        self.watch = watch
        self.written = 0
        self.told = 0
        self.stopped = False

    def write(self, data) -> int:  # type: ignore[override]
        if self.stopped:
            return len(data)
        n = super().write(data) or 0
        self.written += n
        if self.written - self.told >= WATCH_BYTES:
            self.told = self.written
            try:
                self.watch(f"{SAVE_STAGE}（已写{self.written / (1 << 20):,.0f} MB）", 0, 0)
            except BaseException:
                self.stopped = True
                raise
        return n

    def seek(self, pos: int, whence: int = 0) -> int:
        return 0 if self.stopped else super().seek(pos, whence)

    def tell(self) -> int:
        return 0 if self.stopped else super().tell()

    def flush(self) -> None:
        if not self.stopped:
            super().flush()


class _WatchedRows:
    """A streamed sheet's rows as XlsxWriter copies them into the sheet's XML at close()
    (≈1.6 GB for a province's monthly figures, several seconds): `watch` is told each
    WATCH_BYTES read, so a cancel stops the copy too. Everything else is the file's own."""

    def __init__(self, rows, sheet: str, watch: Watch):
        self.rows = rows
        self.stage = f"整理{sheet}"
        self.watch = watch
        self.total = max(os.fstat(rows.fileno()).st_size >> 20, 1)  # MB (of bytes; read counts characters)
        self.done = 0

    def read(self, size: int = -1):
        data = self.rows.read(size)
        self.done += len(data)
        self.watch(self.stage, min(self.done >> 20, self.total), self.total)
        return data

    def __getattr__(self, name: str):
        return getattr(self.rows, name)


class _Sheet(Worksheet):
    """XlsxWriter's worksheet with one shortcut in its innermost loop: an attribute that is
    not text (a cell's style index) is written as it is. XlsxWriter tries its escape pattern
    on it and catches the TypeError, for every styled cell: ≈1.3 µs of a cell's few, and
    every cell of a table is styled (its border, its number format) where the benchmark's
    plain XlsxWriter cells are not (#20: a province's 31 million cells). The XML is the same
    (tests/test_export_progress.py); an XlsxWriter without this method only loses the time."""

    def _escape_attributes(self, attribute):
        if not isinstance(attribute, str) or not xml_escapes.search(attribute):
            return attribute
        return super()._escape_attributes(attribute)


class TableBook:
    """A workbook of one or more titled tables, built in memory and written at save().

    `beside`: the file it will be saved as. Then its rows are not held until save() but
    written as they come (XlsxWriter's constant_memory) to a hidden temporary folder beside
    that file, where the finished file is assembled and from which it is renamed into place;
    the folder is removed at save() or discard(). A province's 3.6 million monthly figures
    took 2.9 GB held in memory (bench/README.md).

    `watch` (see Watch) is told the rows written of each table and, for a streamed book, the
    megabytes compressed at save(); raising from it stops the book there."""

    SAMPLE_ROWS = 2000  # column widths are fitted to the first rows
    MAX_ROWS = 1_048_576  # rows of a sheet (Excel's and WPS's limit)

    def __init__(self, office: str, today: date | None = None, *, beside: Path | None = None,
                 watch: Watch | None = None):
        options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
        self._folder: Path | None = None
        self._file: _WatchedFile | None = None
        self._watch = watch
        if beside is None:
            self._buffer: io.BytesIO | None = io.BytesIO()
            self.workbook = xlsxwriter.Workbook(self._buffer, {"in_memory": True, **options})
        else:
            Path(beside).parent.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(prefix=".part-", dir=Path(beside).parent))
            self._buffer = None
            target: object = str(self._folder / "book.xlsx")
            if watch is not None:
                self._file = _WatchedFile(self._folder / "book.xlsx", watch)
                target = self._file
            self.workbook = xlsxwriter.Workbook(target, {
                "constant_memory": True, "tmpdir": str(self._folder), **options})
            # a sheet of more than 2 GiB of XML (a province's monthly figures after four
            # years: ≈440 bytes a row) needs ZIP64 for that part; smaller parts are written
            # as before (zipfile uses it only where a part's size calls for it)
            self.workbook.use_zip64()
        self.office = office
        self.today = today or date.today()
        add = self.workbook.add_format
        self._title = add({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self._title_left = add({"bold": True, "font_size": 14, "align": "left", "valign": "vcenter"})
        self._sub = add({"font_size": 10, "font_color": "#595959"})
        self._header = add(_HEADER)
        self._formats = {kind: add({"num_format": fmt}) for kind, fmt in _FORMATS.items()}
        # data cells: bordered, wrapped where a column is narrower than its text
        self._cells: dict[tuple[str, bool], object] = {}
        self._totals: dict[str, object] = {}

    def _cell_format(self, kind: str, wrap: bool):
        key = (kind, wrap)
        if key not in self._cells:
            spec = {**_BORDER, "valign": "vcenter"}
            if kind in _FORMATS:
                spec["num_format"] = _FORMATS[kind]
            if wrap:
                spec["text_wrap"] = True
            self._cells[key] = self.workbook.add_format(spec)
        return self._cells[key]

    def _total_format(self, kind: str):
        if kind not in self._totals:
            spec = dict(_TOTAL)
            if kind in _FORMATS:
                spec["num_format"] = _FORMATS[kind]
            self._totals[kind] = self.workbook.add_format(spec)
        return self._totals[kind]

    def add_table(self, sheet: str, title: str, columns: list[Col], rows: Iterable[list],
                  *, note: str = "", title_columns: int = 0, total: int = 0) -> int:
        """Write one titled table on its own sheet; returns the number of data rows.

        A table longer than a sheet holds (Excel's 1,048,576 rows: a province's 3.6 million
        months) goes on over more sheets, "<sheet>（2）" …, each with the title (marked
        续表2 …), the header and its own 合计 row; XlsxWriter drops rows past the limit
        without a word.

        `total`: the rows to come, when known, for the book's watch (told "写入<sheet>",
        rows written, total every WATCH_ROWS rows).

        Money columns (and columns marked `total`) are summed in a 合计 row below the data
        (a SUBTOTAL formula, so a filtered list sums what it shows, with the sum written
        as its value for readers that do not calculate). `title_columns` leading columns
        (序号, 企业名称 …) are printed on every page when the table is too wide for one."""
        watch, stage = self._watch, f"写入{sheet[:31]}"
        if watch is not None:
            watch(stage, 0, total)
        n = max(len(columns), 1)
        rows = iter(rows)
        given = list(islice(rows, self.SAMPLE_ROWS))
        sample = [[_cell_value(col.kind, v) for col, v in zip(columns, row)] for row in given]
        widths = [_display_width(col.header) + 2 for col in columns]
        for row in sample:
            for c, (col, value) in enumerate(zip(columns, row)):
                if value is not None:
                    widths[c] = max(widths[c], _display_width(_shown(col.kind, value)) + 2)
        # narrative columns and text cut at the widest column wrap onto more lines
        wraps = [col.kind == "text" and (col.width is not None or widths[c] > 50)
                 for c, col in enumerate(columns)]
        widths = narrowed([col.width or min(max(widths[c], 6), 50) for c, col in enumerate(columns)],
                          wraps)
        line = f"填报单位：{self.office}    导出日期：{self.today.isoformat()}"
        if any(c.kind == "wan" for c in columns):
            line += "    金额单位：万元"
        if note:
            line += f"    {note}"

        def begin(part: int):
            """A sheet of the table: its columns, print setup, title rows and header."""
            name = sheet[:31] if part == 1 else f"{sheet[:31 - 2 - len(str(part))]}（{part}）"
            ws = self.workbook.add_worksheet(name, worksheet_class=_Sheet)
            for c, width in enumerate(widths):
                ws.set_column(c, c, width)
            ws.freeze_panes(3, 0)
            heading = title if part == 1 else f"{title}（续表{part}）"
            spans = not self._print_setup(ws, heading, widths, title_columns).fit_width
            ws.set_row(0, 28)
            # a title centred over a table two pages wide would print between the pages
            ws.merge_range(0, 0, 0, n - 1, heading, self._title_left if spans else self._title)
            ws.merge_range(1, 0, 1, n - 1, line, self._sub)
            for c, col in enumerate(columns):
                ws.write_string(2, c, col.header, self._header)
            return ws

        formats = [self._cell_format(col.kind, wrap) for col, wrap in zip(columns, wraps)]
        summed = [c for c, col in enumerate(columns)
                  if (col.kind == "wan" if col.total is None else col.total)]
        sums = {c: 0 for c in summed}
        ws = begin(1)
        write_number, write_string, write_blank = ws.write_number, ws.write_string, ws.write_blank
        write_datetime = ws.write_datetime
        date_format = self._cell_format("date", False)
        # paragraphs (a visit's summary) show only when the cell wraps, in any text column
        paragraphs = [self._cell_format(col.kind, True) for col in columns]
        wrapped = [(c, max(int(widths[c]) - 1, 1)) for c in range(len(columns)) if wraps[c]]
        room = [max(int(w) - 1, 1) for w in widths]
        wan = [col.kind == "wan" for col in columns]
        dated = [col.kind == "date" for col in columns]
        adds = [c in sums for c in range(len(columns))]

        def out(r: int, row) -> None:
            """One row as it came from the caller: each value converted (万元, dates) and
            written in one pass, the summed columns added up on the way. (A cell at a time
            through _cell_value, then written, then added up, took a tenth of the export.)"""
            # as tall as its wrapped text: LibreOffice keeps a row's height as written
            lines = max((_lines(row[c], width) for c, width in wrapped), default=1)
            for c, value, fmt in zip(range(n), row, formats):
                if value is None or value == "":
                    write_blank(r, c, None, fmt)  # bordered like the rest
                    continue
                kind = type(value)
                if kind is int or kind is float:
                    if adds[c]:
                        sums[c] += value  # as given: yuan for money, added up exactly
                    # 万元 with up to four decimals keeps every yuan: it reads back exactly
                    write_number(r, c, value / 10_000 if wan[c] else value, fmt)
                elif kind is str:
                    if dated[c]:
                        day = _cell_value("date", value)
                        if type(day) is not str:
                            write_datetime(r, c, day, fmt)
                            continue
                    # text that looks like a formula stays text
                    if "\n" in value:
                        write_string(r, c, value, paragraphs[c])
                        if not wraps[c]:
                            lines = max(lines, _lines(value, room[c]))
                    else:
                        write_string(r, c, value, fmt)
                elif wan[c]:  # anything else in a money column: as _cell_value makes it
                    self._write_value(ws, r, c, value / 10_000, fmt, date_format, dated[c])
                else:
                    self._write_value(ws, r, c, value, fmt, date_format, dated[c])
            if lines > 1:
                ws.set_row(r, ROW_POINTS * lines)

        # the last row of a sheet left for its 合计
        last = self.MAX_ROWS - 1 if summed else self.MAX_ROWS
        stream = chain(given, rows)
        written, part = 0, 1
        while True:
            r = 3
            for row in stream:
                out(r, row)
                r += 1
                if watch is not None and not (written + r) % WATCH_ROWS:
                    watch(stage, written + r - 3, total)
                if r == last:
                    break
            count = r - 3
            written += count
            ws.autofilter(2, 0, 2 + max(count, 1), n - 1)
            if summed and count:
                self._total_row(ws, r, columns, summed, sums)
            following = next(stream, None)
            if following is None:
                break
            part += 1
            ws = begin(part)
            write_number, write_string, write_blank = ws.write_number, ws.write_string, ws.write_blank
            write_datetime = ws.write_datetime
            for c in sums:
                sums[c] = 0
            stream = chain([following], stream)
        if watch is not None:
            watch(stage, written, max(total, written))
        return written

    @staticmethod
    def _write_value(ws, r: int, c: int, value, fmt, date_format, dated: bool) -> None:
        """A cell that is neither text nor a plain number (rare: booleans, dates, decimals)."""
        kind = type(value)
        if kind is bool:
            ws.write_boolean(r, c, value, fmt)
        elif kind is int or kind is float:
            ws.write_number(r, c, value, fmt)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(r, c, value, fmt if dated else date_format)
        elif kind is str:
            ws.write_string(r, c, value, fmt)
        else:
            ws.write_string(r, c, str(value), fmt)

    def _total_row(self, ws, r: int, columns: list[Col], summed: list[int], sums: dict) -> None:
        """The 合计 row under the data: SUBTOTAL(9, …) of each summed column, with the sum
        as the formula's value."""
        label = self._total_format("text")
        ws.write_string(r, 0, "合计", label)
        for c in range(1, len(columns)):
            if c not in summed:
                ws.write_blank(r, c, None, label)
        for c in summed:
            kind = columns[c].kind
            shown = _cell_value(kind, sums[c]) or 0
            first, last = xl_rowcol_to_cell(3, c), xl_rowcol_to_cell(r - 1, c)
            ws.write_formula(r, c, f"=SUBTOTAL(9,{first}:{last})", self._total_format(kind), shown)

    def _print_setup(self, ws, title: str, widths: list[float], title_columns: int) -> PrintSetup:
        setup = print_setup(widths)
        ws.set_paper(A4)
        if setup.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_margins(left=_MARGIN_SIDE, right=_MARGIN_SIDE, top=_MARGIN_TOP, bottom=_MARGIN_TOP)
        ws.repeat_rows(2)  # the header row on every page
        if setup.fit_width:
            ws.fit_to_pages(1, 0)
            ws.center_horizontally()
        else:
            ws.set_print_scale(setup.scale)
            ws.print_across()  # a band of rows is printed page after page, left to right
            if title_columns:
                ws.repeat_columns(0, title_columns - 1)
        ws.set_footer(f"&L{_footer_text(title)}&C{FOOTER}&R{self.today.isoformat()}")
        return setup

    def save(self, path: Path) -> Path:
        """Write the file: under a temporary name beside it, then renamed."""
        if not self.workbook.worksheets():
            self.workbook.add_worksheet("Sheet1")
        if self._watch is not None:
            self._watch(SAVE_STAGE, 0, 0)
            for sheet in self.workbook.worksheets():
                rows = getattr(sheet, "row_data_fh", None)  # a streamed sheet's rows so far
                if rows is not None and not rows.closed:
                    rows.flush()
                    sheet.row_data_fh = _WatchedRows(rows, sheet.name, self._watch)
        self.workbook.close()
        if self._file is not None:
            self._file.close()
        if self._buffer is not None:
            buffer = self._buffer
            return write_replacing(path, lambda tmp: tmp.write_bytes(buffer.getbuffer()))
        folder = self._folder
        assert folder is not None
        try:
            return write_replacing(path, lambda tmp: os.replace(folder / "book.xlsx", tmp))
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove what a book written beside its file left there (nothing once saved)."""
        if self._file is not None:
            self._file.stopped = True  # a zip a cancel left open writes nothing when collected
            self._file.close()
            self._file = None
        # a cancel left a sheet's rows, or the XML they were being copied into, open (Windows
        # would not remove the folder then)
        for sheet in self.workbook.worksheets():
            for name in ("row_data_fh", "fh"):
                handle = getattr(sheet, name, None)
                if handle is not None and not isinstance(handle, io.StringIO) and not handle.closed:
                    handle.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
