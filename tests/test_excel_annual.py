"""Annual lists (统计局, 税务局, 工信) are imported with their revenue, as annual figures
(年度数) of the year the list says, and used: 上年营收, pools, flags, rewards, the 台账, the
exports and the packages (#15 item 3)."""

from __future__ import annotations

from datetime import date

import pytest
from excel_build import credit, write_csv, write_xlsx
from openpyxl import load_workbook
from policy_helpers import add_enterprise, reward_lines, spread
from reports_helpers import flat, needs_poppler, pdf_pages
from sync_helpers import exchange, world_fixtures

from shengui_desktop.cli import main
from shengui_desktop.services import policy
from shengui_desktop.services.excel import export_table, import_file
from shengui_desktop.services.ledger.enterprises import (annual_revenue_totals, annual_revenues,
                                                         create_enterprise, list_enterprises)
from shengui_desktop.services.ledger.figures import record_month, record_year
from shengui_desktop.services.reports import print_report, resolve_filters
from shengui_desktop.storage.ledger import annual_figure_id

from conftest import PASSWORD

TODAY = date(2026, 3, 10)  # last year: 2025
template, world = world_fixtures("annual")

LIST_2025 = [["2025年规下工业企业名单"],
             ["序号", "企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
             [1, "盂县晋航耐材有限公司", credit(1), "秀水镇", 2100],
             [2, "盂县宏远机械有限公司", credit(2), "路家村镇", "1,234.56"],
             [3, "盂县小作坊", credit(3), "秀水镇", None]]


def annual(ledger) -> dict[str, dict]:
    return {r["credit_code"]: r for r in ledger.rows(
        "SELECT e.credit_code, a.* FROM annual_figures a JOIN enterprises e ON e.id = a.enterprise_id")}


def by_code(rows: list[dict]) -> dict[str, dict]:
    return {r["credit_code"]: r for r in rows}


# -- importing ---------------------------------------------------------------------------
def test_a_2025_list_imports_its_revenue_as_2025_annual_figures(county, tmp_path):
    path = write_xlsx(tmp_path / "2025年规下工业企业名单.xlsx", LIST_2025)
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert len(result.created) == 3 and result.annual_created == 2
    assert not result.sheets[0].unused_columns  # the revenue column is not dropped
    assert "2025年" in result.sheets[0].annual and "标题" in result.sheets[0].annual
    got = annual(county)
    assert set(got) == {credit(1), credit(2)}  # a blank cell is no figure
    assert got[credit(1)]["year"] == 2025 and got[credit(1)]["revenue"] == 21_000_000
    assert got[credit(2)]["revenue"] == 12_345_600
    assert got[credit(1)]["source"] == "2025年规下工业企业名单.xlsx"
    # stored as a year's amount, not spread over months
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0
    assert got[credit(1)]["id"] == annual_figure_id(got[credit(1)]["enterprise_id"], 2025)
    # the same list again changes nothing
    again = import_file(county, path)
    assert again.ok and again.annual_created == 0 and again.annual_unchanged == 2
    assert not again.annual_updated


def test_21_million_is_flagged_reached_scale_and_gets_a_pool_suggestion(county, tmp_path):
    policy.choose_profile(county, "yuxian")
    assert import_file(county, write_xlsx(tmp_path / "l.xlsx", LIST_2025)).ok
    rows = by_code(list_enterprises(county, today=TODAY))
    big = rows[credit(1)]
    assert big["latest_annual_revenue"] == 21_000_000
    assert big["latest_annual_revenue_source"] == "年报"
    assert "reached_scale_not_entered" in big["flags"]
    assert big["suggested_pool"] == "cultivation" and "2,100万元" in big["suggested_pool_reason"]
    assert rows[credit(2)]["suggested_pool"] == "cultivation"  # 1,234.56万: 盂县 from 10 million
    assert rows[credit(3)]["latest_annual_revenue"] is None and rows[credit(3)]["flags"] == []


def test_without_a_profile_the_reached_scale_flag_still_shows(county, tmp_path):
    assert import_file(county, write_xlsx(tmp_path / "l.xlsx", LIST_2025)).ok
    big = by_code(list_enterprises(county, today=TODAY))[credit(1)]
    assert big["flags"] == ["reached_scale_not_entered"]


@pytest.mark.parametrize("title, headers, cells, year", [
    (None, ["2025年营业收入（万元）"], [100], 2025),
    (None, ["营业收入（2025年）"], [100], 2025),
    (None, ["主营业务收入(2025年度)（万元）"], [100], 2025),
    (None, ["2025年1-12月主营业务收入（万元）"], [100], 2025),
    ("2026年小升规培育企业名单", ["上年营业收入（万元）"], [100], 2025),
    ("2025年规下工业企业名单", ["营业收入（万元）"], [100], 2025),
    ("2025年规下工业企业名单", ["全年营业收入（万元）"], [100], 2025),
    (None, ["年度", "营业收入（万元）"], [2024, 100], 2024),
    (None, ["年份", "营业收入（万元）"], ["2024年", 100], 2024),
    (None, ["年度", "上年营业收入（万元）"], [2025, 100], 2024),
    ("2024年名单", ["2025年营业收入（万元）"], [100], 2025),  # the header's own year first
])
def test_the_year_is_found_in_the_header_a_year_column_or_the_title(county, tmp_path, title,
                                                                      headers, cells, year):
    rows = ([[title]] if title else []) + [["企业名称", "统一社会信用代码", "乡镇", *headers],
                                           ["甲公司", credit(1), "秀水镇", *cells]]
    result = import_file(county, write_xlsx(tmp_path / "y.xlsx", rows))
    assert result.ok, result.problem_lines()
    assert not result.needs_year
    got = annual(county)[credit(1)]
    assert (got["year"], got["revenue"]) == (year, 1_000_000)


def test_a_group_header_gives_the_year_of_the_columns_below(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "2025年", None],
            [None, None, None, "营业收入（万元）", "工业总产值（万元）"],
            ["甲公司", credit(1), "秀水镇", 1500, 1600]]
    path = write_xlsx(tmp_path / "g.xlsx", rows, merged=("D1:E1", "A1:A2", "B1:B2", "C1:C2"))
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    got = annual(county)[credit(1)]
    assert (got["year"], got["revenue"], got["output_value"]) == (2025, 15_000_000, 16_000_000)


def test_two_years_side_by_side_are_two_annual_figures(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "2024年营业收入（万元）", "2025年营业收入（万元）",
             "2025年工业总产值（万元）", "营业收入增速（%）"],
            ["甲公司", credit(1), "秀水镇", 1800, 2100, 2200, 16.7]]
    result = import_file(county, write_xlsx(tmp_path / "two.xlsx", rows))
    assert result.ok, result.problem_lines()
    got = {(r["year"], r["revenue"], r["output_value"]) for r in county.rows("SELECT * FROM annual_figures")}
    assert got == {(2024, 18_000_000, None), (2025, 21_000_000, 22_000_000)}
    # a growth rate is not an amount
    [unused] = result.sheets[0].unused_columns
    assert unused.column_letter == "G" and "比率" in unused.message


def test_no_year_anywhere_the_dry_run_asks_and_nothing_is_written(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
            ["甲公司", credit(1), "秀水镇", 2100]]
    path = write_xlsx(tmp_path / "n.xlsx", rows)
    dry = import_file(county, path, dry_run=True)
    assert not dry.ok and dry.needs_year
    [problem] = dry.problems
    assert problem.column_letter == "D" and "哪一年" in problem.message and "--year" in problem.message
    real = import_file(county, path)
    assert not real.ok and not real.applied
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    assert county.scalar("SELECT count(*) FROM annual_figures") == 0
    # the year given: it goes through
    fixed = import_file(county, path, year=2025)
    assert fixed.ok and fixed.applied and not fixed.needs_year
    assert "2025年（导入时指定）" in fixed.sheets[0].annual
    assert annual(county)[credit(1)]["year"] == 2025


def test_cli_dry_run_asks_for_the_year_and_year_fixes_it(county, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    db = str(county.path)
    county.close()
    path = write_xlsx(tmp_path / "n.xlsx", [["企业名称", "统一社会信用代码", "乡镇", "营业收入"],
                                            ["甲公司", credit(1), "秀水镇", 2100]])
    assert main(["excel", "import", "--db", db, str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "哪一年" in err and "--year 2025" in err and "未导入任何数据" in err
    assert main(["excel", "import", "--db", db, str(path), "--dry-run", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "年度数：主营业务收入，2025年（导入时指定）" in out and "将新增年度数据1条" in out
    assert main(["excel", "import", "--db", db, str(path), "--year", "2025"]) == 0
    assert "已新增年度数据1条" in capsys.readouterr().out
    assert main(["excel", "import", "--db", db, str(path), "--year", "1850", "--dry-run"]) == 2
    assert "年份1850无效" in capsys.readouterr().err


@pytest.mark.parametrize("rows, revenue", [
    ([["2025年名单"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入（千元）"],
      ["甲公司", credit(1), "秀水镇", "21,000.5"]], 21_000_500),
    ([["2025年名单 单位：千元"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入"],
      ["甲公司", credit(1), "秀水镇", 21000]], 21_000_000),
    ([["2025年名单"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入（元）"],
      ["甲公司", credit(1), "秀水镇", 21_000_000.4]], 21_000_000),
    ([["2025年名单"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入（亿元）"],
      ["甲公司", credit(1), "秀水镇", 0.21]], 21_000_000),
])
def test_units_follow_the_header_or_the_unit_line(county, tmp_path, rows, revenue):
    result = import_file(county, write_xlsx(tmp_path / "u.xlsx", rows))
    assert result.ok, result.problem_lines()
    assert annual(county)[credit(1)]["revenue"] == revenue
    assert not [w for w in result.warnings if "未注明金额单位" in w.message]


def test_a_list_without_a_unit_is_read_in_wan_and_warned(county, tmp_path):
    rows = [["2025年名单"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入"],
            ["甲公司", credit(1), "秀水镇", 2100]]
    result = import_file(county, write_csv(tmp_path / "w.csv", rows))
    assert result.ok and annual(county)[credit(1)]["revenue"] == 21_000_000
    assert any("未注明金额单位" in w.message for w in result.warnings)


def test_bad_amounts_and_years_are_problems_and_nothing_is_written(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "年度", "营业收入（万元）"],
            ["甲公司", credit(1), "秀水镇", 2025, -5],
            ["乙公司", credit(2), "秀水镇", "去年", 100],
            ["丙公司", credit(3), "秀水镇", None, 100],
            ["丁公司", credit(4), "秀水镇", 2025, "很多"]]
    result = import_file(county, write_xlsx(tmp_path / "b.xlsx", rows))
    assert not result.ok
    assert [(p.row, p.column_letter) for p in result.problems] == [(2, "E"), (3, "D"), (4, "D"), (5, "E")]
    assert county.scalar("SELECT count(*) FROM enterprises") == 0


def test_an_existing_annual_figure_is_updated_and_listed(county, tmp_path):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                                        "township_code": "140322100"})
    record_year(county, eid, 2025, {"revenue": 20_000_000}, source="税务局名单.xlsx")
    rows = [["2025年规下工业企业名单"], ["企业名称", "统一社会信用代码", "营业收入（万元）"],
            ["甲公司", credit(1), 2100]]
    result = import_file(county, write_xlsx(tmp_path / "统计局名单.xlsx", rows))
    assert result.ok and result.unchanged == 1 and len(result.annual_updated) == 1
    assert result.annual_updated[0].text() == \
        "第3行 甲公司 2025年：主营业务收入：2,000.00万元 → 2,100.00万元"
    got = annual(county)[credit(1)]
    assert got["revenue"] == 21_000_000 and got["source"] == "统计局名单.xlsx"


def test_monthly_sheets_still_leave_year_columns_out(county, tmp_path):
    create_enterprise(county, {"credit_code": credit(1), "name": "甲公司", "township_code": "140322100"})
    rows = [["统一社会信用代码", "月份", "营业收入（万元）", "2024年营业收入", "上年同期营业收入"],
            [credit(1), "2025-03", 10, 120, 9]]
    result = import_file(county, write_xlsx(tmp_path / "m.xlsx", rows))
    assert result.ok and result.figures_created == 1
    assert [(f.column_letter, "累计数或年度数" in f.message) for f in result.sheets[0].unused_columns] == [
        ("D", True), ("E", True)]
    assert county.scalar("SELECT count(*) FROM annual_figures") == 0


# -- which total wins ----------------------------------------------------------------------------
def test_twelve_months_win_over_the_annual_figure_and_the_ledger_says_so(county):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                                        "township_code": "140322100"})
    record_year(county, eid, 2025, {"revenue": 21_000_000}, source="名单.xlsx")
    for month in range(1, 4):
        record_month(county, eid, f"2025-{month:02d}", {"revenue": 1_000_000})
    row = by_code(list_enterprises(county, today=TODAY))[credit(1)]
    # three months are part of a year: the annual figure stands
    assert (row["latest_annual_revenue"], row["latest_annual_revenue_source"]) == (21_000_000, "年报")
    assert annual_revenue_totals(county, 2025)[eid] == (21_000_000, 3, "年报")
    for month, value in enumerate(spread(18_000_000, 12), start=1):
        record_month(county, eid, f"2025-{month:02d}", {"revenue": value})
    row = by_code(list_enterprises(county, today=TODAY))[credit(1)]
    assert (row["latest_annual_revenue"], row["latest_annual_revenue_source"]) == (18_000_000, "月报合计")
    assert "reached_scale_not_entered" not in row["flags"]
    assert annual_revenue_totals(county, 2025)[eid] == (18_000_000, 12, "月报合计")
    assert annual_revenues(county, eid)[2025] == (18_000_000, 12, "月报合计")


def test_part_of_a_year_without_an_annual_figure_is_the_sum_of_its_months(county):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                                        "township_code": "140322100"})
    record_month(county, eid, "2025-05", {"revenue": 3_000_000})
    row = by_code(list_enterprises(county, today=TODAY))[credit(1)]
    assert (row["latest_annual_revenue"], row["latest_annual_revenue_source"]) == \
        (3_000_000, "月报合计（1个月）")


def test_an_annual_figure_feeds_the_growth_and_exit_risk_rules(county):
    policy.choose_profile(county, "shuncheng")
    eid = add_enterprise(county, "规上企业", stat_status="above_scale", entered_stats_date="2020-01-01",
                         ytd=(2, 2_000_000), ytd_year=2026)
    record_year(county, eid, 2025, {"revenue": 30_000_000})
    ev = policy.evaluate(county, [eid], TODAY)[eid]
    assert ev.prior_year_revenue == 30_000_000 and ev.prior_year_source == "annual"
    assert ev.growth_rate == pytest.approx(12_000_000 / 30_000_000 - 1)


def test_rewards_count_an_annual_output_as_a_whole_year(county):
    policy.choose_profile(county, "minhou")
    eid = add_enterprise(county, "增长企业", stat_status="above_scale", entered_stats_date="2024-06-01")
    record_year(county, eid, 2024, {"revenue": 20_000_000, "output_value": 21_000_000})
    record_year(county, eid, 2025, {"revenue": 22_000_000, "output_value": 23_100_000})
    line = reward_lines(county, eid, 2025, date(2026, 11, 23))["growth_award"]
    assert line.status == "due" and "增长10.0%" in line.reason


# -- shown, printed, exported, carried --------------------------------------------------------------
@needs_poppler
def test_the_ledger_pdf_prints_the_annual_figure_and_says_it_is_one(county, tmp_path):
    assert import_file(county, write_xlsx(tmp_path / "l.xlsx", LIST_2025)).ok
    out = tmp_path / "台账.pdf"
    print_report(county, "ledger", out, resolve_filters(county, today=TODAY), printed_on=TODAY)
    text = flat("".join(pdf_pages(out)))
    assert "2,100.00*" in text and "1,234.56*" in text
    assert flat("取年报数（标“*”") in text
    assert "达规未入统" in text


def test_exports_carry_the_annual_figures_and_they_import_back(county, tmp_path):
    assert import_file(county, write_xlsx(tmp_path / "名单.xlsx", LIST_2025)).ok
    out = tmp_path / "e.xlsx"
    export_table(county, "enterprises", out, today=TODAY)
    ws = load_workbook(out)["企业名单"]
    headers = [c.value for c in ws[3]]
    money, source = headers.index("2025年主营业务收入（万元）"), headers.index("2025年收入来源")
    rows = {r[2].value: r for r in ws.iter_rows(min_row=4)}
    assert rows["盂县晋航耐材有限公司"][money].value == 2100
    assert rows["盂县晋航耐材有限公司"][source].value == "年报"
    assert rows["盂县小作坊"][money].value is None
    annual_out = tmp_path / "a.xlsx"
    info = export_table(county, "annual", annual_out, today=TODAY)
    assert info["rows"] == 2 and info["title"] == "企业年度数据"
    sheet = load_workbook(annual_out)["年度数据"]
    assert [c.value for c in sheet[3]] == ["序号", "统一社会信用代码", "企业名称", "乡镇（街道）",
                                           "2025年主营业务收入（万元）", "年度数来源"]
    assert [c.value for c in sheet[4]][1:] == [credit(1), "盂县晋航耐材有限公司", "秀水镇", 2100, "名单.xlsx"]
    # both import back unchanged
    for path in (out, annual_out):
        again = import_file(county, path)
        assert again.ok, again.problem_lines()
        assert again.annual_created == 0 and not again.annual_updated
    assert annual(county)[credit(1)]["source"] == "名单.xlsx"


def test_an_exported_sum_of_months_does_not_come_back_as_an_annual_figure(county, tmp_path):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                                        "township_code": "140322100"})
    record_month(county, eid, "2025-05", {"revenue": 3_000_000})
    out = tmp_path / "e.xlsx"
    export_table(county, "enterprises", out, today=TODAY)
    again = import_file(county, out)
    assert again.ok, again.problem_lines()
    assert county.scalar("SELECT count(*) FROM annual_figures") == 0


def test_an_annual_figure_travels_in_a_package_from_township_to_county(world, tmp_path):
    county, xiushui = world["C"], world["A"]
    rows = [["2025年规下工业企业名单"], ["企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
            ["秀水镇新企业", credit(21), "秀水镇", 2100]]
    result = import_file(xiushui, write_xlsx(tmp_path / "秀水镇名单.xlsx", rows))
    assert result.ok, result.problem_lines()
    eid = xiushui.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(21),))
    exported, imported = exchange(xiushui, county, tmp_path / "usb")
    assert exported.counts.get("annual_figures") == 1
    got = county.one("SELECT * FROM annual_figures WHERE enterprise_id = ?", (eid,))
    assert got is not None and (got["year"], got["revenue"]) == (2025, 21_000_000)
    assert got["id"] == annual_figure_id(eid, 2025)
    row = by_code(list_enterprises(county, today=TODAY))[credit(21)]
    assert row["latest_annual_revenue"] == 21_000_000 and "reached_scale_not_entered" in row["flags"]
    # the county corrects it; the township learns
    record_year(county, eid, 2025, {"revenue": 21_500_000})
    exchange(county, xiushui, tmp_path / "usb")
    assert xiushui.scalar("SELECT revenue FROM annual_figures WHERE enterprise_id = ?", (eid,)) == 21_500_000


def test_an_empty_revenue_column_needs_no_year(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "营业收入（万元）"],
            ["甲公司", credit(1), "秀水镇", None], ["乙公司", credit(2), "秀水镇", ""]]
    result = import_file(county, write_xlsx(tmp_path / "e.xlsx", rows))
    assert result.ok and not result.needs_year and len(result.created) == 2
    assert county.scalar("SELECT count(*) FROM annual_figures") == 0


def test_target_sized_pools_rank_by_the_annual_figure(county):
    from shengui_desktop.services.ledger import reference

    policy.choose_profile(county, "xiaoyi")
    reference.set_target(county, {"year": 2026, "scope": "county", "net_increase": 1})
    ids = []
    for n in range(4):
        eid, _ = create_enterprise(county, {"credit_code": credit(30 + n), "name": f"企业{n}",
                                            "township_code": "140322100"})
        record_year(county, eid, 2025, {"revenue": 5_000_000 * (n + 1)})
        ids.append(eid)
    evs = policy.evaluate(county, today=TODAY)
    assert evs[ids[-1]].suggested_pool == "entry" and "排第1位" in evs[ids[-1]].suggested_pool_reason
    assert evs[ids[-2]].suggested_pool == "cultivation"


def test_the_ledger_only_report_facts_use_the_annual_figure(county, tmp_path):
    from shengui_desktop.reports.facts import LedgerFacts

    assert import_file(county, write_xlsx(tmp_path / "l.xlsx", LIST_2025)).ok
    eid = county.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(1),))
    ev = LedgerFacts(county, TODAY).evaluate()[eid]
    assert (ev.prior_year_revenue, ev.prior_year_source_text) == (21_000_000, "年报")
    assert ev.flag_codes == ["reached_scale_not_entered"]


@needs_poppler
def test_the_dossier_says_where_last_years_revenue_came_from(county, tmp_path):
    assert import_file(county, write_xlsx(tmp_path / "l.xlsx", LIST_2025)).ok
    out = tmp_path / "一户一册.pdf"
    print_report(county, "dossier", out, resolve_filters(county, credit_code=credit(1), today=TODAY),
                 printed_on=TODAY)
    assert flat("2,100.00万元（年报）") in flat("".join(pdf_pages(out)))


def test_a_list_saved_as_shown_gives_back_the_ledgers_annual_figures(county, tmp_path):
    eid, _ = create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                                        "township_code": "140322100"})
    record_year(county, eid, 2025, {"revenue": 3_289_512})  # 328.9512万元
    rows = [["2025年名单"], ["企业名称", "统一社会信用代码", "营业收入（万元）"],
            ["甲公司", credit(1), 328.95]]  # what the cell showed
    result = import_file(county, write_xlsx(tmp_path / "shown.xlsx", rows))
    assert result.ok and result.annual_unchanged == 1 and not result.annual_updated
    changed = [["2025年名单"], ["企业名称", "统一社会信用代码", "营业收入（万元）"],
               ["甲公司", credit(1), 330.5]]
    result = import_file(county, write_xlsx(tmp_path / "changed.xlsx", changed))
    assert [c.text() for c in result.annual_updated] == [
        "第3行 甲公司 2025年：主营业务收入：328.9512万元 → 330.50万元"]
    assert annual(county)[credit(1)]["revenue"] == 3_305_000
