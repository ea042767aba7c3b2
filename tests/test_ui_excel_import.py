"""Excel导入 on temporary ledgers: a bad file shows its problems by row and column and
imports nothing; a list whose name column is not recognised imports after the column is
named in the page; an annual list without a year asks for it; an unknown township is
created once confirmed; the window handles events while an import runs; templates and the
marked copy are saved; a file that cannot be read says so in Chinese."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox

from shengui_desktop.services import excel
from shengui_desktop.ui.excel_import import dialogs

from excel_build import credit, write_xlsx
from test_ui_support import open_window


def import_page(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path)
    window.show_page("Excel导入")
    assert window.stack.currentWidget() is window.import_page
    return window, window.import_page


def choose(qtbot, page, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *_a: str(path))
    page.choose_button.click()
    wait(qtbot, page)


def wait(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.job is None, timeout=20000)


def count(ledger, table: str) -> int:
    return ledger.scalar(f"SELECT count(*) FROM {table}")


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def field_chooser(page, header: str) -> QComboBox:
    for r in range(page.mapping.rowCount()):
        if page.mapping.item(r, 1).text() == header:
            return page.mapping.cellWidget(r, 2)
    raise AssertionError(f"no column {header}")


GOOD = [[1, "秀水机械有限公司", credit(1), "秀水镇", 1200],
        [2, "路家村化工有限公司", credit(2), "路家村镇", 300]]


def test_a_bad_file_shows_its_problems_then_a_fixed_mapping_imports(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    assert page.hint.isVisible() and "选择文件" in page.hint.text()
    assert not page.import_button.isEnabled() and not page.check_button.isEnabled()
    before = count(county, "enterprises")
    bad = write_xlsx(tmp_path / "坏名单.xlsx", [
        ["2025年规下工业企业名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
        [1, "秀水机械有限公司", "91140322ABC", "秀水镇", 1200],
        [2, "路家村化工有限公司", credit(2), "路家村镇", "很多"]])
    choose(qtbot, page, monkeypatch, bad)
    rows = cells(page.problems)
    assert "未导入任何数据" in page.status.text()
    assert any(r[1] == "3" and r[2] == "C" and "信用代码" in r[5] for r in rows), rows
    assert any(r[1] == "4" and r[2] == "E" for r in rows), rows
    assert page.tabs.tabText(0) == f"问题（{len(rows)}）"
    assert not page.import_button.isEnabled() and page.report_button.isEnabled()
    assert count(county, "enterprises") == before

    # the marked copy
    out = tmp_path / "标注.xlsx"
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda *_a: str(out))
    page.report_button.click()
    wait(qtbot, page)
    assert out.exists() and count(county, "enterprises") == before
    assert any("C3" in ws.title or ws["C3"].comment for ws in load_workbook(out).worksheets
               if ws.max_row >= 3)

    # a list whose name column is headed 企业字号: not recognised
    odd = write_xlsx(tmp_path / "名单.xlsx", [
        ["2025年规下工业企业名单"], ["序号", "企业字号", "统一社会信用代码", "乡镇", "营业收入（万元）"],
        *GOOD])
    choose(qtbot, page, monkeypatch, odd)
    assert "未导入任何数据" in page.status.text()
    chooser = field_chooser(page, "企业字号")
    assert chooser.currentText() == "不导入"
    assert page.mapping.item(chooser_row(page, "企业字号"), 4).text() == "无法识别的列名"
    chooser.setCurrentIndex(chooser.findData("name"))
    assert "重新检查" in page.status.text() and not page.import_button.isEnabled()
    page.check_button.click()
    wait(qtbot, page)
    assert page.result.ok and page.result.dry_run and "检查通过" in page.status.text()
    assert "将新增企业2户" in page.counts.text()
    assert count(county, "enterprises") == before  # a check writes nothing
    assert page.import_button.isEnabled()
    page.import_button.click()
    wait(qtbot, page)
    assert page.result.applied and "导入完成" in page.status.text()
    names = {r["name"] for r in county.rows("SELECT name FROM enterprises")}
    assert {"秀水机械有限公司", "路家村化工有限公司"} <= names
    assert not page.import_button.isEnabled()  # imported once; a second needs a new check


def chooser_row(page, header: str) -> int:
    return next(r for r in range(page.mapping.rowCount()) if page.mapping.item(r, 1).text() == header)


def test_changes_are_listed_with_their_fields(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    first = write_xlsx(tmp_path / "a.xlsx", [["企业名称", "统一社会信用代码", "乡镇", "联系电话"],
                                            ["秀水机械有限公司", credit(1), "秀水镇", "13800000000"]])
    excel.import_file(county, first)
    again = write_xlsx(tmp_path / "b.xlsx", [["企业名称", "统一社会信用代码", "乡镇", "联系电话"],
                                            ["秀水机械有限公司", credit(1), "秀水镇", "13900000000"]])
    choose(qtbot, page, monkeypatch, again)
    [change] = cells(page.changes)
    assert change[0] == "企业" and change[1] == "2" and "联系电话" in change[3] and "13900000000" in change[3]
    assert "更新1户" in page.counts.text()


def test_an_annual_list_without_a_year_asks_for_it(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"], *GOOD])
    choose(qtbot, page, monkeypatch, path)
    assert page.result.needs_year and "年份" in page.status.text()
    assert "font-weight: bold" in page.use_year.styleSheet() and not page.year.isEnabled()
    page.use_year.setChecked(True)
    page.year.setValue(2025)
    page.check_button.click()
    wait(qtbot, page)
    assert page.result.ok, page.result.problem_lines()
    page.import_button.click()
    wait(qtbot, page)
    assert page.result.applied
    years = county.rows("SELECT year, revenue FROM annual_figures ORDER BY revenue")
    assert [(r["year"], r["revenue"]) for r in years] == [(2025, 3_000_000), (2025, 12_000_000)]


def test_a_unit_chosen_for_a_figure_column(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["2025年名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入"], *GOOD])
    choose(qtbot, page, monkeypatch, path)
    unit = page.mapping.cellWidget(chooser_row(page, "营业收入"), 3)
    unit.setCurrentIndex(unit.findData("元"))
    page.check_button.click()
    wait(qtbot, page)
    page.import_button.click()
    wait(qtbot, page)
    assert sorted(r["revenue"] for r in county.rows("SELECT revenue FROM annual_figures")) == [300, 1200]


def test_an_unknown_township_is_created_once_confirmed(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["2025年名单"], ["企业名称", "统一社会信用代码", "乡镇"],
        ["秀水机械有限公司", credit(1), "秀水乡"]])
    choose(qtbot, page, monkeypatch, path)
    assert not page.result.ok and "创建新乡镇" in page.status.text()
    assert page.create_townships.isEnabled()
    assert "秀水乡" in page.townships_label.text() and "秀水镇" in page.townships_label.text()
    assert count(county, "townships") == 2
    page.create_townships.setChecked(True)
    page.check_button.click()
    wait(qtbot, page)
    assert page.result.ok and "新建乡镇1个：秀水乡" in page.counts.text()
    page.import_button.click()
    wait(qtbot, page)
    assert "秀水乡" in {r["name"] for r in county.rows("SELECT name FROM townships")}


def test_the_window_handles_events_while_an_import_runs(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["2025年名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"], *GOOD])
    choose(qtbot, page, monkeypatch, path)
    assert page.import_button.isEnabled()
    started, go = threading.Event(), threading.Event()
    real = excel.import_file

    def held(*args, **kwargs):
        started.set()
        assert go.wait(10)
        return real(*args, **kwargs)
    monkeypatch.setattr(excel, "import_file", held)
    ticks: list[str] = []
    page.import_button.click()
    qtbot.waitUntil(started.is_set, timeout=10000)
    assert not page.import_button.isEnabled() and not page.choose_button.isEnabled()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: (ticks.append("timer"), go.set()))
    timer.start(30)
    wait(qtbot, page)
    assert ticks == ["timer"] and page.result.applied
    assert count(county, "enterprises") == 2


@pytest.mark.parametrize("kind,label", [("enterprises", "企业名单"), ("figures", "月度数据"),
                                        ("projects", "项目"), ("claims", "奖补申报"),
                                        ("scale_periods", "入规历史")])
def test_templates_are_saved(qtbot, county, tmp_path, monkeypatch, kind, label):
    _window, page = import_page(qtbot, county, tmp_path)
    out = tmp_path / f"{kind}.xlsx"
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda _p, caption, name: (asked.append((caption, name)), str(out))[1])
    [action] = [a for a in page.template_button.menu().actions() if a.text() == f"{label}模板…"]
    action.trigger()
    wait(qtbot, page)
    assert asked == [(f"保存{label}导入模板", f"{label}导入模板.xlsx")]
    assert out.exists() and load_workbook(out).sheetnames
    assert f"已保存{label}导入模板" in page.status.text()


def test_a_file_that_cannot_be_read_says_why(qtbot, county, tmp_path, monkeypatch):
    _window, page = import_page(qtbot, county, tmp_path)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"not a spreadsheet")
    choose(qtbot, page, monkeypatch, path)
    assert "无法读取" in page.status.text() and "未导入任何数据" in page.status.text()
    assert not page.import_button.isEnabled() and page.mapping.rowCount() == 0
    assert count(county, "enterprises") == 0


def test_the_problem_table_wraps_at_1024x768(qtbot, county, tmp_path, monkeypatch):
    """Long values and messages wrap in their columns (no horizontal scrolling, no text cut
    off), rows grow to their wrapped text, each cell's tooltip tells the whole problem."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    from shengui_desktop.ui.excel_import.result import ROW_MIN_HEIGHT

    window, page = import_page(qtbot, county, tmp_path)
    window.resize(1024, 768)
    long_township = "南娄镇北庄工业园区（2021年由原北庄乡并入，含东梁、西梁两个行政村）"
    long_value = "很多，约一千二百万元左右，具体以税务局核定为准，另含代加工收入"
    bad = write_xlsx(tmp_path / "长文本.xlsx", [
        ["2025年规下工业企业名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
        [1, "山西省阳泉市盂县秀水镇精密机械制造与装备配套服务有限责任公司", "91140322ABC", "秀水镇", 1200],
        [2, "路家村化工有限公司", credit(2), long_township, long_value]])
    choose(qtbot, page, monkeypatch, bad)
    table = page.problems
    qtbot.waitUntil(lambda: table.rowCount() >= 3, timeout=5000)
    # the columns are fitted by a zero-delay timer once the table has its width
    qtbot.waitUntil(lambda: sum(table.columnWidth(c) for c in range(table.columnCount()))
                    <= table.viewport().width() + 1, timeout=5000)  # nothing to scroll sideways
    assert window.width() <= 1024 and window.height() <= 768
    widths = [table.columnWidth(c) for c in range(table.columnCount())]
    assert widths[5] >= 0.35 * sum(widths), widths  # the message keeps the room
    texts = cells(table)
    for r, row in enumerate(texts):
        height = table.rowHeight(r)
        assert height >= ROW_MIN_HEIGHT
        for c in (3, 4, 5):  # the wrapping columns: every line of the text fits the row
            metrics = QFontMetrics(table.item(r, c).font() if table.item(r, c).font() else table.font())
            needed = metrics.boundingRect(QRect(0, 0, widths[c] - 10, 10_000),
                                          int(Qt.TextFlag.TextWordWrap), row[c]).height()
            assert needed <= height, (row[c], needed, height)
    township_row = next(r for r, row in enumerate(texts) if row[3] == "乡镇")
    money_row = next(r for r, row in enumerate(texts) if row[4] == long_value.replace("，", ","))
    for r in (township_row, money_row):
        assert table.rowHeight(r) > ROW_MIN_HEIGHT  # wrapped onto more lines
        tip = table.item(r, 0).toolTip()
        assert f"第{texts[r][1]}行" in tip and f"{texts[r][2]}列" in tip and texts[r][5] in tip
    assert long_value.replace("，", ",") in table.item(money_row, 5).toolTip()


def test_the_ledgers_tables_are_exported_from_the_page(qtbot, demo_county, tmp_path, monkeypatch):
    """导出Excel: every export of `shengui excel export` from the window; the monthly figures
    land in a workbook with one row per enterprise and month."""
    _window, page = import_page(qtbot, demo_county, tmp_path)
    titles = [a.text() for a in page.export_button.menu().actions()]
    assert titles == [f"{t}…" for t in excel.EXPORT_TITLES.values()]
    out = tmp_path / "月度.xlsx"
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_xlsx", lambda _p, caption, name: (asked.append(caption), str(out))[1])
    [action] = [a for a in page.export_button.menu().actions() if a.text() == "企业月度数据…"]
    action.trigger()
    wait(qtbot, page)
    assert asked == ["导出企业月度数据"]
    figures = count(demo_county, "monthly_figures")
    assert page.last_export["rows"] == figures and f"已导出企业月度数据{figures:,}行" in page.status.text()
    ws = load_workbook(out)["企业月度数据"]
    assert sum(1 for r in ws.iter_rows(min_row=4) if r[0].value and r[1].value) in (figures, figures + 1)  # + 合计
