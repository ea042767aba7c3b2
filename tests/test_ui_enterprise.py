"""The enterprise pages on temporary ledgers: 新增企业 with the import's checks, monthly
figures typed into the grid (saved in one go or not at all) changing the suggestion, and an
enterprise window that stays within the screen."""

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from shengui_desktop.errors import ValidationError
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import enterprises, figures
from shengui_desktop.ui.enterprise.figures_grid import ROW_TOTAL
from shengui_desktop.ui.enterprise.window import EnterpriseWindow
from test_ui_support import add_enterprise, open_window, type_text, valid_code

TODAY = date(2026, 11, 23)  # last year 2025


def _log_size(ledger) -> int:
    return ledger.scalar("SELECT count(*) FROM change_log")


def _fill(dialog, qtbot, name: str, code: str) -> None:
    type_text(qtbot, dialog.inputs["name"], name)
    dialog.inputs["credit_code"].setText(code)


def _enterprise_windows(window) -> list:
    return [w for w in window.open_windows if isinstance(w, EnterpriseWindow)]


def test_a_bad_credit_code_is_shown_at_its_field_and_nothing_is_written(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    dialog = window.new_enterprise()
    before = _log_size(county)
    _fill(dialog, qtbot, "秀水精密机械有限公司", "91140322MA0XXXXXXO")
    dialog.inputs["contact_phone"].setText("电话号码")
    assert dialog.save() is None
    assert dialog.isVisible() and dialog.saved_id is None
    assert dialog.errors["credit_code"].isVisibleTo(dialog)
    assert dialog.errors["credit_code"].text() == "统一社会信用代码含有不允许的字符“O”（不使用I、O、Z、S、V）"
    assert "联系电话" in dialog.errors["contact_phone"].text()
    assert not dialog.errors["name"].isVisibleTo(dialog)
    assert "未保存" in dialog.message.text()
    assert county.scalar("SELECT count(*) FROM enterprises") == 0 and _log_size(county) == before
    assert _enterprise_windows(window) == []
    dialog.inputs["name"].clear()
    dialog.inputs["credit_code"].clear()
    dialog.save()
    assert dialog.errors["name"].text() == "企业名称不能为空"
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    dialog.reject()
    window.close()


def test_a_doubtful_check_character_is_a_warning_as_in_an_import(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    dialog = window.new_enterprise()
    code = valid_code(11)
    doubtful = code[:-1] + ("0" if code[-1] != "0" else "1")
    _fill(dialog, qtbot, "秀水精密机械有限公司", doubtful)
    dialog.inputs["credit_code"].editingFinished.emit()
    assert "校验位" in dialog.errors["credit_code"].text()  # said as soon as it is typed
    enterprise_id = dialog.save()
    assert enterprise_id is not None and dialog.warnings and "校验位" in dialog.warnings[0]
    assert "校验位" in window.statusBar().currentMessage()
    for w in _enterprise_windows(window):
        qtbot.addWidget(w)
    window.close()


def test_a_good_enterprise_is_added_listed_and_opened(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    qtbot.mouseClick(window.ledger_page.new_button, Qt.MouseButton.LeftButton)
    dialog = next(w for w in window.open_windows if type(w).__name__ == "NewEnterpriseDialog")
    code = valid_code(12)
    _fill(dialog, qtbot, "秀水精密机械有限公司", code.lower())
    dialog.inputs["township_code"].setCurrentIndex(dialog.inputs["township_code"].findData("140322101"))
    dialog.inputs["industry_code"].setCurrentText("C3311")
    dialog.inputs["pool"].setCurrentIndex(dialog.inputs["pool"].findData("reserve"))
    assert dialog.save() is None  # another pool needs its reason
    assert dialog.errors["pool_reason"].text() == "放入储备库须填写入库理由（记入调库记录）"
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    type_text(qtbot, dialog.inputs["pool_reason"], "新建投产，预计年营收1,200万元")
    enterprise_id = dialog.save()
    assert enterprise_id is not None
    row = county.get("enterprises", enterprise_id)
    assert (row["name"], row["credit_code"], row["township_code"], row["industry_code"], row["pool"]) == \
        ("秀水精密机械有限公司", code, "140322101", "3311", "reserve")
    move = county.one("SELECT * FROM pool_events WHERE enterprise_id = ?", (enterprise_id,))
    assert (move["from_pool"], move["to_pool"], move["reason"], move["moved_on"]) == \
        ("none", "reserve", "新建投产，预计年营收1,200万元", TODAY.isoformat())
    opened = _enterprise_windows(window)
    assert [w.enterprise_id for w in opened] == [enterprise_id]
    qtbot.addWidget(opened[0])
    assert opened[0].header.text() == "秀水精密机械有限公司"
    page = window.ledger_page
    type_text(qtbot, page.search, "xsjmjx")
    assert page.model.rowCount() == 1 and page.model.enterprise_id(0) == enterprise_id
    # the same code again is refused at its field
    again = window.new_enterprise()
    _fill(again, qtbot, "另一家公司", code)
    assert again.save() is None and "已登记" in again.errors["credit_code"].text()
    again.reject()
    window.close()


def test_a_new_enterprise_starts_outside_the_pools(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.new_enterprise_action.trigger()  # the window's action (Ctrl+Shift+N)
    dialog = next(w for w in window.open_windows if type(w).__name__ == "NewEnterpriseDialog")
    assert dialog.inputs["pool"].currentData() == "none" and not dialog.inputs["pool_reason"].isEnabled()
    _fill(dialog, qtbot, "路家村镇建材厂", valid_code(13))
    enterprise_id = dialog.save()
    assert county.get("enterprises", enterprise_id)["pool"] == "none"
    assert county.scalar("SELECT count(*) FROM pool_events") == 0
    for w in _enterprise_windows(window):
        qtbot.addWidget(w)
    window.close()


def test_a_township_office_adds_to_its_own_township_only(qtbot, township, tmp_path):
    window = open_window(qtbot, township, tmp_path, today=TODAY)
    dialog = window.new_enterprise()
    combo = dialog.inputs["township_code"]
    assert [combo.itemData(i) for i in range(combo.count())] == ["140322100"] and not combo.isEnabled()
    dialog.reject()
    with pytest.raises(ValidationError) as e:
        enterprises.add_enterprise(township, {"name": "外乡镇企业", "credit_code": valid_code(14),
                                              "township_code": "140322101"})
    assert "township_code" in e.value.problems
    assert township.scalar("SELECT count(*) FROM enterprises") == 0
    window.close()


def _type_cell(qtbot, grid, row: int, column: int, text: str) -> None:
    """Type over a cell as a person does: the first key opens the editor, Enter commits."""
    index = grid.model().index(row, column)
    grid.setCurrentIndex(index)
    grid.setFocus()
    qtbot.keyClick(grid, text[0])
    editor = grid.indexWidget(index)
    assert editor is not None, "typing opens the cell's editor"
    qtbot.keyClicks(editor, text[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.indexWidget(index) is None)  # Qt commits on the next turn


def _window_with_new_enterprise(qtbot, county, tmp_path):
    policy.choose_profile(county, "xiaoyi")
    enterprise_id = add_enterprise(county, "秀水新材料有限公司", 21)
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    enterprise = window.open_enterprise(enterprise_id)
    qtbot.addWidget(enterprise)
    return window, enterprise, enterprise_id


def test_twelve_months_typed_in_the_grid_change_the_suggestion(qtbot, county, tmp_path):
    window, enterprise, enterprise_id = _window_with_new_enterprise(qtbot, county, tmp_path)
    tab = enterprise.figures
    assert "入统库" not in tab.suggestion.text() and "入统库" not in enterprise.pool.suggested.text()
    tab.year.setCurrentIndex(tab.year.findData(2025))
    tab._year_chosen(tab.year.currentIndex())
    assert tab.shown_year == 2025
    revenue = tab.model.keys.index("revenue")
    for month in range(12):
        _type_cell(qtbot, tab.grid, month, revenue, "200")
    assert tab.grid.currentIndex().row() == 11  # Enter went down a month each time
    assert tab.model.index(ROW_TOTAL, revenue).data() == "2,400.00"
    assert tab.save_button.isEnabled() and "已修改12个单元格" in tab.message.text()
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0  # nothing before 保存
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "已保存2025年12个月的数据" in tab.message.text()
    months = figures.months_of_year(county, enterprise_id, 2025)
    assert sorted(months) == list(range(1, 13)) and {m["revenue"] for m in months.values()} == {2_000_000}
    assert not tab.model.is_dirty() and tab.model.index(0, revenue).data() == "200.00"
    # the rules see the year at once: 2,400万 last year, not entered → 入统库 (孝义)
    assert tab.suggestion.text().startswith("建议库别：入统库")
    assert enterprise.pool.suggested.text().startswith("入统库")
    assert "2025年主营业务收入2,400.00万元" in enterprise.subheader.text()
    assert tab.chart.series[2025][11] == 24_000_000
    assert window.index.evaluations[enterprise_id].suggested_pool == "entry"
    window.close()


def test_a_bad_cell_is_marked_and_nothing_is_saved(qtbot, county, tmp_path):
    window, enterprise, enterprise_id = _window_with_new_enterprise(qtbot, county, tmp_path)
    tab = enterprise.figures
    keys = tab.model.keys
    _type_cell(qtbot, tab.grid, 0, keys.index("revenue"), "150.5")
    _type_cell(qtbot, tab.grid, 1, keys.index("revenue"), "abc")
    _type_cell(qtbot, tab.grid, 2, keys.index("tax_paid"), "-3")
    _type_cell(qtbot, tab.grid, 3, keys.index("electricity_kwh"), "1.5")
    assert tab.model.errors[(2, "revenue")] == "2月主营业务收入：“abc”不是有效的金额"
    assert tab.model.errors[(3, "tax_paid")] == "3月税收不能为负数"
    assert tab.model.errors[(4, "electricity_kwh")] == "4月用电量：“1.5”应为整数"
    cell = tab.model.index(1, keys.index("revenue"))
    assert cell.data() == "abc" and cell.data(Qt.ItemDataRole.ToolTipRole) == tab.model.errors[(2, "revenue")]
    assert "不是有效的金额" in tab.message.text()
    before = _log_size(county)
    assert tab.save() is None
    assert "未保存" in tab.message.text() and "2月主营业务收入" in tab.message.text()
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0 and _log_size(county) == before
    assert tab.model.is_dirty()  # what was typed is kept to be corrected
    _type_cell(qtbot, tab.grid, 1, keys.index("revenue"), "1,650.25")
    _type_cell(qtbot, tab.grid, 2, keys.index("tax_paid"), "3")
    _type_cell(qtbot, tab.grid, 3, keys.index("electricity_kwh"), "15000")
    assert tab.model.errors == {}
    assert tab.save() is not None
    year = TODAY.year
    months = figures.months_of_year(county, enterprise_id, year)
    assert (months[1]["revenue"], months[2]["revenue"], months[3]["tax_paid"], months[4]["electricity_kwh"]) == \
        (1_505_000, 16_502_500, 30_000, 15_000)
    window.close()


def test_correcting_pasting_and_emptying_cells(qtbot, county, tmp_path, monkeypatch):
    window, enterprise, enterprise_id = _window_with_new_enterprise(qtbot, county, tmp_path)
    figures.record_month(county, enterprise_id, f"{TODAY.year}-01", {"revenue": 1_000_000, "employees": 12})
    figures.record_month(county, enterprise_id, f"{TODAY.year}-02", {"revenue": 1_100_000})
    tab = enterprise.figures
    tab.load()
    keys = tab.model.keys
    revenue = keys.index("revenue")
    assert tab.model.index(0, revenue).data(Qt.ItemDataRole.EditRole) == "100"
    _type_cell(qtbot, tab.grid, 0, revenue, "100.00")  # the same amount typed again: no change
    assert not tab.model.is_dirty()
    # a block copied from a spreadsheet: output, revenue for March and April
    tab.grid.setCurrentIndex(tab.model.index(2, keys.index("output_value")))
    assert tab.grid.paste("120\t110\r\n130\t121.5\r\n") == 4
    # Delete empties the selected cell: February has nothing left and goes
    tab.grid.setCurrentIndex(tab.model.index(1, revenue))
    qtbot.keyClick(tab.grid, Qt.Key.Key_Delete)
    saved = tab.save()
    assert saved.created == [f"{TODAY.year}-03", f"{TODAY.year}-04"] and saved.deleted == [f"{TODAY.year}-02"]
    months = figures.months_of_year(county, enterprise_id, TODAY.year)
    assert sorted(months) == [1, 3, 4]
    assert (months[4]["output_value"], months[4]["revenue"], months[1]["employees"]) == \
        (1_300_000, 1_215_000, 12)
    window.close()


def test_unsaved_cells_are_kept_unless_the_year_change_is_confirmed(qtbot, county, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window, enterprise, _eid = _window_with_new_enterprise(qtbot, county, tmp_path)
    tab = enterprise.figures
    _type_cell(qtbot, tab.grid, 0, 0, "88")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    tab.year.setCurrentIndex(tab.year.findData(2025))
    tab._year_chosen(tab.year.currentIndex())
    assert tab.shown_year == TODAY.year and tab.model.is_dirty()
    assert tab.year.currentData() == TODAY.year
    window.close()


def test_the_rewards_tab_of_an_enterprise_without_rewards_and_the_window_height(qtbot, county, tmp_path):
    policy.choose_profile(county, "yuxian")
    for n in range(40):  # other enterprises with rewards: none of their lines may show here
        add_enterprise(county, f"秀水{n}号厂", 100 + n, stat_status="above_scale",
                       entered_stats_date="2026-01-31")
    plain = add_enterprise(county, "路家村镇小作坊", 99)
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    enterprise = window.open_enterprise(plain)
    qtbot.addWidget(enterprise)
    enterprise.tabs.setCurrentWidget(enterprise.rewards)
    qtbot.waitUntil(lambda: enterprise.rewards.text.text() != "正在计算…", timeout=10000)
    assert enterprise.rewards.text.text() == "本年度暂无应享奖补。"
    QApplication.processEvents()
    free = enterprise.screen().availableGeometry()
    assert enterprise.frameGeometry().height() <= free.height()
    assert enterprise.height() <= free.height() and enterprise.width() <= free.width()
    window.close()


def test_projects_claims_and_scale_periods_are_added_through_their_tabs(qtbot, county, tmp_path):
    policy.choose_profile(county, "minhou")
    enterprise_id = add_enterprise(county, "秀水智能装备有限公司", 31, stat_status="above_scale",
                                   entered_stats_date="2026-02-01")
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    enterprise = window.open_enterprise(enterprise_id)
    qtbot.addWidget(enterprise)
    names = [enterprise.tabs.tabText(i) for i in range(enterprise.tabs.count())]
    assert {"项目", "奖补申报", "入规历史"} <= set(names)

    projects = enterprise.projects
    assert projects.empty.isVisibleTo(projects) and "新增项目" in projects.empty.text()
    assert not projects.edit_button.isEnabled()
    dialog = projects.add()
    assert dialog.save() is None and dialog.errors["name"].text() == "项目名称不能为空"
    assert county.scalar("SELECT count(*) FROM projects") == 0
    type_text(qtbot, dialog.inputs["name"], "年产5万台电机生产线")
    dialog.inputs["kind"].setCurrentIndex(dialog.inputs["kind"].findData("tech_upgrade"))
    dialog.inputs["investment"].setText("3,200")
    dialog.inputs["actual_start_date"].setText("2026-03-01")
    dialog.inputs["planned_production_date"].setText("2026/13/01")
    assert dialog.save() is None and "计划投产日期" in dialog.errors["planned_production_date"].text()
    assert county.scalar("SELECT count(*) FROM projects") == 0
    dialog.inputs["planned_production_date"].setText("2027-03-01")
    dialog.inputs["expected_to_reach_scale"].setChecked(True)
    dialog.inputs["expected_scale_year"].setValue(2027)
    dialog.inputs["responsible_unit"].setCurrentText("工信局")
    assert dialog.save() is not None
    project = county.one("SELECT * FROM projects WHERE enterprise_id = ?", (enterprise_id,))
    assert (project["name"], project["kind"], project["status"], project["investment"],
            project["planned_production_date"], project["expected_to_reach_scale"],
            project["expected_scale_year"], project["responsible_unit"]) == \
        ("年产5万台电机生产线", "tech_upgrade", "under_construction", 32_000_000, "2027-03-01", 1, 2027, "工信局")
    assert projects.model.rowCount() == 1 and projects.model.row(0)["status_label"] == "在建"
    # 修改: the actual production date marks it 已投产
    edit = projects.edit()
    assert edit.inputs["investment"].text() == "3200"
    edit.inputs["production_start_date"].setText("2026-10-08")
    assert edit.save() is not None
    assert county.get("projects", project["id"])["status"] == "in_production"
    assert projects.model.row(0)["status_label"] == "已投产"
    # 节点任务: one added late, then done
    steps = projects.milestones()
    steps.name.setText("设备安装调试")
    steps.due.setText("2026-09-30")
    assert steps.add() is not None and steps.model.rowCount() == 1 and steps.model.row(0)["late"]
    steps.table.selectRow(0)
    steps.done_date.setText("2026-10-05")
    assert steps.complete()["done_date"] == "2026-10-05"
    assert not steps.model.row(0)["late"]
    steps.reject()
    assert projects.model.row(0)["milestones_text"] == "1项，已完成1项"

    claims = enterprise.claims
    dialog = claims.add()
    dialog.inputs["kind"].setCurrentIndex(dialog.inputs["kind"].findData("bid_contract"))
    assert dialog.rows["bid_region"][1].isVisibleTo(dialog) and not dialog.rows["rule"][1].isVisibleTo(dialog)
    type_text(qtbot, dialog.inputs["description"], "省外风电设备采购合同")
    dialog.inputs["amount"].setText("一千万")
    assert dialog.save() is None and "不是有效的金额" in dialog.errors["amount"].text()
    assert county.scalar("SELECT count(*) FROM reward_claims") == 0
    dialog.inputs["amount"].setText("1,250.5")
    assert dialog.save() is not None
    claim = county.one("SELECT * FROM reward_claims WHERE enterprise_id = ?", (enterprise_id,))
    assert (claim["year"], claim["kind"], claim["amount"], claim["bid_region"], claim["public_tender"],
            claim["status"], claim["recorded_on"]) == \
        (TODAY.year, "bid_contract", 12_505_000, "outside_province", 1, "claimed", TODAY.isoformat())
    row = claims.model.row(0)
    assert claims.model.rowCount() == 1 and (row["kind_label"], row["status_label"]) == \
        ("省外或本省其他地市中标合同", "申报")
    qtbot.waitUntil(lambda: "中标" in enterprise.rewards.text.text(), timeout=10000)  # worked out again
    decision = claims.edit()  # the county decides
    decision.inputs["status"].setCurrentIndex(decision.inputs["status"].findData("paid"))
    decision.inputs["decided_on"].setText("2026-11-20")
    assert decision.save() is not None
    assert county.get("reward_claims", claim["id"])["status"] == "paid"
    assert claims.model.row(0)["status_label"] == "兑现" and claims.model.row(0)["decided_on"] == "2026-11-20"

    periods = enterprise.scale_periods
    assert periods.add_button.isEnabled()
    dialog = periods.add()
    assert dialog.inputs["name"].text() == "秀水智能装备有限公司"
    dialog.inputs["name"].setText("秀水电机厂")
    dialog.inputs["entered_on"].setText("2018-01-01")
    dialog.inputs["exited_on"].setText("2017-12-31")
    assert dialog.save() is None and "退规日期不能早于入规日期" in dialog.errors["exited_on"].text()
    dialog.inputs["exited_on"].setText("2021-12-31")
    assert dialog.save() is not None
    period = county.one("SELECT * FROM scale_history")
    assert (period["name"], period["entered_on"], period["exited_on"], period["enterprise_id"]) == \
        ("秀水电机厂", "2018-01-01", "2021-12-31", enterprise_id)
    assert periods.model.rowCount() == 1 and periods.model.row(0)["name"] == "秀水电机厂"
    window.close()


def test_a_township_files_claims_but_the_county_decides(qtbot, township, tmp_path):
    enterprise_id = add_enterprise(township, "秀水小五金厂", 41)
    window = open_window(qtbot, township, tmp_path, today=TODAY)
    enterprise = window.open_enterprise(enterprise_id)
    qtbot.addWidget(enterprise)
    periods = enterprise.scale_periods
    assert not periods.add_button.isEnabled() and "县级" in periods.note.text()
    claims = enterprise.claims
    dialog = claims.add()
    dialog.inputs["kind"].setCurrentIndex(dialog.inputs["kind"].findData("tech_upgrade"))
    type_text(qtbot, dialog.inputs["description"], "数控机床技改")
    dialog.inputs["amount"].setText("300")
    assert dialog.save() is not None
    assert claims.model.rowCount() == 1 and not claims.status_button.isEnabled()
    assert claims.edit() is None and "县级" in claims.note.text()
    assert enterprise.projects.add_button.isEnabled()
    window.close()
