"""The 奖补测算 page on a 孝义 county with rewards due: its totals are `shengui rewards`'s (the
command run as tests/test_cli.py runs it), a township's totals are its lines', a renamed
re-entry the county already paid shows as a clawback (追回), a 闽侯 award lost on exit as
不再兑现, the exported xlsx opens with the same totals as `shengui rewards --xlsx`, the print
button has the 报表打印 page generate the 奖补测算 PDF, and empty pages say what to do."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from conftest import PASSWORD
from policy_helpers import TODAY, add_enterprise
from shengui_desktop.cli import main
from shengui_desktop.services import policy
from shengui_desktop.services.policy.records import set_claim_status
from shengui_desktop.ui.rewards.page import NO_CLAWBACK, NO_LINES, NO_PROFILE
from test_ui_support import open_window

XIUSHUI, LUJIA = "140322100", "140322101"  # the county fixture's townships: 秀水镇, 路家村镇


@pytest.fixture
def cli(monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)

    def run(ledger, *argv):
        code = main([*argv, "--db", str(ledger.path), "--date", TODAY.isoformat(), "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out)
    return run


def _paid_claim(ledger, enterprise_id: str, rule: str, amount: int) -> None:
    code = ledger.get("enterprises", enterprise_id)["credit_code"]
    _enterprise, claim = policy.add_claim_by_credit_code(ledger, code, {
        "kind": "award", "rule": rule, "year": 2026, "amount": amount, "description": "入规奖励"})
    set_claim_status(ledger, claim, "paid", decided_on="2026-06-01")


@pytest.fixture
def xiaoyi(county):
    """孝义: first-year, second-year and third-year awards due in 2026 in two townships; a
    renamed re-entry whose first-year award the county paid anyway; an enterprise that left
    the register in its second year."""
    policy.choose_profile(county, "xiaoyi")
    above = {"stat_status": "above_scale"}
    ids = {
        "first": add_enterprise(county, "秀水新材料有限公司", township_code=XIUSHUI, entered_stats_date="2026-03-01",
                                **above),
        "second": add_enterprise(county, "路家机械有限公司", township_code=LUJIA, entered_stats_date="2025-03-01",
                                 **above),
        "third": add_enterprise(county, "秀水铸造有限公司", township_code=XIUSHUI, entered_stats_date="2024-05-01",
                                **above),
        "renamed": add_enterprise(county, "路家新名称有限公司", township_code=LUJIA, entered_stats_date="2026-02-01",
                                  **above),
        "left": add_enterprise(county, "秀水退规有限公司", township_code=XIUSHUI, stat_status="exited",
                               entered_stats_date="2025-02-01", exited_stats_date="2026-06-30"),
    }
    code = county.get("enterprises", ids["renamed"])["credit_code"]
    policy.record_scale_period(county, code, "路家旧名称有限公司", "2019-01-01", "2023-12-31")
    _paid_claim(county, ids["renamed"], "province_first_entry", 300_000)
    return county, ids


def _page(qtbot, window, year: int = 2026, township: str | None = None):
    page = window.rewards_page
    window.show_page("奖补测算")
    page.township.setCurrentIndex(page.township.findData(township))
    page.year.setValue(year)
    qtbot.waitUntil(lambda: page.loaded and page.overview is not None and page.overview.year == year
                    and page.overview.township_code == township, timeout=10000)
    return page


def _column(model, key: str) -> list:
    return [r[key] for r in model.rows_data]


def test_totals_match_shengui_rewards_and_the_clawback_shows(qtbot, xiaoyi, cli, tmp_path):
    county, ids = xiaoyi
    expected = cli(county, "rewards", "--year", "2026")
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    page = _page(qtbot, window)
    o = page.overview
    # the command's numbers, line for line
    assert (o.totals.due_amount, o.totals.enterprises, o.totals.due_without_amount) == (
        expected["totals"]["due_amount"], expected["totals"]["enterprises"], expected["totals"]["due_without_amount"])
    assert expected["totals"]["due_amount"] == 300_000 + 50_000 + 100_000
    assert [(r["enterprise_id"], r["rule"], r["status"]) for r in page.lines_model.rows_data] == [
        (ln["enterprise_id"], ln["rule"], ln["status"]) for ln in expected["lines"]]
    assert "应兑现合计 <b>45万元</b>（3户" in page.summary.text()
    # by township: 秀水镇 30 + 10, 路家村镇 5; the sums add up to the county's
    towns = {r["label"]: (r["due_amount"], r["enterprises"]) for r in page.township_model.rows_data}
    assert towns == {"秀水镇": (400_000, 2), "路家村镇": (50_000, 1), "合计": (450_000, 3)}
    assert sum(r["due_amount"] for r in page.township_model.rows_data[:-1]) == expected["totals"]["due_amount"]
    # by year: 2026 is the year shown; 2025 is what `shengui rewards --year 2025` says
    years = {r["label"]: r["due_amount"] for r in page.year_model.rows_data}
    assert years["2026年"] == expected["totals"]["due_amount"]
    assert years["2025年"] == cli(county, "rewards", "--year", "2025")["totals"]["due_amount"]
    assert list(years) == ["2024年", "2025年", "2026年"]
    # the renamed re-entry the county paid: not eligible, and listed apart to recover
    renamed = next(r for r in page.lines_model.rows_data if r["enterprise_id"] == ids["renamed"])
    assert renamed["status_text"] == "不予享受" and "只变更企业名称再次入规" in renamed["reason"]
    [back] = page.back_model.rows_data
    assert (back["enterprise_id"], back["action_text"], back["amount"], back["paid_on"]) == (
        ids["renamed"], "已兑现，应追回", 300_000, "2026-06-01")
    assert page.tabs.tabText(3) == "追回与不再兑现（1）"
    assert "追回与不再兑现1项" in page.summary.text()
    # the one that left the register: not eligible, but nothing was paid to recover
    assert ids["left"] not in _column(page.back_model, "enterprise_id")
    # a township's page: its lines only, and their totals
    page = _page(qtbot, window, township=LUJIA)
    assert set(_column(page.lines_model, "township")) == {"路家村镇"}
    assert (page.overview.totals.due_amount, page.overview.totals.enterprises) == (50_000, 1)
    assert "路家村镇2026年应兑现合计" in page.summary.text()
    assert len(page.back_model.rows_data) == 1
    page = _page(qtbot, window, township=XIUSHUI)
    assert page.back_model.rows_data == [] and page.back_table.empty_hint.text() == NO_CLAWBACK
    page.tabs.setCurrentIndex(3)
    assert page.back_table.empty_hint.isVisible()
    window.close()


def _sheet_total(ws, header: str) -> float:
    """The 合计 row's value under `header` (headers on row 3, the 合计 row last)."""
    headers = [c.value for c in ws[3]]
    col = headers.index(header) + 1
    last = ws.max_row
    assert ws.cell(last, 1).value == "合计" or ws.cell(last, 2).value == "合计"
    return ws.cell(last, col).value


def test_exported_xlsx_opens_with_the_same_totals_as_the_command(qtbot, xiaoyi, cli, tmp_path):
    county, _ids = xiaoyi
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    page = _page(qtbot, window)
    out = tmp_path / "奖补测算.xlsx"
    job = page.export_to(str(out))
    qtbot.waitUntil(lambda: job.done.is_set() and page.export_button.isEnabled(), timeout=10000)
    assert str(out) in window.statusBar().currentMessage()
    wb = load_workbook(out, data_only=True)  # the 合计 row: its formula's written value
    assert wb.sheetnames == ["奖补明细", "按乡镇合计", "按年度合计", "追回与不再兑现"]
    due = page.overview.totals.due_amount
    assert round(_sheet_total(wb["奖补明细"], "应兑现金额（万元）") * 10_000) == due
    assert round(_sheet_total(wb["按乡镇合计"], "应兑现金额（万元）") * 10_000) == due
    details = wb["奖补明细"]
    assert details.max_row - 4 == len(page.lines_model.rows_data)  # title, note, header … 合计
    back = [c.value for c in wb["追回与不再兑现"][4]]
    assert (back[1], back[3], back[5], round(back[6] * 10_000)) == ("路家新名称有限公司", "路家村镇", "已兑现，应追回",
                                                                    300_000)
    # the command line's --xlsx writes the same workbook and says the same total
    info = cli(county, "rewards", "--year", "2026", "--xlsx", str(tmp_path / "cli.xlsx"))
    assert (info["due_amount"], info["enterprises"], info["clawbacks"]) == (due, 3, 1)
    cli_book = load_workbook(tmp_path / "cli.xlsx", data_only=True)
    assert round(_sheet_total(cli_book["奖补明细"], "应兑现金额（万元）") * 10_000) == due
    window.close()


def test_minhou_award_lost_on_exit_is_listed_as_no_longer_paid(qtbot, county, cli, tmp_path):
    """闽侯: 30万 in three parts; leaving the register within three years forfeits the rest."""
    policy.choose_profile(county, "minhou")
    stays = add_enterprise(county, "留在规上有限公司", township_code=XIUSHUI, stat_status="above_scale",
                           entered_stats_date="2025-04-01")
    leaves = add_enterprise(county, "退出规上有限公司", township_code=LUJIA, stat_status="exited",
                            entered_stats_date="2025-04-01", exited_stats_date="2026-05-31")
    expected = cli(county, "rewards", "--year", "2026")
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    page = _page(qtbot, window)
    assert page.overview.totals.due_amount == expected["totals"]["due_amount"] == 100_000
    [back] = page.back_model.rows_data
    assert (back["enterprise_id"], back["action_text"], back["amount"]) == (leaves, "未兑现部分不再兑现", 100_000)
    assert "尚未兑现部分不再兑现" in back["reason"]
    assert stays not in _column(page.back_model, "enterprise_id")
    window.close()


def test_print_button_has_the_print_page_generate_the_rewards_table(qtbot, xiaoyi, tmp_path):
    county, _ids = xiaoyi
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    page = _page(qtbot, window, township=LUJIA)
    page.print_button.click()
    printing = window.print_page
    assert window.stack.currentWidget() is printing and printing.kind().code == "rewards"
    assert printing.choice() == {"kind": "rewards", "township": LUJIA, "year": 2026}
    qtbot.waitUntil(lambda: printing.job is None and printing.viewer.page_count() > 0, timeout=20000)
    assert "奖补测算" in printing.viewer.info.text() and "路家村镇" in printing.viewer.info.text()
    window.close()


def test_empty_pages_say_what_to_do(qtbot, county, tmp_path):
    window = open_window(qtbot, county, tmp_path, today=TODAY)
    page = _page(qtbot, window)
    assert page.lines_model.rowCount() == 0
    assert page.lines_table.empty_hint.text() == NO_PROFILE and page.lines_table.empty_hint.isVisible()
    assert page.summary.text() == NO_PROFILE
    policy.choose_profile(county, "xiaoyi")
    window.bus.tell({"policy_profiles"})
    qtbot.waitUntil(lambda: page.loaded and page.overview.profile is not None, timeout=10000)
    assert page.lines_table.empty_hint.text() == NO_LINES.format(year=2026)
    assert "入统日期" in page.lines_table.empty_hint.text()
    assert page.back_table.empty_hint.text() == NO_CLAWBACK
    window.close()


def test_command_line_xlsx_for_a_township_and_its_refusals(xiaoyi, cli, monkeypatch, capsys, tmp_path):
    county, _ids = xiaoyi
    info = cli(county, "rewards", "--year", "2026", "--xlsx", str(tmp_path / "lj.xlsx"), "--township", "路家村镇")
    assert (info["due_amount"], info["enterprises"], info["rows"], info["clawbacks"]) == (50_000, 1, 2, 1)
    assert "路家村镇" in load_workbook(tmp_path / "lj.xlsx")["奖补明细"]["A1"].value
    for argv, message in ((["--xlsx", str(tmp_path / "x.xlsx"), "--township", "不存在镇"], "台账中没有乡镇“不存在镇”"),
                          (["--township", "路家村镇"], "--township 只与 --xlsx 同用")):
        code = main(["rewards", "--year", "2026", "--db", str(county.path), *argv])
        _out, err = capsys.readouterr()
        assert code == 2 and message in err
    assert not (tmp_path / "x.xlsx").exists()


def test_a_cancelled_export_writes_no_file(xiaoyi, tmp_path):
    from shengui_desktop.progress import Cancelled
    from shengui_desktop.services.excel.rewards_export import export_rewards

    county, _ids = xiaoyi
    with pytest.raises(Cancelled):
        export_rewards(county, tmp_path / "r.xlsx", year=2026, today=TODAY, cancel=lambda: True)
    assert not (tmp_path / "r.xlsx").exists()
