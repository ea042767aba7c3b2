"""A filled 一表通 form printed (#22): the sheet as its cells show it (spreadsheets/forms_grid.py
`sheet_grid`, handed over as plain data by services/excel/forms.py), scaled to the page width,
the form's title rows repeated on every page, and the signature and stamp lines (负责人、填表人、
联系电话、日期) under it unless the form has its own. The formulas the grid could not compute
show a marker and are named in a note under the table."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from .fonts import FONT
from .job import Job
from .layout import GRID, PageInfo, Styles, build, paragraphs, signature_block

SIGNATURE_LABELS = ("负责人", "填表人", "联系电话")
FORMULA_MARK = "#无法计算"  # = spreadsheets/forms_grid.py FORMULA_MARK (reports may not import spreadsheets)


class Grid(Protocol):
    title: str
    rows: list[list[str]]
    widths: list[float]
    merges: list[tuple[int, int, int, int]]
    bordered: set[tuple[int, int]]
    bold: set[tuple[int, int]]
    numbers: set[tuple[int, int]]
    centered: set[tuple[int, int]]
    large: set[tuple[int, int]]
    title_rows: int
    landscape: bool
    uncomputed: list[str]


def render(grid: Grid, out: Path, *, office: str, title: str, today: date, job: Job | None = None) -> Path:
    styles = Styles()
    info = PageInfo(office, title, today, landscape=grid.landscape)
    page_width = (297 if grid.landscape else 210) * mm - 24 * mm
    scale = page_width / max(sum(grid.widths), 1)
    widths = [w * scale for w in grid.widths]
    size = max(6.5, min(9.0, 8.0 * scale / 5.5))
    cell = styles.cell.clone("form-cell", fontSize=size, leading=size * 1.3)
    middle = cell.clone("form-centre", alignment=TA_CENTER)
    heading = styles.title.clone("form-title", spaceAfter=0)
    merged_inside = {(r, c) for r1, c1, r2, c2 in grid.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
                     if (r, c) != (r1, c1)}
    data = []
    for r, row in enumerate(grid.rows):
        line: list = []
        for c, text in enumerate(row):
            if (r, c) in merged_inside or not text:
                line.append("")
            elif (r, c) in grid.numbers:
                line.append(text)
            elif (r, c) in grid.large:
                line.append(Paragraph(paragraphs(text), heading))
            else:
                style = middle if (r, c) in grid.centered else cell
                line.append(Paragraph(("<b>%s</b>" if (r, c) in grid.bold else "%s") % paragraphs(text), style))
        data.append(line)
    commands: list = [("FONT", (0, 0), (-1, -1), FONT, size), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                      ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                      ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    commands += [("SPAN", (c1, r1), (c2, r2)) for r1, c1, r2, c2 in grid.merges]
    commands += [("BOX", (c, r), (c, r), 0.4, GRID) for r, c in sorted(grid.bordered)]
    commands += [("ALIGN", (c, r), (c, r), "RIGHT") for r, c in sorted(grid.numbers)]
    table = Table(data, colWidths=widths, repeatRows=min(grid.title_rows, len(data) - 1) if data else 0)
    table.setStyle(TableStyle(commands))
    story: list = [table]
    if grid.uncomputed:
        cells = "、".join(grid.uncomputed[:8]) + ("等" if len(grid.uncomputed) > 8 else "")
        story += [Spacer(1, 2 * mm), Paragraph(
            f"注：{cells}的公式本程序不能计算，显示为“{FORMULA_MARK}”；请在Excel或WPS中打开填好的报表查看其结果。",
            cell.clone("form-note", textColor="#C00000"))]
    text = "".join("".join(row) for row in grid.rows)
    if not all(label in text for label in SIGNATURE_LABELS[:2]):
        story += [Spacer(1, 6 * mm), signature_block(styles, page_width, SIGNATURE_LABELS)]
    return build(out, story, info, job, expected_pages=max(1, len(data) // 35))
