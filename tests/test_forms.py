"""一表通 (#22): a department's form filled from the demo county.

A 统计 monthly list made as a user would in Excel — a merged title, a merged cell in the
repeated row, a 合计 row of SUM formulas under it, data validation, print titles and area, a
page break, row heights, styles — is filled and reopened with openpyxl: everything survives,
the totals are still formulas over every enterprise row, and each value equals what the
monitoring table (月度监测, services.policy.monitoring) and year_revenues give. Broken templates
get a message naming the cell, and no file is written. The command line does the same."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from conftest import PASSWORD
from reports_helpers import assert_fonts_embedded, assert_page_footers, flat, needs_poppler, pdf_pages
from shengui_desktop.cli import main as cli_main
from shengui_desktop.domain.evaluation import FLAG_NAMES
from shengui_desktop.errors import UserError
from shengui_desktop.progress import ImportCancelled
from shengui_desktop.services import policy
from shengui_desktop.services.excel.forms import FIELDS, check_form, fill_form, print_form, write_blank_template
from shengui_desktop.services.ledger.figures import year_revenues
from shengui_desktop.services.ledger.pools import move_pools
from shengui_desktop.services.policy.evaluation import evaluate
from shengui_desktop.services.policy.monitoring import monitoring_table

TODAY = date(2026, 11, 23)
XIUSHUI = "140322100"


def statistics_form(path, region="{{#企业 乡镇=秀水镇 库别=培育库}}{{序号}}", extra=None):
    """The 统计 monthly list: rows 1–3 title and headers, row 4 the region, row 5 合计."""
    wb = Workbook()
    ws = wb.active
    ws.title = "月报"
    ws["A1"] = "{{单位}}小升规培育企业{{期间}}主要指标"
    ws.merge_cells("A1:I1")
    ws["A2"] = "填报单位：{{单位}}"
    ws["H2"] = "{{期间}}"
    for i, h in enumerate(["序号", "企业名称", "信用代码", "营业收入（万元）", "累计营业收入（元）", "同比", "库别",
                           "责任单位", ""], 1):
        ws.cell(3, i, h)
    ws["A4"] = region
    ws["B4"] = "{{企业名称}}"
    ws["C4"] = "{{统一社会信用代码}}"
    ws["D4"] = "{{营业收入}}"
    ws["D4"].font = Font(bold=True, color="C00000")
    ws["D4"].fill = PatternFill("solid", fgColor="FFF2CC")
    ws["D4"].number_format = "0.00"
    ws["E4"] = "{{营业收入:累计:元}}"
    ws["F4"] = "{{同比}}"
    ws["G4"] = "{{库别}}"
    ws["H4"] = "{{责任单位}}{{/企业}}"
    ws.merge_cells("H4:I4")
    ws.row_dimensions[4].height = 24
    ws["A5"] = "合计"
    ws.merge_cells("A5:C5")
    ws["D5"] = "=SUM(D4:D4)"
    ws["E5"] = "=SUM(E4:E4)"
    ws["F5"] = "{{户数}}"
    ws["A7"] = "负责人："
    ws["D7"] = "=D5*10000"
    ws["F7"] = "{{合计.营业收入:累计:元}}"
    ws.row_dimensions[7].height = 30
    ws.column_dimensions["B"].width = 33
    dv = DataValidation(type="list", formula1='"培育库,储备库"')
    dv.add("G4:G4")
    ws.add_data_validation(dv)
    ws.print_title_rows = "1:3"
    ws.print_area = "A1:I7"
    ws.row_breaks.append(Break(id=5))
    if extra:
        extra(ws)
    wb.save(path)
    return path


@pytest.fixture
def ledger(demo_county):
    return demo_county


def test_filled_form_keeps_the_form_and_has_the_ledgers_values(ledger, tmp_path):
    template = statistics_form(tmp_path / "月报.xlsx")
    info = fill_form(ledger, template, tmp_path / "out.xlsx", period="2026-10", today=TODAY)
    table = monitoring_table(ledger, "2026-10", township=XIUSHUI, pool="培育库", today=TODAY)
    expected = table.rows
    n = len(expected)
    assert n >= 2 and info["rows"] == n
    ws = load_workbook(tmp_path / "out.xlsx")["月报"]
    last = 4 + n - 1
    # values, row by row, as the monitoring table has them
    for i, r in enumerate(expected):
        row = 4 + i
        revenue = r.measures["revenue"]
        assert ws.cell(row, 1).value == i + 1
        assert ws.cell(row, 2).value == r.name
        assert ws.cell(row, 3).value == r.credit_code
        assert ws.cell(row, 4).value == pytest.approx(revenue.month / 10_000)
        assert ws.cell(row, 5).value == revenue.cumulative
        assert ws.cell(row, 6).value == pytest.approx(revenue.yoy)
        assert ws.cell(row, 7).value == "培育库"
        # the marked row's style, format, height and merged cell on every row
        assert ws.cell(row, 4).font.bold and ws.cell(row, 4).fill.fgColor.rgb.endswith("FFF2CC")
        assert ws.cell(row, 4).number_format == "0.00"
        assert ws.cell(row, 6).number_format == "0.0%"
        assert ws.row_dimensions[row].height == 24
        assert f"H{row}:I{row}" in {str(m) for m in ws.merged_cells.ranges}
    # singles, the title and the 合计 row (formulas widened over every row)
    assert ws["A1"].value == "盂县小升规培育企业2026年10月主要指标"
    assert "A1:I1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws["A2"].value == "填报单位：盂县"
    assert ws.cell(last + 1, 1).value == "合计"
    assert f"A{last + 1}:C{last + 1}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(last + 1, 4).value == f"=SUM(D4:D{last})"
    assert ws.cell(last + 1, 5).value == f"=SUM(E4:E{last})"
    assert ws.cell(last + 1, 6).value == n
    assert ws.cell(last + 3, 4).value == f"=D{last + 1}*10000"
    assert ws.cell(last + 3, 6).value == table.totals["revenue"].cumulative
    assert ws.row_dimensions[last + 3].height == 30
    # column widths, validation, print titles and area, page break
    assert ws.column_dimensions["B"].width == 33
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == [f"G4:G{last}"]
    assert ws.print_title_rows == "$1:$3"
    assert ws.print_area == f"'月报'!$A$1:$I${last + 3}"
    assert [b.id for b in ws.row_breaks.brk] == [last + 1]


def test_year_and_explicit_month_modifiers_and_township_option(ledger, tmp_path):
    def columns(ws):
        ws["E4"] = "{{营业收入:上年:元}}"
        ws["F4"] = "{{营业收入:2026-09:元}}"
    template = statistics_form(tmp_path / "t.xlsx", region="{{#企业}}{{序号}}", extra=columns)
    fill_form(ledger, template, tmp_path / "out.xlsx", period="2026-10", township="秀水镇", today=TODAY)
    ws = load_workbook(tmp_path / "out.xlsx").active
    last_year = year_revenues(ledger, 2025)
    names = ledger.rows("SELECT id, name, credit_code FROM enterprises WHERE township_code = ?"
                        " ORDER BY name, credit_code", (XIUSHUI,))
    september = {r["enterprise_id"]: r["revenue"] for r in ledger.rows(
        "SELECT enterprise_id, revenue FROM monthly_figures WHERE period = '2026-09'")}
    got = {ws.cell(r, 3).value: (ws.cell(r, 5).value, ws.cell(r, 6).value) for r in range(4, 4 + len(names))}
    assert len(got) == len(names)
    for e in names:
        prior = last_year.get(e["id"])
        assert got[e["credit_code"]] == (prior.revenue if prior else None, september.get(e["id"]))
    assert ws["A2"].value == "填报单位：秀水镇"


BROKEN = [
    ("unknown field", lambda ws: ws.__setitem__("D4", "{{营收}}"), "模板 D4：未知字段“营收”，是否是“营业收入”？"),
    ("unclosed region", lambda ws: ws.__setitem__("H4", "{{责任单位}}"), "模板 A4：重复区域没有结束"),
    ("bad modifier", lambda ws: ws.__setitem__("E4", "{{营业收入:万吨}}"), "模板 E4：“营业收入”的修饰“万吨”无效"),
    ("bad filter", lambda ws: ws.__setitem__("A4", "{{#企业 乡镇=火星镇}}{{序号}}"), "模板 A4：台账中没有乡镇“火星镇”"),
    ("field outside the region", lambda ws: ws.__setitem__("B7", "{{企业名称}}"), "模板 B7：“企业名称”是每户企业的字段"),
    ("unpaired braces", lambda ws: ws.__setitem__("C4", "{{统一社会信用代码"), "模板 C4：“{{”和“}}”不成对"),
    ("total of a text", lambda ws: ws.__setitem__("B7", "{{合计.企业名称}}"), "模板 B7：不能合计“企业名称”"),
]


@pytest.mark.parametrize("name,breakage,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_problem_names_its_cell_and_nothing_is_written(ledger, tmp_path, name, breakage, message):
    template = statistics_form(tmp_path / "t.xlsx", extra=breakage)
    check = check_form(ledger, template, period="2026-10", today=TODAY)
    assert not check.ok
    assert any(p.startswith(message) for p in check.problems), check.problems
    out = tmp_path / "out.xlsx"
    with pytest.raises(UserError, match="模板有问题"):
        fill_form(ledger, template, out, period="2026-10", today=TODAY)
    assert not out.exists() and sorted(tmp_path.glob("*.xlsx")) == [template]


def test_unknown_field_lists_the_fields_there_are(ledger, tmp_path):
    template = statistics_form(tmp_path / "t.xlsx", extra=lambda ws: ws.__setitem__("D4", "{{营收}}"))
    problem = check_form(ledger, template, today=TODAY).problems[0]
    assert "可用：序号、企业名称" in problem and "营业收入" in problem


def test_preview_shows_the_first_rows_as_they_will_be_filled(ledger, tmp_path):
    template = statistics_form(tmp_path / "t.xlsx")
    check = check_form(ledger, template, period="2026-10", today=TODAY)
    table = monitoring_table(ledger, "2026-10", township=XIUSHUI, pool="培育库", today=TODAY)
    assert check.ok and check.rows == {"月报": len(table.rows)}
    assert check.header[:3] == ["序号", "企业名称", "信用代码"]
    assert [row[1] for row in check.preview] == [r.name for r in table.rows][:20]


def test_an_empty_region_leaves_its_row_empty_and_the_totals_alone(ledger, tmp_path):
    template = statistics_form(tmp_path / "t.xlsx", region="{{#企业 乡镇=路家村镇 统计状态=已退规 库别=培育库}}{{序号}}")
    fill_form(ledger, template, tmp_path / "out.xlsx", period="2026-10", today=TODAY)
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert [ws.cell(4, c).value for c in range(1, 8)] == [None] * 7
    assert ws["D5"].value == "=SUM(D4:D4)" and ws["F5"].value == 0


def test_blank_template_lists_every_field_and_fills(ledger, tmp_path):
    blank = write_blank_template(tmp_path / "空白.xlsx")
    book = load_workbook(blank)
    listed = {row[0] for row in book["字段说明"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert set(FIELDS) <= listed and "合计.营业收入" in listed
    info = fill_form(ledger, blank, tmp_path / "out.xlsx", period="2026-10", today=TODAY)
    assert info["rows"] == ledger.scalar("SELECT count(*) FROM enterprises")
    ws = load_workbook(tmp_path / "out.xlsx")["报表"]
    last = 3 + info["rows"]
    assert ws.cell(last + 1, 7).value == f"=SUM(G4:G{last})"
    assert ws.print_title_rows == "$1:$3"


def test_command_line_fills_checks_and_lists(ledger, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    template = statistics_form(tmp_path / "t.xlsx")
    out = tmp_path / "out.xlsx"
    db = ["--db", str(ledger.path), "--today", TODAY.isoformat()]
    assert cli_main(["form", "fill", str(template), "--out", str(out), "--period", "2026-10", *db]) == 0
    assert "已填写报表" in capsys.readouterr().out and out.exists()
    assert cli_main(["form", "fill", "--template", str(template), "--check", "--json", *db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and data["rows"]["月报"] >= 2
    broken = statistics_form(tmp_path / "b.xlsx", extra=lambda ws: ws.__setitem__("D4", "{{营收}}"))
    assert cli_main(["form", "fill", str(broken), "--out", str(tmp_path / "x.xlsx"), *db]) == 2
    assert "模板 D4：未知字段“营收”" in capsys.readouterr().err
    assert cli_main(["form", "fields"]) == 0
    assert "合计.营业收入" in capsys.readouterr().out
    assert cli_main(["form", "blank", "--out", str(tmp_path / "blank.xlsx")]) == 0


def test_industry_office_cultivation_list_with_departments_visits_and_issues(ledger, tmp_path):
    """工信's 培育库 list: pools, responsible department and cadre, last visit, open issues, each
    checked against the ledger's own rows; a 汇总 sheet pointing at the list's 合计 follows it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "培育库名单"
    ws["A1"] = "{{单位}}工业企业培育库名单"
    ws.merge_cells("A1:H2")
    ws.append([])
    ws.append(["序号", "企业名称", "库别", "责任单位", "联系干部", "最近走访", "未办结问题", "问题内容"])
    ws["A4"] = "{{#企业 库别=培育库、储备库 统计状态=规下}}{{序号}}"
    ws["B4"], ws["C4"], ws["D4"], ws["E4"] = "{{企业名称}}", "{{库别}}", "{{责任单位}}", "{{联系干部}}"
    ws["F4"], ws["G4"], ws["H4"] = "{{最近走访}}", "{{未办结问题}}", "{{未办结问题内容}}{{/企业}}"
    ws["I4"] = "=G4*2"  # a formula of the row itself: copied to every row
    ws["G5"] = "=SUM(G4:G4)"
    ws.conditional_formatting.add("G4:G4", CellIsRule(operator="greaterThan", formula=["0"],
                                                       fill=PatternFill("solid", fgColor="FFC7CE")))
    summary = wb.create_sheet("汇总")
    summary["A1"] = "未办结问题合计"
    summary["B1"] = "='培育库名单'!G5"
    summary["C1"] = "{{合计.未办结问题}}"
    summary["D1"] = "{{户数}}户"
    wb.save(tmp_path / "gx.xlsx")

    info = fill_form(ledger, tmp_path / "gx.xlsx", tmp_path / "out.xlsx", period="2026-10", today=TODAY)
    wanted = ledger.rows(
        "SELECT e.id, e.name, e.pool, d.name AS department, e.liaison_cadre FROM enterprises e"
        " LEFT JOIN departments d ON d.id = e.department_id WHERE e.pool IN ('cultivation', 'reserve')"
        " AND e.stat_status = 'below_scale' ORDER BY e.township_code, e.name, e.credit_code")
    assert info["rows"] == len(wanted) >= 3
    book = load_workbook(tmp_path / "out.xlsx")
    ws = book["培育库名单"]
    last = 3 + len(wanted)
    total = 0
    for i, e in enumerate(wanted):
        row = 4 + i
        visit = ledger.scalar("SELECT max(visit_date) FROM visits WHERE enterprise_id = ?", (e["id"],))
        issues = [r["description"] for r in ledger.rows(
            "SELECT description FROM issues WHERE enterprise_id = ? AND status IN ('open', 'in_progress')"
            " ORDER BY raised_date, id", (e["id"],))]
        total += len(issues)
        assert [ws.cell(row, c).value for c in range(1, 6)] == [
            i + 1, e["name"], {"cultivation": "培育库", "reserve": "储备库"}[e["pool"]], e["department"],
            e["liaison_cadre"]]
        if visit is None:
            assert ws.cell(row, 6).value is None
        else:
            assert ws.cell(row, 6).value.date() == date.fromisoformat(visit)
            assert ws.cell(row, 6).number_format == "yyyy-mm-dd"
        assert ws.cell(row, 7).value == len(issues)
        assert ws.cell(row, 8).value == ("；".join(issues) or None)
        assert ws.cell(row, 9).value == f"=G{row}*2"
    assert total > 0
    assert ws.cell(last + 1, 7).value == f"=SUM(G4:G{last})"
    assert "A1:H2" in {str(m) for m in ws.merged_cells.ranges}
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == [f"G4:G{last}"]
    summary = book["汇总"]
    assert summary["B1"].value == f"='培育库名单'!G{last + 1}"
    assert summary["C1"].value == total and summary["D1"].value == f"{len(wanted)}户"


def test_exit_risk_warning_list(ledger, tmp_path):
    """防退规: the enterprises of the 退规风险库, their cumulative revenue against the same months
    last year and the rules' 提示, as the monitoring table of that pool has them."""
    policy.choose_profile(ledger, "minhou")
    above = [r["id"] for r in ledger.rows(
        "SELECT id FROM enterprises WHERE stat_status = 'above_scale' ORDER BY name LIMIT 2")]
    flagged = next(k for k, v in evaluate(ledger, today=date(2026, 10, 31)).items() if v.flags)
    move_pools(ledger, [*above, flagged], "exit_risk", "营业收入连续下降")
    wb = Workbook()
    ws = wb.active
    ws.append(["{{单位}}规上企业退规风险预警名单（{{期间}}）"])
    ws.append(["序号", "企业名称", "累计营业收入（万元）", "上年同期（万元）", "累计同比", "提示", "联系干部"])
    ws.append(["{{#企业 库别=退规风险库}}{{序号}}", "{{企业名称}}", "{{营业收入:累计}}", "{{营业收入:上年同期}}",
               "{{同比:累计}}", "{{提示}}", "{{联系干部}}{{/企业}}"])
    ws.append(["合计", None, "{{合计.营业收入:累计}}", "{{合计.营业收入:上年同期}}"])
    wb.save(tmp_path / "exit.xlsx")
    fill_form(ledger, tmp_path / "exit.xlsx", tmp_path / "out.xlsx", period="2026-10", today=TODAY)
    table = monitoring_table(ledger, "2026-10", pool="exit_risk", today=TODAY)
    ws = load_workbook(tmp_path / "out.xlsx").active
    assert len(table.rows) == 3
    for i, r in enumerate(table.rows):
        revenue = r.measures["revenue"]
        got = [ws.cell(3 + i, c).value for c in range(1, 6)]
        assert got[:2] == [i + 1, r.name]
        assert got[2] == pytest.approx(revenue.cumulative / 10_000)
        assert got[3] == pytest.approx(revenue.cumulative_last_year / 10_000)
        assert got[4] == pytest.approx(revenue.cumulative_growth)
        flags = "；".join(f"{FLAG_NAMES.get(f.code, f.code)}：{f.text}" for f in r.flags)
        assert ws.cell(3 + i, 6).value == (flags or None)
    assert any(r.flags for r in table.rows)  # the rules do say something about them
    assert ws.cell(6, 3).value == pytest.approx(table.totals["revenue"].cumulative / 10_000)
    assert ws.cell(6, 4).value == pytest.approx(table.totals["revenue"].cumulative_last_year / 10_000)


def test_cancelled_fill_writes_nothing(ledger, tmp_path):
    template = statistics_form(tmp_path / "t.xlsx")
    with pytest.raises(ImportCancelled):
        fill_form(ledger, template, tmp_path / "out.xlsx", period="2026-10", today=TODAY, cancel=lambda: True)
    assert sorted(tmp_path.glob("*.xlsx")) == [template]


def test_a_template_without_placeholders_or_not_xlsx_is_refused(ledger, tmp_path):
    wb = Workbook()
    wb.active["A1"] = "统计月报"
    wb.save(tmp_path / "plain.xlsx")
    assert "没有任何{{字段}}" in check_form(ledger, tmp_path / "plain.xlsx", today=TODAY).problems[0]
    (tmp_path / "t.xls").write_bytes(b"not really")
    with pytest.raises(UserError, match="不是.xlsx文件"):
        check_form(ledger, tmp_path / "t.xls", today=TODAY)
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="无法读取模板"):
        check_form(ledger, tmp_path / "bad.xlsx", today=TODAY)


@needs_poppler
def test_printed_form_has_the_values_totals_titles_and_signature_lines(ledger, tmp_path):
    template = statistics_form(tmp_path / "月报.xlsx", region="{{#企业}}{{序号}}")
    out = tmp_path / "月报.pdf"
    info = print_form(ledger, template, out, period="2026-10", today=TODAY)
    assert info["rows"] == 40
    pages = pdf_pages(out)
    assert len(pages) >= 2
    assert_fonts_embedded(out)
    assert_page_footers(pages)
    text = flat("".join(pages))
    table = monitoring_table(ledger, "2026-10", pool="规上", today=TODAY)
    for r in table.rows[:5]:
        assert flat(r.name) in text
    # the SUM total as Excel shows it (the column's 0.00 format), and the form's heading on every page
    total = sum(r["revenue"] or 0 for r in ledger.rows("SELECT revenue FROM monthly_figures WHERE period = '2026-10'"))
    assert f"{total / 10_000:,.2f}" in text
    assert all("营业收入（万元）" in flat(p) for p in pages)
    # the form has 负责人 but no 填表人: the signature lines are added under it
    assert "填表人" in text and "联系电话" in text
    with pytest.raises(UserError, match=r"应以\.pdf结尾"):
        print_form(ledger, template, tmp_path / "x.xlsx", today=TODAY)
