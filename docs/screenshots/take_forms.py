"""Screenshots of the 一表通 page (#22) on the demo county (40 enterprises, 2026-11-23): the page
before a template is chosen, a 培育库 monthly form checked with its preview, a broken template
with its problems by cell, and the 字段说明 dialog. Whole-screen grabs of a real window under
Xvfb, at the size of the screen.

    HOME=$(mktemp -d) QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1024x768x24" \\
        uv run python docs/screenshots/take_forms.py OUT_DIR 1024 768
"""
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from PySide6.QtCore import QDate, QTimer

from shengui_desktop.ui.forms.page import FieldsDialog

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import Shots  # noqa: E402  (docs/screenshots/shots.py)

s = Shots('forms')
app, work, out, width, height, tag = s.app, s.work, s.out, s.width, s.height, s.tag
wait, shot = s.wait, s.shot
ledger = s.demo_county()


def form(path: Path, region: str, revenue: str = "{{营业收入}}") -> Path:
    """A 工信 培育库 monthly list as a cadre would make it in Excel."""
    wb = Workbook()
    ws = wb.active
    ws.title = "培育库企业月报"
    box = Border(*(Side(style="thin"),) * 4)
    ws["A1"] = "{{单位}}小升规培育库企业主要指标（{{期间}}）"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:I1")
    heads = ["序号", "企业名称", "所属乡镇", "库别", "营业收入（万元）", "累计（万元）", "同比", "责任单位", "联系干部"]
    cells = ["{{序号}}", "{{企业名称}}", "{{所属乡镇}}", "{{库别}}", revenue, "{{营业收入:累计}}", "{{同比}}",
             "{{责任单位}}", "{{联系干部}}{{/企业}}"]
    cells[0] = region + cells[0]
    for i, (h, c) in enumerate(zip(heads, cells), 1):
        ws.cell(3, i, h).fill = PatternFill("solid", fgColor="DDEBF7")
        ws.cell(4, i, c).border = box
    ws["A5"] = "合计"
    ws["E5"] = "=SUM(E4:E4)"
    ws["F5"] = "=SUM(F4:F4)"
    ws.print_title_rows = "1:3"
    wb.save(path)
    return path


good = form(work / "工信局培育库企业月报.xlsx", "{{#企业 库别=培育库、储备库}}")
broken = form(work / "统计局月报（有误）.xlsx", "{{#企业 库别=重点库}}", revenue="{{营收:2026-10}}")

window = s.open_window(ledger)



wait(lambda: window.figures_ready, 15000)
window.show_page("一表通")
page = window.forms_page
shot("empty")
page.month.setDate(QDate(2026, 10, 1))
page.set_template(str(good))
wait(lambda: page.check is not None and not page.checking, 20000)
shot("preview")
page.set_template(str(broken))
wait(lambda: page.check is not None and not page.checking, 20000)
shot("problems")
dialog = FieldsDialog(page)
QTimer.singleShot(1500, lambda: (app.primaryScreen().grabWindow(0).save(str(out / f"{tag}-fields.png")),
                                 dialog.accept()))
dialog.exec()
window.close()
ledger.close()
