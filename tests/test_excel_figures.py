"""Monthly-figures import: long and wide layouts, units, numbers as text, errors."""

from __future__ import annotations

from datetime import date

import pytest
from excel_build import credit, write_csv, write_xlsx

from shengui_desktop.services.ledger.enterprises import create_enterprise
from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger.figures import record_month


@pytest.fixture
def firms(county):
    ids = {}
    for n, name in ((1, "盂县恒达机械有限公司"), (2, "盂县宏远耐火材料有限公司")):
        ids[n], _ = create_enterprise(county, {"credit_code": credit(n), "name": name,
                                               "township_code": "140322100"})
    return ids


def months(ledger, enterprise_id):
    return {r["period"]: r for r in ledger.rows(
        "SELECT * FROM monthly_figures WHERE enterprise_id = ? ORDER BY period", (enterprise_id,))}


def test_long_layout_with_units_in_headers(county, firms, tmp_path):
    rows = [["2024年规下工业企业月度数据"],
            ["统一社会信用代码", "企业名称", "月份", "营业收入（万元）", "工业总产值(千元)",
             "税收（元）", "用电量（万千瓦时）", "从业人员期末人数"],
            [credit(1), "盂县恒达机械有限公司", "2024-03", 165.05, "1,650.5", "12,345.67", 1.25, "56"],
            [credit(1), None, "2024年4月", "200", 0, None, "3.2", 57],
            [None, "盂县宏远耐火材料有限公司", date(2024, 3, 1), 88, 90, 1000, 0.5, 20],
            ["合计", None, None, 453.05, None, None, None, None]]
    result = import_file(county, write_xlsx(tmp_path / "f.xlsx", rows))
    assert result.ok, result.problem_lines()
    assert result.sheets[0].kind == "figures"
    one = months(county, firms[1])
    assert one["2024-03"]["revenue"] == 1_650_500
    assert one["2024-03"]["output_value"] == 1_650_500
    assert one["2024-03"]["tax_paid"] == 12_346  # 12,345.67 yuan, rounded half up
    assert one["2024-03"]["electricity_kwh"] == 12_500
    assert one["2024-03"]["employees"] == 56
    assert one["2024-04"]["revenue"] == 2_000_000 and one["2024-04"]["output_value"] == 0
    assert one["2024-04"]["tax_paid"] is None and one["2024-04"]["electricity_kwh"] == 32_000
    two = months(county, firms[2])
    assert two["2024-03"]["revenue"] == 880_000 and two["2024-03"]["output_value"] == 90_000
    assert [f.row for f in result.sheets[0].skipped] == [6]


def test_unit_line_above_header_and_year_month_columns(county, firms, tmp_path):
    rows = [["填报单位：秀水镇  单位：千元"],
            ["序号", "信用代码", "年份", "月", "主营业务收入", "用电量"],
            [1, credit(1), 2024, 1, "1,234.5", "10,000"],
            [2, credit(2), "2024", "2", 0.5, 7]]
    result = import_file(county, write_xlsx(tmp_path / "f.xlsx", rows))
    assert result.ok, result.problem_lines()
    assert result.sheets[0].unit == "千元"
    assert months(county, firms[1])["2024-01"]["revenue"] == 1_234_500
    assert months(county, firms[1])["2024-01"]["electricity_kwh"] == 10_000
    assert months(county, firms[2])["2024-02"]["revenue"] == 500


def test_wide_layout_with_group_header(county, firms, tmp_path):
    rows = [["2024年各月主营业务收入"],
            ["企业名称", "统一社会信用代码", "主营业务收入（万元）", None, None],
            [None, None, "1月", "2月", "3月"],
            ["盂县恒达机械有限公司", credit(1), 100, 110.5, None],
            ["盂县宏远耐火材料有限公司", credit(2), "80", 0, 95]]
    path = write_xlsx(tmp_path / "w.xlsx", rows, merged=("C2:E2", "A2:A3", "B2:B3"))
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    one, two = months(county, firms[1]), months(county, firms[2])
    assert {p: m["revenue"] for p, m in one.items()} == {"2024-01": 1_000_000, "2024-02": 1_105_000}
    assert {p: m["revenue"] for p, m in two.items()} == {
        "2024-01": 800_000, "2024-02": 0, "2024-03": 950_000}


def test_wide_layout_with_month_and_measure_in_one_header(county, firms, tmp_path):
    rows = [["企业名称", "2024年1月营业收入(元)", "2024年1月用电量", "2024年2月营业收入(元)"],
            ["盂县恒达机械有限公司", 1_000_000, 5000, 1_200_000.4]]
    result = import_file(county, write_xlsx(tmp_path / "w.xlsx", rows))
    assert result.ok, result.problem_lines()
    got = months(county, firms[1])
    assert got["2024-01"]["revenue"] == 1_000_000 and got["2024-01"]["electricity_kwh"] == 5000
    assert got["2024-02"]["revenue"] == 1_200_000


def test_cumulative_columns_are_not_imported_and_said_so(county, firms, tmp_path):
    rows = [["统一社会信用代码", "月份", "本月营业收入", "1-3月累计营业收入"],
            [credit(1), "2024-03", 10, 30]]
    result = import_file(county, write_xlsx(tmp_path / "c.xlsx", rows))
    assert result.ok
    assert months(county, firms[1])["2024-03"]["revenue"] == 100_000
    unused = result.sheets[0].unused_columns
    assert [(f.column_letter, "累计" in f.message) for f in unused] == [("D", True)]
    assert any("未注明金额单位" in w.message for w in result.warnings)


def test_existing_month_is_updated_with_summary(county, firms, tmp_path):
    record_month(county, firms[1], "2024-03", {"revenue": 1_000_000, "employees": 50})
    rows = [["统一社会信用代码", "月份", "营业收入（万元）", "从业人员"],
            [credit(1), "2024-03", 120, 50], [credit(1), "2024-04", 90, 51]]
    result = import_file(county, write_xlsx(tmp_path / "u.xlsx", rows))
    assert result.ok
    assert result.figures_created == 1 and len(result.figures_updated) == 1
    assert result.figures_updated[0].fields == {"主营业务收入": ("100.00万元", "120.00万元")}
    assert months(county, firms[1])["2024-03"]["revenue"] == 1_200_000
    assert months(county, firms[1])["2024-03"]["employees"] == 50


def test_bad_figure_rows_import_nothing(county, firms, tmp_path):
    rows = [["单位：万元"],
            ["统一社会信用代码", "企业名称", "月份", "营业收入", "从业人员"],
            [credit(1), None, "2024-01", 10, 5],
            [credit(1), None, "2024-13", 10, 5],  # no 13th month
            [credit(2), None, "2024-01", -3, 5],  # negative
            [credit(7), None, "2024-01", 1, 5],  # not in the ledger
            [None, "不存在的公司", "2024-01", 1, 5],
            [credit(1), None, "2024-01", 12, 5],  # same month twice
            [credit(2), None, "2024-02", "十万", 2.5]]  # not numbers
    path = write_csv(tmp_path / "bad.csv", rows, "gbk")
    result = import_file(county, path, report=tmp_path / "r.xlsx")
    assert not result.ok
    assert county.scalar("SELECT count(*) FROM monthly_figures") == 0
    assert [(p.row, p.column_letter) for p in result.problems] == [
        (4, "C"), (5, "D"), (6, "A"), (7, "B"), (8, "C"), (9, "D"), (9, "E")]
    assert "不能为负数" in result.problems[1].message
    assert "与第3行重复" in result.problems[4].message
    assert (tmp_path / "r.xlsx").exists()


def test_figures_for_enterprises_new_in_the_same_workbook(county, tmp_path):
    companies = [["企业名称", "统一社会信用代码", "乡镇"], ["新公司", credit(9), "秀水镇"]]
    figures = [["单位：万元"], ["统一社会信用代码", "月份", "营业收入"], [credit(9), "2024-05", 12.34]]
    path = write_xlsx(tmp_path / "both.xlsx", figures, sheet="月度数据", more={"企业": companies})
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    eid = county.scalar("SELECT id FROM enterprises WHERE credit_code = ?", (credit(9),))
    assert months(county, eid)["2024-05"]["revenue"] == 123_400


@pytest.mark.parametrize("year", ["二〇二四", "24年", 1999, "2024.5"])
def test_wide_layout_with_a_bad_year_cell_is_reported_not_a_crash(county, firms, tmp_path, year):
    rows = [["企业名称", "年份", "1月营业收入(万元)", "2月营业收入(万元)"],
            ["盂县恒达机械有限公司", 2024, 100, 110],
            ["盂县宏远耐火材料有限公司", year, 80, 90]]
    result = import_file(county, write_xlsx(tmp_path / "y.xlsx", rows))
    assert not result.ok and not result.applied
    [problem] = result.problems
    assert problem.row == 3 and problem.column_letter == "B" and "年份" in problem.message
    assert months(county, firms[1]) == {}  # all or nothing
