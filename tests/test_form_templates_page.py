"""The county's templates in the window (#22 item 4): at a township the 一表通 page lists what
the county sent (overdue in red), 填写此表 fills it through the page's fill tab (then 已填报),
标记已报送 records the day; the 首页 calendar rings the due days and lists 待填报表. At the
county the page sends a template through its dialog on the worker and shows template ×
township."""

from __future__ import annotations

import threading
from datetime import date

from openpyxl import load_workbook
from PySide6.QtCore import Qt

from shengui_desktop.services.excel import form_templates as ft
from shengui_desktop.ui.forms import board as board_module
from shengui_desktop.ui.forms import page as page_module
from shengui_desktop.ui.forms.board import RED, GREY, SendDialog
from shengui_desktop.ui.home import page as home_page
from sync_helpers import CODES, exchange, world_fixtures
from test_form_templates import monthly_form
from test_ui_support import open_window

template, world = world_fixtures("formsync-ui")
SENT_ON = date(2026, 11, 20)


def sent_to_xiushui(world, tmp_path, **kw):
    c, a = world["C"], world["A"]
    args = {"department": "统计局", "due": "2026-11-25", "period": "2026-10", "to": ["秀水镇"], "today": SENT_ON}
    sent = ft.send_template(c, monthly_form(tmp_path / "规上工业月报.xlsx"), **{**args, **kw})
    exchange(c, a, tmp_path / "usb")
    return sent


def test_township_lists_fills_and_reports_a_received_form(qtbot, world, tmp_path, monkeypatch):
    sent = sent_to_xiushui(world, tmp_path)
    other = ft.send_template(world["C"], monthly_form(tmp_path / "培育库名单.xlsx"), department="工信局",
                             due="2026-12-15", today=SENT_ON)
    exchange(world["C"], world["A"], tmp_path / "usb")
    today = date(2026, 11, 27)  # the first is two days overdue
    window = open_window(qtbot, world["A"], tmp_path, today=today)

    # the home calendar: the due day ringed red, the form listed with how late it is
    home = window.home
    qtbot.waitUntil(lambda: home.due_forms is not None if hasattr(home, "due_forms") else False, timeout=10000)
    assert home.month.due == {25: "overdue"}
    label = home.due_forms.labels[sent["id"]].text()
    assert "规上工业月报（统计局）11月25日截止" in label and "已逾期2天" in label and "#c00000" in label.lower()
    assert other["id"] not in home.due_forms.labels  # due in December
    assert "待填报表（1份）" == home.due_forms.heading.text()

    # a click opens 一表通 with it chosen
    home.due_forms.labels[sent["id"]].linkActivated.emit(sent["id"])
    page = window.forms_page
    qtbot.waitUntil(lambda: page.isVisible(), timeout=5000)
    board = page.board
    assert page.tabs.currentWidget() is board and board.current().id == sent["id"]
    assert page.tabs.tabText(0) == "收到的报表"
    rows = [[board.table.item(r, c).text() for c in range(board.table.columnCount())]
            for r in range(board.table.rowCount())]
    assert rows == [["规上工业月报", "统计局", "2026-11-25", "2026年10月", "待填报（已逾期）"],
                    ["培育库名单", "工信局", "2026-12-15", "由乡镇选择", "待填报"]]
    assert board.table.item(0, 4).foreground().color() == RED
    assert "逾期1份" in board.heading.text()

    # 填写此表: checked on the fill tab for the county's period, then filled as .xlsx
    qtbot.mouseClick(board.fill_button, Qt.MouseButton.LeftButton)
    assert page.tabs.currentWidget() is page.fill_tab and page.received.id == sent["id"]
    assert "县级下发：规上工业月报（统计局，截止2026-11-25，期间：2026年10月）" == page.path_label.text()
    qtbot.waitUntil(lambda: page.check is not None, timeout=20000)
    assert page.check.ok and page.check.period == "2026-10"
    out = tmp_path / "填好.xlsx"
    monkeypatch.setattr(page_module, "ask_output", lambda _p, _c, suggested: str(out))
    qtbot.mouseClick(page.fill_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.last_saved == str(out), timeout=20000)
    assert load_workbook(out).active["A1"].value == "秀水镇规上工业企业2026年10月月报"
    assert "已填报" in page.summary.text()
    qtbot.waitUntil(lambda: board.table.item(0, 4).text() == "已填报（已逾期）", timeout=5000)

    # 标记已报送: the day asked, then 已报送 in grey; the calendar follows
    page.tabs.setCurrentWidget(board)
    board.select(sent["id"])
    monkeypatch.setattr(board_module, "ask_date", lambda *_a, **_k: date(2026, 11, 26))
    assert board.sent_button.isEnabled()
    qtbot.mouseClick(board.sent_button, Qt.MouseButton.LeftButton)
    assert board.table.item(0, 4).text() == "已报送（2026-11-26）"
    assert board.table.item(0, 4).foreground().color() == GREY
    assert not board.sent_button.isEnabled()
    assert ft.list_forms(world["A"], today)[0].reported_on == "2026-11-26"
    # the calendar follows when 首页 is shown again (a hidden home page is not redrawn)
    assert home.stale and home.month.due == {25: "overdue"}
    window.show_page("首页")
    qtbot.waitUntil(lambda: home.month.due == {25: "done"}, timeout=10000)
    assert "已报送（11-26）" in home.due_forms.labels[sent["id"]].text() and not home.stale


def test_the_home_calendar_never_draws_a_load_older_than_the_change(qtbot, world, tmp_path, monkeypatch):
    """CI at befa1a8: the 首页 load started by 填写此表 read the form as due, ended after the
    load started by 标记已报送 on the pool's other thread, and drew 逾期 over 已报送 for good."""
    sent = sent_to_xiushui(world, tmp_path)
    window = open_window(qtbot, world["A"], tmp_path, today=date(2026, 11, 27))
    home = window.home
    qtbot.waitUntil(lambda: window.figures_ready and home.month.due == {25: "overdue"}, timeout=10000)

    read, release, real = threading.Event(), threading.Event(), home_page.home_stats

    def held(today):
        load = real(today)

        def work(ledger, progress, cancelled):
            stats = load(ledger, progress, cancelled)
            read.set()
            release.wait(10)  # ends only after the newer load has been drawn
            return stats
        return work

    monkeypatch.setattr(home_page, "home_stats", held)
    home.refresh()  # the older load: reads the form as due, then waits
    monkeypatch.setattr(home_page, "home_stats", real)
    assert read.wait(10)
    ft.mark_sent(world["A"], sent["id"], on=date(2026, 11, 26), today=date(2026, 11, 27))
    window.bus.tell({"form_templates", "form_returns"})  # the newer load, on the other thread
    qtbot.waitUntil(lambda: home.month.due == {25: "done"}, timeout=10000)
    release.set()
    qtbot.waitUntil(lambda: not any(job.name == "home" for job in home.runner.jobs), timeout=10000)
    assert home.month.due == {25: "done"}
    assert "已报送（11-26）" in home.due_forms.labels[sent["id"]].text()


def test_township_without_templates_says_what_to_do(qtbot, world, tmp_path):
    window = open_window(qtbot, world["A"], tmp_path, today=SENT_ON)
    window.show_page("一表通")
    board = window.forms_page.board
    assert board.empty.isVisible() and not board.table.isVisible()
    assert "导入县级的同步包" in board.empty.text()
    assert window.home.month.due == {}


def test_county_sends_from_the_page_and_sees_each_township(qtbot, world, tmp_path, monkeypatch):
    c = world["C"]
    window = open_window(qtbot, c, tmp_path, today=SENT_ON)
    window.show_page("一表通")
    page = window.forms_page
    board = page.board
    assert page.tabs.tabText(0) == "下发的报表" and board.empty.isVisible()
    assert "下发报表模板" in board.empty.text()

    # the dialog: a file, its name from the file, a department, the townships chosen
    path = monthly_form(tmp_path / "工信局培育库名单.xlsx")
    dialog = SendDialog(c, SENT_ON)
    qtbot.addWidget(dialog)
    dialog.set_path(str(path))
    dialog.department.setCurrentText("工信局")
    dialog.all_townships.setChecked(False)
    dialog.townships.item(0).setCheckState(Qt.CheckState.Checked)
    values = dialog.values()
    assert values["name"] == "工信局培育库名单" and values["to"] == [CODES["A"]]
    assert values["period"] == "2026-10"  # the month before by default
    page.send_template(values)
    qtbot.waitUntil(lambda: bool(board.forms), timeout=20000)
    [form] = board.forms
    assert (form.name, form.department, form.addressed) == ("工信局培育库名单", "工信局", ["秀水镇"])
    headers = [board.table.horizontalHeaderItem(i).text() for i in range(board.table.columnCount())]
    assert headers == ["报表名称", "下发部门", "截止日期", "已报送", "秀水镇"]
    assert board.table.item(0, 3).text() == "0/1" and board.table.item(0, 4).text() == "待填报"

    # a broken template: the problems in a message box, nothing sent
    broken = monthly_form(tmp_path / "坏.xlsx", extra=lambda wb, ws: ws.__setitem__("B3", "{{营收}}"))
    warned = []
    monkeypatch.setattr(page_module.QMessageBox, "warning", lambda _p, title, text: warned.append((title, text)))
    page.send_template({**values, "path": str(broken), "name": "坏表"})
    qtbot.waitUntil(lambda: bool(warned), timeout=20000)
    assert warned[0][0] == "报表模板未下发" and "模板 B3：未知字段“营收”" in warned[0][1]
    assert len(ft.list_forms(c, SENT_ON)) == 1

    # 秀水镇 reports it; after its package the county's table says so
    a = world["A"]
    exchange(c, a, tmp_path / "usb")
    ft.mark_sent(a, form.id, on="2026-11-21", today=date(2026, 11, 21))
    exchange(a, c, tmp_path / "usb")
    window.sync_changed()
    qtbot.waitUntil(lambda: board.table.item(0, 4).text() == "已报送 11-21", timeout=10000)
    assert board.table.item(0, 3).text() == "1/1"

    # 撤回 (asked first), then it leaves the list unless 显示已撤回的
    board.select(form.id)
    monkeypatch.setattr(board_module.QMessageBox, "question", lambda *_a: board_module.QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(board.withdraw_button, Qt.MouseButton.LeftButton)
    assert board.forms == [] and board.empty.isVisible()
    board.show_withdrawn.setChecked(True)
    assert board.table.item(0, 3).text() == "已撤回"
