"""The main window on a temporary ledger: ledger search, visit with an issue, pool move,
issue update, drafts, status bar and remembered geometry."""

from datetime import date

import pytest
from PySide6.QtCore import QSettings, QSize, Qt

from shengui_desktop.services.ledger import reference, visits
from shengui_desktop.services.office.site import unsynced_change_count
from test_ui_support import TODAY, add_enterprise, open_window, type_text


def _seed(county):
    ids = {
        "xsjx": add_enterprise(county, "秀水机械有限公司", 1),
        "nlhg": add_enterprise(county, "南娄化工有限公司", 2, township="140322101"),
        "xshg": add_enterprise(county, "秀水化工厂", 3),
    }
    return ids


def test_status_bar_and_navigation(qtbot, county, tmp_path):
    _seed(county)
    window = open_window(qtbot, county, tmp_path)
    assert "盂县" in window.status_office.text()
    assert "admin" in window.status_user.text()
    assert str(county.path) in window.status_path.text()
    assert window.status_unsynced.text() == f"未同步的修改：{unsynced_change_count(county):,}条"
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == [
        "首页", "企业台账", "走访记录", "问题台账", "培育库", "月度监测", "数据同步", "报表打印", "Excel导入", "目标任务", "奖补测算", "重点项目", "一表通", "政策配置", "乡镇与部门", "设置"]
    assert "全部企业　3户" in window.home.buttons["all"].text()
    qtbot.mouseClick(window.home.buttons["stat:below_scale"], Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.ledger_page
    assert window.ledger_page.model.rowCount() == 3
    window.close()


def test_search_by_pinyin_initials_and_substring(qtbot, county, tmp_path):
    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    page = window.ledger_page
    window.show_page("企业台账")
    assert page.model.rowCount() == 3
    type_text(qtbot, page.search, "xsjx")
    assert page.model.rowCount() == 1
    assert page.model.enterprise_id(0) == ids["xsjx"]
    assert page.model.text(0, "name") == "秀水机械有限公司"
    qtbot.keyClick(page.search, Qt.Key.Key_Backspace)
    qtbot.keyClick(page.search, Qt.Key.Key_Backspace)  # "xs": wider again, a full scan
    assert page.model.rowCount() == 2
    qtbot.keyClicks(page.search, "h")  # "xsh" narrows the previous result
    assert [page.model.enterprise_id(r) for r in range(page.model.rowCount())] == [ids["xshg"]]
    page.search.clear()
    type_text(qtbot, page.search, "化工")
    assert {page.model.enterprise_id(r) for r in range(page.model.rowCount())} == {ids["nlhg"], ids["xshg"]}
    page.township.setCurrentIndex(page.township.findData("140322101"))
    assert page.model.rowCount() == 1 and page.model.enterprise_id(0) == ids["nlhg"]
    assert "符合条件1户" in page.count.text()
    page.clear_filters()
    assert page.model.rowCount() == 3
    window.close()


def test_sort_by_name_uses_pinyin(qtbot, county, tmp_path):
    _seed(county)
    window = open_window(qtbot, county, tmp_path)
    page = window.ledger_page
    page._sort_clicked(1)  # 企业名称
    names = [page.model.text(r, "name") for r in range(3)]
    assert names == ["南娄化工有限公司", "秀水化工厂", "秀水机械有限公司"]
    page._sort_clicked(1)
    assert [page.model.text(r, "name") for r in range(3)] == names[::-1]
    window.close()


def test_record_a_visit_with_an_issue(qtbot, county, tmp_path, monkeypatch):
    monkeypatch.setattr("shengui_desktop.ui.visits.form.show_error", lambda _p, e, *a: pytest.fail(str(e)))
    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    form = window.new_visit()
    qtbot.addWidget(form)
    assert form.date.date().toString("yyyy-MM-dd") == TODAY.isoformat()
    type_text(qtbot, form.picker.edit, "xsjx")
    assert form.picker.matches.count() == 1
    qtbot.keyClick(form.picker.edit, Qt.Key.Key_Return)
    assert form.picker.enterprise_id == ids["xsjx"]
    type_text(qtbot, form.visitors, "王伟、李娜")
    type_text(qtbot, form.summary, "企业生产正常，订单饱满。")
    type_text(qtbot, form.demands, "需要流动资金贷款。")
    row = form.add_issue_row()
    row.category.setCurrentIndex(row.category.findData("finance"))
    type_text(qtbot, row.description, "协调流动资金贷款500万元")
    row.department.setCurrentIndex(row.department.findText("金融办"))
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    qtbot.keyClick(row.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.saved_visit_id is not None
    saved = visits.list_visits(county, enterprise_id=ids["xsjx"])
    assert len(saved) == 1 and saved[0]["visitors"] == "王伟、李娜" and saved[0]["issue_count"] == 1
    issue = visits.list_issues(county, enterprise_id=ids["xsjx"])[0]
    assert issue["category"] == "finance" and issue["department_name"] == "金融办"
    assert issue["visit_id"] == form.saved_visit_id
    assert issue["deadline"] > TODAY.isoformat()
    assert visits.recent_visitors(county)[:2] in (["王伟", "李娜"], ["李娜", "王伟"])
    assert visits.list_drafts(county, "visit") == []
    window.show_page("走访记录")
    qtbot.waitUntil(lambda: window.visits_page.loaded and window.visits_page.model.rowCount() == 1)
    window.close()


def test_visit_validation_message_and_draft_kept_on_close(qtbot, county, tmp_path, monkeypatch):
    ids = _seed(county)
    shown = []
    monkeypatch.setattr("shengui_desktop.ui.visits.form.show_error", lambda _p, e, *a: shown.append(str(e)))
    window = open_window(qtbot, county, tmp_path)
    form = window.new_visit(ids["nlhg"])
    type_text(qtbot, form.summary, "未写走访人员")
    form.save()
    assert shown and "走访人员不能为空" in shown[0]
    form.close()
    drafts = visits.list_drafts(county, "visit")
    assert len(drafts) == 1 and drafts[0]["content"]["summary"] == "未写走访人员"
    assert drafts[0]["content"]["enterprise_id"] == ids["nlhg"]
    assert window.visits_page.drafts_button.text() == "未完成的草稿（1）"
    again = window.new_visit(draft=drafts[0])
    assert again.summary.toPlainText() == "未写走访人员"
    assert again.picker.enterprise_id == ids["nlhg"]
    type_text(qtbot, again.visitors, "张三")
    again.save()
    assert again.saved_visit_id and visits.list_drafts(county, "visit") == []
    window.close()


def test_move_a_pool_with_a_reason(qtbot, county, tmp_path):
    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    enterprise = window.open_enterprise(ids["xsjx"])
    qtbot.addWidget(enterprise)
    tab = enterprise.pool
    tab.target.setCurrentIndex(tab.target.findData("cultivation"))
    tab.move()
    assert "调库理由不能为空" in tab.message.text()
    type_text(qtbot, tab.reason, "上年主营业务收入1,650万元，纳入培育库")
    qtbot.keyClick(tab.reason, Qt.Key.Key_Return)
    assert county.get("enterprises", ids["xsjx"])["pool"] == "cultivation"
    history = county.rows("SELECT * FROM pool_events WHERE enterprise_id = ?", (ids["xsjx"],))
    assert history[0]["reason"] == "上年主营业务收入1,650万元，纳入培育库"  # as typed (#15 item 4)
    assert history[0]["from_pool"] == "none" and history[0]["decided_by"] == "admin"
    assert tab.model.rowCount() == 1
    assert "培育库" in enterprise.subheader.text()
    page = window.ledger_page
    page.pool.setCurrentIndex(page.pool.findData("cultivation"))
    assert page.model.rowCount() == 1 and page.model.text(0, "pool") == "培育库"
    window.close()


def test_edit_basic_data_shows_domain_messages(qtbot, county, tmp_path):
    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    enterprise = window.open_enterprise(ids["nlhg"])
    qtbot.addWidget(enterprise)
    basic = enterprise.basic
    basic.inputs["credit_code"].setText("91350100M000100Y4Z")
    basic.inputs["contact_phone"].setText("电话")
    assert basic.save() is None
    assert basic.errors["credit_code"].isVisibleTo(basic) and basic.errors["credit_code"].text()
    assert "联系电话" in basic.errors["contact_phone"].text()
    assert county.get("enterprises", ids["nlhg"])["credit_code"] != "91350100M000100Y4Z"
    basic.inputs["credit_code"].setText(county.get("enterprises", ids["nlhg"])["credit_code"])
    basic.inputs["contact_phone"].setText("13800000000")
    basic.inputs["name"].setText("南娄新材料有限公司")
    assert basic.save() == {"contact_phone": "13800000000", "name": "南娄新材料有限公司"}
    assert county.get("enterprises", ids["nlhg"])["name"] == "南娄新材料有限公司"
    page = window.ledger_page
    type_text(qtbot, page.search, "nlxcl")  # the new name is searchable at once
    assert page.model.rowCount() == 1
    window.close()


def test_issue_ledger_update_status_and_overdue(qtbot, county, tmp_path):
    ids = _seed(county)
    dept = reference.department_id(county, "工信局")
    visits.add_visit(county, ids["xsjx"], {"visit_date": "2024-01-05", "visitors": "王伟", "summary": "走访"},
                     [{"category": "land", "description": "扩建用地", "department_id": dept,
                       "deadline": "2024-02-01"},
                      {"category": "market", "description": "对接项目", "deadline": "2099-01-01"}])
    window = open_window(qtbot, county, tmp_path)
    page = window.issues_page
    assert not page.loaded  # loaded when first shown
    window.show_page("问题台账")
    qtbot.waitUntil(lambda: page.loaded)
    assert page.model.rowCount() == 2
    late = page.model.row(0)
    assert late["description"] == "扩建用地"
    assert page._brush(late) is not None and page._brush(page.model.row(1)) is None
    assert "逾期1个" in page.count.text()
    page.overdue.setChecked(True)
    qtbot.waitUntil(lambda: page.loaded and page.model.rowCount() == 1)
    page.table.selectRow(0)
    page.edit_status.setCurrentIndex(page.edit_status.findData("resolved"))
    page.resolution.setPlainText("已协调自然资源局办理用地手续")
    before = date.today()
    page.save()
    saved_on = {before.isoformat(), date.today().isoformat()}  # a run across midnight
    issue = county.one("SELECT * FROM issues WHERE description = '扩建用地'")
    assert issue["status"] == "resolved" and issue["resolution"] == "已协调自然资源局办理用地手续"
    assert issue["resolved_date"] in saved_on and issue["deadline"] == "2024-02-01"
    qtbot.waitUntil(lambda: page.loaded and page.model.rowCount() == 0)
    window.close()


def test_geometry_is_remembered(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path)
    free = window.available_geometry()
    size = window.minimumSize().expandedTo(QSize(free.width() - 100, free.height() - 150))
    assert size.height() != window.height()  # the first window took SCREEN_SHARE of the screen
    window.resize(size)
    window.move(free.topLeft())
    window.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.value("main/geometry") is not None
    from shengui_desktop.storage.files import reopen  # a fresh connection for a second window
    ledger = reopen(county)
    again = open_window(qtbot, ledger, tmp_path)
    # offscreen platform frames differ by a few pixels between save and restore
    assert abs(again.width() - size.width()) <= 20 and abs(again.height() - size.height()) <= 20
    again.close()


def test_export_the_current_view_to_excel(qtbot, county, tmp_path):
    import openpyxl

    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    page = window.ledger_page
    type_text(qtbot, page.search, "化工")
    out = tmp_path / "view.xlsx"
    job = page.export_to(str(out))
    qtbot.waitUntil(lambda: job.outcome is not None and not window.runner.busy(), timeout=20000)
    assert job.outcome[0] == "done", job.outcome
    book = openpyxl.load_workbook(out, read_only=True)
    cells = {c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "南娄化工有限公司" in cells and "秀水化工厂" in cells
    assert "秀水机械有限公司" not in cells
    assert len(ids) == 3
    window.close()


def test_entry_checklist_ticks_are_stored(qtbot, county, tmp_path):
    ids = _seed(county)
    window = open_window(qtbot, county, tmp_path)
    enterprise = window.open_enterprise(ids["xsjx"])
    qtbot.addWidget(enterprise)
    tab = enterprise.checklist
    qtbot.waitUntil(lambda: bool(tab.boxes), timeout=10000)
    item, box = next(iter(tab.boxes.items()))
    box.setChecked(True)
    row = county.one("SELECT done, checked_by FROM entry_checklist WHERE enterprise_id = ? AND item = ?",
                     (ids["xsjx"], item))
    assert row == {"done": 1, "checked_by": "admin"}
    window.close()
