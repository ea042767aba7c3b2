"""What people type is kept as they typed it (#15 item 4).

Names are stored as given (trimmed, spaces collapsed) and matched by a key that ignores
width, brackets and spaces; narratives keep their punctuation and paragraphs through the
CLI, the service, the PDF reports and the exports; old flattened data is left as it is.
"""

from __future__ import annotations

import pytest
from excel_build import credit, write_xlsx
from openpyxl import load_workbook

from shengui_desktop.cli import main
from shengui_desktop.domain.records import validate_issue, validate_visit
from shengui_desktop.domain.text import clean, clean_name, clean_narrative, match_key
from shengui_desktop.errors import ValidationError
from shengui_desktop.services.excel import export_table, import_file
from shengui_desktop.services.ledger import reference
from shengui_desktop.services.ledger.enterprises import (create_enterprise, ledger_rows,
                                                       update_enterprise)
from shengui_desktop.services.ledger.visits import add_visit, list_visits
from shengui_desktop.services.reports import print_report, resolve_filters
from shengui_desktop.storage.files import open_ledger
from shengui_desktop.ui.ledger.index import EnterpriseIndex, Filters

from conftest import PASSWORD
from reports_helpers import TODAY, needs_poppler, pdf_pages

LICENCE_NAME = "盂县晋航（山西）耐材有限公司"
LIST_NAME = "盂县晋航(山西)耐材有限公司"
SUMMARY = "第一段：生产正常，订单饱满。\n第二段：用电（千瓦时）增长！"
FLATTENED = "第一段:生产正常,订单饱满。 第二段:用电(千瓦时)增长!"  # what was stored before


def _jinhang(ledger, name=LICENCE_NAME, **more) -> str:
    enterprise_id, _ = create_enterprise(ledger, {"credit_code": credit(1), "name": name,
                                                  "township_code": "140322100", **more})
    return enterprise_id


def _changes_to(ledger, table: str) -> int:
    return ledger.scalar("SELECT count(*) FROM change_log WHERE tbl = ?", (table,))


# -- the three kinds of text --------------------------------------------------------------
def test_names_keep_width_and_brackets_and_lose_only_stray_spaces():
    assert clean_name(f"  {LICENCE_NAME} ") == LICENCE_NAME
    assert clean_name("盂县晋航（山西）　 耐材\n有限公司") == "盂县晋航（山西） 耐材 有限公司"
    assert clean_name(None) == ""
    # codes, numbers and dates are still normalised
    assert clean("９１１４０３２２　ＭＡ") == "91140322 MA"


def test_one_match_key_for_every_spelling_of_a_name():
    spellings = [LICENCE_NAME, LIST_NAME, "盂县晋航 (山西) 耐材有限公司", "盂县晋航【山西】耐材有限公司",
                 "盂县晋航［山西］耐材有限公司", "盂县晋航（山西）耐材有限公司\u200b"]
    assert {match_key(s) for s in spellings} == {LIST_NAME}
    assert match_key("ＡＢＣ１２３公司") == match_key("abc123公司") == "abc123公司"
    assert match_key("盂县晋航（山西）耐材") != match_key("盂县金航（山西）耐材")


def test_narratives_keep_paragraphs_and_punctuation():
    assert clean_narrative(SUMMARY) == SUMMARY
    typed = "\r\n\u3000\u3000第一段：生产正常。  \r\n\r\n第二段（待核）！\t \r\n \r\n"
    assert clean_narrative(typed) == "\u3000\u3000第一段：生产正常。\n\n第二段（待核）！"


def test_control_characters_in_a_narrative_are_refused_in_chinese():
    with pytest.raises(ValidationError) as e:
        validate_visit({"visit_date": "2024-03-05", "visitors": "张三", "summary": "订单\x07饱满"})
    assert "走访情况含有不可见的控制字符（U+0007）" in e.value.problems["summary"]
    with pytest.raises(ValidationError) as e:
        validate_issue({"description": "融资\x0b难"})
    assert "问题描述" in e.value.problems["description"]
    # the tab and the line break are what people type
    assert validate_visit({"visit_date": "2024-03-05", "visitors": "张三",
                           "summary": "一\t二\n三"})["summary"] == "一\t二\n三"


# -- names through the service, the import and the search ---------------------------------
def test_an_enterprise_keeps_the_name_of_its_business_licence(county):
    enterprise_id = _jinhang(county, name=f" {LICENCE_NAME}  ", address="秀水镇（东关村）\n１号",
                             legal_person="王　伟", note="第一段。\n第二段！")
    stored = county.get("enterprises", enterprise_id)
    assert stored["name"] == LICENCE_NAME
    assert stored["address"] == "秀水镇（东关村）\n１号"
    assert stored["legal_person"] == "王 伟"
    assert stored["note"] == "第一段。\n第二段！"


def test_a_list_writing_half_width_brackets_finds_the_enterprise_and_renames_nothing(county, tmp_path):
    enterprise_id = _jinhang(county)
    before = _changes_to(county, "enterprises")
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["企业名称", "统一社会信用代码", "乡镇（街道）"],
        [LIST_NAME, credit(1), "秀水镇"],
        # another enterprise of the same name (a different code) is a suspected duplicate
        ["盂县晋航 （山西） 耐材有限公司", credit(2), "秀水镇"]])
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert result.updated == [] and result.unchanged == 1
    assert [c["credit_code"] for c in result.created] == [credit(2)]
    assert any("台账中已有同名企业" in w.message and w.row == 3 for w in result.warnings)
    assert county.get("enterprises", enterprise_id)["name"] == LICENCE_NAME
    # no change recorded for the enterprise that was there; the new one as the list writes it
    assert _changes_to(county, "enterprises") == before + 1
    assert county.scalar("SELECT name FROM enterprises WHERE credit_code = ?",
                         (credit(2),)) == "盂县晋航 （山西） 耐材有限公司"


def test_a_list_creates_enterprises_with_their_names_as_written(county, tmp_path):
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["企业名称", "统一社会信用代码", "乡镇（街道）", "地址", "备注"],
        [LICENCE_NAME, credit(1), "秀水　镇", "东关村（北）１号", "第一段：正常。\n第二段（待核）"]])
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert result.new_townships == []  # 秀水　镇 is 秀水镇
    row = county.one("SELECT * FROM enterprises WHERE credit_code = ?", (credit(1),))
    assert (row["name"], row["township_code"]) == (LICENCE_NAME, "140322100")
    assert row["address"] == "东关村（北）１号"
    assert row["note"] == "第一段：正常。\n第二段（待核）"


def test_old_flattened_data_stays_and_matches_the_licence_spelling(county, tmp_path):
    """A ledger of the earlier version holds (山西) and 1号 in half-width: nothing rewrites
    them, and a list in the licence's spelling is no change either."""
    enterprise_id = _jinhang(county, name=LIST_NAME, address="东关村(北)1号 北侧")
    before = _changes_to(county, "enterprises")
    path = write_xlsx(tmp_path / "名单.xlsx", [
        ["企业名称", "统一社会信用代码", "乡镇（街道）", "地址"],
        [LICENCE_NAME, credit(1), "秀水镇", "东关村（北）１号\n北侧"]])
    result = import_file(county, path)
    assert result.ok and result.updated == [] and result.unchanged == 1
    stored = county.get("enterprises", enterprise_id)
    assert (stored["name"], stored["address"]) == (LIST_NAME, "东关村(北)1号 北侧")
    assert _changes_to(county, "enterprises") == before
    # a person who corrects the name in the window stores exactly what they typed
    update_enterprise(county, enterprise_id, {"name": LICENCE_NAME})
    assert county.get("enterprises", enterprise_id)["name"] == LICENCE_NAME


def test_figures_found_by_either_spelling_of_the_name(county, tmp_path):
    enterprise_id = _jinhang(county)
    path = write_xlsx(tmp_path / "月报.xlsx", [
        ["企业名称", "月份", "营业收入（万元）"],
        [LIST_NAME, "2024-03", 120], ["盂县晋航 【山西】 耐材有限公司", "2024-04", 130]])
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert result.figures_created == 2
    assert county.scalar("SELECT count(*) FROM monthly_figures WHERE enterprise_id = ?",
                         (enterprise_id,)) == 2


def test_a_big_ledger_matches_names_it_does_not_read_whole(county, tmp_path):
    """Past twice the list's size the import asks the ledger for the names it needs
    (planner._load_existing): stored spellings other than the key are found too."""
    enterprise_id = _jinhang(county)
    for n in range(2, 8):
        create_enterprise(county, {"credit_code": credit(n), "name": f"其他企业{n}（ＡＢ）",
                                   "township_code": "140322101"})
    path = write_xlsx(tmp_path / "月报.xlsx", [
        ["企业名称", "月份", "营业收入（万元）"],
        [LIST_NAME, "2024-03", 120], ["其他企业5(ab)", "2024-03", 10]])
    result = import_file(county, path)
    assert result.ok, result.problem_lines()
    assert county.scalar("SELECT count(*) FROM monthly_figures WHERE enterprise_id = ?",
                         (enterprise_id,)) == 1
    assert county.scalar("SELECT count(*) FROM monthly_figures f JOIN enterprises e"
                         " ON e.id = f.enterprise_id WHERE e.credit_code = ?", (credit(5),)) == 1


@pytest.mark.parametrize("typed", [LICENCE_NAME, LIST_NAME, "晋航(山西)", "晋航（山西）耐材",
                                   "晋航 (山西)", "yxjh"])
def test_search_finds_the_enterprise_by_either_spelling(county, typed):
    enterprise_id = _jinhang(county)
    create_enterprise(county, {"credit_code": credit(2), "name": "盂县恒达机械有限公司",
                               "township_code": "140322100"})
    index = EnterpriseIndex(rows=ledger_rows(county))
    assert [row[0] for row in index.search(typed)] == [enterprise_id]
    assert [index.rows[i][0] for i in index.filter(Filters(text=typed))] == [enterprise_id]


def test_townships_and_departments_are_matched_by_key_and_stored_as_given(county):
    assert reference.township_by_name(county, "秀水　镇")["code"] == "140322100"
    first = reference.add_department(county, "开发区（经开区）")
    assert county.get("departments", first)["name"] == "开发区（经开区）"
    assert reference.add_department(county, "开发区(经开区)") == first
    assert reference.department_id(county, " 开发区 （经开区）") == first
    # the id is the one the earlier version gave this department (its name normalised)
    assert first == reference.reference_id("department", "开发区(经开区)")


def test_a_width_difference_is_not_a_renamed_reentry():
    from shengui_desktop.domain.policy_rules import Facts

    facts = Facts.__new__(Facts)
    facts.name = LICENCE_NAME
    facts.earlier_periods = [(LIST_NAME, "2020-01-01", "2022-12-31"),
                             ("盂县晋航耐材厂", "2015-01-01", "2017-12-31")]
    assert facts.renamed_periods == [("盂县晋航耐材厂", "2015-01-01", "2017-12-31")]


# -- narratives through the CLI, the PDF and the export ------------------------------------
@pytest.fixture
def cli_ledger(county, monkeypatch):
    """The county ledger with 晋航, closed so that the command line opens it."""
    _jinhang(county)
    monkeypatch.setenv("SHENGUI_PASSPHRASE", PASSWORD)
    path = county.path
    county.close()
    return path


def test_visit_add_on_the_command_line_keeps_the_paragraphs(cli_ledger, capsys):
    code = main(["visit", "add", "--db", str(cli_ledger), "--credit-code", credit(1),
                 "--date", "2024-03-05", "--visitors", "张三、李四", "--summary", SUMMARY,
                 "--demands", "希望协调（流动资金）贷款。\n尽快！",
                 "--issue", "finance:融资难：\n缺流动资金（500万元）", "--department", "工信局"])
    out, err = capsys.readouterr()
    assert code == 0, err
    with open_ledger(cli_ledger, passphrase=PASSWORD, user="admin") as ledger:
        visit = list_visits(ledger)[0]
        issue = ledger.one("SELECT description FROM issues")
    assert visit["summary"] == SUMMARY and visit["summary"] != FLATTENED
    assert visit["demands"] == "希望协调（流动资金）贷款。\n尽快！"
    assert issue["description"] == "融资难：\n缺流动资金（500万元）"


def test_a_control_character_on_the_command_line_is_a_chinese_error(cli_ledger, capsys):
    code = main(["visit", "add", "--db", str(cli_ledger), "--credit-code", credit(1),
                 "--date", "2024-03-05", "--visitors", "张三", "--summary", "订单\x1b[0m饱满"])
    _, err = capsys.readouterr()
    assert code != 0 and "走访情况含有不可见的控制字符（U+001B）" in err


def _visited(county) -> str:
    enterprise_id = _jinhang(county, address="秀水镇东关村\n（北门）")
    add_visit(county, enterprise_id, {"visit_date": "2026-03-05", "visitors": "张三",
                                      "summary": SUMMARY, "demands": "无"},
              [{"description": "融资难：\n缺流动资金（500万元）", "category": "finance"}])
    return enterprise_id


def _lines_with(pages: list[str], text: str) -> list[str]:
    return [line for page in pages for line in page.splitlines() if text in line]


@needs_poppler
def test_the_visits_pdf_prints_the_summary_in_its_paragraphs(county, tmp_path):
    _visited(county)
    out = tmp_path / "visits.pdf"
    print_report(county, "visits", out, resolve_filters(county, today=TODAY, year=2026),
                 printed_on=TODAY)
    pages = pdf_pages(out)
    first = _lines_with(pages, "第一段：生产正常，订单饱满。")
    second = _lines_with(pages, "第二段：用电（千瓦时）增长！")
    assert len(first) == 1 and len(second) == 1
    assert "第二段" not in first[0]  # a line of its own, as typed


@needs_poppler
def test_the_dossier_and_the_issue_ledger_print_paragraphs_too(county, tmp_path):
    _visited(county)
    out = tmp_path / "issues.pdf"
    print_report(county, "issues", out, resolve_filters(county, today=TODAY, year=2026),
                 printed_on=TODAY)
    pages = pdf_pages(out)
    assert "缺流动资金" not in _lines_with(pages, "融资难：")[0]
    out = tmp_path / "dossier.pdf"
    print_report(county, "dossier", out, resolve_filters(county, today=TODAY, credit_code=credit(1)),
                 printed_on=TODAY)
    pages = pdf_pages(out)
    assert "第二段" not in _lines_with(pages, "第一段：生产正常，订单饱满。")[0]
    assert "（北门）" not in _lines_with(pages, "秀水镇东关村")[0]


def test_the_export_shows_the_paragraphs_in_a_wrapping_cell(county, tmp_path):
    _visited(county)
    out = tmp_path / "visits.xlsx"
    export_table(county, "visits", out, today=TODAY)
    sheet = load_workbook(out).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == SUMMARY]
    assert len(cells) == 1 and cells[0].alignment.wrap_text
    # a one-line cell is left as it was
    one_line = [c for row in sheet.iter_rows() for c in row if c.value == "张三"]
    assert one_line and not one_line[0].alignment.wrap_text


def test_an_exported_list_imports_back_as_no_change(county, tmp_path):
    _visited(county)
    out = tmp_path / "enterprises.xlsx"
    export_table(county, "enterprises", out, today=TODAY)
    result = import_file(county, out, dry_run=True)
    assert result.ok, result.problem_lines()
    assert result.updated == [] and result.unchanged == 1


# -- the window ------------------------------------------------------------------------------
def test_the_window_keeps_a_visit_in_its_paragraphs_and_finds_either_spelling(
        qtbot, county, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt

    from test_ui_support import open_window, type_text

    monkeypatch.setattr("shengui_desktop.ui.visits.form.show_error",
                        lambda _p, e, *a: pytest.fail(str(e)))
    enterprise_id = _jinhang(county)
    window = open_window(qtbot, county, tmp_path)
    page = window.ledger_page
    window.show_page("企业台账")
    type_text(qtbot, page.search, "(")
    type_text(qtbot, page.search, "山西)")
    assert page.model.rowCount() == 1 and page.model.text(0, "name") == LICENCE_NAME
    form = window.new_visit(enterprise_id)
    qtbot.addWidget(form)
    type_text(qtbot, form.visitors, "张三")
    first, second = SUMMARY.split("\n")
    type_text(qtbot, form.summary, first)
    qtbot.keyClick(form.summary, Qt.Key.Key_Return)
    type_text(qtbot, form.summary, second)
    form.save()
    assert form.saved_visit_id is not None
    assert visits_of(county, enterprise_id) == [SUMMARY]
    window.close()


def visits_of(ledger, enterprise_id: str) -> list[str]:
    return [v["summary"] for v in list_visits(ledger, enterprise_id=enterprise_id)]


def test_report_filters_name_a_township_or_department_in_either_spelling(county):
    first = reference.add_department(county, "开发区（经开区）")
    filters = resolve_filters(county, today=TODAY, township="秀水 镇", department="开发区(经开区)")
    assert (filters.township_code, filters.department_id) == ("140322100", first)
