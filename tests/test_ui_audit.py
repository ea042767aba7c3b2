"""设置 → 审计日志 (pytest-qt, offscreen): the entries listed newest first, filtered by
person, action and date; 验证 says the chain holds, or names the broken entry and marks its
row; 导出 writes the listed entries to xlsx on the worker; a clerk has no such tab."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from shengui_desktop.services.office import audit, session, users
from shengui_desktop.ui.settings import audit as audit_tab_module

from test_ui_support import add_enterprise, open_window

BOB = "bob-password-1"


@pytest.fixture
def no_boxes(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: shown.append((t, m))))
    return shown


def audit_tab(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path)
    window.show_page("设置")
    page = window.settings_page
    page.show_tab("审计日志")
    tab = page.audit_tab
    qtbot.waitUntil(lambda: tab.loaded and not tab.busy, timeout=10000)
    return window, tab


def wait(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.busy, timeout=10000)


def test_the_tab_lists_filters_verifies_and_exports(qtbot, township, tmp_path, monkeypatch, no_boxes):
    add_enterprise(township, "秀水机械有限公司", 1)
    users.add_user(township, "bob", BOB, role="乡镇管理员")
    bob = session.unlock(township.path, password=BOB, user="bob")
    try:
        add_enterprise(bob, "南娄化工有限公司", 2)
    finally:
        bob.close()
    audit.record(township, audit.PRINT, "企业台账", "台账.pdf，1页")
    window, tab = audit_tab(qtbot, township, tmp_path)
    try:
        rows = tab.model.rows_data
        assert rows and rows[0]["action"] == "打印报表"  # newest first
        assert {r["person"] for r in rows if r["action"] == "修改台账"} == {"admin", "bob"}
        assert "共" in tab.count.text()
        header = [tab.model.headerData(i, Qt.Orientation.Horizontal) for i in range(tab.model.columnCount())]
        assert header == ["时间", "单位", "人员", "操作", "对象", "详情"]
        assert tab.office.isHidden()  # one office: no office filter

        # by person
        tab.person.setCurrentIndex(tab.person.findData("bob"))
        wait(qtbot, tab)
        assert [r["action"] for r in tab.model.rows_data] == ["修改台账", "解锁"]
        # and by action
        tab.person.setCurrentIndex(0)
        wait(qtbot, tab)
        tab.action.setCurrentIndex(tab.action.findData("解锁"))
        wait(qtbot, tab)
        assert {r["action"] for r in tab.model.rows_data} == {"解锁"}
        # by date: nothing before yesterday
        tab.action.setCurrentIndex(0)
        wait(qtbot, tab)
        tab.until.setDate(QDate.currentDate().addDays(-1))
        tab.since.setDate(QDate.currentDate().addDays(-10))
        tab.by_date.setChecked(True)
        wait(qtbot, tab)
        assert tab.model.rows_data == []
        assert tab.table.empty_hint.text() == audit_tab_module.EMPTY_TEXT
        tab.by_date.setChecked(False)
        wait(qtbot, tab)
        assert len(tab.model.rows_data) == len(rows)

        # 验证
        qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
        wait(qtbot, tab)
        assert tab.result.isVisibleTo(tab) and "审计日志校验通过" in tab.result.text()

        # 导出 (the export itself goes on record)
        out = tmp_path / "审计.xlsx"
        monkeypatch.setattr(audit_tab_module, "ask_save_file", lambda *_a: str(out))
        qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "已导出审计日志" in tab.result.text(), timeout=10000)
        wait(qtbot, tab)
        assert out.exists() and no_boxes == []
        values = [c for r in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in r if c]
        assert "打印报表" in values and "bob" in values
        assert tab.model.rows_data[0]["action"] == "导出审计日志"
    finally:
        window.close()


def test_a_broken_chain_is_named_and_its_row_marked(qtbot, township, tmp_path, no_boxes):
    for i in range(3):
        audit.record(township, audit.PRINT, f"报表{i}")
    township.conn.execute("DROP TRIGGER audit_log_no_update")
    township.conn.execute("UPDATE audit_log SET object = '被改动' WHERE no = 2")
    window, tab = audit_tab(qtbot, township, tmp_path)
    try:
        qtbot.mouseClick(tab.verify_button, Qt.MouseButton.LeftButton)
        wait(qtbot, tab)
        text = tab.result.text()
        assert "审计日志校验不通过" in text and "第2条" in text and "改动" in text
        marked = [r for r in tab.model.rows_data if tab.model.row_brush(r) is not None]
        assert [r["object"] for r in marked] == ["被改动"]
    finally:
        window.close()


def test_a_clerk_has_no_audit_tab(qtbot, township, tmp_path):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    bob = session.unlock(township.path, password=BOB, user="bob")
    window = open_window(qtbot, bob, tmp_path)
    try:
        window.show_page("设置")
        assert "审计日志" not in window.settings_page.tab_names()
    finally:
        window.close()


def test_today_is_offered_as_the_end_of_the_date_range(qtbot, township, tmp_path):
    window, tab = audit_tab(qtbot, township, tmp_path)
    try:
        assert audit_tab_module._day(tab.until) == date.today()
        assert not tab.since.isEnabled()
        tab.by_date.setChecked(True)
        assert tab.since.isEnabled() and tab.until.isEnabled()
    finally:
        window.close()


def test_the_enterprise_window_shows_who_changed_it(qtbot, township, tmp_path):
    eid = add_enterprise(township, "秀水机械有限公司", 1)
    township.update("enterprises", eid, {"contact_person": "王经理"})
    window = open_window(qtbot, township, tmp_path)
    try:
        enterprise = window.open_enterprise(eid)
        qtbot.addWidget(enterprise)
        names = [enterprise.tabs.tabText(i) for i in range(enterprise.tabs.count())]
        assert names[-1] == "修改记录"
        rows = enterprise.history.model.rows_data
        assert [r["what"] for r in rows] == ["企业修改", "企业新增"]
        assert rows[0]["who"] == "秀水镇 admin" and rows[0]["fields"] == "联系人：王经理"
        # a change made elsewhere in the window shows up
        township.update("enterprises", eid, {"contact_phone": "13800000001"})
        window.bus.tell({"enterprises"}, {eid})
        assert enterprise.history.model.rows_data[0]["fields"] == "联系电话：13800000001"
    finally:
        window.close()


def test_a_filter_changed_while_listing_is_applied_afterwards(qtbot, township, tmp_path, no_boxes):
    users.add_user(township, "bob", BOB, role="乡镇填报员")
    session.close(session.unlock(township.path, password=BOB, user="bob"))
    window, tab = audit_tab(qtbot, township, tmp_path)
    try:
        tab.person.setCurrentIndex(tab.person.findData("bob"))  # starts a listing
        assert tab.busy
        tab.action.setCurrentIndex(tab.action.findData("解锁"))  # while it runs
        qtbot.waitUntil(lambda: not tab.busy and not tab.pending, timeout=10000)
        assert [(r["person"], r["action"]) for r in tab.model.rows_data] == [("bob", "解锁")]
    finally:
        window.close()
