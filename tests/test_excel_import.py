"""Enterprise-list import from messy files: each messiness, with the exact values stored."""

from __future__ import annotations

import json
from datetime import date

import pytest
from excel_build import credit, write_csv, write_xls, write_xlsx

from shengui_desktop.services.excel import import_file
from shengui_desktop.services.ledger.enterprises import create_enterprise, find_by_credit_code


def enterprises(ledger) -> dict[str, dict]:
    return {r["credit_code"]: r for r in ledger.rows("SELECT * FROM enterprises")}


MESSY = [
    ["2024年盂县小升规培育企业名单"],  # title, merged over the table
    [None],
    ["填报单位：盂县工信局          单位：万元"],
    ["序号", "单位详细名称", "社会信用代码", "所属乡镇", "行业代码", "联系人", "联系电话",
     "成立日期", "入统日期", "责任单位", "统计状态", "随便一列"],
    [1, "  盂县恒达机械有限公司 ", credit(1).lower(), "秀水镇", "C3311", "王 伟", 13800138000,
     "2019年3月5日", None, "工信局", "规下", "x"],
    [2, "盂县宏远耐火材料有限公司", "９１" + credit(2)[2:], " 路家村镇 ", "３０", "李娜",
     "0353-1234567", 43530, "2024/1/5", "应急局", "规上", None],
    [3, "盂县鑫源食品有限公司", credit(3), "秀水镇", "14 食品制造业", None, None,
     date(2020, 6, 1), "2023-12-01", None, None, None],
    ["合  计", None, None, None, None, None, None, None],
    ["注：1.本表由县工信局汇总。"],
    ["    2.统计截止2024年3月。"],
]


def test_messy_xlsx_imports_exact_values(county, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", MESSY, merged=("A1:L1",))
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert result.applied
    rows = enterprises(county)
    assert set(rows) == {credit(1), credit(2), credit(3)}
    a, b, c = rows[credit(1)], rows[credit(2)], rows[credit(3)]
    assert a["name"] == "盂县恒达机械有限公司"
    assert a["township_code"] == "140322100" and b["township_code"] == "140322101"
    assert a["industry_code"] == "3311" and b["industry_code"] == "30" and c["industry_code"] == "14"
    assert a["contact_phone"] == "13800138000" and b["contact_phone"] == "0353-1234567"
    assert a["contact_person"] == "王 伟"
    assert a["established_date"] == "2019-03-05"
    assert b["established_date"] == "2019-03-06"  # Excel serial 43530
    assert c["established_date"] == "2020-06-01"
    assert b["entered_stats_date"] == "2024-01-05" and c["entered_stats_date"] == "2023-12-01"
    assert a["stat_status"] == "below_scale" and b["stat_status"] == "above_scale"
    departments = {r["id"]: r["name"] for r in county.rows("SELECT id, name FROM departments")}
    assert departments[a["department_id"]] == "工信局" and departments[b["department_id"]] == "应急局"
    sheet = result.sheets[0]
    assert sheet.header_row == 4 and sheet.rows == 3
    assert [f.row for f in sheet.skipped] == [8, 9, 10]
    assert "合计" in sheet.skipped[0].message and "说明" in sheet.skipped[1].message
    assert [(f.column_letter, f.header) for f in sheet.unused_columns] == [("L", "随便一列")]
    assert any("已新增企业3户" in line for line in result.summary_lines())


def test_xls_input(county, tmp_path):
    rows = [["企业名单"], ["序号", "企业名称", "统一社会信用代码", "乡镇", "行业", "成立日期"],
            [1, "盂县恒达机械有限公司", credit(1), "秀水镇", "3311", date(2018, 5, 20)],
            [2, "盂县宏远耐火材料有限公司", credit(2), "路家村镇", "C30", "2021.7.1"],
            ["总计", None, None, None, None, None]]
    path = write_xls(tmp_path / "名单.xls", rows, merged=((0, 0, 0, 5),))
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    got = enterprises(county)
    assert got[credit(1)]["established_date"] == "2018-05-20"
    assert got[credit(2)]["established_date"] == "2021-07-01"
    assert got[credit(2)]["industry_code"] == "30"
    assert result.sheets[0].skipped[0].row == 5


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8(county, tmp_path, encoding):
    rows = [["企业名称", "统一社会信用代码", "乡镇（街道）", "行业代码", "地址"],
            ["盂县恒达机械有限公司", credit(1), "秀水镇", "3311", "秀水镇东关村１号"],
            ["盂县宏远耐火材料有限公司", credit(2), "路家村镇", "3089", "路家村镇"]]
    path = write_csv(tmp_path / "名单.csv", rows, encoding)
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    got = enterprises(county)
    assert got[credit(1)]["address"] == "秀水镇东关村１号"  # kept as written (#15 item 4)
    assert got[credit(2)]["industry_code"] == "3089"


def test_merged_township_cells_count_for_each_row(county, tmp_path):
    rows = [["乡镇", "企业名称", "统一社会信用代码"],
            ["秀水镇", "甲公司", credit(1)], [None, "乙公司", credit(2)], [None, "丙公司", credit(3)],
            ["路家村镇", "丁公司", credit(4)]]
    path = write_xlsx(tmp_path / "m.xlsx", rows, merged=("A2:A4",))
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    got = enterprises(county)
    assert [got[credit(n)]["township_code"] for n in (1, 2, 3, 4)] == ["140322100"] * 3 + ["140322101"]


def test_county_creates_unknown_township_when_confirmed_and_lists_it(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "所属乡镇"],
            ["甲公司", credit(1), "南娄镇"], ["乙公司", credit(2), "北下庄乡"],
            ["丙公司", credit(3), "南娄镇"]]
    path = write_xlsx(tmp_path / "t.xlsx", rows)
    refused = import_file(county, path)  # not without the person's confirmation (#15 item 1)
    assert not refused.ok and [t["name"] for t in refused.unknown_townships] == ["南娄镇", "北下庄乡"]
    assert county.scalar("SELECT count(*) FROM townships") == 2
    result = import_file(county, path, create_townships=True)
    assert result.ok, result.problem_lines()
    assert [(t["name"], t["code"]) for t in result.new_townships] == [
        ("南娄镇", "140322102"), ("北下庄乡", "140322200")]
    assert county.scalar("SELECT code FROM townships WHERE name = '南娄镇'") == "140322102"
    assert enterprises(county)[credit(3)]["township_code"] == "140322102"
    assert any("新建乡镇：南娄镇" in line for line in result.summary_lines())


def test_township_ledger_rejects_other_townships(township, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇"],
            ["甲公司", credit(1), "秀水镇"], ["乙公司", credit(2), "路家村镇"]]
    # the township ledger knows only itself: 路家村镇 is another township's
    result = import_file(township, write_xlsx(tmp_path / "t.xlsx", rows))
    assert not result.ok
    assert [(p.row, p.column_letter) for p in result.problems] == [(3, "C")]
    assert "本乡镇台账只能导入本乡镇" in result.problems[0].message
    assert township.scalar("SELECT count(*) FROM enterprises") == 0


def test_township_ledger_without_township_column_uses_its_own(township, tmp_path):
    rows = [["企业名称", "统一社会信用代码"], ["甲公司", credit(1)]]
    assert import_file(township, write_xlsx(tmp_path / "t.xlsx", rows)).ok
    assert enterprises(township)[credit(1)]["township_code"] == "140322100"


def test_bad_rows_import_nothing_and_are_reported_by_excel_row(county, tmp_path):
    good = credit(1)
    rows = [["盂县企业名单"], ["单位：万元"],
            ["序号", "企业名称", "统一社会信用代码", "乡镇", "行业代码", "成立日期"],
            [1, "甲公司", good, "秀水镇", "3311", "2020-01-01"],
            [2, "乙公司", good[:17], "秀水镇", "3311", "2020-01-01"],  # 17 characters
            [3, "丙公司", credit(3), "秀水镇", "制造", "2020-01-01"],  # not an industry code
            [4, "丁公司", credit(4), "秀水镇", "3311", "2020-13-45"],  # no such date
            [5, "戊公司", good, "秀水镇", "3311", None],  # duplicate of row 4
            [6, "", credit(6), "秀水镇", "3311", None]]  # no name
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    report = tmp_path / "问题.xlsx"
    result = import_file(county, path, report=report)
    assert not result.ok and not result.applied
    assert county.scalar("SELECT count(*) FROM enterprises") == 0
    found = [(p.row, p.column_letter) for p in result.problems]
    assert found == [(5, "C"), (6, "E"), (7, "F"), (8, "C"), (9, "B")]
    lines = result.problem_lines()
    assert lines[0].startswith("第5行 C列（统一社会信用代码）")
    assert "18位" in lines[0] and "与第4行重复" in lines[3] and "企业名称不能为空" in lines[4]

    from openpyxl import load_workbook
    wb = load_workbook(report)
    assert wb.sheetnames[0] == "导入检查结果"
    ws = wb["Sheet1"]
    assert ws["C5"].fill.start_color.rgb.endswith("FFC7CE")
    assert "18位" in ws["C5"].comment.text
    assert ws["E6"].comment is not None and ws["C4"].comment is None
    summary = wb["导入检查结果"]
    assert summary.cell(3, 3).value == 5 and summary.cell(3, 4).value == "C"


def test_existing_enterprise_is_updated_with_a_change_summary(county, tmp_path):
    create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                               "township_code": "140322100", "industry_code": "3311",
                               "contact_phone": "13800000000"})
    rows = [["企业名称", "统一社会信用代码", "乡镇", "联系电话", "行业代码", "联系人"],
            ["甲公司", credit(1), "路家村镇", "13911112222", "3311", None],
            ["乙公司", credit(2), "秀水镇", None, None, "赵六"]]
    path = write_xlsx(tmp_path / "u.xlsx", rows)
    preview = import_file(county, path, dry_run=True)
    assert preview.ok and not preview.applied
    assert find_by_credit_code(county, credit(1))["contact_phone"] == "13800000000"
    assert len(preview.updated) == 1 and len(preview.created) == 1
    change = preview.updated[0]
    assert change.row == 2
    assert change.fields == {"乡镇（街道）": ("秀水镇（140322100）", "路家村镇（140322101）"),
                             "联系电话": ("13800000000", "13911112222")}
    assert any("将新增企业1户，更新1户" in line for line in preview.summary_lines())

    result = import_file(county, path)
    assert result.applied
    updated = find_by_credit_code(county, credit(1))
    assert updated["township_code"] == "140322101" and updated["contact_phone"] == "13911112222"
    assert updated["contact_person"] is None  # blank cells never erase
    assert county.scalar("SELECT count(*) FROM enterprises") == 2


def test_duplicate_name_and_non_industrial_code_are_warnings(county, tmp_path):
    create_enterprise(county, {"credit_code": credit(1), "name": "甲公司",
                               "township_code": "140322100"})
    rows = [["企业名称", "统一社会信用代码", "乡镇", "行业代码"],
            ["甲公司", credit(2), "秀水镇", "5191"]]  # 5191 is wholesale, not B/C/D
    result = import_file(county, write_xlsx(tmp_path / "w.xlsx", rows))
    assert result.ok
    messages = [w.message for w in result.warnings]
    assert any("同名企业" in m for m in messages)
    assert any("不属于工业" in m for m in messages)


def test_a_short_list_against_a_bigger_ledger_finds_its_enterprises_by_code_and_name(county, tmp_path):
    """A ledger more than twice the list's size is asked only for the list's codes and names."""
    for n in range(1, 13):
        create_enterprise(county, {"credit_code": credit(n), "name": f"企业{n}",
                                   "township_code": "140322100"})
    rows = [["企业名称", "统一社会信用代码", "乡镇", "联系电话"],
            ["企业3", credit(3), "秀水镇", "13911112222"],   # changes its phone
            ["企业4", credit(4), "秀水镇", None],            # as the ledger has it
            ["企业5", credit(20), "秀水镇", None]]           # new, with a name in the ledger
    result = import_file(county, write_xlsx(tmp_path / "s.xlsx", rows), dry_run=True)
    assert result.ok
    assert [(c.row, c.fields) for c in result.updated] == [(2, {"联系电话": ("", "13911112222")})]
    assert result.unchanged == 1 and [c["row"] for c in result.created] == [4]
    assert [(w.row, "同名企业" in w.message and credit(5) in w.message)
            for w in result.warnings] == [(4, True)]


def test_tags_pool_and_source_labels(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇", "库别", "来源", "企业资质"],
            ["甲公司", credit(1), "秀水镇", "培育库", "个转企", "专精特新、高新技术企业"]]
    assert import_file(county, write_xlsx(tmp_path / "p.xlsx", rows)).ok
    e = enterprises(county)[credit(1)]
    assert (e["pool"], e["source"]) == ("cultivation", "sole_to_company")
    assert json.loads(e["tags"]) == ["专精特新", "高新技术企业"]


def test_no_header_found_is_a_problem(county, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    result = import_file(county, path)
    assert not result.ok and "没有找到表头" in result.problems[0].message


def test_cancel_writes_nothing(county, tmp_path):
    from shengui_desktop.services.excel import ImportCancelled

    rows = [["企业名称", "统一社会信用代码", "乡镇"], ["甲公司", credit(1), "秀水镇"]]
    with pytest.raises(ImportCancelled):
        import_file(county, write_xlsx(tmp_path / "c.xlsx", rows), cancel=lambda: True)
    assert county.scalar("SELECT count(*) FROM enterprises") == 0


def test_progress_is_reported(county, tmp_path):
    rows = [["企业名称", "统一社会信用代码", "乡镇"]] + [
        [f"企业{n}", credit(n), "秀水镇"] for n in range(1, 30)]
    stages = []
    result = import_file(county, write_xlsx(tmp_path / "g.xlsx", rows),
                         progress=lambda stage, done, total: stages.append(stage))
    assert result.ok and {"读取文件", "检查数据", "写入台账"} <= set(stages)


def test_cycle_collector_is_back_on_after_an_import(county, tmp_path):
    import gc

    from shengui_desktop.services.excel import ImportCancelled

    rows = [["企业名称", "统一社会信用代码", "乡镇"], ["甲公司", credit(1), "秀水镇"]]
    path = write_xlsx(tmp_path / "g.xlsx", rows)
    assert import_file(county, path).applied and gc.isenabled()
    calls = iter(range(100))
    with pytest.raises(ImportCancelled):  # cancelled while checking
        import_file(county, path, cancel=lambda: next(calls) >= 1)
    assert gc.isenabled()
