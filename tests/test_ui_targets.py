"""The 目标任务 page on real ledgers: the county sets a township's target through the page's
dialog (set_target's checks, Chinese messages, nothing half-written); the target travels in
a package and shows on the township's page, read only; the chart's bars are the table's
numbers; the Excel export carries the same rows; 打印 opens 报表打印 on 目标完成情况."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from shengui_desktop.errors import UserError
from shengui_desktop.services import policy
from shengui_desktop.services.ledger import enterprises
from shengui_desktop.services.policy.targets import TargetRow, rank_rows, target_tables

from sync_helpers import CODES, exchange, world_fixtures
from test_ui_support import open_window

template, world = world_fixtures("ui-targets")
TODAY = date(2026, 6, 1)
YEAR = TODAY.year


@pytest.fixture
def warnings(monkeypatch):
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, title, text, *a: said.append((title, text))))
    return said


def loaded(qtbot, page, generation: int | None = None) -> None:
    """Wait for the page's reading on the worker (a newer one than `generation`)."""
    qtbot.waitUntil(lambda: page.tables is not None and not page.runner.busy()
                    and (generation is None or page.loading > generation), timeout=10000)


def bars_match_table(page) -> None:
    """Every bar is one row of the table: its name, target and achieved."""
    table = [(r["name"], r["target"], r["achieved"]) for r in page.model.rows_data]
    assert page.chart.shown() == table and table
    for bar, row in zip(page.chart.bars, page.model.rows_data):
        assert bar.rate == row["rate"]


def select(page, name: str) -> None:
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows_data) if r["plain_name"] == name))


def enter(ledger, name: str, day: str) -> None:
    """The county records an enterprise's entry into the register (规上, with its date)."""
    eid = ledger.scalar("SELECT id FROM enterprises WHERE name = ?", (name,))
    enterprises.update_enterprise(ledger, eid, {"stat_status": "above_scale", "entered_stats_date": day})


def test_a_target_set_at_the_county_reaches_the_township_page(qtbot, world, warnings, tmp_path):
    county, town = world["C"], world["A"]
    enter(county, "秀水镇企业0", f"{YEAR}-03-01")
    window = open_window(qtbot, county, tmp_path / "c", today=TODAY)
    window.show_page("目标任务")
    page = window.targets_page
    loaded(qtbot, page)
    assert [r["plain_name"] for r in page.model.rows_data] == ["秀水镇", "路家村镇"]
    assert all(r["target"] is None for r in page.model.rows_data)
    assert "尚未设定目标" in page.summary.text()

    # 秀水镇 selected: the dialog opens on it; 3 enterprises net in the year
    select(page, "秀水镇")
    dialog = page.edit_target()
    assert dialog.scope.currentData() == ("township", CODES["A"])
    dialog.value.setValue(3)
    dialog.note.setText("以新投产企业为重点")
    before = page.loading
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted and not warnings
    loaded(qtbot, page, before)
    row = next(r for r in page.model.rows_data if r["plain_name"] == "秀水镇")
    assert (row["target"], row["achieved"], row["rate"], row["rank"]) == (3, 1, round(1 / 3, 4), 1)
    assert row["note"] == "以新投产企业为重点" and row["detail"] == "新增1、退规0"
    assert "已设定秀水镇" in window.statusBar().currentMessage()
    bars_match_table(page)
    assert county.one("SELECT net_increase FROM targets WHERE year = ? AND township_code = ?",
                      (YEAR, CODES["A"]))["net_increase"] == 3

    # the package carries the target (and the entry) to 秀水镇
    exchange(county, town, tmp_path / "usb")
    t_window = open_window(qtbot, town, tmp_path / "t", today=TODAY)
    t_window.show_page("目标任务")
    t_page = t_window.targets_page
    loaded(qtbot, t_page)
    assert t_page.edit is None and not t_page.scope.isVisible()
    assert [(r["plain_name"], r["target"], r["achieved"], r["rank"]) for r in t_page.model.rows_data] == [
        ("秀水镇", 3, 1, None)]  # its own line; the ranking is the county's
    assert t_page.model.rows_data[0]["note"] == "以新投产企业为重点"
    bars_match_table(t_page)
    assert "排名由县级统计" in t_page.summary.text()
    # and the service refuses a township's edit, whatever the window shows
    with pytest.raises(UserError, match="只有县级台账可以设定目标"):
        policy.set_target(town, value=5, year=YEAR, township=CODES["A"])
    t_window.close()
    window.close()


def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(qtbot, world, warnings, tmp_path):
    county = world["C"]
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("目标任务")
    page = window.targets_page
    loaded(qtbot, page)
    count = county.scalar("SELECT count(*) FROM targets")
    dialog = page.edit_target()
    dialog.kind.setCurrentIndex(dialog.kind.findData("cumulative"))
    assert dialog.until.isVisibleTo(dialog) and dialog.first_label.text() == "起始年度"
    dialog.first.setValue(YEAR)
    dialog.until.setValue(YEAR - 2)
    dialog.accept()
    assert warnings[-1] == ("无法设定目标", f"截止年度{YEAR - 2}不能早于起始年度{YEAR}")
    assert dialog.isVisible() and county.scalar("SELECT count(*) FROM targets") == count
    dialog.kind.setCurrentIndex(dialog.kind.findData("new"))
    dialog.value.setValue(-2)
    dialog.accept()
    assert warnings[-1] == ("无法设定目标", "新增目标不能为负数（实际为-2）")
    assert county.scalar("SELECT count(*) FROM targets") == count
    dialog.reject()
    window.close()


def test_kinds_scopes_chart_export_and_print(qtbot, world, tmp_path):
    import openpyxl

    county = world["C"]
    enter(county, "路家村镇企业1", f"{YEAR}-04-01")
    policy.set_target(county, value=2, year=YEAR, township=CODES["A"])
    policy.set_target(county, value=1, year=YEAR, township=CODES["B"])
    policy.set_target(county, value=4, year=YEAR, department="工信局")
    policy.set_target(county, kind="stock", value=6, first_year=YEAR, until=YEAR + 1, township=CODES["B"])
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    window.show_page("目标任务")
    page = window.targets_page
    loaded(qtbot, page)
    assert [page.kind.itemText(i) for i in range(page.kind.count())] == [
        f"{YEAR}年净增", f"至{YEAR + 1}年底规上企业总数"]
    ranks = {r["plain_name"]: (r["target"], r["achieved"], r["rate"], r["rank"]) for r in page.model.rows_data}
    assert ranks == {"秀水镇": (2, 0, 0.0, 2), "路家村镇": (1, 1, 1.0, 1)}
    bars_match_table(page)
    page.scope.setCurrentIndex(page.scope.findData("department"))
    assert [(r["plain_name"], r["target"], r["achieved"], r["rank"]) for r in page.model.rows_data] == [
        ("工信局", 4, 0, 1), ("未指定责任单位", None, 1, None)]  # the entry has no department
    bars_match_table(page)
    page.scope.setCurrentIndex(page.scope.findData("township"))
    page.kind.setCurrentIndex(1)
    assert [(r["plain_name"], r["target"], r["achieved"]) for r in page.model.rows_data] == [
        ("秀水镇", None, 0), ("路家村镇", 6, 1)]
    bars_match_table(page)

    # a bar selects its row
    qtbot.mouseClick(page.chart, Qt.MouseButton.LeftButton, pos=page.chart.click_point(CODES["B"]).toPoint())
    assert page.selected_row()["plain_name"] == "路家村镇"

    # the export: the same rows, every target of the year
    out = tmp_path / "targets.xlsx"
    job = page.export_to(str(out))
    qtbot.waitUntil(lambda: job.outcome is not None and not page.runner.busy(), timeout=20000)
    assert job.outcome[0] == "done", job.outcome
    sheet = openpyxl.load_workbook(out, read_only=True)["目标任务"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[0] in (f"{YEAR}年净增",
                                                                            f"至{YEAR + 1}年底规上企业总数")]
    got = {(r[0], r[2], r[3]): (r[4], r[5], r[7]) for r in rows}
    assert got[(f"{YEAR}年净增", "乡镇", "秀水镇")] == (2, 0, 2)
    assert got[(f"{YEAR}年净增", "乡镇", "路家村镇")] == (1, 1, 1)
    assert got[(f"{YEAR}年净增", "部门", "工信局")] == (4, 0, 1)
    assert got[(f"{YEAR}年净增", "全县", "全县合计")] == (3, 1, None)
    assert got[(f"至{YEAR + 1}年底规上企业总数", "乡镇", "路家村镇")] == (6, 1, 1)

    # 打印: 报表打印 with 目标完成情况 and the page's year
    page.year.setValue(YEAR - 1)
    qtbot.mouseClick(page.print, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.print_page
    assert window.print_page.kind().code == "targets" and window.print_page.year.value() == YEAR - 1
    window.close()


def test_a_target_the_profile_allocates_is_changed_in_the_profile_after_asking(qtbot, county, warnings,
                                                                             tmp_path, monkeypatch):
    policy.choose_profile(county, "yuxian")  # 盂县's document allocates 2024's 净增 by township
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda _p, _t, text, *a: asked.append(text) or answer[0]))
    window = open_window(qtbot, county, tmp_path, today=date(2024, 11, 23))
    window.show_page("目标任务")
    page = window.targets_page
    loaded(qtbot, page)
    assert "由政策配置分解" in page.summary.text()
    select(page, "秀水镇")
    dialog = page.edit_target()
    assert dialog.value.value() == 4
    dialog.value.setValue(5)
    dialog.accept()  # 否: nothing changes
    assert "由政策配置分解" in asked[-1] and dialog.isVisible()
    assert policy.active_profile(county).code == "yuxian"
    answer[0] = QMessageBox.StandardButton.Yes
    before = page.loading
    dialog.accept()
    loaded(qtbot, page, before)
    assert not warnings
    assert next(r for r in page.model.rows_data if r["plain_name"] == "秀水镇")["target"] == 5
    assert ".local" in policy.active_profile_row(county)["code"]  # copied as the county's own version
    assert "政策配置已复制为本县版本" in window.statusBar().currentMessage()
    window.close()


def test_ranking_shares_places_and_skips_rows_without_a_target():
    rows = [TargetRow("township", str(i), f"镇{i}", target, achieved,
                      round(achieved / target, 4) if target else None)
            for i, (target, achieved) in enumerate([(2, 1), (4, 2), (1, 1), (None, 3), (2, 0)])]
    rank_rows(rows)
    assert [r.rank for r in rows] == [3, 2, 1, None, 4]
    rows[0].achieved = rows[1].achieved = 2  # same rate and count: same place
    rows[0].completion_rate = rows[1].completion_rate = 0.5
    rank_rows(rows)
    assert [r.rank for r in rows] == [2, 2, 1, None, 4]


def test_a_township_ledger_lists_only_its_own_line(world):
    town = world["A"]
    tables = target_tables(town, YEAR)
    assert [t.title for t in tables] == [f"{YEAR}年净增"]
    assert [r.key for r in tables[0].townships] == [CODES["A"]]
    assert tables[0].departments == [] and tables[0].county is None and not tables[0].ranked
