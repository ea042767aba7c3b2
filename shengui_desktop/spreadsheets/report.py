"""The import's findings: problems (block the import) and notes, as text and as a marked-up
copy of the user's own file (bad cells filled red, with a comment saying what is wrong)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

from ..domain.text import shown
from ..paths import write_replacing
from .reader import Grid, column_letter

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"
AUTHOR = "小升规台账"


@dataclass
class Finding:
    sheet: str
    row: int | None  # Excel row number, as the user sees it (1-based)
    column: int | None  # 0-based column index
    header: str  # the column's header as written in the file
    value: str  # the cell's content as read
    message: str  # Chinese

    @property
    def column_letter(self) -> str:
        return column_letter(self.column) if self.column is not None else ""

    def text(self, with_sheet: bool = True) -> str:
        where = []
        if with_sheet and self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column is not None:
            where.append(f"{self.column_letter}列" + (f"（{self.header}）" if self.header else ""))
        # shown(): a cell's hidden character (an escape, a bidi override) written as \uXXXX
        value = f"“{shown(str(self.value), len(str(self.value)))}”" if self.value else ""
        head = " ".join(where)
        return f"{head}{value}{'：' if head or value else ''}{self.message}"

    def to_dict(self) -> dict:
        return {**asdict(self), "column_letter": self.column_letter}


def write_marked_copy(source: Path, grids: list[Grid], problems: list[Finding],
                      warnings: list[Finding], out: Path) -> Path:
    """A copy of the input with every problem cell highlighted and commented, plus a first
    sheet listing all of them. .xlsx inputs are copied with their formatting; .xls and .csv
    inputs are rebuilt from the values read (same rows and columns)."""
    from openpyxl import Workbook, load_workbook

    source, out = Path(source), Path(out)
    workbook = None
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            workbook = load_workbook(source)
        except Exception:  # a file calamine reads but openpyxl cannot: rebuild it
            workbook = None
    if workbook is None:
        workbook = Workbook()
        workbook.remove(workbook.active)
        for grid in grids:
            ws = workbook.create_sheet(_sheet_title(grid.name))
            for r, row in enumerate(grid.rows, start=1):
                for c, value in enumerate(row, start=1):
                    if value not in (None, ""):
                        ws.cell(r, c, value.isoformat() if isinstance(value, (date, datetime))
                                else value)
    _mark(workbook, problems, ERROR_FILL, "问题")
    _mark(workbook, warnings, WARNING_FILL, "提示")
    _summary_sheet(workbook, problems, warnings)
    return write_replacing(out, workbook.save)


def _sheet_title(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, "_")
    return name[:31] or "Sheet"


def _mark(workbook, findings: list[Finding], colour: str, word: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    fill = PatternFill("solid", start_color=colour, end_color=colour)
    comments: dict[tuple, list[str]] = {}
    for f in findings:
        if f.row is None:
            continue
        title = _sheet_title(f.sheet)
        if title not in workbook.sheetnames:
            continue
        ws = workbook[title]
        column = (f.column or 0) + 1
        cell = ws.cell(f.row, column)
        for merged in ws.merged_cells.ranges:  # comments go on a merged area's first cell
            if cell.coordinate in merged:
                cell = ws.cell(merged.min_row, merged.min_col)
                break
        cell.fill = fill
        comments.setdefault((title, cell.row, cell.column), []).append(f"{word}：{f.message}")
    for (title, r, c), lines in comments.items():
        comment = Comment("\n".join(lines), AUTHOR)
        comment.width, comment.height = 300, 40 + 20 * len(lines)
        workbook[title].cell(r, c).comment = comment


def _summary_sheet(workbook, problems: list[Finding], warnings: list[Finding]) -> None:
    from openpyxl.styles import Font

    ws = workbook.create_sheet("导入检查结果", 0)
    ws.append([f"导入检查结果：{len(problems)}个问题（红色，须改正后重新导入，本次未导入任何数据），"
               f"{len(warnings)}条提示（黄色，不影响导入）"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(["类别", "工作表", "行号", "列", "列名", "内容", "说明"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for kind, items in (("问题", problems), ("提示", warnings)):
        for f in items:
            ws.append([kind, f.sheet, f.row, f.column_letter, f.header, f.value, f.message])
    for letter, width in zip("ABCDEFG", (6, 14, 6, 5, 20, 28, 60)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    workbook.active = 0
