"""The 培育库 page on real ledgers: the county moves several enterprises with one reason, the
moves are in their history and reach the township through a package; only the profile's pools
are offered; a move without a reason is refused in Chinese and writes nothing; the empty
states say what to do; the quarterly review (顺城) and the exit-risk list; the township filter."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox

from shengui_desktop.errors import UserError
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import pools
from shengui_desktop.services.policy.pool_board import offered_pools, pool_board
from shengui_desktop.ui.pools.move_dialog import NO_POOL_LABEL
from shengui_desktop.ui.pools.page import NO_ENTERPRISES, NO_PROFILE_COUNTY, NO_PROFILE_TOWNSHIP

from policy_helpers import add_enterprise as add_with_figures
from policy_helpers import figure, spread
from sync_helpers import CODES, exchange, world_fixtures
from test_ui_support import open_window

template, world = world_fixtures("ui-pools")
TODAY = date(2026, 11, 23)


@pytest.fixture
def warnings(monkeypatch):
    """Message boxes record here instead of opening."""
    said: list[tuple[str, str]] = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda _p, title, text, *a, **k: said.append((title, text))))
    return said


def open_pools(qtbot, ledger, tmp_path):
    window = open_window(qtbot, ledger, tmp_path, today=TODAY)
    window.show_page("培育库")
    page = window.pools_page
    qtbot.waitUntil(lambda: page.board is not None and page.job is None, timeout=10000)
    return window, page


def reloaded(qtbot, page, before):
    qtbot.waitUntil(lambda: page.board is not before and page.job is None, timeout=10000)
    return page.board


def offered_texts(dialog) -> list[str]:
    return [dialog.target.itemText(i) for i in range(dialog.target.count()) if dialog.target.itemData(i)]


def card_counts(page) -> dict[str, int]:
    return {p.pool_name: p.count for p in page.board.pools}


def test_county_moves_several_with_a_reason_and_it_reaches_the_township(qtbot, world, warnings, tmp_path):
    county, town = world["C"], world["A"]
    # the township reports last year's figures (1,200万元 each); the county decides the pools
    ours = [r["id"] for r in town.rows("SELECT id FROM enterprises ORDER BY name")]
    town.insert_many("monthly_figures", [figure(eid, f"2025-{m:02d}", amount)
                                         for eid in ours for m, amount in enumerate(spread(12_000_000, 12), 1)])
    exchange(town, county, tmp_path / "usb")
    policy.choose_profile(county, "yuxian")  # 基础信息库 and 培育库
    window, page = open_pools(qtbot, county, tmp_path / "c")

    differs = {line["enterprise_id"]: line for line in page.differs.model.rows_data}
    assert set(ours) <= set(differs)
    assert all(differs[e]["suggested_pool"] == "cultivation" and "1,200万元" in differs[e]["reason"] for e in ours)
    assert card_counts(page) == {"基础信息库": 0, "培育库": 0}

    page.differs.select_ids(set(ours))
    assert [line["enterprise_id"] for line in page.differs.selected()] == sorted(ours, key=lambda e: differs[e]["name"])
    assert page.differs.button.isEnabled() and "已选2户" in page.differs.chosen.text()
    page.differs.button.click()
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    # only the profile's pools (and 未入库) are offered; the common suggestion comes first
    assert offered_texts(dialog) == ["基础信息库", "培育库", NO_POOL_LABEL]
    assert dialog.target.currentData() == "cultivation"

    # no reason: refused in Chinese, nothing written, the dialog stays open
    events = county.scalar("SELECT count(*) FROM pool_events")
    dialog.accept()
    assert warnings and warnings[-1][0] == "未调整库别" and "调库理由不能为空" in warnings[-1][1]
    assert dialog.isVisible()
    assert county.scalar("SELECT count(*) FROM pool_events") == events
    assert {county.get("enterprises", e)["pool"] for e in ours} == {"none"}

    before = page.board
    dialog.reason.setPlainText("上年主营业务收入1,200万元，纳入“小升规”重点企业培育库")
    dialog.accept()
    assert not dialog.isVisible()
    for e in ours:
        assert county.get("enterprises", e)["pool"] == "cultivation"
        history = pools.pool_history(county, e)
        assert [(h["from_pool"], h["to_pool"], h["decided_by"]) for h in history] == [("none", "cultivation", "admin")]
        assert history[0]["reason"] == "上年主营业务收入1,200万元，纳入“小升规”重点企业培育库"
        assert history[0]["moved_on"] == TODAY.isoformat()
    assert "已将2户企业调入培育库" in window.statusBar().currentMessage()
    board = reloaded(qtbot, page, before)  # the page redraws from the ledger
    assert card_counts(page)["培育库"] == 2
    assert not set(ours) & {line.enterprise_id for line in board.differs}

    # the package carries the moves and their reasons to the township
    exchange(county, town, tmp_path / "usb2")
    for e in ours:
        assert town.get("enterprises", e)["pool"] == "cultivation"
        assert [h["reason"] for h in pools.pool_history(town, e)] == ["上年主营业务收入1,200万元，纳入“小升规”重点企业培育库"]
    window.close()
    township_window, township_page = open_pools(qtbot, town, tmp_path / "t")
    assert not township_page.township.isVisibleTo(township_page)  # its ledger holds only its own
    assert township_page.profile_label.text() == "政策配置：盂县"
    assert card_counts(township_page) == {"基础信息库": 0, "培育库": 2}
    assert township_page.board.total == len(ours)
    township_window.close()


def test_pools_not_in_the_profile_are_not_offered(qtbot, county, warnings, tmp_path):
    a = add_with_figures(county, "甲机械有限公司", years={2025: 16_000_000})
    b = add_with_figures(county, "乙机械有限公司", years={2025: 17_000_000})
    policy.choose_profile(county, "shuncheng")  # 培育库 only
    assert offered_pools(county) == ("cultivation", "none")
    window, page = open_pools(qtbot, county, tmp_path)
    assert [p.pool for p in page.board.pools] == ["cultivation"]
    page.differs.select_ids({a, b})
    dialog = page.move_lines(page.differs.selected())
    assert offered_texts(dialog) == ["培育库", NO_POOL_LABEL]
    dialog.reject()

    # and the service refuses a pool the profile does not set, whatever a caller passes
    with pytest.raises(UserError, match="本地政策配置未设储备库，只能调入：培育库、未入库"):
        pools.move_pools(county, [a, b], "reserve", "扩大储备", allowed=offered_pools(county))
    assert county.scalar("SELECT count(*) FROM pool_events") == 0
    window.close()


def test_the_enterprise_windows_pool_tab_offers_only_the_profiles_pools(qtbot, county, warnings, tmp_path):
    a = add_with_figures(county, "丙机械有限公司", years={2025: 16_000_000})
    policy.choose_profile(county, "shuncheng")  # 培育库 only
    window = open_window(qtbot, county, tmp_path, today=date(2026, 3, 10))
    enterprise = window.open_enterprise(a)
    qtbot.addWidget(enterprise)
    tab = enterprise.pool
    assert [tab.target.itemText(i) for i in range(tab.target.count())] == ["培育库", "未入库"]
    # a pool the profile does not set is refused by the service the tab calls, too
    with pytest.raises(UserError, match="本地政策配置未设储备库"):
        pools.move_pool(county, a, "reserve", "扩大储备", allowed=tab.offered)
    assert county.scalar("SELECT count(*) FROM pool_events") == 0
    tab.target.setCurrentIndex(0)
    tab.reason.setText("上年营业收入1,600万元，纳入培育库")
    tab.move()
    assert county.get("enterprises", a)["pool"] == "cultivation"
    assert "已调入培育库" in tab.message.text()
    window.close()


def test_a_many_move_is_all_or_nothing(county):
    a = add_with_figures(county, "甲机械有限公司")
    b = add_with_figures(county, "乙机械有限公司")
    pools.move_pool(county, b, "cultivation", "上年营收1,600万元", moved_on="2026-03-01")
    events = county.scalar("SELECT count(*) FROM pool_events")
    with pytest.raises(UserError, match="以下企业已在培育库，无需调整.*乙机械有限公司"):
        pools.move_pools(county, [a, b], "cultivation", "按季度调整")
    with pytest.raises(UserError, match="已不在台账中"):
        pools.move_pools(county, [a, "no-such-id"], "base", "按季度调整")
    with pytest.raises(UserError, match="请先选择"):
        pools.move_pools(county, [], "base", "按季度调整")
    assert county.get("enterprises", a)["pool"] == "none"
    assert county.scalar("SELECT count(*) FROM pool_events") == events

    moves = pools.move_pools(county, [a, b], "base", "营收回落，调回基础信息库", moved_on="2026-10-08")
    assert [(m["name"], m["from_pool"], m["to_pool"]) for m in moves] == [
        ("甲机械有限公司", "none", "base"), ("乙机械有限公司", "cultivation", "base")]
    assert [h["to_pool"] for h in pools.pool_history(county, b)] == ["cultivation", "base"]


def test_empty_states_say_what_to_do(qtbot, county, township, warnings, tmp_path):
    window, page = open_pools(qtbot, county, tmp_path / "c")
    assert page.profile_label.text() == "未选择政策配置"
    assert page.board_note.text() == NO_PROFILE_COUNTY
    assert page.differs.table.empty_hint.isVisible() and page.differs.table.empty_hint.text() == NO_PROFILE_COUNTY
    assert not page.differs.button.isEnabled()
    assert page.move_lines([]) is None and "请先在列表中选择" in warnings[-1][1]
    assert not page.tabs.isTabVisible(1)  # no quarterly review without a profile that has one

    before = page.board
    policy.choose_profile(county, "yuxian")
    page.reload()
    reloaded(qtbot, page, before)
    assert page.board_note.text() == NO_ENTERPRISES
    assert page.differs.table.empty_hint.text() == NO_ENTERPRISES
    assert page.risks.table.empty_hint.text() == NO_ENTERPRISES
    assert card_counts(page) == {"基础信息库": 0, "培育库": 0}
    window.close()

    township_window, township_page = open_pools(qtbot, township, tmp_path / "t")
    assert township_page.board_note.text() == NO_PROFILE_TOWNSHIP
    township_window.close()


def test_quarterly_review_exit_risk_and_township_filter(qtbot, county, warnings, tmp_path):
    policy.choose_profile(county, "shuncheng")
    # in the pool, but this year's projection fell below 1,500万元 and last year's was below too
    falling = add_with_figures(county, "丙纸业有限公司", years={2025: 14_000_000}, ytd=(10, 9_000_000))
    pools.move_pool(county, falling, "cultivation", "2024年营收1,600万元", moved_on="2025-03-01")
    # not in the pool, projected 1,920万元: a new candidate
    rising = add_with_figures(county, "丁机械有限公司", township_code="140322101",
                              years={2025: 12_000_000}, ytd=(10, 16_000_000))
    # above scale and projected below 2,000万元: at risk of leaving
    risky = add_with_figures(county, "戊化工有限公司", years={2025: 22_000_000}, ytd=(10, 15_000_000),
                             stat_status="above_scale", entered_stats_date="2020-01-01")
    window, page = open_pools(qtbot, county, tmp_path)
    review = page.board.review
    assert review is not None and page.tabs.isTabVisible(1)
    assert review.months == [3, 6, 9, 12] and review.when_text == "下次调整：12月" and not review.due
    assert [line["enterprise_id"] for line in page.leaving.model.rows_data] == [falling]
    assert [line["enterprise_id"] for line in page.joining.model.rows_data] == [rising]
    assert "培育库季度调整" in page.review_text.text() and "调整月：3月、6月、9月、12月" in page.review_text.text()
    risks = {line["enterprise_id"]: line["reason"] for line in page.risks.model.rows_data}
    assert set(risks) == {risky} and "低于2,000万元" in risks[risky]

    # the leaving list offers 未入库 first and moves with the reason given
    page.leaving.select_ids({falling})
    page.leaving.button.click()
    dialog = page.dialog
    assert dialog.target.currentData() == "none"
    dialog.reason.setPlainText("三季度预计主营业务收入1,080万元，不具备升规潜力")
    before = page.board
    dialog.accept()
    assert pools.pool_history(county, falling)[-1]["to_pool"] == "none"
    reloaded(qtbot, page, before)
    assert page.leaving.model.rowCount() == 0
    page.tabs.setCurrentIndex(1)
    assert page.leaving.table.empty_hint.isVisible() and page.leaving.table.empty_hint.text() == "本次没有需调出的企业"

    # the township filter: only 路家村镇's enterprises
    before = page.board
    page.township.setCurrentIndex(page.township.findData(CODES["B"]))
    board = reloaded(qtbot, page, before)
    assert board.township_code == CODES["B"] and board.total == 1
    assert [line["enterprise_id"] for line in page.joining.model.rows_data] == [rising]
    assert page.risks.model.rowCount() == 0

    # a double click opens the enterprise window, as on the ledger page
    page.joining.table.doubleClicked.emit(page.joining.model.index(0, 0))
    opened = [w for w in window.open_windows if getattr(w, "enterprise_id", None) == rising]
    assert opened and opened[0].isVisible()
    window.close()


def test_the_board_counts_against_the_xiaoyi_sizes(demo_county):
    policy.choose_profile(demo_county, "xiaoyi")
    board = pool_board(demo_county, TODAY)
    sizes = {p.pool: p for p in policy.pool_sizing(demo_county, TODAY.year).pools}
    assert [p.pool for p in board.pools] == ["base", "reserve", "cultivation", "entry"]
    for p in board.pools:
        if p.pool in sizes:
            assert (p.required, p.shortfall) == (sizes[p.pool].required, sizes[p.pool].shortfall)
        assert p.count == demo_county.scalar("SELECT count(*) FROM enterprises WHERE pool = ?", (p.pool,))
    assert board.sizing_text.startswith(f"{TODAY.year}年库容按")
    # one township's share is not held to the county's sizes
    one = pool_board(demo_county, TODAY, township_code=demo_county.scalar("SELECT min(township_code) FROM enterprises"))
    assert all(p.required is None for p in one.pools) and one.total < board.total


def test_cli_pool_move_takes_several_credit_codes_all_or_nothing(tmp_path, monkeypatch, capsys):
    import json

    from shengui_desktop.cli.app import main
    from shengui_desktop.storage.files import open_ledger

    from conftest import PASSWORD

    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = tmp_path / "c.sgdb"
    assert main(["init", "--db", str(db), "--role", "county", "--name", "盂县", "--area-code", "140322",
                 "--profile", "yuxian"]) == 0
    assert main(["demo", "--db", str(db), "--enterprises", "12", "--townships", "2", "--as-of", "2026-11-23"]) == 0
    capsys.readouterr()
    with open_ledger(db, passphrase=PASSWORD, user="admin") as ledger:
        rows = ledger.rows("SELECT id, credit_code, name FROM enterprises WHERE pool != 'base' ORDER BY name LIMIT 3")
        events = ledger.scalar("SELECT count(*) FROM pool_events")
    codes = [r["credit_code"] for r in rows]
    argv = ["pool", "move", "--db", str(db), "--to", "base", "--reason", "按上年营收纳入基础信息库", "--date", "2026-11-20"]
    for code in codes:
        argv += ["--credit-code", code]

    # a pool 盂县's profile does not set, or a code not in the ledger: nothing moves
    assert main([*argv[:5], "reserve", *argv[6:]]) == 2
    assert "本地政策配置未设储备库" in capsys.readouterr().err
    assert main([*argv, "--credit-code", "91140322MA0XXXXX0X"]) == 2
    assert "台账中没有" in capsys.readouterr().err
    with open_ledger(db, passphrase=PASSWORD, user="admin") as ledger:
        assert ledger.scalar("SELECT count(*) FROM pool_events") == events

    assert main([*argv, "--json"]) == 0
    moves = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in moves] == [r["name"] for r in rows] and {m["to_pool"] for m in moves} == {"base"}
    with open_ledger(db, passphrase=PASSWORD, user="admin") as ledger:
        for r in rows:
            assert ledger.get("enterprises", r["id"])["pool"] == "base"
            assert pools.pool_history(ledger, r["id"])[-1]["reason"] == "按上年营收纳入基础信息库"
