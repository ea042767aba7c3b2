"""What the import sees in a file, before it checks a row: each sheet's table (header
rows, title, unit, year) and what each column was recognised as. Read only: the import
wizard shows it so the person can correct a column (import_file's `columns=`, `units=`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...spreadsheets.columns import FIGURE_FIELDS, LABELS, MONEY_FIELDS
from ...spreadsheets.layout import MONEY_UNITS, Overrides, find_layout
from ...spreadsheets.reader import column_letter, read_workbook
from ...spreadsheets.record_columns import record_kind

# the fields a column can be set to, in the order offered (序号 and 年度数来源 are the
# import's own bookkeeping, offered too so a wrongly recognised one can be corrected)
FIELD_CHOICES: dict[str, str] = dict(LABELS)  # field → its Chinese label


@dataclass
class ColumnLayout:
    index: int  # 0-based
    letter: str  # A, B, …
    header: str  # the header text as shown (the key of import_file's columns= and units=)
    field: str | None  # what it was recognised as (None: not recognised, or 不导入)
    label: str  # the field in Chinese, or "（未识别）"
    unit: str | None  # a unit written in the header (or chosen)
    month: int | None  # a wide monthly layout's month
    note: str | None  # why a recognisable column is not imported
    group: str = ""  # a two-row header's group above
    money: bool = False  # a money figure: its unit may be chosen


@dataclass
class SheetLayout:
    name: str
    found: bool  # a table was recognised
    header_rows: list[int] = field(default_factory=list)  # Excel row numbers
    kind: str | None = None  # "enterprises" | "figures" | a record kind
    title: str = ""
    unit: str | None = None  # from a "单位：万元" line
    year: int | None = None  # from the title
    columns: list[ColumnLayout] = field(default_factory=list)
    width: int = 0  # the sheet's columns, recognised or not


def inspect_file(path: Path | str, sheet: str | None = None, *,
                 columns: dict[str, str | None] | None = None,
                 units: dict[str, str] | None = None) -> list[SheetLayout]:
    """Each sheet's table as the import would find it with the given column choices. A
    file that cannot be read raises UserError (in Chinese), as import_file does."""
    overrides = Overrides(dict(columns or {}), dict(units or {}))
    out = []
    for grid in read_workbook(Path(path), sheet):
        layout = find_layout(grid, overrides)
        if layout is None:
            out.append(SheetLayout(grid.name, False, width=grid.width))
            continue
        shown = []
        for col in layout.columns:
            h = col.header
            shown.append(ColumnLayout(
                col.index, column_letter(col.index), h.text, h.field,
                LABELS[h.field] if h.field else "（未识别）", h.unit,
                h.month[1] if h.month else None, h.note, col.group,
                money=h.field in MONEY_FIELDS))
        kind = record_kind([c.header.text for c in layout.columns]) or layout.kind
        out.append(SheetLayout(grid.name, True, [r + 1 for r in layout.header_rows], kind,
                               layout.title, layout.unit, layout.year, shown, grid.width))
    return out


__all__ = ["ColumnLayout", "FIELD_CHOICES", "FIGURE_FIELDS", "MONEY_UNITS", "SheetLayout",
           "inspect_file"]
