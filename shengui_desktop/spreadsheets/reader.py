"""Reading .xlsx, .xls, .ods and .csv into plain grids of cell values.

calamine reads all three workbook formats (openpyxl cannot read .xls, and is several times
slower on .xlsx: see bench/bench_excel.py). Rows and columns keep their positions, so grid
index r, c is what Excel shows as row r + 1 and column letter c.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
CSV_SUFFIXES = {".csv", ".txt"}


@dataclass
class Grid:
    """One sheet: rows of cell values ('' or None for empty), as the user sees them."""

    name: str
    rows: list[list]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    source_format: str = "xlsx"
    encoding: str | None = None  # CSV only

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def cell(self, r: int, c: int):
        row = self.rows[r] if r < len(self.rows) else ()
        return row[c] if c < len(row) else None


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_workbook(path: Path, sheet: str | None = None) -> list[Grid]:
    """Every visible worksheet (or only `sheet`), in workbook order."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise UserError(f"找不到文件“{path}”")
    if suffix in CSV_SUFFIXES:
        grid = read_csv(path)
        if sheet and sheet != grid.name:
            raise UserError(f"CSV文件只有一张表，没有名为“{sheet}”的工作表")
        return [grid]
    if suffix not in WORKBOOK_SUFFIXES:
        raise UserError(f"不支持的文件类型“{suffix}”，请使用 .xlsx、.xls 或 .csv 文件")
    from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises several unrelated types for damaged files
        if "password" in str(e).lower() or type(e).__name__ == "PasswordError":
            raise UserError(f"文件“{path.name}”有密码保护，请先在Excel中取消密码后再导入") from None
        raise UserError(f"无法读取文件“{path.name}”：文件已损坏或不是Excel文件（{e}）") from None
    grids = []
    try:
        names = workbook.sheet_names
        if sheet is not None:
            if sheet not in names:
                raise UserError(f"文件中没有名为“{sheet}”的工作表（有：{'、'.join(names)}）")
            wanted = [sheet]
        else:
            visible = {m.name for m in workbook.sheets_metadata
                       if m.visible == SheetVisibleEnum.Visible}
            wanted = [n for n in names if n in visible]
        for name in wanted:
            data = workbook.get_sheet_by_name(name)
            rows = data.to_python(skip_empty_area=False)
            merged = list(data.merged_cell_ranges or [])
            grids.append(Grid(name, rows, merged, source_format=suffix.lstrip(".")))
    except CalamineError as e:
        raise UserError(f"无法读取文件“{path.name}”：{e}") from None
    finally:
        workbook.close()
    return grids


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes; else what charset-normalizer finds,
    with the GB family read as GB18030 (a superset of GBK and GB2312: Chinese Excel's CSV)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UserError("无法识别CSV文件的文字编码，请在Excel中另存为“CSV UTF-8”或xlsx后再导入")
    name = best.encoding.lower()
    return "gb18030" if name in {"gbk", "gb2312", "cp936", "hz"} else name


def read_csv(path: Path) -> Grid:
    data = Path(path).read_bytes()
    encoding = detect_encoding(data)
    content = data.decode(encoding)
    sample = content[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [list(r) for r in csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)]
    return Grid(Path(path).stem, rows, [], source_format="csv", encoding=encoding)
