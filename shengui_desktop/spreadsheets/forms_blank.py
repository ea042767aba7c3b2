"""The blank form template (一表通): a ready form to adapt in Excel or WPS, and the 字段说明 sheet
that lists every field, modifier and filter a template may use (services/excel/forms.py gives
the list)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..paths import write_replacing
from .forms import HELP_SHEET

_THIN = Side(style="thin", color="7F7F7F")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADERS = {"营业收入": "营业收入（万元）", "营业收入:累计": "累计营业收入（万元）", "同比": "营业收入同比",
           "未办结问题": "未办结问题（件）", "所属乡镇": "乡镇（街道）"}
WIDE = {"企业名称": 30, "统一社会信用代码": 22}


def write_blank(out: Path, title: str, columns: list[str], fields: list[tuple[str, str, str]],
                totals: set[str]) -> Path:
    """`columns`: the region's placeholders (field[:modifiers]); `fields`: (name, where, help)
    rows of 字段说明; `totals`: the columns that get a =SUM() in the 合计 row."""
    book = Workbook()
    ws = book.active
    ws.title = "报表"
    last = get_column_letter(len(columns))
    ws["A1"] = f"{{{{单位}}}}{title}"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = _CENTER
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    ws["A2"] = "填报单位：{{单位}}"
    ws[f"{get_column_letter(len(columns) - 2)}2"] = "期间：{{期间}}"
    for i, key in enumerate(columns, 1):
        head = ws.cell(3, i, HEADERS.get(key, key.split(":")[0]))
        head.font, head.fill, head.border, head.alignment = Font(bold=True), _HEAD, _BOX, _CENTER
        text = f"{{{{{key}}}}}"
        if i == 1:
            text = "{{#企业}}" + text
        if i == len(columns):
            text += "{{/企业}}"
        cell = ws.cell(4, i, text)
        cell.border = _BOX
        ws.column_dimensions[get_column_letter(i)].width = WIDE.get(key, 14)
    ws.row_dimensions[3].height = 32
    ws.cell(5, 1, "合计").font = Font(bold=True)
    ws.merge_cells("A5:B5")
    for i, key in enumerate(columns, 1):
        cell = ws.cell(5, i)
        cell.border = _BOX
        if key in totals:
            letter = get_column_letter(i)
            cell.value = f"=SUM({letter}4:{letter}4)"
            cell.font = Font(bold=True)
    ws["A7"] = "负责人："
    ws["D7"] = "填表人："
    ws["G7"] = "联系电话："
    ws[f"{get_column_letter(len(columns) - 2)}7"] = "日期：{{填报日期}}"
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.freeze_panes = "C4"

    doc = book.create_sheet(HELP_SHEET)
    doc.append(["字段（写作{{字段}}或{{字段:修饰}}）", "写在哪里", "说明"])
    for c in doc[1]:
        c.font, c.fill, c.border = Font(bold=True), _HEAD, _BOX
    for row in fields:
        doc.append(list(row))
    notes = ["用法：在单元格里写{{字段}}；重复区域是一行，第一格写{{#企业}}，最后一格写{{/企业}}，每户企业一行。",
             "修饰写在字段后面，用冒号分开，如{{营业收入:累计:元}}、{{营业收入:2026-09}}、{{工业总产值:上年}}。",
             "重复区域下面的合计请用公式，如=SUM(G4:G4)：填写时会自动扩展到所有企业行。",
             "本页只是说明，可以删除。"]
    doc.append([])
    for n in notes:
        doc.append([n])
    doc.column_dimensions["A"].width = 34
    doc.column_dimensions["B"].width = 14
    doc.column_dimensions["C"].width = 70
    return write_replacing(out, book.save)
