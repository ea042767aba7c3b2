"""The 一表通 page (#22) on the demo county: a template chosen is checked on the worker and its
first rows shown as the service fills them; 填写并保存 writes the form chosen for the month and
township picked; a broken template lists each problem with its cell and cannot be filled; the
blank template and the field list are one click away."""

from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt

from shengui_desktop.services.excel.forms import check_form, field_help
from shengui_desktop.ui.forms import page as page_module
from test_forms import TODAY, statistics_form
from test_ui_support import open_window


def forms_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("一表通")
    page = window.forms_page
    assert page.isVisible() and not page.fill_button.isEnabled()
    assert "选择模板" in page.summary.text()
    return window, page


def test_choose_check_preview_and_fill(qtbot, demo_county, tmp_path, monkeypatch):
    window, page = forms_page(qtbot, demo_county, tmp_path)
    template = statistics_form(tmp_path / "月报.xlsx", region="{{#企业 库别=培育库}}{{序号}}")
    monkeypatch.setattr(page_module, "ask_template", lambda *_a: str(template))
    page.month.setDate(QDate(2026, 10, 1))
    qtbot.mouseClick(page.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.check is not None, timeout=20000)
    expected = check_form(demo_county, template, period="2026-10", today=TODAY)
    assert page.check.ok and "检查通过" in page.summary.text()
    shown = [[page.preview.item(r, c).text() for c in range(page.preview.columnCount())]
             for r in range(page.preview.rowCount())]
    assert shown == expected.preview and len(shown) >= 2
    assert [page.preview.horizontalHeaderItem(c).text() for c in range(3)] == ["序号", "企业名称", "信用代码"]

    # one township: the check runs again for it, then the fill writes that township's form
    page.township.setCurrentIndex(page.township.findText("秀水镇"))
    qtbot.waitUntil(lambda: page.check is not None and page.check.unit == "秀水镇", timeout=20000)
    out = tmp_path / "填好.xlsx"
    asked = []
    monkeypatch.setattr(page_module, "ask_output", lambda _p, _c, suggested: asked.append(suggested) or str(out))
    assert page.fill_button.isEnabled()
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_saved == str(out), timeout=20000)
    assert asked and asked[0].endswith("月报（秀水镇2026年10月）.xlsx")
    ws = load_workbook(out).active
    assert ws["A2"].value == "填报单位：秀水镇"
    names = [ws.cell(r, 2).value for r in range(4, 4 + page.check.rows["月报"])]
    assert names == [row[1] for row in page.check.preview][:len(names)]
    assert "已填写报表" in window.statusBar().currentMessage()

    # the printed version: the same form as a PDF, named as the person chose
    pdf = tmp_path / "填好.pdf"
    monkeypatch.setattr(page_module, "ask_output", lambda _p, _c, suggested: asked.append(suggested) or str(pdf))
    assert page.pdf_button.isEnabled()
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_saved == str(pdf), timeout=30000)
    assert asked[-1].endswith("月报（秀水镇2026年10月）.pdf") and pdf.read_bytes().startswith(b"%PDF")
    window.close()


def test_broken_template_lists_problems_by_cell(qtbot, demo_county, tmp_path):
    window, page = forms_page(qtbot, demo_county, tmp_path)

    def breakage(ws):
        ws["D4"] = "{{营收}}"
        ws["H4"] = "{{责任单位}}"
    template = statistics_form(tmp_path / "坏.xlsx", extra=breakage)
    page.set_template(str(template))
    qtbot.waitUntil(lambda: page.check is not None, timeout=20000)
    items = [page.problems.item(i).text() for i in range(page.problems.count())]
    assert page.problems.isVisible() and not page.preview.isVisible()
    assert any(t.startswith("模板 D4：未知字段“营收”") for t in items)
    assert any(t.startswith("模板 A4：重复区域没有结束") for t in items)
    assert "2处问题" in page.summary.text() and not page.fill_button.isEnabled()
    window.close()


def test_blank_template_and_field_list(qtbot, demo_county, tmp_path, monkeypatch):
    window, page = forms_page(qtbot, demo_county, tmp_path)
    out = tmp_path / "空白.xlsx"
    monkeypatch.setattr(page_module, "ask_output", lambda *_a: str(out))
    qtbot.mouseClick(page.blank_button, Qt.MouseButton.LeftButton)
    assert out.exists() and page.template == str(out)
    qtbot.waitUntil(lambda: page.check is not None, timeout=20000)
    assert page.check.ok and page.preview.rowCount() == 20
    dialog = page_module.FieldsDialog(page)
    assert dialog.table.rowCount() == len(field_help())
    assert dialog.table.item(0, 0).text() == "序号"
    dialog.close()
    window.close()
