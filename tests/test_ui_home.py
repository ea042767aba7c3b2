"""The home page's charts: the pool funnel, the year's targets by township, this month's
calendar — what they draw comes from the ledger, and a click on each opens the page behind
it (a funnel stage the 培育库 page when the window has one, else 企业台账 filtered by that
pool; the targets chart 目标任务; a calendar item the list it concerns)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

from shengui_desktop.services import policy
from shengui_desktop.services.ledger import pools

from test_ui_support import add_enterprise, open_window

LEFT = Qt.MouseButton.LeftButton
NOVEMBER = date(2024, 11, 23)  # 盂县: 2024's targets; 年度申报 (11月、12月) falls in November


def stats_loaded(qtbot, home) -> None:
    qtbot.waitUntil(lambda: "targets" in home.stats and not home.runner.busy(), timeout=10000)


def click_part(qtbot, chart, key) -> None:
    qtbot.mouseClick(chart, LEFT, pos=chart.click_point(key).toPoint())


def seeded(county) -> dict[str, str]:
    policy.choose_profile(county, "yuxian")  # pools 基础信息库 and 培育库; 2024 targets by township
    ids = {"a": add_enterprise(county, "秀水机械有限公司", 1), "b": add_enterprise(county, "秀水化工厂", 2),
           "c": add_enterprise(county, "南娄纺织有限公司", 3, township="140322101")}
    pools.move_pool(county, ids["a"], "cultivation", "年营收接近规模")
    pools.move_pool(county, ids["b"], "base", "新登记")
    return ids


def test_the_funnel_draws_the_pools_and_opens_the_pools_page(qtbot, county, tmp_path):
    seeded(county)
    window = open_window(qtbot, county, tmp_path, today=NOVEMBER)
    home = window.home
    stats_loaded(qtbot, home)
    assert home.funnel.shown() == [("基础信息库", 1), ("培育库", 1)]
    assert "培育库1户" in home.funnel.accessibleDescription()
    click_part(qtbot, home.funnel, "cultivation")
    assert window.stack.currentWidget() is window.pools_page
    window.close()


def test_without_a_pools_page_the_funnel_opens_the_ledger_filtered(qtbot, county, tmp_path, monkeypatch):
    seeded(county)
    window = open_window(qtbot, county, tmp_path, today=NOVEMBER)
    monkeypatch.setattr(window, "pools_page", None)  # a window without Page("培育库", "pools_page", …)
    home = window.home
    stats_loaded(qtbot, home)
    click_part(qtbot, home.funnel, "cultivation")
    assert window.stack.currentWidget() is window.ledger_page
    assert window.ledger_page.pool.currentData() == "cultivation"
    assert window.ledger_page.model.rowCount() == 1
    window.close()


def test_exit_risk_is_drawn_apart_and_opens_its_list(qtbot, county, tmp_path, monkeypatch):
    ids = seeded(county)
    pools.move_pool(county, ids["c"], "exit_risk", "连续三个月营收下滑")
    window = open_window(qtbot, county, tmp_path, today=NOVEMBER)
    home = window.home
    stats_loaded(qtbot, home)
    assert home.funnel.shown()[-1] == ("退规风险", 1)
    click_part(qtbot, home.funnel, "exit_risk")  # the 培育库 page on its 退规风险 list
    assert window.stack.currentWidget() is window.pools_page
    assert window.pools_page.tabs.currentWidget() is window.pools_page.risks
    window.show_page("首页")
    monkeypatch.setattr(window, "pools_page", None)
    click_part(qtbot, home.funnel, "exit_risk")  # without it: the ledger, that pool
    assert window.stack.currentWidget() is window.ledger_page
    assert window.ledger_page.pool.currentData() == "exit_risk"
    assert window.ledger_page.model.rowCount() == 1
    window.close()


def test_the_target_chart_draws_the_townships_and_opens_the_targets_page(qtbot, county, tmp_path):
    seeded(county)
    window = open_window(qtbot, county, tmp_path, today=NOVEMBER)
    home = window.home
    stats_loaded(qtbot, home)
    chart = home.target_chart
    table = policy.target_progress(county, 2024)
    expected = [(t.name if t.registered else f"{t.name}（未登记）", t.target, t.net_increase)
                for t in table.townships if t.target is not None or t.net_increase]
    assert chart.shown() == expected and ("秀水镇", 4, 0) in expected
    assert "2024年净增" in home.target_title.text()
    click_part(qtbot, chart, "140322100")
    assert window.stack.currentWidget() is window.targets_page
    window.show_page("首页")
    qtbot.mouseClick(home.targets_link, LEFT)
    assert window.stack.currentWidget() is window.targets_page
    window.close()


def test_no_targets_yet_says_what_to_do(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=date(2031, 1, 5))
    home = window.home
    stats_loaded(qtbot, home)
    assert home.target_chart.shown() == []
    assert "尚未设定本年度目标" in home.target_chart.empty_text
    assert not home.links and not home.month.busy
    notes = [label.text() for label in home.boxes["calendar"].findChildren(QLabel)]
    assert any("尚未选择政策配置" in text for text in notes)
    window.close()


def test_this_months_calendar_items_open_the_list_they_concern(qtbot, county, tmp_path):
    seeded(county)
    window = open_window(qtbot, county, tmp_path, today=NOVEMBER)
    home = window.home
    stats_loaded(qtbot, home)
    assert home.month.busy and home.month.today == NOVEMBER
    assert set(home.links) == {"calendar:monthly_entry_round", "calendar:annual_entry_submit"}
    item = home.links["calendar:annual_entry_submit"]
    assert "年度申报" in item.text() and "达规未入统" in item.text()
    qtbot.mouseClick(item, LEFT, pos=QPoint(14, item.height() // 2))  # on the link's text
    assert window.stack.currentWidget() is window.ledger_page
    assert window.ledger_page.flag.currentData() == "reached_scale_not_entered"
    window.close()


def test_the_quarterly_review_opens_the_pools_page_on_its_review(qtbot, county, tmp_path):
    policy.choose_profile(county, "shuncheng")  # 培育库季度调整 in March, June, September, December
    window = open_window(qtbot, county, tmp_path, today=date(2024, 12, 2))
    home = window.home
    stats_loaded(qtbot, home)
    item = home.links["calendar:quarterly_pool_review"]
    assert "培育库季度调整" in item.text()
    qtbot.mouseClick(item, LEFT, pos=QPoint(14, item.height() // 2))
    assert window.stack.currentWidget() is window.pools_page
    assert window.pools_page.tabs.currentWidget() is window.pools_page.review_page
    window.close()


def test_a_save_elsewhere_redraws_the_home_page_when_it_is_shown_again(qtbot, county, tmp_path):
    """Every save asks the home page to redraw (at the province a pass over 100,000
    enterprises on the GUI thread, 200 ms): while it is hidden it only notes that, and
    redraws, the new enterprise counted, when shown."""
    from test_ui_support import add_enterprise, open_window

    add_enterprise(county, "秀水机械有限公司", 1)
    window = open_window(qtbot, county, tmp_path)
    home = window.home
    stats_loaded(qtbot, home)
    assert "全部企业　1户" in home.buttons["all"].text()
    window.show_page("企业台账")
    new_id = add_enterprise(county, "南娄化工有限公司", 2)
    jobs_before = home.runner.started
    window.bus.tell({"enterprises"}, {new_id})
    assert home.stale and not home.isVisible()
    assert "全部企业　1户" in home.buttons["all"].text()  # not redrawn while hidden
    assert not home.runner.busy() and home.runner.started == jobs_before  # nor its statistics loaded
    window.show_page("首页")
    assert "全部企业　2户" in home.buttons["all"].text() and not home.stale
    stats_loaded(qtbot, home)
    assert home.runner.started == jobs_before + 1
