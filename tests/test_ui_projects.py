"""The 重点项目 page on a 湖南 county: the key projects only (not a new-build project), filtered
by township, status, year and lateness; a project's milestones with the late one marked; the
export holds what the filters show; the print button has the 报表打印 page generate the
key-project list; an empty page says how to enter key projects."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from policy_helpers import TODAY, add_enterprise
from shengui_desktop.services import policy
from shengui_desktop.ui.projects.page import NONE_MATCH, NONE_YET
from test_ui_support import open_window

XIUSHUI, LUJIA = "140322100", "140322101"  # the county fixture's townships: 秀水镇, 路家村镇
BUILDING, ON_TIME, STOPPED = "年产5万吨新材料项目", "智能制造产线", "已停建的重点项目"


@pytest.fixture
def hunan(county):
    """甲 (秀水镇) with a key project late in a milestone and in its production; 乙 (路家村镇)
    with a key project due in 2099; 丙 (秀水镇) with a new-build project and an abandoned key project."""
    policy.choose_profile(county, "hunan")
    jia = add_enterprise(county, "甲新材料有限公司", township_code=XIUSHUI, years={2025: 18_000_000},
                         ytd=(10, 16_000_000), pool="cultivation")
    yi = add_enterprise(county, "乙智能装备有限公司", township_code=LUJIA, years={2025: 35_000_000},
                        stat_status="above_scale", entered_stats_date="2019-01-01")
    bing = add_enterprise(county, "丙建材有限公司", township_code=XIUSHUI)
    policy.add_project(county, jia, {
        "name": BUILDING, "kind": "key", "investment": 120_000_000, "planned_start_date": "2025-10-01",
        "actual_start_date": "2025-10-15", "planned_production_date": "2026-09-30",
        "expected_output": 300_000_000, "responsible_unit": "县工信局",
        "milestones": [{"name": "土建完工", "due_date": "2026-03-31", "done_date": "2026-03-20"},
                       {"name": "设备安装", "due_date": "2026-06-30"}, {"name": "试生产", "due_date": "2099-06-30"}]})
    policy.add_project(county, yi, {"name": ON_TIME, "kind": "key", "status": "signed",
                                    "planned_production_date": "2099-12-31", "responsible_unit": "县发改局",
                                    "milestones": [{"name": "主体完工", "due_date": "2099-01-01"}]})
    policy.add_project(county, bing, {"name": "新建厂房", "planned_production_date": "2026-01-31"})
    policy.add_project(county, bing, {"name": STOPPED, "kind": "key", "status": "abandoned",
                                      "planned_production_date": "2026-01-31",
                                      "milestones": [{"name": "开工", "due_date": "2025-12-01"}]})
    return county


def _names(page) -> list[str]:
    return [r["name"] for r in page.model.rows_data]


def _wait(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.loaded and page.listed is not None, timeout=10000)


def _choose(qtbot, page, combo, data) -> None:
    page.loaded = False
    combo.setCurrentIndex(combo.findData(data))
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)


def test_filters_milestones_and_export(qtbot, hunan, tmp_path):
    window = open_window(qtbot, hunan, tmp_path, today=TODAY)
    window.show_page("重点项目")
    page = window.projects_page
    _wait(qtbot, page)
    assert _names(page) == [STOPPED, BUILDING, ON_TIME]  # by township, then enterprise; no new-build project
    assert page.summary.text().startswith("共3个重点项目，其中逾期1个（红色），逾期未完成的节点任务1项")
    building = page.model.rows_data[1]
    assert building["late"] and "节点任务“设备安装”计划2026-06-30，逾期146天" in building["late_text"]
    assert "计划投产计划2026-09-30" in building["late_text"]
    assert (building["enterprise_status"], building["milestones_text"]) == ("培育库", "已完成1/3")
    assert not page.model.rows_data[0]["late"]  # an abandoned project is late in nothing
    # a project's milestones, the late one marked
    page.table.selectRow(1)
    assert [(m["name"], m["state"]) for m in page.milestones.rows_data] == [
        ("土建完工", "已完成"), ("设备安装", "逾期146天"), ("试生产", "未到期")]
    assert [m["late"] for m in page.milestones.rows_data] == [False, True, False]
    # the filters, one at a time
    _choose(qtbot, page, page.township, LUJIA)
    assert _names(page) == [ON_TIME]
    _choose(qtbot, page, page.township, None)
    _choose(qtbot, page, page.status, "abandoned")
    assert _names(page) == [STOPPED]
    _choose(qtbot, page, page.status, None)
    _choose(qtbot, page, page.year, 2026)  # a planned or actual date in 2026
    assert _names(page) == [STOPPED, BUILDING]
    _choose(qtbot, page, page.year, 2027)  # nothing planned then
    assert _names(page) == [] and page.table.empty_hint.text() == NONE_MATCH
    _choose(qtbot, page, page.year, None)
    page.loaded = False
    page.late.setChecked(True)
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    assert _names(page) == [BUILDING]
    page.loaded = False
    page.late.setChecked(False)
    qtbot.waitUntil(lambda: page.loaded, timeout=10000)
    # the export holds what the filters show: 秀水镇's projects under way
    _choose(qtbot, page, page.township, XIUSHUI)
    _choose(qtbot, page, page.status, "under_construction")
    assert _names(page) == [BUILDING]
    out = tmp_path / "重点项目.xlsx"
    job = page.export_to(str(out))
    qtbot.waitUntil(lambda: job.done.is_set() and page.export_button.isEnabled(), timeout=10000)
    assert "已导出1个重点项目" in window.statusBar().currentMessage()
    book = load_workbook(out)
    sheet = book["重点项目"]
    assert "秀水镇" in sheet["A1"].value and "在建" in sheet["A1"].value
    header = [c.value for c in sheet[3]]
    rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=4, values_only=True) if r[1]]
    assert [(r["项目名称"], r["企业名称"], r["项目状态"]) for r in rows] == [(BUILDING, "甲新材料有限公司", "在建")]
    assert "设备安装" in rows[0]["逾期情况"]
    milestones = [r for r in book["节点任务"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert [r[3] for r in milestones] == ["土建完工", "设备安装", "试生产"]
    window.close()


def test_print_button_has_the_print_page_generate_the_key_project_list(qtbot, hunan, tmp_path):
    window = open_window(qtbot, hunan, tmp_path, today=TODAY)
    window.show_page("重点项目")
    page = window.projects_page
    _wait(qtbot, page)
    _choose(qtbot, page, page.township, LUJIA)
    page.print_button.click()
    printing = window.print_page
    assert window.stack.currentWidget() is printing
    assert printing.choice() == {"kind": "projects", "township": LUJIA, "year": TODAY.year}
    qtbot.waitUntil(lambda: printing.job is None and printing.viewer.page_count() > 0, timeout=20000)
    assert "重点项目清单" in printing.viewer.info.text()
    window.close()


def test_empty_page_says_how_to_enter_key_projects(qtbot, county, tmp_path):
    policy.choose_profile(county, "hunan")
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("重点项目")
    page = window.projects_page
    _wait(qtbot, page)
    assert page.model.rowCount() == 0 and page.summary.text() == ""
    assert page.table.empty_hint.text() == NONE_YET and page.table.empty_hint.isVisible()
    assert "“项目”页" in NONE_YET and "Excel导入" in NONE_YET
    _choose(qtbot, page, page.status, "signed")
    assert page.table.empty_hint.text() == NONE_MATCH
    window.close()
