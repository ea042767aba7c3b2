"""Column choices made in the import wizard (import_file's columns= and units=): a key
column whose header is not recognised, a column set to 不导入, a figure column's unit. They
are applied where the layout is found, so the column planners and the row planners agree."""

from __future__ import annotations

import pytest

from shengui_desktop.progress import Job
from shengui_desktop.services.excel import import_file, inspect_file
from shengui_desktop.services.excel.planner import Planner
from shengui_desktop.services.excel.results import ImportResult
from shengui_desktop.spreadsheets.layout import Overrides, find_layout
from shengui_desktop.spreadsheets.reader import Grid

from excel_build import credit, write_xlsx

HEADERS = ["序号", "企业字号", "信用代码", "乡镇", "备注", "2025年营业收入"]
ROWS = [[1, "秀水机械有限公司", credit(1), "秀水镇", "老企业", 1200],
        [2, "路家村化工有限公司", credit(2), "路家村镇", "", 300.5]]
FIX = {"企业字号": "name", "备注": None}


def enterprise(ledger, code):
    [row] = ledger.rows("SELECT * FROM enterprises WHERE credit_code = ?", (code,))
    return row


def test_an_unrecognised_key_column_finds_no_table_until_it_is_named(county, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [["统一代码以外"], HEADERS, *ROWS])
    [sheet] = inspect_file(path)
    assert sheet.found  # the credit code alone identifies the table
    by_header = {c.header: c for c in sheet.columns}
    assert by_header["企业字号"].field is None and by_header["企业字号"].label == "（未识别）"
    assert by_header["备注"].field == "note"
    result = import_file(county, path, dry_run=True)
    assert not result.ok and any("企业名称" in p.message for p in result.problems)

    [fixed] = inspect_file(path, columns=FIX)
    by_header = {c.header: c for c in fixed.columns}
    assert by_header["企业字号"].field == "name" and by_header["企业字号"].label == "企业名称"
    assert by_header["备注"].field is None and by_header["备注"].note == "已选择不导入此列"
    assert fixed.header_rows == [2] and fixed.kind == "enterprises"

    result = import_file(county, path, columns=FIX)
    assert result.ok and result.applied, result.problem_lines()
    row = enterprise(county, credit(1))
    assert row["name"] == "秀水机械有限公司" and not row["note"]  # 备注 not imported
    unused = {f.header: f.message for s in result.sheets for f in s.unused_columns}
    assert unused["备注"] == "已选择不导入此列"


def test_only_the_name_column_identifies_a_table_once_chosen(county):
    grid = Grid("Sheet1", [["字号", "地方"], ["甲公司", "秀水镇"]])
    assert find_layout(grid) is None
    layout = find_layout(grid, Overrides({"字号": "name", "地方": "township"}))
    assert layout is not None and [c.field for c in layout.columns] == ["name", "township"]


@pytest.mark.parametrize("bulk", [True, False])
def test_the_column_path_and_the_row_path_honour_the_choices(county, bulk):
    grid = Grid("Sheet1", [list(HEADERS), *[list(r) for r in ROWS]])
    planner = Planner(county, ImportResult("x.xlsx", True), Job(), year=None,
                      overrides=Overrides(FIX, {"2025年营业收入": "元"}))
    planner.bulk = bulk
    planner.run([grid], kind=None, sheet_named=False)
    assert planner.result.ok, planner.result.problem_lines()
    new = {n.record["credit_code"]: n.record for n in planner.plan.new.values()}
    assert new[credit(1)]["name"] == "秀水机械有限公司"
    assert not new[credit(1)].get("note")
    # amounts are kept in 元: 1200 in the chosen 元, not 1200 万元 (the default)
    assert sorted(row[3] for row in planner.plan.annual_inserts) == [301, 1200]
    assert planner.result.sheets[0].unit == "元"


def test_both_paths_plan_the_same(county):
    def planned(bulk):
        grid = Grid("Sheet1", [list(HEADERS), *[list(r) for r in ROWS]])
        planner = Planner(county, ImportResult("x.xlsx", True), Job(),
                          overrides=Overrides(FIX, {"2025年营业收入": "千元"}))
        planner.bulk = bulk
        planner.run([grid], kind=None, sheet_named=False)
        p = planner.plan
        return ([(n.record, n.row) for n in p.new.values()],
                [row[2:] for row in p.annual_inserts], planner.result.problems)
    assert planned(True) == planned(False)


def test_a_choice_must_be_a_field_and_a_unit_a_money_unit():
    with pytest.raises(ValueError):
        Overrides({"x": "no_such_field"})
    with pytest.raises(ValueError):
        Overrides({}, {"x": "斤"})
