"""Building spreadsheets in code for the excel tests and the benchmark (no binary fixtures)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from shengui_desktop.domain import credit_code as cc


def credit(n: int, area: str = "140322") -> str:
    """A valid 统一社会信用代码 (both check characters right), distinct for each n."""
    org8 = f"{n:08d}"
    return cc.complete(f"91{area}{org8}{cc.org_check_character(org8)}")


def write_xlsx(path: Path, rows: list[list], *, merged: tuple[str, ...] = (),
               sheet: str = "Sheet1", more: dict[str, list[list]] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(r, c, value)
    for ref in merged:
        ws.merge_cells(ref)
    for name, extra in (more or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(row)
    wb.save(path)
    return Path(path)


def write_xls(path: Path, rows: list[list], *, merged: tuple[tuple[int, int, int, int], ...] = (),
              sheet: str = "Sheet1") -> Path:
    """An Excel 97-2003 file; merged ranges as (first row, last row, first col, last col)."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    spans = {(r0, c0): (r1, c1) for r0, r1, c0, c1 in merged}
    covered = {(r, c) for r0, r1, c0, c1 in merged for r in range(r0, r1 + 1)
               for c in range(c0, c1 + 1)} - set(spans)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in covered or value is None:
                continue
            if (r, c) in spans:
                r1, c1 = spans[(r, c)]
                ws.write_merge(r, r1, c, c1, value)
            elif isinstance(value, (date, datetime)):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    wb.save(str(path))
    return Path(path)


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([["" if v is None else v for v in row] for row in rows])
    return Path(path)
